/**
 * The region compiler: a region's blocks become one JavaScript function (compiled by V8 through
 * `new Function`) that runs them with the general registers in locals, flags resolved at compile
 * time (flag-state.ts), memory accessed inline through the TLB, and the region's loop as a real loop
 * with an instruction budget.
 *
 * Exactness rules:
 * - An instruction compiled inline first checks everything that could make it behave differently
 *   from its fast path (segment limits and rights, alignment checking, a TLB entry allowing the access
 *   on the fast path, a page-crossing access); only then does it change state. If a check fails the
 *   compiled code writes its registers and flags back and runs that one instruction with the block
 *   interpreter's handler, which is the interpreter's exact semantics (slow paths, faults, device
 *   accesses, self-modifying-code invalidation); a fault propagates to run() with EIP and the
 *   instruction count as the interpreter leaves them (Cpu.jitPartial).
 * - Instructions without an inline form always run through their handler that way.
 * - After any handler call the compiled code continues only if nothing the region relies on changed
 *   (the handler reports that, as in the block interpreter); otherwise it returns.
 * - The budget is checked on every edge before a block is entered, so run(budget) never overshoots.
 * - A region may be compiled for what holds when it is compiled (flat data segments, alignment checking
 *   off) and leave out those checks; it verifies them at its entry and drops itself when they no longer
 *   hold (leaveSpecialised), and leaves after any handler that loaded a segment register (runHandler).
 */
import type { Cpu } from "../cpu.js";
import { LZ_ADC, LZ_ADD, LZ_DEC, LZ_INC, LZ_LOGIC, LZ_RESULT, LZ_SBB, LZ_SUB } from "../core/lazy-flags.js";
import type { DecodedInsn } from "../blocks/decoded-insn.js";
import { ATTR_FOLLOWED, ATTR_GENERIC } from "../blocks/decoded-insn.js";
import type { Block, RegionFn } from "../blocks/block.js";
import { CC_FLAGS, conditionExpr, F_AF, F_CF, F_OF, F_PF, F_SF, F_ZF, flagExpr, FlagState, setLazy, writeback, type Producer } from "./flag-state.js";
import { finalSuccessors, type Region } from "./region.js";
import { compileAllowed, inlineAllowed, recordRegion } from "./diagnostics.js";
import { CR0_EM, CR0_MP, CR0_TS, CR4_TSD } from "../core/registers.js";
import {
  X87_ARITH, X87_ARITH_FLOAT, X87_COMPARE_FLAGS, X87_EXCHANGE, X87_FNSTSW_AX, X87_GENERAL, X87_LOAD_FLOAT, X87_LOAD_REG, X87_REGISTER, X87_STORE_FLOAT, X87_STORE_REG,
  x87AddRegister, x87ArithFloat, x87CompareToFlags, x87DivRegister, x87Exchange, x87ExecuteRegister, x87LoadFloat, x87LoadRegister, x87MulRegister, x87StoreFloatBits,
  x87StoreFloatDone, x87StoreRegister,
} from "../fpu/x87-decoded.js";
import { FPU_SW_C1, FPU_SW_ES } from "../fpu/x87-control-status.js";
import { floatStore } from "../fpu/x87-opcodes.js";
import { DOUBLE_PATH_NONE } from "../fpu/float80.js";
import { DOUBLE_SAFE_MAX, DOUBLE_SAFE_MIN, DOUBLE_SPLITTER } from "../fpu/float80-double-path.js";
import { CPU_BASED_PAUSE_EXITING, CPU_BASED_RDTSC_EXITING } from "../vmx/capabilities.js";

const ALL = 0x3f;
const NOT_CF = 0x3e;
const SS = 2;
const ESP = 4;

/** The parity flag as 0/1 by low result byte (SDM vol. 1 §3.4.3.1). */
const PAR = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i, p = 1;
  while (b) {
    p ^= b & 1;
    b >>= 1;
  }
  PAR[i] = p;
}

/** ALU op (group-1 order) → lazy kind. */
const ALU_KIND = [LZ_ADD, LZ_LOGIC, LZ_ADC, LZ_SBB, LZ_LOGIC, LZ_SUB, LZ_LOGIC, LZ_SUB];

/** Per instruction, what the liveness analysis needs: flags read, flags written, and whether it may leave the region. */
interface FlagEffect {
  use: number;
  def: number;
  exits: boolean;
}

function aluOp(d: DecodedInsn): number {
  return d.op < 0x40 ? d.op >> 3 : d.reg;
}

/** The inline-compilable forms; anything else runs through its handler. */
function inlineKind(d: DecodedInsn, region: Region): string | null {
  const k = inlineFormOf(d, region);
  return k !== null && !inlineAllowed(k) ? null : k;
}
/** The inline form of an instruction by its opcode, before the diagnostics switches. */
function inlineFormOf(d: DecodedInsn, region: Region): string | null {
  const op = d.op;
  // PAUSE and RDTSC have no block-interpreter handler (step() runs them) but a guarded inline form.
  if (!d.lock && op === 0x90 && d.rep === 1) return "pause";
  if (!d.lock && op === 0x131) return "rdtsc";
  if ((d.attrs & ATTR_GENERIC) !== 0) return null;
  if (op < 0x40 && (op & 7) < 6) return "alu";
  // The x87 forms with a direct entry (fpu/x87-decoded.ts); the rest (memory operands, FCOMI, FCMOVcc,
  // undefined forms) run through their handler like any instruction without an inline form.
  if (op >= 0xd8 && op <= 0xdf) return d.imm2 !== X87_GENERAL ? "x87" : null;
  if (op === 0x9b) return "fwait";
  if (op >= 0x40 && op <= 0x4f) return "incdec";
  if (op >= 0x50 && op <= 0x57) return "push";
  if (op === 0x68 || op === 0x6a) return "push";
  if (op >= 0x58 && op <= 0x5f) return "pop";
  if ((op >= 0x70 && op <= 0x7f) || (op >= 0x180 && op <= 0x18f)) return d.imm >>> 0 > region.csLimit >>> 0 ? null : "jcc";
  if (op === 0xeb || op === 0xe9) {
    if ((d.attrs & ATTR_FOLLOWED) !== 0) return "jmpf";
    return d.imm >>> 0 > region.csLimit >>> 0 ? null : "jmp";
  }
  if (op >= 0xe0 && op <= 0xe3) return d.imm >>> 0 > region.csLimit >>> 0 ? null : "loop";
  if (op === 0xe8) return d.imm >>> 0 > region.csLimit >>> 0 ? null : "call";
  if (op === 0xc3 || op === 0xc2) return "ret";
  if (op >= 0x80 && op <= 0x83) return "alu";
  if (op === 0x84 || op === 0x85 || op === 0xa8 || op === 0xa9) return "test";
  if (op === 0xf6 || op === 0xf7) return d.reg < 4 ? "group3" : null;
  if (op === 0xfe || op === 0xff) return d.reg < 2 ? "incdec" : null;
  if (op >= 0x88 && op <= 0x8b) return "mov";
  if (op >= 0xb0 && op <= 0xbf) return "movimm";
  if (op === 0xc6 || op === 0xc7) return d.reg === 0 ? "movimm" : null;
  if (op >= 0xa0 && op <= 0xa3) return "moffs";
  if (op === 0x8d) return d.mem ? "lea" : null;
  if (op === 0x1b6 || op === 0x1b7 || op === 0x1be || op === 0x1bf) return "movx";
  if (op >= 0x91 && op <= 0x97) return "xchg";
  if (op === 0x90) return d.rep === 1 ? null : "nop";
  if (op === 0x98 || op === 0x99) return "convert";
  if (op === 0xf5 || op === 0xf8 || op === 0xf9) return "carry";
  if (op >= 0x190 && op <= 0x19f) return "setcc";
  if (op >= 0x140 && op <= 0x14f) return "cmovcc";
  if ((op === 0xc1 || op === 0xd1) && d.o32 && !d.mem && (d.reg === 4 || d.reg === 5 || d.reg === 7)) {
    return ((op === 0xd1 ? 1 : d.imm) & 0x1f) === 0 ? null : "shift";
  }
  if ((op === 0xc1 || op === 0xd1) && d.o32 && !d.mem && d.reg < 2) {
    return ((op === 0xd1 ? 1 : d.imm) & 0x1f) === 0 ? null : "rotate";
  }
  if ((op === 0x1af || op === 0x69 || op === 0x6b) && d.o32) return "imul";
  return null;
}

function flagEffect(d: DecodedInsn, kind: string | null): FlagEffect {
  if (kind === null) return { use: ALL, def: 0, exits: true };
  const mem = d.mem;
  switch (kind) {
    case "alu": {
      const op = aluOp(d);
      return { use: op === 2 || op === 3 ? 1 : 0, def: ALL, exits: mem };
    }
    case "incdec": return { use: 0, def: NOT_CF, exits: mem };
    case "test": return { use: 0, def: ALL, exits: mem };
    case "group3": return { use: 0, def: d.reg === 3 || d.reg < 2 ? ALL : 0, exits: mem };
    // A branch may leave the block (a side exit, or the edges at its end): everything is live there.
    case "jcc": return { use: CC_FLAGS[d.op & 0xf]!, def: 0, exits: true };
    case "loop": return { use: d.op === 0xe0 || d.op === 0xe1 ? 0x08 : 0, def: 0, exits: true };
    case "setcc":
    case "cmovcc":
      return { use: CC_FLAGS[d.op & 0xf]!, def: 0, exits: mem };
    case "carry": return { use: d.op === 0xf5 ? 1 : 0, def: 1, exits: false };
    // Their slow path (a VM exit, #GP; #NM, #MF or FERR# for the x87) may leave the region.
    case "pause":
    case "rdtsc":
    case "fwait":
      return { use: 0, def: 0, exits: true };
    // FCOMI/FUCOMI(P) write all six (ZF PF CF by the relation, OF SF AF cleared).
    case "x87": return { use: 0, def: d.imm2 === X87_COMPARE_FLAGS ? ALL : 0, exits: true };
    case "shift":
    case "imul":
      return { use: 0, def: ALL, exits: mem };
    // ROL/ROR write CF and OF only (SDM vol. 2B RCL/RCR/ROL/ROR: SF, ZF, AF and PF are unaffected).
    case "rotate": return { use: 0, def: (1 << F_CF) | (1 << F_OF), exits: false };
    case "push":
    case "pop":
    case "call":
    case "ret":
    case "mov":
    case "movimm":
    case "moffs":
    case "movx":
      return { use: 0, def: 0, exits: kind === "mov" || kind === "movimm" || kind === "movx" ? mem : true };
    default:
      return { use: 0, def: 0, exits: false };
  }
}

/**
 * A handler called from compiled code (generated code calls it as `X`): `partial` instructions of the
 * region retired before it, which a fault reports through Cpu.jitPartial (left set when the handler
 * throws). Returns -1 when the region may go on, otherwise what the region returns: the instructions
 * retired. One shared function instead of the same statements at every call-out keeps regions small.
 */
function runHandler(cpu: Cpu, d: DecodedInsn, partial: number): number {
  cpu.jitPartial = partial;
  cpu.insnStart = d.eip;
  const segGen = cpu.segGen;
  const rc = d.exec(cpu, d);
  cpu.jitPartial = 0;
  if (rc === 0) {
    if (cpu.segGen === segGen) return -1;
    // A segment register was loaded: the region's copies of the segment windows are stale, so it leaves
    // after this instruction instead of reloading them at every call-out.
    cpu.eip = d.after;
    return partial + 1;
  }
  // 3: the instruction caused a VM exit and did not complete; 2: it completed and execution continues
  // after it; otherwise it completed and set EIP itself.
  if (rc === 3) return partial;
  if (rc === 2) cpu.eip = d.after;
  return partial + 1;
}

/**
 * Entry blocks whose region found what it was compiled for (flat segments, no alignment checking) no
 * longer true at its entry: their regions are compiled with the general checks from then on (a region
 * is not recompiled back and forth).
 */
const general = new WeakSet<Block>();

/**
 * A region entered while a segment it was compiled for as flat is not, or alignment checking is on now
 * (generated code calls it as `F`): the region is dropped, to be compiled again with the general checks,
 * and runs nothing (0: the block interpreter runs the entry block).
 */
function leaveSpecialised(b: Block): number {
  general.add(b);
  b.region = null;
  b.heat = 0;
  return 0;
}

/** A misaligned 32-bit load within a page (generated code calls it as `U4`). */
function load32Unaligned(u8: Uint8Array, x: number): number {
  return u8[x]! | (u8[x + 1]! << 8) | (u8[x + 2]! << 16) | (u8[x + 3]! << 24);
}

/** A misaligned 32-bit store within a page (generated code calls it as `S4`). */
function store32Unaligned(u8: Uint8Array, x: number, v: number): void {
  u8[x] = v;
  u8[x + 1] = v >> 8;
  u8[x + 2] = v >> 16;
  u8[x + 3] = v >> 24;
}

/** A flat segment (SDM vol. 3A §3.2.1 "basic flat model"): base 0, limit 4 GiB, expand-up, readable and writable. */
function segmentFlat(cpu: Cpu, s: number): boolean {
  return cpu.segBase[s] === 0 && cpu.segLo[s] === 0 && cpu.segHi[s] === 0xffffffff && cpu.segRw[s] === 3;
}

/** The general registers an inline form's handler may change when it completes (bit r: register r). */
function handlerWrites(d: DecodedInsn, kind: string): number {
  const byteReg = (r: number): number => (r >= 4 ? 1 << (r - 4) : 1 << r);
  const dest = (size1: boolean): number => (size1 ? byteReg(d.reg) : 1 << d.reg);
  switch (kind) {
    case "alu":
      // Only the "reg, r/m" forms (02/03, 0A/0B, ...) write a register; CMP (op 7) writes none.
      return d.op < 0x40 && (d.op & 7) >= 2 && (d.op & 7) < 4 && aluOp(d) !== 7 ? dest((d.op & 1) === 0) : 0;
    case "incdec":
    case "test":
    case "group3":
    case "movimm":
    case "setcc":
      return d.mem ? 0 : 0xff;
    case "mov": return d.op >= 0x8a ? dest((d.op & 1) === 0) : 0;
    case "moffs": return d.op <= 0xa1 ? 1 : 0;
    case "movx":
    case "cmovcc":
    case "imul":
      return 1 << d.reg;
    case "push":
    case "call":
    case "ret":
      return 1 << ESP;
    case "pop": return (1 << ESP) | (1 << (d.op & 7));
    case "pause": return 0;
    case "rdtsc": return (1 << 0) | (1 << 2);
    // The x87 forms compiled inline touch no general register but FNSTSW AX; nor does WAIT.
    case "x87": return d.imm2 === X87_FNSTSW_AX ? 1 : 0;
    case "fwait": return 0;
    default: return 0xff;
  }
}

/** Receives the source of every compiled region (debugging, tests); see setJitSourceListener. */
let sourceListener: ((entryEip: number, source: string) => void) | null = null;

/** Installs (or removes, with null) a listener for the JavaScript source of each compiled region. */
export function setJitSourceListener(fn: ((entryEip: number, source: string) => void) | null): void {
  sourceListener = fn;
}

/** A compiled region and the size of its generated source (what it costs the JIT's code budget). */
export interface CompiledRegion {
  fn: RegionFn;
  bytes: number;
}

/** Compiles a region; null when nothing in it is worth compiling. Throws on internal errors (the caller declines). */
export function compileRegion(cpu: Cpu, region: Region): CompiledRegion | null {
  const g = new Generator(cpu, region);
  const body = g.generate();
  if (body === null) return null;
  const describe = (): string =>
    `entry eip ${(region.entry.eip >>> 0).toString(16)} linear ${(region.entry.lin >>> 0).toString(16)}\n` +
    region.blocks.map((b) => b.insns.map((d) => `${(d.eip >>> 0).toString(16)}:${d.op.toString(16)}`).join(" ")).join("\n") +
    `\n${body}`;
  if (!compileAllowed(describe)) return null;
  sourceListener?.(region.entry.eip, body);
  // The JIT's reason to exist: V8 compiles the generated source (see the file comment for what it may contain).
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const make = new Function("cpu", "D", "PAR", "tF", "tO", "tC", "U8", "I32", "X", "L", "F", "B", "U4", "S4", "XA", "XM", "XD", "XL", "XS", "XX", "XR", "XLF", "XSB", "XSD", "XAF", "XST", "XCF", body) as (...args: unknown[]) => RegionFn;
  recordRegion(g.insns.length, g.memInsns, body.length, g.slowBytes, g.callOutBytes);
  return { fn: make(cpu, g.insns, PAR, cpu.tlbFast, cpu.tlbOffset, cpu.tlbChunk, cpu.u8s, cpu.i32s, runHandler, setLazy, leaveSpecialised, region.entry, load32Unaligned, store32Unaligned, x87AddRegister, x87MulRegister, x87DivRegister, x87LoadRegister, x87StoreRegister, x87Exchange, x87ExecuteRegister, x87LoadFloat, x87StoreFloatBits, x87StoreFloatDone, x87ArithFloat, floatStore, x87CompareToFlags), bytes: body.length };
}

class Generator {
  readonly insns: DecodedInsn[] = [];
  private readonly kinds: (string | null)[] = [];
  /** Index of each block's first instruction in `insns`. */
  private readonly firstInsn: number[] = [];
  private readonly liveIn: number[];
  private readonly preds: number[];
  private readonly entryStates: (FlagState | null)[];
  private out: string[] = [];
  /** Per line of `out`: 0 fast code, 1 an inline form's slow path, 2 an instruction only its handler runs (statistics). */
  private outTag: number[] = [];
  private tag = 0;
  /** Statistics for diagnostics.ts: inline memory accesses, bytes of slow paths and of handler-only instructions. */
  memInsns = 0;
  slowBytes = 0;
  callOutBytes = 0;
  private state = new FlagState();
  private regsUsed = 0;
  private regsWritten = 0;
  private segsUsed = 0;
  /** Segments flat when the region is compiled (bit per segment), and those its accesses assume flat. */
  private readonly flat: number;
  private flatUsed = 0;
  /** Alignment checking was off when the region was compiled (Cpu.acMask 0), and accesses rely on it. */
  private readonly noAlignCheck: boolean;
  private alignUsed = false;
  /** The region calls into the x87 (FX: the processor's FPU, loaded at entry). */
  private x87Used = false;
  private locals: string[] = [];
  /** The block being emitted, the current instruction's index in it and in the region. */
  private blockIndex = 0;
  private posInBlock = 0;
  private k = 0;

  constructor(
    private readonly cpu: Cpu,
    private readonly region: Region,
  ) {
    for (const b of region.blocks) {
      this.firstInsn.push(this.insns.length);
      for (const d of b.insns) {
        this.insns.push(d);
        this.kinds.push(inlineKind(d, region));
      }
    }
    const nb = region.blocks.length;
    this.preds = new Array<number>(nb).fill(0);
    region.succ.forEach((ss, bi) => {
      for (const t of ss) {
        const j = this.blockAt(t);
        if (j >= 0 && this.inRegion(bi, j)) this.preds[j]!++;
      }
    });
    this.liveIn = this.liveness();
    let flat = 0;
    const specialise = !general.has(region.entry);
    if (specialise) for (let s = 0; s < 6; s++) if (segmentFlat(cpu, s)) flat |= 1 << s;
    this.flat = flat;
    this.noAlignCheck = specialise && cpu.acMask === 0;
    this.entryStates = new Array<FlagState | null>(nb).fill(null);
  }

  private blockAt(eip: number): number {
    return this.region.blocks.findIndex((b) => b.eip === eip);
  }

  /** True when edges from block `from` to `to` stay inside the region. */
  private inRegion(from: number, to: number): boolean {
    return to === 0 || (to > from && to >= 0);
  }

  /**
   * Flags live at each block's entry. Every edge between blocks carries a budget check that may leave
   * the region, so all flags are live at every block's end; a block's entry needs what it reads, or
   * everything if it may leave before redefining them.
   */
  private liveness(): number[] {
    return this.region.blocks.map((b, bi) => {
      let l = ALL;
      const first = this.firstInsn[bi]!;
      for (let i = b.insns.length - 1; i >= 0; i--) {
        const e = flagEffect(this.insns[first + i]!, this.kinds[first + i]!);
        l = e.exits ? ALL : (l & ~e.def) | e.use;
      }
      return l;
    });
  }

  // ---------------- code helpers ----------------

  private emit(s: string): void {
    this.out.push(s);
    this.outTag.push(this.tag);
  }

  private local(name: string): string {
    this.locals.push(name);
    return name;
  }

  private reg(r: number, size: number): string {
    this.regsUsed |= 1 << r;
    if (size === 4) return `r${r}`;
    if (size === 2) return `(r${r} & 65535)`;
    if (r < 4) return `(r${r} & 255)`;
    this.regsUsed |= 1 << (r - 4);
    return `((r${r - 4} >> 8) & 255)`;
  }

  private setReg(r: number, size: number, v: string): string {
    if (size === 1 && r >= 4) {
      this.regsUsed |= 1 << (r - 4);
      this.regsWritten |= 1 << (r - 4);
      return `r${r - 4} = (r${r - 4} & -65281) | ((${v} & 255) << 8);`;
    }
    this.regsUsed |= 1 << r;
    this.regsWritten |= 1 << r;
    if (size === 4) return `r${r} = ${v};`;
    if (size === 2) return `r${r} = (r${r} & -65536) | (${v} & 65535);`;
    return `r${r} = (r${r} & -256) | (${v} & 255);`;
  }

  /** The memory operand's offset, as decodeModrm computes it. */
  private ea(d: DecodedInsn): string {
    const parts: string[] = [];
    if (d.disp !== 0 || (d.base < 0 && d.index < 0)) parts.push(`(${d.disp})`);
    if (d.base >= 0) parts.push(this.reg(d.base, 4));
    if (d.index >= 0) parts.push(d.scale === 0 ? this.reg(d.index, 4) : `(${this.reg(d.index, 4)} << ${d.scale})`);
    return d.a32 ? `((${parts.join(" + ")}) | 0)` : `((${parts.join(" + ")}) & 65535)`;
  }

  /**
   * Guards for an access of `size` bytes at segment `seg`, offset expression `off` (mode r, w or rw):
   * every check that could send the interpreter off its fast path, each breaking to `slow`. Leaves the
   * linear address in t_l, the chunk in t_c and the byte index in t_x.
   */
  private guard(seg: number, off: string, size: number, mode: "r" | "w" | "rw", slow: string): void {
    if ((this.flat & (1 << seg)) !== 0) {
      // A flat segment (checked at the region's entry) allows every offset whose access does not wrap
      // past 4 GiB, and such an access crosses a page: the page check below sends it to the handler.
      this.flatUsed |= 1 << seg;
      this.emit(`t_l = t_o = ${off};`);
    } else {
      this.segsUsed |= 1 << seg;
      const hi = mode === "r" ? `shr${seg}` : `shw${seg}`;
      this.emit(`t_o = ${off}; t_u = t_o >>> 0;`);
      this.emit(`if (t_u < slo${seg} || t_u + ${size - 1} > ${hi}) break ${slow};`);
      this.emit(`t_l = (sb${seg} + t_o) | 0;`);
    }
    // Alignment checking (#AC) is off in nearly all code: checked once at the region's entry then.
    if (size > 1 && this.noAlignCheck) this.alignUsed = true;
    else if (size > 1) this.emit(`if ((t_l & ${size - 1} & acM) !== 0) break ${slow};`);
    const m = mode === "r" ? "rdM" : mode === "w" ? "wrM" : "rwM";
    this.emit(`t_p = t_l >>> 12;`);
    this.emit(`if ((tF[t_p] & ${m}) !== ${m} || (t_l & 4095) > ${4096 - size}) break ${slow};`);
    this.emit(`t_x = tO[t_p] | (t_l & 4095); t_c = tC[t_p];`);
  }

  /** Expression reading the guarded location. */
  private load(size: number): string {
    if (size === 1) return "U8[t_c][t_x]";
    if (size === 2) return "(t_m = U8[t_c], t_m[t_x] | (t_m[t_x + 1] << 8))";
    return "((t_l & 3) === 0 ? I32[t_c][t_x >>> 2] : U4(U8[t_c], t_x))";
  }

  /** Statement writing `v` to the guarded location. */
  private store(size: number, v: string): string {
    if (size === 1) return `U8[t_c][t_x] = ${v};`;
    if (size === 2) return `t_v = ${v}; t_m = U8[t_c]; t_m[t_x] = t_v; t_m[t_x + 1] = t_v >> 8;`;
    return `t_v = ${v}; if ((t_l & 3) === 0) I32[t_c][t_x >>> 2] = t_v; else S4(U8[t_c], t_x, t_v);`;
  }

  /** Registers back to the processor (placeholder: the written set is known only at the end). */
  private syncRegs(): string {
    return "@WB@";
  }

  /**
   * Everything back to the processor, then the instruction through its handler; leaves on any change
   * (a segment register load included: runHandler), so afterwards only general registers are reloaded.
   * `inlineKind`: the slow path of an inline form, whose handler cannot load a segment register (it
   * leaves the region if it faults), so the region's segment copies stay valid and are not reloaded,
   * and changes no general register but its destination (handlerWrites), the only one reloaded.
   */
  private callOut(d: DecodedInsn, inlineKind: string | null = null): void {
    const i = this.posInBlock, k = this.k;
    this.emit(`${this.syncRegs()}${writeback(this.state)}if ((t_rc = X(cpu, D[${k}], n + ${i})) >= 0) return t_rc;`);
    // After an inline form's handler only its destination registers need reloading.
    this.emit(inlineKind !== null ? `@RR${handlerWrites(d, inlineKind)}@` : "@RL@");
  }

  /** After a handler ran an inline-compilable instruction: the producer's locals from the processor's lazy fields. */
  private reloadProducer(p: Producer): void {
    const isLocal = (s: string): boolean => /^[a-z]/.test(s);
    let s = "";
    if (isLocal(p.a)) s += `${p.a} = cpu.lzOp1 | 0; `;
    if (isLocal(p.b)) s += `${p.b} = cpu.lzOp2 | 0; `;
    s += `${p.r} = cpu.lzRes | 0;`;
    if ((p.kind === LZ_ADC || p.kind === LZ_SBB) && isLocal(p.cin)) s += ` ${p.cin} = cpu.lzCarryIn;`;
    this.emit(s);
  }

  /** Leaves the region at `eip` with the current state (n counts what retired). */
  private exitCode(eip: number, count: string): string {
    return `{ ${this.syncRegs()}${writeback(this.state)}cpu.eip = ${eip}; return ${count}; }`;
  }

  private newProducer(kind: number, bits: number, a: string, b: string): Producer {
    const k = this.k;
    return { kind, bits, a, b, r: this.local(`pr${k}`), cin: `pc${k}` };
  }

  // ---------------- generation ----------------

  generate(): string | null {
    const blocks = this.region.blocks;
    const inline = this.kinds.some((k) => k !== null);
    if (!inline) return null;
    const nb = blocks.length;
    this.emit("outer: for (;;) {");
    for (let j = nb - 1; j >= 1; j--) this.emit(`b${j}: {`);
    for (let bi = 0; bi < nb; bi++) {
      if (bi > 0) this.emit(`} // b${bi}`);
      this.blockIndex = bi;
      const merged = bi === 0 || this.preds[bi]! > 1;
      this.state = merged ? new FlagState() : (this.entryStates[bi] ?? new FlagState());
      this.emitBlock(bi);
    }
    this.emit(`throw new Error("compiled region fell through");`);
    this.emit("}");
    return this.assemble();
  }

  private emitBlock(bi: number): void {
    const b = this.region.blocks[bi]!;
    const first = this.firstInsn[bi]!;
    const n = b.insns.length;
    for (let i = 0; i < n; i++) {
      this.posInBlock = i;
      this.k = first + i;
      const d = b.insns[i]!;
      const kind = this.kinds[this.k] ?? null;
      const last = i === n - 1;
      if (kind === null) {
        this.tag = 2;
        this.callOut(d);
        this.tag = 0;
        this.state = new FlagState();
        if (!last) continue;
        this.emit(`n += ${n};`);
        const fs = finalSuccessors(b);
        if (fs.length === 0) {
          // A terminal instruction the handler completed without leaving (INTO not taken...): leave after it.
          this.emit(`cpu.eip = ${d.after}; return n;`);
          return;
        }
        // (A branch the handler took has returned already: this is its fall-through.)
        this.gotoTarget(bi, fs[fs.length - 1]!);
        return;
      }
      if (kind === "jcc" || kind === "loop") {
        if (last) {
          this.emit(`n += ${n};`);
          this.emitBranch(d, kind, bi);
          return;
        }
        // A branch inside the trace: taken, it leaves the block; not taken, the block goes on.
        const cond = this.branchCondition(d, kind);
        const saved = this.state.clone();
        this.emit(`if (${cond}) {`);
        this.emit(`n += ${i + 1};`);
        this.gotoTarget(bi, d.imm);
        this.emit("}");
        this.state = saved;
        continue;
      }
      if (kind === "jmp") {
        this.emit(`n += ${n};`);
        this.gotoTarget(bi, d.imm);
        return;
      }
      if (kind === "jmpf") {
        // A JMP the block follows: nothing to do but count it.
        if (!last) continue;
        this.emit(`n += ${n};`);
        this.gotoTarget(bi, d.after);
        return;
      }
      this.emitInsn(d, kind, i, n);
      if (kind === "call" || kind === "ret") {
        // Both paths have left the region (the handlers of CALL and RET always transfer control).
        this.emit(`throw new Error("compiled CALL/RET continued");`);
        return;
      }
    }
    this.emit(`n += ${n};`);
    const fs = finalSuccessors(b);
    const last = b.insns[n - 1]!;
    if (fs.length === 0) {
      this.emit(this.exitCode(last.after, "n"));
      return;
    }
    this.gotoTarget(bi, fs[0]!);
  }

  /** Transfers to `target` from the end of block `from` (n already counts the block). */
  private gotoTarget(from: number, target: number): void {
    const j = this.blockAt(target);
    if (j < 0 || !this.inRegion(from, j)) {
      this.emit(this.exitCode(target, "n"));
      return;
    }
    const len = this.region.blocks[j]!.insns.length;
    this.emit(`if (n + ${len} > budget) ${this.exitCode(target, "n")}`);
    const merged = j === 0 || this.preds[j]! > 1;
    if (merged) {
      if (this.liveIn[j] !== 0) this.emit(writeback(this.state));
    } else {
      this.entryStates[j] = this.state.clone();
    }
    this.emit(j === 0 ? "continue outer;" : `break b${j};`);
  }

  /** The condition of a Jcc or LOOP/JCXZ (LOOP's ECX decrement is emitted first: it happens either way). */
  private branchCondition(d: DecodedInsn, kind: string): string {
    if (kind === "jcc") return conditionExpr(this.state, d.op & 0xf);
    if (d.op === 0xe3) return d.a32 ? `${this.reg(1, 4)} === 0` : `(${this.reg(1, 4)} & 65535) === 0`;
    if (d.a32) this.emit(`r1 = (r1 - 1) | 0;`);
    else this.emit(`r1 = (r1 & -65536) | ((r1 - 1) & 65535);`);
    this.regsUsed |= 2;
    this.regsWritten |= 2;
    const count = d.a32 ? "r1 !== 0" : "(r1 & 65535) !== 0";
    return d.op === 0xe2 ? count : d.op === 0xe1 ? `${count} && ${flagExpr(this.state, 3)} !== 0` : `${count} && ${flagExpr(this.state, 3)} === 0`;
  }

  /** The branch ending a block: taken target, then fall-through. */
  private emitBranch(d: DecodedInsn, kind: string, bi: number): void {
    const cond = this.branchCondition(d, kind);
    const saved = this.state.clone();
    this.emit(`if (${cond}) {`);
    this.gotoTarget(bi, d.imm);
    this.emit("}");
    this.state = saved;
    this.gotoTarget(bi, d.after);
  }

  /** One inline-compiled instruction at position i of an n-instruction block. */
  private emitInsn(d: DecodedInsn, kind: string, i: number, n: number): void {
    const k = this.k;
    const slow = `s${k}`, done = `i${k}`;
    // Instructions with memory operands (or the stack) have a guarded fast path and the handler as slow path.
    const guarded = (d.mem && kind !== "lea") || kind === "push" || kind === "pop" || kind === "call" || kind === "ret" || kind === "moffs" ||
      kind === "pause" || kind === "rdtsc" || kind === "x87" || kind === "fwait";
    if (!guarded) {
      this.fast(d, kind, slow, i, n);
      return;
    }
    const before = this.state.clone();
    this.memInsns++;
    this.emit(`${done}: { ${slow}: {`);
    this.fast(d, kind, slow, i, n);
    const after = this.state;
    this.emit(`break ${done}; }`);
    // Slow path: the handler, from the state before the instruction.
    this.state = before;
    this.tag = 1;
    this.callOut(d, kind);
    this.state = after;
    this.afterSlow(before, after);
    this.emit("}");
    this.tag = 0;
  }

  /** Brings the slow path's locals in line with the fast path's compile-time state. */
  private afterSlow(before: FlagState, after: FlagState): void {
    for (let f = 0; f < 6; f++) {
      const a = after.src[f]!, b = before.src[f]!;
      if (a === b) continue;
      if (a.t === 1) {
        // Defined lazily by this instruction: its operands are in the processor's lazy fields now.
        this.reloadProducer(a.p);
        break;
      }
    }
    for (let f = 0; f < 6; f++) {
      const a = after.src[f]!;
      if (a.t === 3 && a !== before.src[f]) this.emit(`${a.name} = (cpu.flagsRaw >>> ${[0, 2, 4, 6, 7, 11][f]!}) & 1;`);
    }
  }

  // ---------------- the inline forms ----------------

  private fast(d: DecodedInsn, kind: string, slow: string, i: number, n: number): void {
    switch (kind) {
      case "alu": this.alu(d, slow); return;
      case "incdec": this.incdec(d, slow); return;
      case "test": this.test(d, slow); return;
      case "group3": this.group3(d, slow); return;
      case "mov": this.mov(d, slow); return;
      case "movimm": this.movImm(d, slow); return;
      case "moffs": this.moffs(d, slow); return;
      case "lea": this.emit(this.setReg(d.reg, d.o32 ? 4 : 2, this.ea(d))); return;
      case "movx": this.movx(d, slow); return;
      case "xchg": {
        const r = d.op & 7;
        if (d.o32) this.emit(`t_v = r0; ${this.setReg(0, 4, this.reg(r, 4))} ${this.setReg(r, 4, "t_v")}`);
        else this.emit(`t_v = ${this.reg(0, 2)}; ${this.setReg(0, 2, `r${r}`)} ${this.setReg(r, 2, "t_v")}`);
        return;
      }
      case "nop": return;
      // PAUSE (F3 90) is a NOP unless "PAUSE exiting" makes it a VM exit (SDM vol. 2B PAUSE, vol. 3C §26.1.3).
      case "pause":
        this.emit(`if (cpu.nonRoot && (cpu.vmx.proc & ${CPU_BASED_PAUSE_EXITING}) !== 0) break ${slow};`);
        return;
      // RDTSC (SDM vol. 2B): #GP with CR4.TSD outside ring 0 and a VM exit with "RDTSC exiting" are the
      // handler's; otherwise EDX:EAX is the processor's TSC plus the VMCS TSC offset in non-root operation,
      // read now exactly as ops/system.ts reads it.
      case "rdtsc":
        this.emit(`if ((cpu.cr4 & ${CR4_TSD}) !== 0 || (cpu.nonRoot && (cpu.vmx.proc & ${CPU_BASED_RDTSC_EXITING}) !== 0)) break ${slow};`);
        this.emit(`t_v = cpu.readTscIn(n + ${i}); if (cpu.nonRoot && cpu.vmx !== null) t_v += cpu.vmx.tscOffsetHi * 4294967296 + cpu.vmx.tscOffsetLo;`);
        this.emit(`${this.setReg(0, 4, "(t_v | 0)")} ${this.setReg(2, 4, "(Math.floor(t_v / 4294967296) | 0)")}`);
        return;
      case "convert":
        if (d.op === 0x98) this.emit(d.o32 ? this.setReg(0, 4, `((${this.reg(0, 4)} << 16) >> 16)`) : this.setReg(0, 2, `((${this.reg(0, 4)} << 24) >> 24)`));
        else this.emit(d.o32 ? this.setReg(2, 4, `(${this.reg(0, 4)} >> 31)`) : this.setReg(2, 2, `(((${this.reg(0, 4)} << 16) >> 31) & 65535)`));
        return;
      case "carry": {
        if (d.op === 0xf5) {
          const name = this.local(`fc${this.k}`);
          this.emit(`${name} = 1 - ${flagExpr(this.state, F_CF)};`);
          this.state.src[F_CF] = { t: 3, name };
        } else {
          this.state.src[F_CF] = { t: 2, v: d.op === 0xf9 ? 1 : 0 };
        }
        return;
      }
      case "x87": this.x87(d, slow); return;
      // WAIT: #NM with CR0.MP and TS both set, #MF or FERR# for a pending exception (the handler's).
      case "fwait":
        this.x87Used = true;
        this.emit(`if ((cpu.cr0 & ${CR0_MP | CR0_TS}) === ${CR0_MP | CR0_TS} || (FX !== null && (FX.swNoTop & ${FPU_SW_ES}) !== 0)) break ${slow};`);
        return;
      case "setcc": {
        const v = `(${conditionExpr(this.state, d.op & 0xf)} ? 1 : 0)`;
        if (d.mem) {
          this.emit(`t_w = ${v};`);
          this.guard(d.seg, this.ea(d), 1, "w", slow);
          this.emit(this.store(1, "t_w"));
        } else {
          this.emit(this.setReg(d.rm, 1, v));
        }
        return;
      }
      case "cmovcc": {
        const size = d.o32 ? 4 : 2;
        let src: string;
        if (d.mem) {
          this.guard(d.seg, this.ea(d), size, "r", slow);
          this.emit(`t_w = ${this.load(size)};`);
          src = "t_w";
        } else {
          src = this.reg(d.rm, size);
        }
        // A 32-bit destination is written only when the condition holds.
        this.emit(`if (${conditionExpr(this.state, d.op & 0xf)}) ${this.setReg(d.reg, size, src)}`);
        return;
      }
      case "push": this.push(d, slow); return;
      case "pop": this.pop(d, slow); return;
      case "call": this.call(d, slow, n); return;
      case "ret": this.ret(d, slow, n); return;
      case "shift": this.shift(d); return;
      case "rotate": this.rotate(d); return;
      case "imul": this.imul(d, slow); return;
      default: throw new Error(`no inline form ${kind}`);
    }
  }

  /**
   * An x87 register form through its direct entry (fpu/x87-decoded.ts), which does all of it or nothing:
   * #NM (CR0.EM/TS, no FPU) and whatever the entry declines (a pending exception, a stack fault, an
   * operand off the double path) go to the handler. The entries touch only the FPU, so nothing is
   * written back first; FCS is read from the selector (a region is not keyed by it).
   */
  private x87(d: DecodedInsn, slow: string): void {
    this.x87Used = true;
    const nm = `(cpu.cr0 & ${CR0_EM | CR0_TS}) !== 0 || FX === null`;
    const at = `${d.eip}, cpu.segSel[1]`;
    const x = d.x;
    if (this.x87Inline(d, slow, nm)) return;
    if (this.x87Memory(d, slow, nm)) return;
    if (d.imm2 === X87_COMPARE_FLAGS) {
      // The relation (0 greater, 1 less, 2 equal) into locals for CF, ZF and PF; OF, SF and AF are 0. After
      // the handler (slow path) the three locals are reloaded from EFLAGS (afterSlow), PF included: an
      // unordered compare there sets it.
      const k = this.k;
      const cf = this.local(`fc${k}`), zf = this.local(`fz${k}`), pf = this.local(`fp${k}`);
      this.emit(`if (${nm} || (t_w = XCF(FX, ${x & 7}, ${(x & 8) !== 0}, ${d.y}, ${at})) < 0) break ${slow};`);
      this.emit(`${cf} = t_w === 1 ? 1 : 0; ${zf} = t_w === 2 ? 1 : 0; ${pf} = 0;`);
      const st = this.state;
      st.src[F_CF] = { t: 3, name: cf };
      st.src[F_ZF] = { t: 3, name: zf };
      st.src[F_PF] = { t: 3, name: pf };
      st.src[F_OF] = { t: 2, v: 0 };
      st.src[F_SF] = { t: 2, v: 0 };
      st.src[F_AF] = { t: 2, v: 0 };
      return;
    }
    let call: string;
    switch (d.imm2) {
      case X87_ARITH: {
        // One entry per operation (fpu/x87-decoded.ts), so V8 can inline it: SUBR/DIVR exchange the operands.
        const op = x & 7, dst = (x >>> 3) & 7, src = (x >>> 6) & 7, tail = `${(x & 0x200) !== 0}, ${d.y}, ${at}`;
        const [a, b] = op === 5 || op === 7 ? [src, dst] : [dst, src];
        if (op === 1) call = `XM(FX, ${dst}, ${src}, ${tail})`;
        else if (op >= 6) call = `XD(FX, ${a}, ${b}, ${dst}, ${tail})`;
        else call = `XA(FX, ${op !== 0}, ${a}, ${b}, ${dst}, ${tail})`;
        break;
      }
      case X87_LOAD_REG: call = `XL(FX, ${x}, ${at})`; break;
      case X87_STORE_REG: call = `XS(FX, ${x & 7}, ${(x & 8) !== 0}, ${d.y}, ${at})`; break;
      case X87_EXCHANGE: call = `XX(FX, ${x}, ${d.y}, ${at})`; break;
      case X87_REGISTER: call = `XR(FX, ${x}, ${at})`; break;
      case X87_FNSTSW_AX:
        // No-wait and a control instruction: only #NM, then AX ← FSW.
        this.emit(`if (${nm}) break ${slow};`);
        this.emit(this.setReg(0, 2, "FX.sw"));
        return;
      default: throw new Error(`no inline x87 form ${d.imm2}`);
    }
    this.emit(`if (${nm} || !${call}) break ${slow};`);
  }

  /**
   * FLD, FST/FSTP m32fp/m64fp and the arithmetic on m32fp/m64fp: the operand through the region's
   * guarded access (guard(): segment, TLB, page crossing, alignment checking, as for any inline
   * access), the x87 part through its direct entry (fpu/x87-decoded.ts). A store first asks the entry
   * for the image, then writes it and has the entry finish. #NM, a failed guard and whatever the
   * entry declines go to the handler, before anything changed. Returns false for other forms.
   */
  private x87Memory(d: DecodedInsn, slow: string, nm: string): boolean {
    const form = d.imm2;
    if (form !== X87_LOAD_FLOAT && form !== X87_STORE_FLOAT && form !== X87_ARITH_FLOAT) return false;
    const double = (d.x & 1) !== 0;
    const size = double ? 8 : 4;
    const tail = `${d.y}, ${d.eip}, cpu.segSel[1], t_o, cpu.segSel[${d.seg}]`;
    const word0 = "((t_l & 3) === 0 ? I32[t_c][t_x >>> 2] : U4(U8[t_c], t_x))";
    const word1 = "((t_l & 3) === 0 ? I32[t_c][(t_x >>> 2) + 1] : U4(U8[t_c], t_x + 4))";
    if (form === X87_STORE_FLOAT) {
      this.guard(d.seg, this.ea(d), size, "w", slow);
      this.emit(`if (${nm} || !XSB(FX, ${double})) break ${slow};`);
      if (double) this.emit(`if ((t_l & 3) === 0) { I32[t_c][t_x >>> 2] = XST.lo; I32[t_c][(t_x >>> 2) + 1] = XST.hi; } else { S4(U8[t_c], t_x, XST.lo); S4(U8[t_c], t_x + 4, XST.hi); }`);
      else this.emit(this.store(4, "XST.hi"));
      this.emit(`XSD(FX, ${(d.x & 2) !== 0}, ${tail});`);
      return true;
    }
    this.guard(d.seg, this.ea(d), size, "r", slow);
    this.emit(`t_w = ${word0}; t_v = ${double ? word1 : "0"};`);
    if (form === X87_LOAD_FLOAT) this.emit(`if (${nm} || !XLF(FX, ${double}, t_w, t_v, ${tail})) break ${slow};`);
    else this.emit(`if (${nm} || !XAF(FX, ${d.x >>> 1}, ${double}, t_w, t_v, ${tail})) break ${slow};`);
    return true;
  }

  /**
   * The commonest register forms written out in the region, for the cases that need no rounding and
   * raise nothing: FLD ST(i) onto an empty slot, FST/FSTP ST(i) from a non-empty ST(0), and FADD, FSUB,
   * FSUBR, FMUL on two registers whose values are cached doubles (X87.regF64) when the double result is
   * exact (TwoSum/TwoProduct error 0, the same checks as float80-double-path.ts), which no precision or
   * rounding control changes. Anything else falls to the direct entry, then to the handler. What they
   * leave is what x87-decoded.ts leaves (C1 clear; FIP, FCS, FOP); X87.unmaskedRaised is per-instruction
   * scratch that every reader sets first. Returns false for the forms not written out.
   */
  private x87Inline(d: DecodedInsn, slow: string, nm: string): boolean {
    const x = d.x;
    const ip = d.eip >>> 0;
    const pointers = `FX.swNoTop &= ${~FPU_SW_C1}; FX.fip = ${ip}; FX.fcs = XCS; if (XFOP) FX.fop = ${d.y};`;
    // Copies physical register t_s to t_d: its bits, its cached double and that cache's bit.
    const copy = `XSE[t_d] = XSE[t_s]; XHI[t_d] = XHI[t_s]; XLO[t_d] = XLO[t_s]; XF[t_d] = XF[t_s]; t_v = FX.f64Valid; FX.f64Valid = (t_v & ~(1 << t_d)) | (((t_v >>> t_s) & 1) << t_d);`;
    const pop = `FX.tagValid &= ~(1 << t_t); FX.top = (t_t + 1) & 7;`;
    switch (d.imm2) {
      case X87_LOAD_REG:
        this.emit(`if (${nm} || (FX.swNoTop & ${FPU_SW_ES}) !== 0) break ${slow};`);
        this.emit(`t_t = FX.top; t_s = (t_t + ${x}) & 7; t_d = (t_t + 7) & 7; t_k = FX.tagValid;`);
        this.emit(`if (((t_k >>> t_s) & 1) === 0 || ((t_k >>> t_d) & 1) !== 0) break ${slow};`);
        this.emit(`${copy} FX.tagValid = t_k | (1 << t_d); FX.top = t_d; ${pointers}`);
        return true;
      case X87_STORE_REG:
        this.emit(`if (${nm} || (FX.swNoTop & ${FPU_SW_ES}) !== 0) break ${slow};`);
        this.emit(`t_t = FX.top; t_s = t_t; t_d = (t_t + ${x & 7}) & 7;`);
        this.emit(`if (((FX.tagValid >>> t_t) & 1) === 0) break ${slow};`);
        this.emit(`${copy} FX.tagValid |= 1 << t_d; ${(x & 8) !== 0 ? pop : ""} ${pointers}`);
        return true;
      case X87_ARITH: {
        const op = x & 7, dst = (x >>> 3) & 7, src = (x >>> 6) & 7, popping = (x & 0x200) !== 0;
        if (op !== 0 && op !== 1 && op !== 4 && op !== 5) return false;
        const [a, b] = op === 5 ? ["t_s", "t_d"] : ["t_d", "t_s"];
        const tail = `${popping}, ${d.y}, ${d.eip}, cpu.segSel[1]`;
        const entry = op === 1 ? `XM(FX, ${dst}, ${src}, ${tail})` : `XA(FX, ${op !== 0}, ${op === 5 ? src : dst}, ${op === 5 ? dst : src}, ${dst}, ${tail})`;
        this.emit(`if (${nm}) break ${slow};`);
        this.emit(`t_t = FX.top; t_d = (t_t + ${dst}) & 7; t_s = (t_t + ${src}) & 7; t_k = FX.tagValid & FX.f64Valid; t_v = 0;`);
        this.emit(`if ((FX.swNoTop & ${FPU_SW_ES}) === 0 && FX.ctx.doublePath !== ${DOUBLE_PATH_NONE} && ((t_k >>> t_d) & (t_k >>> t_s) & 1) !== 0) {`);
        this.emit(`x_a = XF[${a}]; x_b = ${op >= 4 ? "-" : ""}XF[${b}]; x_r = x_a ${op === 1 ? "*" : "+"} x_b;`);
        const safe = (v: string): string => `(x_m = Math.abs(${v})) >= ${DOUBLE_SAFE_MIN} && x_m <= ${DOUBLE_SAFE_MAX}`;
        this.emit(`if (${safe("x_r")} && ${safe("x_a")} && ${safe("x_b")}) {`);
        if (op === 1) {
          // Dekker's TwoProduct error with Veltkamp splits (float80-double-path.ts doubleProduct).
          this.emit(`x_m = ${DOUBLE_SPLITTER} * x_a; x_v = x_m - (x_m - x_a); x_a = x_a - x_v; x_m = ${DOUBLE_SPLITTER} * x_b; x_m = x_m - (x_m - x_b); x_b = x_b - x_m;`);
          this.emit(`if (x_a * x_b - (x_r - x_v * x_m - x_a * x_m - x_v * x_b) === 0) t_v = 1;`);
        } else {
          // Knuth's TwoSum error (doubleSum).
          this.emit(`x_v = x_r - x_a; if (x_a - (x_r - x_v) + (x_b - x_v) === 0) t_v = 1;`);
        }
        this.emit("} }");
        // The result's bits from the double's (float80-double-path.ts doubleToF80, written out: a call V8
        // does not inline would box the double).
        this.emit(`if (t_v !== 0) { XF[t_d] = x_r; XP[0] = x_r; t_w = XW[1]; t_v = XW[0]; XSE[t_d] = ((t_w >>> 31) << 15) | (((t_w >>> 20) & 2047) + ${16383 - 1023});`);
        this.emit(`XHI[t_d] = -2147483648 | ((t_w & 1048575) << 11) | (t_v >>> 21); XLO[t_d] = t_v << 11; FX.f64Valid |= 1 << t_d; ${popping ? pop : ""} ${pointers} }`);
        this.emit(`else if (!${entry}) break ${slow};`);
        return true;
      }
      default:
        return false;
    }
  }

  /** Operand and flags of one ALU operation; returns the result local. */
  private aluCompute(op: number, bits: number, a: string, b: string): Producer {
    const k = this.k;
    const pa = this.local(`pa${k}`);
    const bIsConst = /^\(?-?\d+\)?$/.test(b);
    const pb = bIsConst ? b : this.local(`pb${k}`);
    const p = this.newProducer(ALU_KIND[op]!, bits, pa, pb);
    let code = `${pa} = ${a}; ${bIsConst ? "" : `${pb} = ${b}; `}`;
    if (op === 2 || op === 3) {
      this.local(`pc${k}`);
      code += `pc${k} = ${flagExpr(this.state, F_CF)}; `;
    }
    const expr = [`(${pa} + ${pb}) | 0`, `${pa} | ${pb}`, `(${pa} + ${pb} + pc${k}) | 0`, `(${pa} - ${pb} - pc${k}) | 0`, `${pa} & ${pb}`, `(${pa} - ${pb}) | 0`, `${pa} ^ ${pb}`, `(${pa} - ${pb}) | 0`][op]!;
    code += `${p.r} = ${expr};`;
    this.emit(code);
    return p;
  }

  private alu(d: DecodedInsn, slow: string): void {
    const op = aluOp(d);
    const opc = d.op;
    let size: number;
    if (opc >= 0x80) size = opc === 0x80 || opc === 0x82 ? 1 : d.o32 ? 4 : 2;
    else size = (opc & 1) === 0 ? 1 : d.o32 ? 4 : 2;
    const bits = size * 8;
    let p: Producer;
    if (opc >= 0x80) {
      // r/m, imm (83 sign-extended, masked to the operand size as the interpreter passes it).
      const imm = opc === 0x83 ? (size === 4 ? (d.imm << 24) >> 24 : ((d.imm << 24) >> 24) & 0xffff) : d.imm;
      const b = `(${imm})`;
      if (d.mem) {
        this.guard(d.seg, this.ea(d), size, op === 7 ? "r" : "rw", slow);
        p = this.aluCompute(op, bits, this.load(size), b);
        if (op !== 7) this.emit(this.store(size, p.r));
      } else {
        p = this.aluCompute(op, bits, this.reg(d.rm, size), b);
        if (op !== 7) this.emit(this.setReg(d.rm, size, p.r));
      }
    } else {
      const form = opc & 7;
      if (form === 4 || form === 5) {
        p = this.aluCompute(op, bits, this.reg(0, size), `(${d.imm})`);
        if (op !== 7) this.emit(this.setReg(0, size, p.r));
      } else if (form === 0 || form === 1) {
        // r/m, reg
        const src = this.reg(d.reg, size);
        if (d.mem) {
          this.guard(d.seg, this.ea(d), size, op === 7 ? "r" : "rw", slow);
          p = this.aluCompute(op, bits, this.load(size), src);
          if (op !== 7) this.emit(this.store(size, p.r));
        } else {
          p = this.aluCompute(op, bits, this.reg(d.rm, size), src);
          if (op !== 7) this.emit(this.setReg(d.rm, size, p.r));
        }
      } else {
        // reg, r/m
        let src: string;
        if (d.mem) {
          this.guard(d.seg, this.ea(d), size, "r", slow);
          this.emit(`t_w = ${this.load(size)};`);
          src = "t_w";
        } else {
          src = this.reg(d.rm, size);
        }
        p = this.aluCompute(op, bits, this.reg(d.reg, size), src);
        if (op !== 7) this.emit(this.setReg(d.reg, size, p.r));
      }
    }
    this.state.define(ALL, { t: 1, p });
  }

  private incdec(d: DecodedInsn, slow: string): void {
    const size = d.op === 0xfe ? 1 : d.o32 ? 4 : 2;
    const dec = d.op < 0x50 ? d.op >= 0x48 : d.reg === 1;
    const k = this.k;
    const pa = this.local(`pa${k}`);
    const p = this.newProducer(dec ? LZ_DEC : LZ_INC, size * 8, pa, "1");
    const calc = `${p.r} = (${pa} ${dec ? "-" : "+"} 1) | 0;`;
    if (d.op < 0x50) {
      const r = d.op & 7;
      this.emit(`${pa} = ${this.reg(r, size)}; ${calc} ${this.setReg(r, size, p.r)}`);
    } else if (d.mem) {
      this.guard(d.seg, this.ea(d), size, "rw", slow);
      this.emit(`${pa} = ${this.load(size)}; ${calc} ${this.store(size, p.r)}`);
    } else {
      this.emit(`${pa} = ${this.reg(d.rm, size)}; ${calc} ${this.setReg(d.rm, size, p.r)}`);
    }
    this.state.define(NOT_CF, { t: 1, p });
  }

  private test(d: DecodedInsn, slow: string): void {
    const size = d.op === 0x84 || d.op === 0xa8 ? 1 : d.o32 ? 4 : 2;
    let a: string, b: string;
    if (d.op >= 0xa8) {
      a = this.reg(0, size);
      b = `(${d.imm})`;
    } else {
      b = this.reg(d.reg, size);
      if (d.mem) {
        this.guard(d.seg, this.ea(d), size, "r", slow);
        a = this.load(size);
      } else {
        a = this.reg(d.rm, size);
      }
    }
    const p = this.aluCompute(4, size * 8, a, b);
    this.state.define(ALL, { t: 1, p });
  }

  /** F6/F7 /0 /1 TEST imm, /2 NOT, /3 NEG. */
  private group3(d: DecodedInsn, slow: string): void {
    const size = d.op === 0xf6 ? 1 : d.o32 ? 4 : 2;
    const op = d.reg;
    let a: string;
    if (d.mem) {
      this.guard(d.seg, this.ea(d), size, op < 2 ? "r" : "rw", slow);
      a = this.load(size);
    } else {
      a = this.reg(d.rm, size);
    }
    const put = (v: string): string => (d.mem ? this.store(size, v) : this.setReg(d.rm, size, v));
    if (op < 2) {
      const p = this.aluCompute(4, size * 8, a, `(${d.imm})`);
      this.state.define(ALL, { t: 1, p });
    } else if (op === 2) {
      this.emit(`t_w = ~${a}; ${put("t_w")}`);
    } else {
      const k = this.k;
      const pb = this.local(`pb${k}`);
      const p = this.newProducer(LZ_SUB, size * 8, "0", pb);
      this.emit(`${pb} = ${a}; ${p.r} = (0 - ${pb}) | 0; ${put(p.r)}`);
      this.state.define(ALL, { t: 1, p });
    }
  }

  private mov(d: DecodedInsn, slow: string): void {
    const size = (d.op & 1) === 0 ? 1 : d.o32 ? 4 : 2;
    if (d.op <= 0x89) {
      const v = this.reg(d.reg, size);
      if (d.mem) {
        this.emit(`t_w = ${v};`);
        this.guard(d.seg, this.ea(d), size, "w", slow);
        this.emit(this.store(size, "t_w"));
      } else {
        this.emit(this.setReg(d.rm, size, v));
      }
    } else if (d.mem) {
      this.guard(d.seg, this.ea(d), size, "r", slow);
      this.emit(`t_w = ${this.load(size)}; ${this.setReg(d.reg, size, "t_w")}`);
    } else {
      this.emit(this.setReg(d.reg, size, this.reg(d.rm, size)));
    }
  }

  private movImm(d: DecodedInsn, slow: string): void {
    if (d.op >= 0xb0 && d.op <= 0xbf) {
      const size = d.op < 0xb8 ? 1 : d.o32 ? 4 : 2;
      this.emit(this.setReg(d.op & 7, size, `(${d.imm})`));
      return;
    }
    const size = d.op === 0xc6 ? 1 : d.o32 ? 4 : 2;
    if (d.mem) {
      this.guard(d.seg, this.ea(d), size, "w", slow);
      this.emit(this.store(size, `(${d.imm})`));
    } else {
      this.emit(this.setReg(d.rm, size, `(${d.imm})`));
    }
  }

  private moffs(d: DecodedInsn, slow: string): void {
    const size = (d.op & 1) === 0 ? 1 : d.o32 ? 4 : 2;
    if (d.op <= 0xa1) {
      this.guard(d.seg, `(${d.imm})`, size, "r", slow);
      this.emit(`t_w = ${this.load(size)}; ${this.setReg(0, size, "t_w")}`);
    } else {
      this.emit(`t_w = ${this.reg(0, 4)};`);
      this.guard(d.seg, `(${d.imm})`, size, "w", slow);
      this.emit(this.store(size, "t_w"));
    }
  }

  private movx(d: DecodedInsn, slow: string): void {
    const word = (d.op & 1) !== 0;
    const size = word ? 2 : 1;
    let v: string;
    if (d.mem) {
      this.guard(d.seg, this.ea(d), size, "r", slow);
      v = this.load(size);
    } else {
      v = this.reg(d.rm, size);
    }
    if (d.op >= 0x1be) v = word ? `((${v} << 16) >> 16)` : `((${v} << 24) >> 24)`;
    this.emit(`t_w = ${v}; ${this.setReg(d.reg, d.o32 ? 4 : 2, "t_w")}`);
  }

  // ---------------- stack and control ----------------

  /** Stack-pointer arithmetic for the stack size (SS.B, part of the mode key). */
  private get stack32(): boolean {
    return (this.region.entry.mode & 2) !== 0;
  }

  private push(d: DecodedInsn, slow: string): void {
    const size = d.o32 ? 4 : 2;
    const v = d.op === 0x68 ? `(${d.imm})` : d.op === 0x6a ? `(${(d.imm << 24) >> 24})` : this.reg(d.op & 7, 4);
    this.emit(`t_w = ${v};`);
    const sp = this.stack32 ? `((${this.reg(ESP, 4)} - ${size}) | 0)` : `((${this.reg(ESP, 4)} - ${size}) & 65535)`;
    this.guard(SS, sp, size, "w", slow);
    this.emit(this.store(size, "t_w"));
    this.emit(this.stack32 ? this.setReg(ESP, 4, "t_o") : this.setReg(ESP, 2, "t_o"));
  }

  private pop(d: DecodedInsn, slow: string): void {
    const size = d.o32 ? 4 : 2;
    const sp = this.stack32 ? this.reg(ESP, 4) : `(${this.reg(ESP, 4)} & 65535)`;
    this.guard(SS, sp, size, "r", slow);
    this.emit(`t_w = ${this.load(size)};`);
    this.emit(this.stack32 ? this.setReg(ESP, 4, `((t_o + ${size}) | 0)`) : this.setReg(ESP, 2, `(t_o + ${size})`));
    this.emit(this.setReg(d.op & 7, size, "t_w"));
  }

  private call(d: DecodedInsn, slow: string, n: number): void {
    const size = d.o32 ? 4 : 2;
    const sp = this.stack32 ? `((${this.reg(ESP, 4)} - ${size}) | 0)` : `((${this.reg(ESP, 4)} - ${size}) & 65535)`;
    this.guard(SS, sp, size, "w", slow);
    this.emit(this.store(size, `(${d.next})`));
    this.emit(this.stack32 ? this.setReg(ESP, 4, "t_o") : this.setReg(ESP, 2, "t_o"));
    this.emit(this.exitCode(d.imm, `n + ${n}`));
  }

  private ret(d: DecodedInsn, slow: string, n: number): void {
    const size = d.o32 ? 4 : 2;
    const sp = this.stack32 ? this.reg(ESP, 4) : `(${this.reg(ESP, 4)} & 65535)`;
    this.guard(SS, sp, size, "r", slow);
    this.emit(`t_w = ${this.load(size)};`);
    if (!d.o32) this.emit("t_w = t_w & 65535;");
    // Beyond the CS limit the handler raises #GP(0) with nothing changed.
    if (this.region.csLimit >>> 0 !== 0xffffffff) this.emit(`if ((t_w >>> 0) > ${this.region.csLimit >>> 0}) break ${slow};`);
    const release = size + (d.op === 0xc2 ? d.imm : 0);
    this.emit(this.stack32 ? this.setReg(ESP, 4, `((${this.reg(ESP, 4)} + ${release}) | 0)`) : this.setReg(ESP, 2, `(${this.reg(ESP, 4)} + ${release})`));
    this.emit(`{ ${this.syncRegs()}${writeback(this.state)}cpu.eip = t_w; return n + ${n}; }`);
  }

  /** SHL/SHR/SAR r32 by a constant 1-31 (setResultFlags: CF and OF now, ZF SF PF lazy, AF 0). */
  private shift(d: DecodedInsn): void {
    const c = (d.op === 0xd1 ? 1 : d.imm) & 0x1f;
    const k = this.k;
    const v = this.local(`pa${k}`);
    const cf = this.local(`fc${k}`);
    const of = this.local(`fo${k}`);
    const p = this.newProducer(LZ_RESULT, 32, v, "0");
    let code = `${v} = ${this.reg(d.rm, 4)}; `;
    switch (d.reg) {
      case 4: code += `${cf} = (${v} >>> ${32 - c}) & 1; ${p.r} = ${v} << ${c}; ${of} = ((${p.r} >>> 31) ^ ${cf}) & 1;`; break;
      case 5: code += `${cf} = (${v} >>> ${c - 1}) & 1; ${p.r} = (${v} >>> ${c}) | 0; ${of} = (${v} >>> 31) & 1;`; break;
      default: code += `${cf} = (${v} >> ${c - 1}) & 1; ${p.r} = ${v} >> ${c}; ${of} = 0;`; break;
    }
    this.emit(`${code} ${this.setReg(d.rm, 4, p.r)}`);
    this.state.define(ALL, { t: 1, p });
    this.state.src[F_CF] = { t: 3, name: cf };
    this.state.src[F_OF] = { t: 3, name: of };
    this.state.src[F_AF] = { t: 2, v: 0 };
  }

  /**
   * ROL/ROR r32 by 1 or imm8 (count 1-31): CF is the bit rotated into the other end, OF the interpreter's
   * formula (the top bit XOR CF for ROL, the top two bits' XOR for ROR); the other flags keep their sources.
   */
  private rotate(d: DecodedInsn): void {
    const c = (d.op === 0xd1 ? 1 : d.imm) & 0x1f;
    const k = this.k;
    const v = this.local(`pa${k}`);
    const r = this.local(`pr${k}`);
    const cf = this.local(`fc${k}`);
    const of = this.local(`fo${k}`);
    let code = `${v} = ${this.reg(d.rm, 4)}; `;
    if (d.reg === 0) code += `${r} = (${v} << ${c}) | (${v} >>> ${32 - c}); ${cf} = ${r} & 1; ${of} = ((${r} >>> 31) ^ ${r}) & 1;`;
    else code += `${r} = (${v} >>> ${c}) | (${v} << ${32 - c}); ${cf} = (${r} >>> 31) & 1; ${of} = ((${r} >>> 31) ^ (${r} >>> 30)) & 1;`;
    this.emit(`${code} ${this.setReg(d.rm, 4, r)}`);
    this.state.src[F_CF] = { t: 3, name: cf };
    this.state.src[F_OF] = { t: 3, name: of };
  }

  /** IMUL r32, r/m32[, imm]: the truncated product, CF = OF = "did not fit" (exact via double product). */
  private imul(d: DecodedInsn, slow: string): void {
    let src: string;
    if (d.mem) {
      this.guard(d.seg, this.ea(d), 4, "r", slow);
      this.emit(`t_w = ${this.load(4)};`);
      src = "t_w";
    } else {
      src = this.reg(d.rm, 4);
    }
    const k = this.k;
    const a = d.op === 0x1af ? this.reg(d.reg, 4) : src;
    const b = d.op === 0x1af ? src : d.op === 0x69 ? `(${d.imm})` : `(${(d.imm << 24) >> 24})`;
    const pa = this.local(`pa${k}`), pb = this.local(`pb${k}`);
    const of = this.local(`fo${k}`);
    const p = this.newProducer(LZ_RESULT, 32, pa, "0");
    this.emit(`${pa} = ${a}; ${pb} = ${b}; ${p.r} = Math.imul(${pa}, ${pb}); ${of} = ${pa} * ${pb} !== ${p.r} ? 1 : 0; ${this.setReg(d.reg, 4, p.r)}`);
    this.state.define(ALL, { t: 1, p });
    this.state.src[F_CF] = { t: 3, name: of };
    this.state.src[F_OF] = { t: 3, name: of };
    this.state.src[F_AF] = { t: 2, v: 0 };
  }

  // ---------------- assembly ----------------

  private assemble(): string {
    const regs = (mask: number, f: (r: number) => string): string => {
      let s = "";
      for (let r = 0; r < 8; r++) if (mask & (1 << r)) s += f(r);
      return s;
    };
    const wb = regs(this.regsWritten, (r) => `R[${r}] = r${r}; `);
    const rl = regs(this.regsUsed, (r) => `r${r} = R[${r}]; `);
    let segLoad = "";
    for (let s = 0; s < 6; s++) {
      if ((this.segsUsed & (1 << s)) === 0) continue;
      segLoad += `sb${s} = cpu.segBase[${s}]; slo${s} = cpu.segLo[${s}]; shr${s} = (cpu.segRw[${s}] & 1) !== 0 ? cpu.segHi[${s}] : -1; shw${s} = (cpu.segRw[${s}] & 2) !== 0 ? cpu.segHi[${s}] : -1; `;
    }
    // The segments compiled as flat must still be (a segment load inside the region makes it leave: runHandler),
    // and alignment checking still off (turning it on changes the privilege masks: the region leaves).
    const flatChecks: string[] = this.alignUsed ? ["cpu.acMask !== 0"] : [];
    for (let s = 0; s < 6; s++) {
      if ((this.flatUsed & (1 << s)) === 0) continue;
      flatChecks.push(`cpu.segBase[${s}] !== 0 || cpu.segLo[${s}] !== 0 || cpu.segHi[${s}] !== 4294967295 || cpu.segRw[${s}] !== 3`);
    }
    if (flatChecks.length !== 0) segLoad = `if (${flatChecks.join(" || ")}) return F(B);\n${segLoad}`;
    const expand = (line: string): string =>
      line
        .replaceAll("@WB@", wb)
        .replaceAll("@RL@", rl)
        .replace(/@RR(\d+)@/g, (_, m: string) => regs(this.regsUsed & Number(m), (r) => `r${r} = R[${r}]; `));
    const lines = this.out.map(expand);
    lines.forEach((line, i) => {
      if (this.outTag[i] === 1) this.slowBytes += line.length + 1;
      else if (this.outTag[i] === 2) this.callOutBytes += line.length + 1;
    });
    const body = lines.join("\n");
    const decls: string[] = ["n = 0", "t_o = 0", "t_u = 0", "t_l = 0", "t_p = 0", "t_x = 0", "t_c = 0", "t_v = 0", "t_w = 0", "t_rc = 0", "t_m = U8[0]"];
    for (let r = 0; r < 8; r++) if (this.regsUsed & (1 << r)) decls.push(`r${r} = R[${r}]`);
    for (let s = 0; s < 6; s++) if (this.segsUsed & (1 << s)) decls.push(`sb${s} = 0`, `slo${s} = 0`, `shr${s} = 0`, `shw${s} = 0`);
    for (const l of new Set(this.locals)) decls.push(`${l} = 0`);
    const entryLen = this.region.blocks[0]!.insns.length;
    return [
      `"use strict";`,
      // In parentheses, so V8 compiles the region with the factory (its eager-compile heuristic for
      // parenthesised functions) instead of pre-parsing it now and parsing it all again at its first call.
      `return (function region(budget) {`,
      `const R = cpu.reg; const rdM = cpu.rdMask, wrM = cpu.wrMask, rwM = rdM | wrM, acM = cpu.acMask;`,
      this.x87Used
        ? "const FX = cpu.fpu === null ? null : cpu.fpu.x87; const XF = FX === null ? new Float64Array(8) : FX.regF64; " +
          "const XSE = FX === null ? new Uint16Array(8) : FX.regSe, XHI = FX === null ? new Uint32Array(8) : FX.regHi, XLO = FX === null ? new Uint32Array(8) : FX.regLo;" +
          "const XP = new Float64Array(1), XW = new Uint32Array(XP.buffer);" +
          // FCS as recorded, and whether FOP is: a segment register load inside the region makes it leave (runHandler).
          "const XCS = FX === null ? 0 : cpu.segSel[1] & FX.fcsMask, XFOP = FX !== null && FX.fopAlways;" +
          "let t_t = 0, t_s = 0, t_d = 0, t_k = 0, x_a = 0.5, x_b = 0.5, x_r = 0.5, x_v = 0.5, x_m = 0.5;"
        : "",
      `let ${decls.join(", ")};`,
      segLoad,
      `if (${entryLen} > budget) return 0;`,
      body,
      `});`,
    ].join("\n");
  }
}
