import { CPU_EXCEPTION, EXC_AC, EXC_DB, EXC_GP, EXC_SS, EXC_UD, VM_EXIT, exceptionHasErrorCode } from "./core/exceptions.js";
import { PAGE_MASK, PAGE_SHIFT, PAGE_SIZE, type PhysicalMemory } from "./core/physical-memory.js";
import {
  AR_DB, AR_REAL_CODE, AR_REAL_DATA, AR_UNUSABLE, CR0_AM, CR0_ET, CR0_NW, CR0_CD, CR0_PE, CR0_PG, CS, DS, ES, ESP, FLAG_AC,
  FLAG_AF, FLAG_CF, FLAG_FIXED1, FLAG_OF, FLAG_PF, FLAG_RF, FLAG_SF, FLAG_TF, FLAG_VM, FLAG_ZF, FLAGS_ARITH, FS, GS, LDTR, SEG_TYPE_CODE,
  SEG_TYPE_EXPDOWN_CONFORMING, SEG_TYPE_RW, SS, TR,
} from "./core/registers.js";
import { deliverPendingException, acceptInterrupt, deliverWithNesting, EVENT_HW_EXCEPTION } from "./core/interrupts.js";
import { armDataBreakpoints, commitDr6, dataBreakpoint, DR6_BS, DR7_ENABLES, instructionBreakpoint, isWatchedPage } from "./core/debug.js";
import { translate, TLB_R_SUP, TLB_R_USER, TLB_W_SUP, TLB_W_USER, TLB_X_SUP, TLB_X_USER, ACCESS_READ, ACCESS_WRITE, ACCESS_FETCH } from "./mmu/paging.js";
import { OPCODES, PREFIX } from "./ops/table.js";
import type { CpuidTable } from "./core/cpuid.js";
import { defaultCpuid } from "./core/cpuid.js";
import type { VmxCpuState } from "./vmx/vmx-state.js";
import { X87Coprocessor } from "./core/x87-coprocessor.js";
import { LZ_ADC, LZ_ADD, LZ_DEC, LZ_INC, LZ_LOGIC, LZ_RESULT, LZ_SBB, LZ_SUB } from "./core/lazy-flags.js";
import type { Block } from "./blocks/block.js";
import { BlockCache } from "./blocks/block-cache.js";
import { EXEC_STOP } from "./blocks/decoded-insn.js";
import { runBlock } from "./blocks/block-handlers.js";
import { compileAt, regionCodeCurrent, regionUsable } from "./jit/jit.js";
import { JIT_CODE_BUDGET, JitCodeBuffer } from "./jit/code-buffer.js";

/** What the processor needs from the rest of the machine (DESIGN.md "CPU ↔ world"). */
export interface CpuHost {
  ioRead(port: number, size: 1 | 2 | 4): number;
  ioWrite(port: number, size: 1 | 2 | 4, value: number): void;
  /** The INTA cycle: returns the vector of the interrupt the PIC/APIC now delivers. */
  acknowledgeInterrupt(): number;
  /** Model-specific registers the platform owns (APIC base, MTRRs...). Return undefined to let the CPU decide. */
  readMsr?(index: number): number | bigint | undefined;
  writeMsr?(index: number, value: bigint): boolean;
  /**
   * FERR#: an x87 instruction met a pending unmasked exception with CR0.NE = 0 (MS-DOS compatible
   * error reporting); a PC routes it to IRQ13 (SDM vol. 1 §8.7).
   */
  signalFerr?(): void;
}

/** Why `run()` returned. */
export const STOP_NONE = 0;
/** The instruction budget ran out. */
export const STOP_BUDGET = 1;
/** HLT with no interrupt able to wake the processor. */
export const STOP_HLT = 2;
/** Triple fault / shutdown (SDM vol. 3A §6.15, "Interrupt 8": a fault while delivering #DF). */
export const STOP_SHUTDOWN = 3;
/** A host callback asked the processor to stop (a device wants the outer loop). */
export const STOP_REQUESTED = 4;
/** A VM exit happened (non-root operation only). */
export const STOP_VM_EXIT = 5;
/** The model hit a state it cannot represent; the detail is in `internalError`. Never an uncaught host error. */
export const STOP_INTERNAL_ERROR = 6;
/**
 * With `reportExceptions`, an instruction raised an exception that was not delivered: it is left in
 * pendingVector/pendingError and EIP points at the instruction (used by instruction emulators).
 */
export const STOP_EXCEPTION = 7;

export { LZ_ADD, LZ_ADC, LZ_SUB, LZ_SBB, LZ_LOGIC, LZ_INC, LZ_DEC, LZ_RESULT } from "./core/lazy-flags.js";

const TLB_PAGES = 1 << 20;
const TLB_TRACK = 8192;
/** Most instructions a compiled region runs per call. */
const JIT_SLICE = 1 << 16;
/** Entries of the jump cache (linear address → block), a power of two. */
const JUMP_CACHE_SIZE = 4096;

/** Reads a non-negative integer setting from the environment (Node). */
function envNumber(name: string, fallback: number): number {
  const v = typeof process === "undefined" ? undefined : process.env[name];
  const n = v === undefined || v === "" ? NaN : Number(v);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

/** Reads a boolean switch from the environment (Node), defaulting to `on`. */
function envSwitch(name: string, on: boolean): boolean {
  const v = typeof process === "undefined" ? undefined : process.env[name];
  if (v === undefined || v === "") return on;
  return v !== "0" && v.toLowerCase() !== "false" && v.toLowerCase() !== "off";
}

const PARITY = new Uint8Array(256);
for (let i = 0; i < 256; i++) {
  let b = i, p = 1;
  while (b) { p ^= b & 1; b >>= 1; }
  PARITY[i] = p ? FLAG_PF : 0;
}

export class Cpu {
  // ---- architectural registers ----
  /** General registers in ModRM order (EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI). */
  readonly reg = new Int32Array(8);
  eip = 0;
  /** EFLAGS; the bits in `lazyMask` are stale and must be computed from the lazy operands. */
  flagsRaw = FLAG_FIXED1;
  lazyMask = 0;
  lzKind = 0;
  lzOp1 = 0;
  lzOp2 = 0;
  lzRes = 0;
  /** Operand width of the lazy operation: 8, 16 or 32. */
  lzBits = 32;

  /** Segment registers (ES, CS, SS, DS, FS, GS, LDTR, TR): visible selector and hidden cache (base, limit, AR). */
  readonly segSel = new Uint16Array(8);
  readonly segBase = new Int32Array(8);
  readonly segLimit = new Int32Array(8);
  readonly segAr = new Int32Array(8);
  /** Precomputed valid offset window [segLo, segHi] and access bits (1 read, 2 write) for fast checks. */
  readonly segLo = new Float64Array(8);
  readonly segHi = new Float64Array(8);
  readonly segRw = new Uint8Array(8);
  /** Counts refreshSegment calls: compiled regions copy the windows above and leave when it moves (jit/codegen.ts). */
  segGen = 0;

  gdtrBase = 0;
  gdtrLimit = 0xffff;
  idtrBase = 0;
  idtrLimit = 0xffff;
  cr0 = CR0_ET | CR0_NW | CR0_CD;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  readonly dr = new Int32Array(8);
  /**
   * Debug events of the current instruction waiting to be reported as a trap-class #DB at the next
   * boundary, in DR6 layout (single step, data and I/O breakpoints, task-switch trap); see core/debug.ts.
   */
  debugTrap = 0;
  /**
   * Non-zero while the instruction boundary has debug work: collected traps, EFLAGS.TF or RF, or an
   * enabled breakpoint in DR7 (kept up to date by updateDebugWatch so the run loop tests one field).
   */
  debugWatch = 0;
  /** Linear pages holding an armed data breakpoint (two per breakpoint), and how many are in use. */
  readonly watchPages = new Int32Array(8);
  watchCount = 0;
  /** DR7 as it was when the data breakpoints were last armed (DR7 may also be loaded by VM entry/exit). */
  dr7Armed = 0x400;
  /** -1 while alignment checking is on (CPL 3, CR0.AM, EFLAGS.AC), else 0: ANDed with a linear address. */
  acMask = 0;
  /** Current privilege level (SDM vol. 3A §5.5). */
  cpl = 0;
  /** PAE page-directory-pointer-table registers (SDM vol. 3A §4.4.1), loaded on CR3 writes: low, high halves. */
  readonly pdpte = new Int32Array(8);

  /** MSR state owned by the core. */
  tscOffset = 0;
  sysenterCs = 0;
  sysenterEsp = 0;
  sysenterEip = 0;
  apicBase = 0xfee00900;
  featureControl = 0;
  efer = 0;
  pat = [0x00070406, 0x00070406];
  miscEnable = 1;

  // ---- decode state of the current instruction ----
  insnStart = 0;
  o32 = false;
  a32 = false;
  /** Segment override prefix, or -1. */
  segOverride = -1;
  /** 0 none, 1 REP/REPE (F3), 2 REPNE (F2). */
  rep = 0;
  lock = false;
  modrm = 0;
  eaSeg = DS;
  eaOff = 0;

  // ---- execution state ----
  halted = false;
  /** Interrupts are inhibited for one instruction after STI / MOV SS / POP SS (SDM vol. 3A §6.8.3): 1 STI, 2 MOV SS. */
  interruptShadow = 0;
  /** Instruction boundaries the shadow still covers (it blocks the boundary after the next instruction's start). */
  shadowAge = 0;
  /** INTR pin, driven by the interrupt controller. */
  intr = false;
  nmiPending = false;
  nmiBlocked = false;
  /** Exception being delivered, for the double-fault rules; -1 when none. */
  delivering = -1;
  /** Event being delivered, in VMX interruption-information format (for IDT-vectoring information); 0 when none. */
  deliveringInfo = 0;
  deliveringError = 0;
  /**
   * RIP a VM exit during that delivery saves, and the instruction length it reports: the INT n / INT3 /
   * INTO / INT1 instruction itself for software events, else the resumption point (SDM vol. 3C §27.3.3).
   */
  deliveringRip = 0;
  deliveringLen = 0;
  /** Scratch: the two dwords of the descriptor last read by the segmentation unit. */
  descLo = 0;
  descHi = 0;
  /** Shutdown state after a triple fault: only NMI, INIT or RESET leave it. */
  shutdown = false;
  pendingVector = 0;
  pendingError = -1;
  /** Set by `raise` for exceptions that are traps, so EIP is not rewound. */
  pendingIsTrap = false;
  stopReason = STOP_NONE;
  internalError = "";
  instructionsRetired = 0;
  /**
   * Instructions the current run() retired before its current step or block chain (0 outside run()):
   * with chainDone, blockPartial and jitPartial, what a TSC read inside a run adds to instructionsRetired.
   */
  runDone = 0;
  private a20Gate = true;

  /**
   * A20M# input: when false, physical address bit 20 is forced to 0 (SDM vol. 3A §21.33.2). Changing it
   * flushes the TLB, which caches translations made under the old setting.
   */
  get a20(): boolean {
    return this.a20Gate;
  }

  set a20(on: boolean) {
    if (on === this.a20Gate) return;
    this.a20Gate = on;
    this.flushTlb(true);
  }

  // ---- TLB: linear page → host RAM location, with per-privilege permission bits ----
  readonly tlbPerm = new Uint8Array(TLB_PAGES);
  /** Permissions usable on the fast path: like tlbPerm but 0 for MMIO pages. */
  readonly tlbFast = new Uint8Array(TLB_PAGES);
  readonly tlbChunk = new Uint16Array(TLB_PAGES);
  readonly tlbOffset = new Int32Array(TLB_PAGES);
  /** Physical page base, used for MMIO pages and by the slow paths. */
  readonly tlbPhys = new Int32Array(TLB_PAGES);
  readonly tlbGlobal = new Uint8Array(TLB_PAGES);
  private readonly tlbTouched = new Int32Array(TLB_TRACK);
  private tlbTouchedCount = 0;
  private tlbOverflow = false;
  /** Some entry since the last full flush came from a large page: INVLPG then drops whole 4 MiB regions. */
  private tlbLargeSeen = false;
  rdMask: number = TLB_R_SUP;
  wrMask: number = TLB_W_SUP;
  xMask: number = TLB_X_SUP;

  // instruction-fetch page cache
  private fetchPage = -1;
  private fetchU8: Uint8Array = new Uint8Array(0);
  private fetchBase = 0;
  /**
   * The fetch window of the current instruction: `fetchAvail` bytes from `fetchStart` (at `fetchIdx` in
   * fetchU8) can be fetched with no further check, because they lie in the cached page, inside the CS
   * limit and within the 15-byte instruction limit. Bytes beyond it take the checked path.
   */
  private fetchAvail = 0;
  private fetchIdx = 0;
  private fetchStart = 0;

  /** CPUID leaves this processor reports; configurable by the layer above (KVM_SET_CPUID2). */
  cpuid: CpuidTable = defaultCpuid();
  /** VMX state (VMXON region, current VMCS, non-root operation); null until VMXON. */
  vmx: VmxCpuState | null = null;
  /** True in VMX non-root operation: intercept checks apply. */
  nonRoot = false;
  /** True while VM entry injects an event: the injected event itself is not subject to the exception bitmap. */
  injecting = false;
  /** Non-root operation with window exiting or the preemption timer: check VMX events at every boundary. */
  vmxWindowCheck = false;
  /** Time-stamp counter base: the TSC is instructionsRetired + tscOffset unless the host drives it. */
  tscSource: (() => number) | null = null;

  /** Report exceptions to the caller (STOP_EXCEPTION) instead of delivering them through the IDT. */
  reportExceptions = false;

  /**
   * The x87 FPU (CPUID.1:EDX.FPU): escape opcodes D8-DF and WAIT go to it (ops/x87-escape.ts). Set to
   * null for a processor without one: every escape then raises #NM, as with CR0.EM = 1.
   */
  fpu: X87Coprocessor | null;

  // ---- translated code ----
  /**
   * Execute through decoded blocks (the block interpreter) instead of decoding every instruction
   * again. On by default; VIRTKIT_BLOCKS=0 leaves only the instruction-at-a-time interpreter.
   */
  blocksEnabled = envSwitch("VIRTKIT_BLOCKS", true);
  /** Compile hot blocks to JavaScript (VIRTKIT_JIT=0 turns it off). Needs blocksEnabled. */
  jit = envSwitch("VIRTKIT_JIT", true);
  /**
   * Block entries (a loop's iterations included) before the JIT compiles a region there
   * (VIRTKIT_JIT_THRESHOLD; 0 compiles at once). Compiling is costly for V8 (parsing, bytecode, code
   * installation: a fifth of a Linux boot at 40), so only code entered thousands of times pays it
   * back; 4000 booted Linux ~25 % faster than 40 in the same run, pairs of boots measured side by side.
   */
  jitThreshold = envNumber("VIRTKIT_JIT_THRESHOLD", 4000);
  /** Generated code the live regions may hold before all are dropped (VIRTKIT_JIT_CODE_BUDGET, bytes of source). */
  readonly jitCode = new JitCodeBuffer(envNumber("VIRTKIT_JIT_CODE_BUDGET", JIT_CODE_BUDGET));
  /** The translation cache (blocks by physical address, code frames, invalidation). */
  readonly blocks: BlockCache = new BlockCache(this);
  /** Linear-address-indexed cache of recently entered blocks (validated against the TLB on use). */
  private readonly jumpCache: (Block | null)[] = new Array<Block | null>(JUMP_CACHE_SIZE).fill(null);
  /**
   * Non-zero (EXEC_STOP) when the block being executed must end after the current instruction:
   * something it relies on changed (translation, mode, privilege, code bytes) or the host was called.
   */
  blockStop = 0;
  /**
   * Bumped whenever guest memory may have been written behind the processor's back (the host between
   * runs, a device during a port or MMIO access, another thread before a serialising instruction):
   * blocks translated under an older epoch re-check their bytes before running.
   */
  codeEpoch = 0;
  /**
   * Set by the caller of run() when nothing but this processor ran since its last run() returned, so
   * nothing can have written guest memory behind its back (a hypervisor re-entering a guest after an exit
   * it handled without touching guest memory, with no other agent running meanwhile). run() then keeps the
   * code epoch instead of bumping it, and clears this flag.
   */
  keepCodeEpoch = false;
  /**
   * Bumped whenever what a block lookup depends on changes (translations, mode, privilege, CS, code
   * bytes): links between blocks made under an older generation are not followed.
   */
  lookupGen = 0;
  /** Instructions a compiled region retired before it called out to code that threw (added by run()). */
  jitPartial = 0;
  /**
   * Set by an intercept that took its VM exit without unwinding (vmx/intercepts.ts instructionExitNoUnwind):
   * the instruction step() just ran did not complete. step()'s caller consumes it.
   */
  exitAbort = false;
  /** Instructions of a block that completed before one of them threw (added by run()). */
  blockFaultAt = 0;
  /** Instructions runBlocks() completed in earlier blocks of its chain (added by run() if one throws). */
  chainDone = 0;
  /** Instructions of the running block before the generic handler it is in (runBlocks clears it): for readTsc. */
  blockPartial = 0;
  /** Regions compiled, compilations that failed (a JIT defect; the block interpreter ran instead), the last failure. */
  jitCompiled = 0;
  jitFailures = 0;
  jitLastError = "";

  readonly u8s: Uint8Array[] = [];
  /** The physical-memory generation the chunk views were taken at. */
  private memGeneration = -1;
  readonly i32s: Int32Array[] = [];

  constructor(
    public mem: PhysicalMemory,
    public host: CpuHost,
  ) {
    this.fpu = new X87Coprocessor(this);
    this.reset();
  }

  /** Power-up / RESET state (SDM vol. 3A §9.1.1, table 9-1). */
  reset(): void {
    this.reg.fill(0);
    // EDX holds the processor signature after reset.
    this.reg[2] = this.cpuid.signature;
    this.eip = 0xfff0;
    this.flagsRaw = FLAG_FIXED1;
    this.lazyMask = 0;
    this.cr0 = CR0_ET | CR0_NW | CR0_CD;
    this.cr2 = this.cr3 = this.cr4 = 0;
    this.dr.fill(0);
    this.dr[6] = 0xffff0ff0 | 0;
    this.dr[7] = 0x400;
    this.debugTrap = 0;
    this.debugWatch = 0;
    this.watchCount = 0;
    this.dr7Armed = 0x400;
    this.efer = 0;
    for (let s = 0; s < 6; s++) this.loadRealSegmentRaw(s, 0, AR_REAL_DATA);
    this.segSel[CS] = 0xf000;
    this.segBase[CS] = 0xffff0000 | 0;
    this.segAr[CS] = AR_REAL_CODE;
    this.segSel[LDTR] = 0;
    this.segBase[LDTR] = 0;
    this.segLimit[LDTR] = 0xffff;
    this.segAr[LDTR] = 0x82;
    this.segSel[TR] = 0;
    this.segBase[TR] = 0;
    this.segLimit[TR] = 0xffff;
    this.segAr[TR] = 0x8b;
    this.gdtrBase = this.idtrBase = 0;
    this.gdtrLimit = this.idtrLimit = 0xffff;
    this.cpl = 0;
    this.halted = false;
    this.shutdown = false;
    this.interruptShadow = 0;
    this.nmiPending = false;
    this.nmiBlocked = false;
    this.delivering = -1;
    this.refreshAllSegments();
    this.updatePrivilegeMasks();
    this.flushTlb(true);
    this.fpu?.reset();
  }

  // =====================================================================================
  // Flags
  // =====================================================================================

  /** Materialises the lazily kept arithmetic flags. */
  getFlags(): number {
    if (this.lazyMask !== 0) this.materializeFlags(this.lazyMask);
    return this.flagsRaw;
  }

  /**
   * Materialises only the lazily kept flags in `mask` into flagsRaw; the others stay lazy. Compiled code
   * needs this before it reuses the lazy fields for its own producer: computing all six (getFlags) would
   * pay for OF and AF that the producer is about to replace anyway.
   */
  materializeFlags(mask: number): void {
    const m = this.lazyMask & mask;
    if (m === 0) return;
    let f = this.flagsRaw & ~m;
    if (m & FLAG_CF) f |= this.lazyCf();
    if (m & FLAG_PF) f |= PARITY[this.lzRes & 0xff]!;
    if (m & FLAG_AF) f |= this.lazyAf();
    if (m & FLAG_ZF) f |= this.lazyZf();
    if (m & FLAG_SF) f |= this.lazySf();
    if (m & FLAG_OF) f |= this.lazyOf();
    this.flagsRaw = f;
    this.lazyMask &= ~m;
  }

  /** Replaces EFLAGS (bits already validated by the caller). */
  setFlags(value: number): void {
    this.contextChanged();
    const old = this.flagsRaw;
    this.flagsRaw = value | FLAG_FIXED1;
    this.lazyMask = 0;
    if ((old ^ value) & FLAG_VM) this.onModeChange();
    else if ((old ^ value) & FLAG_AC) this.updatePrivilegeMasks();
    this.updateDebugWatch();
  }

  /** Recomputes debugWatch; called wherever EFLAGS.TF/RF, DR7 or the collected debug traps change. */
  updateDebugWatch(): void {
    this.debugWatch = this.debugTrap | (this.flagsRaw & (FLAG_TF | FLAG_RF)) | (this.dr[7]! & DR7_ENABLES);
  }

  private lazyMaskBits(): number {
    const b = this.lzBits;
    return b === 32 ? -1 : (1 << b) - 1;
  }

  private lazyCf(): number {
    const m = this.lazyMaskBits() >>> 0;
    const a = (this.lzOp1 & m) >>> 0, b = (this.lzOp2 & m) >>> 0, r = (this.lzRes & m) >>> 0;
    switch (this.lzKind) {
      case LZ_ADD: return r < a ? FLAG_CF : 0;
      // Doubles hold a + b + carry exactly for 32-bit operands.
      case LZ_ADC: return a + b + this.lzCarryIn > m ? FLAG_CF : 0;
      case LZ_SUB: return a < b ? FLAG_CF : 0;
      case LZ_SBB: return a < b + this.lzCarryIn ? FLAG_CF : 0;
      // AND, OR, XOR, TEST clear CF and OF (SDM vol. 2A AND "Flags Affected").
      case LZ_LOGIC: return 0;
      default: return this.flagsRaw & FLAG_CF;
    }
  }

  /** Carry into ADC/SBB, kept for the lazy carry computation. */
  lzCarryIn = 0;

  private lazyAf(): number {
    switch (this.lzKind) {
      case LZ_LOGIC:
      case LZ_RESULT:
        return 0;
      case LZ_INC: return (this.lzRes & 0xf) === 0 ? FLAG_AF : 0;
      case LZ_DEC: return (this.lzRes & 0xf) === 0xf ? FLAG_AF : 0;
      default: return (this.lzOp1 ^ this.lzOp2 ^ this.lzRes) & FLAG_AF;
    }
  }

  private lazyZf(): number {
    return (this.lzRes & this.lazyMaskBits()) === 0 ? FLAG_ZF : 0;
  }

  private lazySf(): number {
    return (this.lzRes >>> (this.lzBits - 1)) & 1 ? FLAG_SF : 0;
  }

  private lazyOf(): number {
    const sh = this.lzBits - 1;
    const a = this.lzOp1, b = this.lzOp2, r = this.lzRes;
    switch (this.lzKind) {
      case LZ_ADD:
      case LZ_ADC:
        return (((a ^ r) & (b ^ r)) >>> sh) & 1 ? FLAG_OF : 0;
      case LZ_SUB:
      case LZ_SBB:
        return (((a ^ b) & (a ^ r)) >>> sh) & 1 ? FLAG_OF : 0;
      // INC overflows into the sign bit alone (0x80...); DEC underflows to 0x7F... (SDM vol. 2A INC/DEC).
      case LZ_INC: return ((r & this.lazyMaskBits()) >>> 0) === 2 ** sh ? FLAG_OF : 0;
      case LZ_DEC: return ((r & this.lazyMaskBits()) >>> 0) === 2 ** sh - 1 ? FLAG_OF : 0;
      case LZ_LOGIC: return 0;
      default: return this.flagsRaw & FLAG_OF;
    }
  }

  /** Records an arithmetic result whose six status flags are computed on demand. */
  setLazy(kind: number, op1: number, op2: number, res: number, bits: number): void {
    this.lzKind = kind;
    this.lzOp1 = op1;
    this.lzOp2 = op2;
    this.lzRes = res;
    this.lzBits = bits;
    this.lazyMask = FLAGS_ARITH;
  }

  /** INC/DEC keep CF: materialise it before the other five go lazy. */
  setLazyKeepCf(kind: number, op1: number, res: number, bits: number): void {
    // Only CF survives from the previous operation: materialise just that bit (the other five are replaced).
    if (this.lazyMask & FLAG_CF) {
      this.flagsRaw = (this.flagsRaw & ~FLAG_CF) | this.lazyCf();
      this.lazyMask &= ~FLAG_CF;
    }
    this.lzKind = kind;
    this.lzOp1 = op1;
    this.lzOp2 = 1;
    this.lzRes = res;
    this.lzBits = bits;
    this.lazyMask = FLAGS_ARITH & ~FLAG_CF;
  }

  /** Result flags ZF/SF/PF lazy, CF and OF given, AF cleared (shifts, multiplies, BCD). */
  setResultFlags(res: number, bits: number, cf: boolean, of: boolean): void {
    this.lzKind = LZ_RESULT;
    this.lzRes = res;
    this.lzBits = bits;
    this.flagsRaw = (this.flagsRaw & ~(FLAG_CF | FLAG_OF | FLAG_AF)) | (cf ? FLAG_CF : 0) | (of ? FLAG_OF : 0);
    this.lazyMask = FLAG_ZF | FLAG_SF | FLAG_PF;
  }

  getCf(): number {
    if (this.lazyMask & FLAG_CF) return this.lazyCf() !== 0 ? 1 : 0;
    return this.flagsRaw & FLAG_CF;
  }

  getZf(): boolean {
    if (this.lazyMask & FLAG_ZF) return this.lazyZf() !== 0;
    return (this.flagsRaw & FLAG_ZF) !== 0;
  }

  getSf(): boolean {
    if (this.lazyMask & FLAG_SF) return this.lazySf() !== 0;
    return (this.flagsRaw & FLAG_SF) !== 0;
  }

  getOf(): boolean {
    if (this.lazyMask & FLAG_OF) return this.lazyOf() !== 0;
    return (this.flagsRaw & FLAG_OF) !== 0;
  }

  getPf(): boolean {
    if (this.lazyMask & FLAG_PF) return PARITY[this.lzRes & 0xff] !== 0;
    return (this.flagsRaw & FLAG_PF) !== 0;
  }

  getAf(): boolean {
    if (this.lazyMask & FLAG_AF) return this.lazyAf() !== 0;
    return (this.flagsRaw & FLAG_AF) !== 0;
  }

  /** Sets or clears individual status flags, materialising the rest first. */
  setStatusFlag(bit: number, on: boolean): void {
    this.getFlags();
    this.flagsRaw = on ? this.flagsRaw | bit : this.flagsRaw & ~bit;
  }

  /** Evaluates condition code `cc` (the low nibble of Jcc/SETcc/CMOVcc; SDM vol. 1 appendix B). */
  condition(cc: number): boolean {
    let r: boolean;
    switch (cc >> 1) {
      case 0: r = this.getOf(); break;
      case 1: r = this.getCf() !== 0; break;
      case 2: r = this.getZf(); break;
      case 3: r = this.getCf() !== 0 || this.getZf(); break;
      case 4: r = this.getSf(); break;
      case 5: r = this.getPf(); break;
      case 6: r = this.getSf() !== this.getOf(); break;
      default: r = this.getZf() || this.getSf() !== this.getOf(); break;
    }
    return (cc & 1) !== 0 ? !r : r;
  }

  // =====================================================================================
  // Exceptions
  // =====================================================================================

  /** Raises a fault: unwinds the current instruction and delivers `vector` (errorCode -1: none). */
  raise(vector: number, errorCode = -1): never {
    this.pendingVector = vector;
    // Real-address mode pushes no error code, and only #DF, #TS, #NP, #SS, #GP, #PF, #AC have one.
    this.pendingError = exceptionHasErrorCode(vector) && !(this.realAddressing && !this.v86) ? errorCode : -1;
    this.pendingIsTrap = false;
    throw CPU_EXCEPTION;
  }

  raiseTrap(vector: number, errorCode = -1): never {
    this.pendingVector = vector;
    this.pendingError = exceptionHasErrorCode(vector) && !(this.realAddressing && !this.v86) ? errorCode : -1;
    this.pendingIsTrap = true;
    throw CPU_EXCEPTION;
  }

  ud(): never {
    return this.raise(EXC_UD);
  }

  gp0(): never {
    return this.raise(EXC_GP, 0);
  }

  // =====================================================================================
  // Modes and privilege
  // =====================================================================================

  get protectedMode(): boolean {
    return (this.cr0 & CR0_PE) !== 0;
  }

  get v86(): boolean {
    return (this.flagsRaw & FLAG_VM) !== 0;
  }

  /** Real mode or virtual-8086 mode: segment loads are base = selector * 16. */
  get realAddressing(): boolean {
    return (this.cr0 & CR0_PE) === 0 || (this.flagsRaw & FLAG_VM) !== 0;
  }

  updatePrivilegeMasks(): void {
    this.contextChanged();
    const user = this.cpl === 3;
    this.rdMask = user ? TLB_R_USER : TLB_R_SUP;
    this.wrMask = user ? TLB_W_USER : TLB_W_SUP;
    this.xMask = user ? TLB_X_USER : TLB_X_SUP;
    // Alignment checking (SDM vol. 3A §6.15 "Interrupt 17"): CPL 3 (V86 included), CR0.AM and EFLAGS.AC.
    this.acMask = user && (this.cr0 & CR0_AM) !== 0 && (this.flagsRaw & FLAG_AC) !== 0 ? -1 : 0;
    // VM entry and exit load DR7 and end here: keep the boundary's debug test current.
    this.updateDebugWatch();
  }

  /** Called when CR0.PE or EFLAGS.VM changes: segment access rules and privilege change with the mode. */
  onModeChange(): void {
    if (this.v86) this.cpl = 3;
    else if (!this.protectedMode) this.cpl = 0;
    this.refreshAllSegments();
    this.updatePrivilegeMasks();
  }

  // =====================================================================================
  // Segments
  // =====================================================================================

  /** Recomputes the fast-check window of one segment from its hidden cache. */
  refreshSegment(s: number): void {
    this.segGen++;
    // Blocks are translated for the code segment's size and compiled for the stack's.
    if (s === CS || s === SS) this.contextChanged();
    const ar = this.segAr[s]!;
    const limit = this.segLimit[s]! >>> 0;
    if (this.realAddressing && s !== LDTR && s !== TR) {
      // Real and V86 mode check limits but not types (SDM vol. 3A §20.1.3).
      this.segRw[s] = 3;
    } else if (ar & AR_UNUSABLE) {
      this.segRw[s] = 0;
    } else {
      const type = ar & 0xf;
      const code = (type & SEG_TYPE_CODE) !== 0;
      const readable = !code || (type & SEG_TYPE_RW) !== 0;
      const writable = !code && (type & SEG_TYPE_RW) !== 0;
      this.segRw[s] = (readable ? 1 : 0) | (writable ? 2 : 0);
    }
    const type = ar & 0xf;
    if ((type & (SEG_TYPE_CODE | SEG_TYPE_EXPDOWN_CONFORMING)) === SEG_TYPE_EXPDOWN_CONFORMING && (ar & 0x10) !== 0) {
      // Expand-down data segment: valid offsets are limit+1 .. 0xFFFF or 0xFFFFFFFF (SDM vol. 3A §5.3).
      this.segLo[s] = limit + 1;
      this.segHi[s] = ar & AR_DB ? 0xffffffff : 0xffff;
    } else {
      this.segLo[s] = 0;
      this.segHi[s] = limit;
    }
  }

  refreshAllSegments(): void {
    for (let s = 0; s < 8; s++) this.refreshSegment(s);
  }

  /** A segment load in real or V86 mode: only the selector and base change (the "unreal mode" quirk). */
  loadRealSegment(s: number, selector: number): void {
    selector &= 0xffff;
    this.segSel[s] = selector;
    this.segBase[s] = selector << 4;
    if (this.v86) {
      // V86 mode forces 64 KiB limits and DPL 3 data attributes (SDM vol. 3A §20.1.1).
      this.segLimit[s] = 0xffff;
      // Every V86 segment, CS included, is a present DPL-3 read/write accessed data segment: access
      // rights 0xF3 (SDM vol. 3C §26.3.1.2 requires exactly that for a V86 guest).
      this.segAr[s] = 0xf3;
    }
    this.refreshSegment(s);
  }

  loadRealSegmentRaw(s: number, selector: number, ar: number): void {
    this.segSel[s] = selector;
    this.segBase[s] = selector << 4;
    this.segLimit[s] = 0xffff;
    this.segAr[s] = ar;
    this.refreshSegment(s);
  }

  /** True when the code segment's default operand/address size is 32 bits. */
  get codeSize32(): boolean {
    return (this.segAr[CS]! & AR_DB) !== 0 && !this.realAddressingCode;
  }

  private get realAddressingCode(): boolean {
    return this.v86;
  }

  get stackSize32(): boolean {
    return (this.segAr[SS]! & AR_DB) !== 0;
  }

  /** Checks an access of `size` bytes at `offset` in segment `s` and returns the linear address. */
  segAddr(s: number, offset: number, size: number, write: boolean): number {
    const off = offset >>> 0;
    if ((this.segRw[s]! & (write ? 2 : 1)) === 0 || off < this.segLo[s]! || off + size - 1 > this.segHi[s]!) {
      this.segFault(s);
    }
    return (this.segBase[s]! + off) | 0;
  }

  private segFault(s: number): never {
    // A limit or type violation through SS is #SS(0), any other segment #GP(0) (SDM vol. 3A §5.3, §6.15).
    return this.raise(s === SS ? EXC_SS : EXC_GP, 0);
  }

  // =====================================================================================
  // Linear memory through the TLB
  // =====================================================================================

  /** Installs a TLB entry (called by the page walker); `large` when it came from a 4 MiB or 2 MiB page. */
  tlbFill(page: number, perm: number, phys: number, global: boolean, large = false): void {
    if (large) this.tlbLargeSeen = true;
    const frame = phys >>> PAGE_SHIFT;
    const c = this.mem.frameChunk[frame]!;
    // A page remapped without an invalidation (the walk found new tables): block links through it go stale.
    if (this.tlbPerm[page] !== 0 && this.tlbPhys[page] !== (phys & ~PAGE_MASK)) this.lookupGen++;
    this.tlbPerm[page] = perm;
    this.tlbPhys[page] = phys & ~PAGE_MASK;
    this.tlbGlobal[page] = global ? 1 : 0;
    if (c !== 0) {
      this.tlbChunk[page] = c - 1;
      this.tlbOffset[page] = this.mem.frameOffset[frame]!;
      // ROM frames are read on the fast path; writes take the slow path, where the bus drops them. Pages
      // with a data breakpoint stay off the fast path so every access reaches the breakpoint check.
      // Frames holding translated code keep writes on the slow path, where they invalidate what they overwrite.
      if (this.watchCount !== 0 && isWatchedPage(this, page)) this.tlbFast[page] = 0;
      else this.tlbFast[page] = this.mem.frameReadOnly[frame] === 0 && this.blocks.codeFrames[frame] === 0 ? perm : perm & ~(TLB_W_SUP | TLB_W_USER);
    } else {
      this.tlbFast[page] = 0;
    }
    if (this.tlbTouchedCount < TLB_TRACK) this.tlbTouched[this.tlbTouchedCount++] = page;
    else this.tlbOverflow = true;
  }

  /** Drops TLB entries: all of them, or all but global ones (SDM vol. 3A §4.10.4). */
  flushTlb(includingGlobal: boolean): void {
    this.fetchPage = -1;
    this.fetchAvail = 0;
    this.contextChanged();
    if (includingGlobal) this.tlbLargeSeen = false;
    if (this.tlbOverflow) {
      if (includingGlobal) {
        this.tlbPerm.fill(0);
        this.tlbFast.fill(0);
        this.tlbGlobal.fill(0);
      } else {
        for (let p = 0; p < TLB_PAGES; p++) {
          if (this.tlbGlobal[p] === 0) {
            this.tlbPerm[p] = 0;
            this.tlbFast[p] = 0;
          }
        }
      }
      this.tlbOverflow = false;
      this.tlbTouchedCount = 0;
      if (!includingGlobal) this.retrackGlobals();
      return;
    }
    let kept = 0;
    for (let i = 0; i < this.tlbTouchedCount; i++) {
      const p = this.tlbTouched[i]!;
      if (!includingGlobal && this.tlbGlobal[p] !== 0) {
        this.tlbTouched[kept++] = p;
      } else {
        this.tlbPerm[p] = 0;
        this.tlbFast[p] = 0;
        this.tlbGlobal[p] = 0;
      }
    }
    this.tlbTouchedCount = kept;
  }

  /**
   * A frame just received its first translated block: every TLB entry mapping it loses its fast write
   * permission, so writes to it take the slow path (and reach the block cache).
   */
  protectCodeFrame(frame: number): void {
    const W = TLB_W_SUP | TLB_W_USER;
    if (this.tlbOverflow) {
      for (let p = 0; p < TLB_PAGES; p++) {
        if ((this.tlbFast[p]! & W) !== 0 && this.tlbPhys[p]! >>> PAGE_SHIFT === frame) this.tlbFast[p] = this.tlbFast[p]! & ~W;
      }
      return;
    }
    for (let i = 0; i < this.tlbTouchedCount; i++) {
      const p = this.tlbTouched[i]!;
      if ((this.tlbFast[p]! & W) !== 0 && this.tlbPhys[p]! >>> PAGE_SHIFT === frame) this.tlbFast[p] = this.tlbFast[p]! & ~W;
    }
  }

  /** A processor write of `size` bytes reached host-physical `phys` on the slow path: code it overwrites is dropped. */
  noteWrite(phys: number, size: number): void {
    const frame = phys >>> PAGE_SHIFT;
    if (this.blocks.codeFrames[frame] !== 0 && this.mem.frameReadOnly[frame] === 0 && this.blocks.invalidateWrite(phys, size)) {
      this.contextChanged();
    }
  }

  /** A slow-path access to a physical address outside RAM is a device access: the host ran. */
  private noteDeviceAccess(phys: number): void {
    if (this.mem.frameChunk[phys >>> PAGE_SHIFT] === 0) this.hostCalled();
  }

  /**
   * The host (a device model) ran in the middle of execution: it may have written guest memory or
   * changed what the processor must look at between instructions, so blocks end and re-check code.
   */
  hostCalled(): void {
    this.newCodeEpoch();
    this.blockStop = EXEC_STOP;
  }

  private retrackGlobals(): void {
    for (let p = 0; p < TLB_PAGES; p++) {
      if (this.tlbGlobal[p] !== 0 && this.tlbPerm[p] !== 0) {
        if (this.tlbTouchedCount < TLB_TRACK) this.tlbTouched[this.tlbTouchedCount++] = p;
        else this.tlbOverflow = true;
      }
    }
  }

  /**
   * INVLPG: drops the entries for the page holding `linear`, global or not (SDM vol. 3A §4.10.4.1).
   * The TLB keeps 4 KiB entries even for 4 MiB and 2 MiB pages, so once such pages are in use the whole
   * 4 MiB region is dropped (invalidating more than required is always allowed).
   */
  invalidatePage(linear: number): void {
    const p = linear >>> PAGE_SHIFT;
    const first = this.tlbLargeSeen ? p & ~0x3ff : p;
    const last = this.tlbLargeSeen ? first + 0x3ff : p;
    for (let q = first; q <= last; q++) {
      this.tlbPerm[q] = 0;
      this.tlbFast[q] = 0;
      this.tlbGlobal[q] = 0;
    }
    if (this.fetchPage >= first && this.fetchPage <= last) {
      this.fetchPage = -1;
      this.fetchAvail = 0;
    }
    this.contextChanged();
  }

  /** Translates for the slow path and returns the physical address (faults are raised by the walker). */
  private slowTranslate(lin: number, access: number, mask: number): number {
    const page = lin >>> PAGE_SHIFT;
    if ((this.tlbPerm[page]! & mask) !== 0) return this.tlbPhys[page]! | (lin & PAGE_MASK);
    return translate(this, lin, access, mask === TLB_R_USER || mask === TLB_W_USER || mask === TLB_X_USER);
  }

  read8(lin: number): number {
    const page = lin >>> PAGE_SHIFT;
    if ((this.tlbFast[page]! & this.rdMask) !== 0) {
      return this.u8s[this.tlbChunk[page]!]![this.tlbOffset[page]! | (lin & PAGE_MASK)]!;
    }
    if (this.watchCount !== 0) dataBreakpoint(this, lin, 1, false);
    const phys = this.slowTranslate(lin, ACCESS_READ, this.rdMask);
    this.noteDeviceAccess(phys);
    return this.mem.read8(phys);
  }

  read16(lin: number): number {
    const page = lin >>> PAGE_SHIFT;
    if ((lin & PAGE_MASK) !== PAGE_MASK && (this.tlbFast[page]! & this.rdMask) !== 0) {
      const u8 = this.u8s[this.tlbChunk[page]!]!;
      const o = this.tlbOffset[page]! | (lin & PAGE_MASK);
      return u8[o]! | (u8[o + 1]! << 8);
    }
    return this.read16Slow(lin, this.rdMask);
  }

  read32(lin: number): number {
    const page = lin >>> PAGE_SHIFT;
    if ((this.tlbFast[page]! & this.rdMask) !== 0) {
      const o = this.tlbOffset[page]! | (lin & PAGE_MASK);
      if ((lin & 3) === 0) return this.i32s[this.tlbChunk[page]!]![o >>> 2]!;
      if ((lin & PAGE_MASK) <= PAGE_MASK - 3) {
        const u8 = this.u8s[this.tlbChunk[page]!]!;
        return u8[o]! | (u8[o + 1]! << 8) | (u8[o + 2]! << 16) | (u8[o + 3]! << 24);
      }
    }
    return this.read32Slow(lin, this.rdMask);
  }

  write8(lin: number, value: number): void {
    const page = lin >>> PAGE_SHIFT;
    if ((this.tlbFast[page]! & this.wrMask) !== 0) {
      this.u8s[this.tlbChunk[page]!]![this.tlbOffset[page]! | (lin & PAGE_MASK)] = value;
      return;
    }
    if (this.watchCount !== 0) dataBreakpoint(this, lin, 1, true);
    const phys = this.slowTranslate(lin, ACCESS_WRITE, this.wrMask);
    this.noteDeviceAccess(phys);
    this.noteWrite(phys, 1);
    this.mem.write8(phys, value);
  }

  write16(lin: number, value: number): void {
    const page = lin >>> PAGE_SHIFT;
    if ((lin & PAGE_MASK) !== PAGE_MASK && (this.tlbFast[page]! & this.wrMask) !== 0) {
      const u8 = this.u8s[this.tlbChunk[page]!]!;
      const o = this.tlbOffset[page]! | (lin & PAGE_MASK);
      u8[o] = value;
      u8[o + 1] = value >> 8;
      return;
    }
    this.write16Slow(lin, value, this.wrMask);
  }

  write32(lin: number, value: number): void {
    const page = lin >>> PAGE_SHIFT;
    if ((this.tlbFast[page]! & this.wrMask) !== 0) {
      const o = this.tlbOffset[page]! | (lin & PAGE_MASK);
      if ((lin & 3) === 0) {
        this.i32s[this.tlbChunk[page]!]![o >>> 2] = value;
        return;
      }
      if ((lin & PAGE_MASK) <= PAGE_MASK - 3) {
        const u8 = this.u8s[this.tlbChunk[page]!]!;
        u8[o] = value;
        u8[o + 1] = value >> 8;
        u8[o + 2] = value >> 16;
        u8[o + 3] = value >> 24;
        return;
      }
    }
    this.write32Slow(lin, value, this.wrMask);
  }

  // An access that crosses a page translates both pages before touching either byte; a fault on the
  // second page reports the first byte of that page in CR2 (where the access enters it).
  private read16Slow(lin: number, mask: number): number {
    if (this.watchCount !== 0) dataBreakpoint(this, lin, 2, false);
    if ((lin & PAGE_MASK) === PAGE_MASK) {
      const p0 = this.slowTranslate(lin, ACCESS_READ, mask);
      const p1 = this.slowTranslate((lin + 1) | 0, ACCESS_READ, mask);
      this.noteDeviceAccess(p0);
      this.noteDeviceAccess(p1);
      return this.mem.read8(p0) | (this.mem.read8(p1) << 8);
    }
    const phys = this.slowTranslate(lin, ACCESS_READ, mask);
    this.noteDeviceAccess(phys);
    return this.mem.read16(phys);
  }

  private read32Slow(lin: number, mask: number): number {
    if (this.watchCount !== 0) dataBreakpoint(this, lin, 4, false);
    const off = lin & PAGE_MASK;
    if (off > PAGE_MASK - 3) {
      const p0 = this.slowTranslate(lin, ACCESS_READ, mask);
      const p1 = this.slowTranslate((lin - off + PAGE_SIZE) | 0, ACCESS_READ, mask);
      const first = PAGE_SIZE - off;
      this.noteDeviceAccess(p0);
      this.noteDeviceAccess(p1);
      let v = 0;
      for (let i = 0; i < 4; i++) v |= this.mem.read8(i < first ? p0 + i : p1 + i - first) << (8 * i);
      return v;
    }
    const phys = this.slowTranslate(lin, ACCESS_READ, mask);
    this.noteDeviceAccess(phys);
    return this.mem.read32(phys);
  }

  private write16Slow(lin: number, value: number, mask: number): void {
    if (this.watchCount !== 0) dataBreakpoint(this, lin, 2, true);
    if ((lin & PAGE_MASK) === PAGE_MASK) {
      const p0 = this.slowTranslate(lin, ACCESS_WRITE, mask);
      const p1 = this.slowTranslate((lin + 1) | 0, ACCESS_WRITE, mask);
      this.noteDeviceAccess(p0);
      this.noteDeviceAccess(p1);
      this.noteWrite(p0, 1);
      this.noteWrite(p1, 1);
      this.mem.write8(p0, value & 0xff);
      this.mem.write8(p1, (value >>> 8) & 0xff);
      return;
    }
    const phys = this.slowTranslate(lin, ACCESS_WRITE, mask);
    this.noteDeviceAccess(phys);
    this.noteWrite(phys, 2);
    this.mem.write16(phys, value);
  }

  private write32Slow(lin: number, value: number, mask: number): void {
    if (this.watchCount !== 0) dataBreakpoint(this, lin, 4, true);
    const off = lin & PAGE_MASK;
    if (off > PAGE_MASK - 3) {
      const p0 = this.slowTranslate(lin, ACCESS_WRITE, mask);
      const p1 = this.slowTranslate((lin - off + PAGE_SIZE) | 0, ACCESS_WRITE, mask);
      const first = PAGE_SIZE - off;
      this.noteDeviceAccess(p0);
      this.noteDeviceAccess(p1);
      this.noteWrite(p0, first);
      this.noteWrite(p1, 4 - first);
      for (let i = 0; i < 4; i++) this.mem.write8(i < first ? p0 + i : p1 + i - first, (value >>> (8 * i)) & 0xff);
      return;
    }
    const phys = this.slowTranslate(lin, ACCESS_WRITE, mask);
    this.noteDeviceAccess(phys);
    this.noteWrite(phys, 4);
    this.mem.write32(phys, value);
  }

  /** Supervisor-mode (implicit) accesses: descriptor tables, TSS, IDT (SDM vol. 3A §4.6). */
  readSys8(lin: number): number {
    if (this.watchCount !== 0) dataBreakpoint(this, lin, 1, false);
    const phys = this.slowTranslate(lin, ACCESS_READ, TLB_R_SUP);
    this.noteDeviceAccess(phys);
    return this.mem.read8(phys);
  }
  readSys16(lin: number): number {
    return this.read16Slow(lin, TLB_R_SUP);
  }
  readSys32(lin: number): number {
    return this.read32Slow(lin, TLB_R_SUP);
  }
  writeSys8(lin: number, v: number): void {
    if (this.watchCount !== 0) dataBreakpoint(this, lin, 1, true);
    const phys = this.slowTranslate(lin, ACCESS_WRITE, TLB_W_SUP);
    this.noteDeviceAccess(phys);
    this.noteWrite(phys, 1);
    this.mem.write8(phys, v);
  }
  writeSys16(lin: number, v: number): void {
    this.write16Slow(lin, v, TLB_W_SUP);
  }
  writeSys32(lin: number, v: number): void {
    this.write32Slow(lin, v, TLB_W_SUP);
  }

  /** Probes that a write of `size` bytes at `lin` would succeed, faulting now (before any state changes). */
  probeWrite(lin: number, size: number): void {
    this.slowTranslate(lin, ACCESS_WRITE, this.wrMask);
    const off = lin & PAGE_MASK;
    if (off + size - 1 > PAGE_MASK) this.slowTranslate((lin - off + PAGE_SIZE) | 0, ACCESS_WRITE, this.wrMask);
  }

  // =====================================================================================
  // Segmented accesses used by instructions
  // =====================================================================================

  rd8(s: number, off: number): number {
    return this.read8(this.segAddr(s, off, 1, false));
  }
  rd16(s: number, off: number): number {
    const lin = this.segAddr(s, off, 2, false);
    if ((lin & 1 & this.acMask) !== 0) this.raise(EXC_AC, 0);
    return this.read16(lin);
  }
  rd32(s: number, off: number): number {
    const lin = this.segAddr(s, off, 4, false);
    if ((lin & 3 & this.acMask) !== 0) this.raise(EXC_AC, 0);
    return this.read32(lin);
  }
  wr8(s: number, off: number, v: number): void {
    this.write8(this.segAddr(s, off, 1, true), v);
  }
  wr16(s: number, off: number, v: number): void {
    const lin = this.segAddr(s, off, 2, true);
    if ((lin & 1 & this.acMask) !== 0) this.raise(EXC_AC, 0);
    this.write16(lin, v);
  }
  wr32(s: number, off: number, v: number): void {
    const lin = this.segAddr(s, off, 4, true);
    if ((lin & 3 & this.acMask) !== 0) this.raise(EXC_AC, 0);
    this.write32(lin, v);
  }

  // =====================================================================================
  // Instruction fetch
  // =====================================================================================

  fetch8(): number {
    const eip = this.eip;
    const k = (eip - this.fetchStart) | 0;
    if (k >>> 0 < this.fetchAvail) {
      this.eip = (eip + 1) | 0;
      return this.fetchU8[this.fetchIdx + k]!;
    }
    return this.fetch8Checked();
  }

  /** Sets up the fetch window for an instruction starting at EIP (see fetchAvail). */
  private openFetchWindow(eip: number): void {
    const lin = (this.segBase[CS]! + eip) | 0;
    if (lin >>> PAGE_SHIFT !== this.fetchPage) {
      this.fetchAvail = 0;
      return;
    }
    const off = lin & PAGE_MASK;
    let n = PAGE_SIZE - off;
    if (n > 15) n = 15;
    const room = this.segHi[CS]! - (eip >>> 0) + 1;
    this.fetchAvail = room < n ? (room > 0 ? room : 0) : n;
    this.fetchIdx = this.fetchBase | off;
    this.fetchStart = eip;
  }

  private fetch8Checked(): number {
    const eip = this.eip;
    if ((eip >>> 0) > this.segHi[CS]!) this.gp0();
    // An instruction longer than 15 bytes raises #GP(0) (SDM vol. 2A §2.3.11).
    if (((eip - this.insnStart) & 0xffffffff) >= 15) this.gp0();
    this.eip = (eip + 1) | 0;
    const lin = (this.segBase[CS]! + eip) | 0;
    if (lin >>> PAGE_SHIFT === this.fetchPage) return this.fetchU8[this.fetchBase | (lin & PAGE_MASK)]!;
    return this.fetchSlow(lin);
  }

  private fetchSlow(lin: number): number {
    const page = lin >>> PAGE_SHIFT;
    if ((this.tlbFast[page]! & this.xMask) === 0) {
      const phys = this.slowTranslate(lin, ACCESS_FETCH, this.xMask);
      if ((this.tlbFast[page]! & this.xMask) === 0) {
        // Executing from MMIO: uncached, byte by byte.
        this.noteDeviceAccess(phys);
        return this.mem.read8(phys);
      }
    }
    this.fetchPage = page;
    this.fetchU8 = this.u8s[this.tlbChunk[page]!]!;
    this.fetchBase = this.tlbOffset[page]!;
    return this.fetchU8[this.fetchBase | (lin & PAGE_MASK)]!;
  }

  fetch16(): number {
    const lo = this.fetch8();
    return lo | (this.fetch8() << 8);
  }

  fetch32(): number {
    const b0 = this.fetch8(), b1 = this.fetch8(), b2 = this.fetch8(), b3 = this.fetch8();
    return b0 | (b1 << 8) | (b2 << 16) | (b3 << 24);
  }

  /** Fetches an immediate of the current operand size (zero-extended for 16-bit). */
  fetchImm(): number {
    return this.o32 ? this.fetch32() : this.fetch16();
  }

  /** Forgets the fetch page (called when code memory may have changed mapping). */
  resetFetch(): void {
    this.fetchPage = -1;
    this.fetchAvail = 0;
    this.contextChanged();
  }

  /** Called when chunks are added to physical memory. */
  syncChunks(): void {
    this.memGeneration = this.mem.generation;
    this.u8s.length = 0;
    this.i32s.length = 0;
    for (const c of this.mem.chunks) {
      this.u8s.push(c.u8);
      this.i32s.push(c.i32);
    }
    this.blocks.clear();
    this.jumpCache.fill(null);
    this.flushTlb(true);
  }

  // =====================================================================================
  // ModRM
  // =====================================================================================

  /** Reads a ModRM byte and, for a memory operand, computes `eaSeg`/`eaOff` (SDM vol. 2A §2.1.5). */
  decodeModrm(): void {
    const m = this.fetch8();
    this.modrm = m;
    if (m >= 0xc0) return;
    if (this.a32) this.decodeEa32(m);
    else this.decodeEa16(m);
  }

  private decodeEa16(m: number): void {
    const mod = m >> 6, rm = m & 7, r = this.reg;
    let off: number, seg = DS;
    switch (rm) {
      case 0: off = r[3]! + r[6]!; break;
      case 1: off = r[3]! + r[7]!; break;
      case 2: off = r[5]! + r[6]!; seg = SS; break;
      case 3: off = r[5]! + r[7]!; seg = SS; break;
      case 4: off = r[6]!; break;
      case 5: off = r[7]!; break;
      case 6:
        if (mod === 0) {
          off = this.fetch16();
        } else {
          off = r[5]!;
          seg = SS;
        }
        break;
      default: off = r[3]!; break;
    }
    if (mod === 1) off += (this.fetch8() << 24) >> 24;
    else if (mod === 2) off += this.fetch16();
    this.eaOff = off & 0xffff;
    this.eaSeg = this.segOverride >= 0 ? this.segOverride : seg;
  }

  private decodeEa32(m: number): void {
    const mod = m >> 6, rm = m & 7, r = this.reg;
    let off: number, seg = DS;
    if (rm === 4) {
      const sib = this.fetch8();
      const base = sib & 7, index = (sib >> 3) & 7, scale = sib >> 6;
      if (base === 5 && mod === 0) {
        off = this.fetch32();
      } else {
        off = r[base]!;
        if (base === 4 || base === 5) seg = SS;
      }
      if (index !== 4) off += r[index]! << scale;
    } else if (rm === 5 && mod === 0) {
      off = this.fetch32();
    } else {
      off = r[rm]!;
      if (rm === 5) seg = SS;
    }
    if (mod === 1) off += (this.fetch8() << 24) >> 24;
    else if (mod === 2) off += this.fetch32();
    this.eaOff = off | 0;
    this.eaSeg = this.segOverride >= 0 ? this.segOverride : seg;
  }

  get modrmReg(): number {
    return (this.modrm >> 3) & 7;
  }

  getReg8(r: number): number {
    return r < 4 ? this.reg[r]! & 0xff : (this.reg[r - 4]! >> 8) & 0xff;
  }

  setReg8(r: number, v: number): void {
    if (r < 4) this.reg[r] = (this.reg[r]! & ~0xff) | (v & 0xff);
    else this.reg[r - 4] = (this.reg[r - 4]! & ~0xff00) | ((v & 0xff) << 8);
  }

  getReg16(r: number): number {
    return this.reg[r]! & 0xffff;
  }

  setReg16(r: number, v: number): void {
    this.reg[r] = (this.reg[r]! & ~0xffff) | (v & 0xffff);
  }

  /** Reads the r/m operand (register or memory) of the current size. */
  readRm8(): number {
    return this.modrm >= 0xc0 ? this.getReg8(this.modrm & 7) : this.rd8(this.eaSeg, this.eaOff);
  }
  readRm16(): number {
    return this.modrm >= 0xc0 ? this.reg[this.modrm & 7]! & 0xffff : this.rd16(this.eaSeg, this.eaOff);
  }
  readRm32(): number {
    return this.modrm >= 0xc0 ? this.reg[this.modrm & 7]! : this.rd32(this.eaSeg, this.eaOff);
  }
  readRmV(): number {
    return this.o32 ? this.readRm32() : this.readRm16();
  }
  writeRm8(v: number): void {
    if (this.modrm >= 0xc0) this.setReg8(this.modrm & 7, v);
    else this.wr8(this.eaSeg, this.eaOff, v);
  }
  writeRm16(v: number): void {
    if (this.modrm >= 0xc0) this.setReg16(this.modrm & 7, v);
    else this.wr16(this.eaSeg, this.eaOff, v);
  }
  writeRm32(v: number): void {
    if (this.modrm >= 0xc0) this.reg[this.modrm & 7] = v;
    else this.wr32(this.eaSeg, this.eaOff, v);
  }
  writeRmV(v: number): void {
    if (this.o32) this.writeRm32(v);
    else this.writeRm16(v);
  }

  /** For read-modify-write memory operands: checks writability before the read (so a fault changes nothing). */
  checkRmWritable(size: number): void {
    if (this.modrm < 0xc0) this.segAddr(this.eaSeg, this.eaOff, size, true);
  }

  // =====================================================================================
  // Stack
  // =====================================================================================

  push16(v: number): void {
    if (this.stackSize32) {
      const sp = (this.reg[ESP]! - 2) | 0;
      this.wr16(SS, sp, v);
      this.reg[ESP] = sp;
    } else {
      const sp = (this.reg[ESP]! - 2) & 0xffff;
      this.wr16(SS, sp, v);
      this.setReg16(ESP, sp);
    }
  }

  push32(v: number): void {
    if (this.stackSize32) {
      const sp = (this.reg[ESP]! - 4) | 0;
      this.wr32(SS, sp, v);
      this.reg[ESP] = sp;
    } else {
      const sp = (this.reg[ESP]! - 4) & 0xffff;
      this.wr32(SS, sp, v);
      this.setReg16(ESP, sp);
    }
  }

  pushV(v: number): void {
    if (this.o32) this.push32(v);
    else this.push16(v);
  }

  pop16(): number {
    if (this.stackSize32) {
      const v = this.rd16(SS, this.reg[ESP]!);
      this.reg[ESP] = (this.reg[ESP]! + 2) | 0;
      return v;
    }
    const sp = this.reg[ESP]! & 0xffff;
    const v = this.rd16(SS, sp);
    this.setReg16(ESP, sp + 2);
    return v;
  }

  pop32(): number {
    if (this.stackSize32) {
      const v = this.rd32(SS, this.reg[ESP]!);
      this.reg[ESP] = (this.reg[ESP]! + 4) | 0;
      return v;
    }
    const sp = this.reg[ESP]! & 0xffff;
    const v = this.rd32(SS, sp);
    this.setReg16(ESP, sp + 4);
    return v;
  }

  popV(): number {
    return this.o32 ? this.pop32() : this.pop16();
  }

  /** Reads the stack at `depth` bytes above the top without popping (for instructions that pop several values atomically). */
  peekStack(depth: number, size: 2 | 4): number {
    const sp = this.stackSize32 ? (this.reg[ESP]! + depth) | 0 : (this.reg[ESP]! + depth) & 0xffff;
    return size === 4 ? this.rd32(SS, sp) : this.rd16(SS, sp);
  }

  adjustSp(delta: number): void {
    if (this.stackSize32) this.reg[ESP] = (this.reg[ESP]! + delta) | 0;
    else this.setReg16(ESP, this.reg[ESP]! + delta);
  }

  // =====================================================================================
  // Control transfer helpers
  // =====================================================================================

  /** Near jump target: 16-bit operand size truncates EIP to 16 bits (SDM vol. 2A JMP). */
  jumpNear(target: number): void {
    const t = this.o32 ? target | 0 : target & 0xffff;
    if ((t >>> 0) > this.segHi[CS]!) this.gp0();
    this.eip = t;
  }

  // =====================================================================================
  // Execution
  // =====================================================================================

  /** Decodes and executes one instruction (prefixes included). */
  step(): void {
    const start = this.eip;
    this.insnStart = start;
    this.openFetchWindow(start);
    const size32 = (this.segAr[CS]! & AR_DB) !== 0 && !this.v86;
    this.o32 = size32;
    this.a32 = size32;
    this.segOverride = -1;
    this.rep = 0;
    this.lock = false;
    let op = this.fetch8();
    while (PREFIX[op] !== 0) {
      switch (op) {
        case 0x26: this.segOverride = ES; break;
        case 0x2e: this.segOverride = CS; break;
        case 0x36: this.segOverride = SS; break;
        case 0x3e: this.segOverride = DS; break;
        case 0x64: this.segOverride = FS; break;
        case 0x65: this.segOverride = GS; break;
        case 0x66: this.o32 = !size32; break;
        case 0x67: this.a32 = !size32; break;
        case 0xf0: this.lock = true; break;
        case 0xf2: this.rep = 2; break;
        default: this.rep = 1; break;
      }
      op = this.fetch8();
    }
    if (this.lock) checkLock(this, op);
    OPCODES[op]!(this);
  }

  /**
   * Runs up to `budget` instructions. Returns the STOP_* reason. Guest behaviour never escapes as a host
   * exception: faults are delivered architecturally, and a model bug becomes STOP_INTERNAL_ERROR.
   */
  run(budget: number): number {
    if (this.memGeneration !== this.mem.generation) this.syncChunks();
    this.stopReason = STOP_NONE;
    // The host may have written guest memory since the last run (unless the caller knows it did not).
    if (this.keepCodeEpoch) this.keepCodeEpoch = false;
    else this.newCodeEpoch();
    const useBlocks = this.blocksEnabled;
    let done = 0;
    for (;;) {
      try {
        while (done < budget) {
          if (this.halted || this.intr || this.nmiPending || this.interruptShadow !== 0 || this.vmxWindowCheck || this.debugWatch !== 0) {
            if (!this.boundary()) {
              this.retire(done);
              return this.stopReason;
            }
          }
          // Blocks run without boundary checks between their instructions: not while single-stepping or
          // breakpoints are armed, nor in an interrupt shadow. Pending events that are masked stay masked
          // until an instruction the interpreter runs (and which ends the block) unmasks them.
          this.runDone = done;
          if (useBlocks && this.debugWatch === 0 && this.interruptShadow === 0) {
            const k = this.runBlocks(budget - done);
            this.chainDone = 0;
            done += k;
            if (this.stopReason !== STOP_NONE) {
              this.retire(done);
              return this.stopReason;
            }
            if (k > 0) continue;
          }
          this.step();
          if (this.exitAbort) {
            this.exitAbort = false;
            return this.vmExited(done);
          }
          done++;
          if (this.stopReason !== STOP_NONE) {
            this.retire(done);
            return this.stopReason;
          }
        }
        this.retire(done);
        // An instruction emulator (reportExceptions) gets the debug trap of the instruction it ran now,
        // not at the start of some later, unrelated instruction.
        if (this.reportExceptions && this.debugTrap !== 0 && !(this.interruptShadow === 2 && this.shadowAge > 1)) {
          this.deliverDebugTrap();
          return this.stopReason;
        }
        return (this.stopReason = STOP_BUDGET);
      } catch (e) {
        // Instructions the blocks and compiled regions completed before the one that faulted.
        done += this.chainDone + this.blockFaultAt + this.jitPartial;
        this.chainDone = 0;
        this.blockPartial = 0;
        this.blockFaultAt = 0;
        this.jitPartial = 0;
        if (e === CPU_EXCEPTION) {
          if (!this.pendingIsTrap) this.eip = this.insnStart;
          else done++;
          if (this.reportExceptions) {
            // The instruction did not complete: the debug traps it collected are dropped (as delivery
            // would); a #DB fault (instruction breakpoint, GD) reports its DR6 bits now.
            if (this.pendingVector === EXC_DB) commitDr6(this);
            this.debugTrap = 0;
            this.retire(done);
            return (this.stopReason = STOP_EXCEPTION);
          }
          try {
            deliverPendingException(this);
          } catch (e2) {
            if (e2 === VM_EXIT) return this.vmExited(done);
            if (e2 !== CPU_EXCEPTION) return this.internal(e2, done);
          }
          if (this.stopReason !== STOP_NONE) {
            this.retire(done);
            return this.stopReason;
          }
        } else if (e === VM_EXIT) {
          return this.vmExited(done);
        } else {
          return this.internal(e, done);
        }
      }
    }
  }

  /**
   * A VM exit ended non-root operation: the guest's collected debug traps must not reach the host
   * (the VMX code saves pending debug exceptions in the VMCS, SDM vol. 3C §27.3.4).
   */
  private vmExited(done: number): number {
    this.retire(done);
    this.vmExitTaken();
    return this.stopReason;
  }

  /** The current instruction caused a VM exit (already performed): stop running, drop the guest's collected traps. */
  vmExitTaken(): void {
    this.debugTrap = 0;
    this.updateDebugWatch();
    this.stopReason = STOP_VM_EXIT;
    this.blockStop = EXEC_STOP;
  }

  private internal(e: unknown, done: number): number {
    this.instructionsRetired += done;
    this.internalError = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return (this.stopReason = STOP_INTERNAL_ERROR);
  }

  /**
   * The work at an instruction boundary, in the priority order of SDM vol. 3A §6.9 (table 6-2): debug
   * traps of the previous instruction, then NMI and INTR (and waking from HLT), then for the instruction
   * about to run its instruction breakpoint (a fault, unless EFLAGS.RF suppresses it) and the single-step
   * trap it will report if EFLAGS.TF is set. Returns false when the loop must stop (stopReason says why).
   */
  private boundary(): boolean {
    // A MOV SS / POP SS holds debug traps back for one instruction, like interrupts (SDM vol. 3A §6.8.3).
    if (this.debugTrap !== 0 && !(this.interruptShadow === 2 && this.shadowAge > 1)) {
      if (!this.deliverDebugTrap()) return false;
    }
    if (this.halted || this.intr || this.nmiPending || this.interruptShadow !== 0 || this.vmxWindowCheck) {
      if (!this.serviceEvents()) {
        // Still in the shutdown state of an earlier triple fault: only NMI, INIT or RESET leave it.
        if (this.stopReason === STOP_NONE && this.shutdown) this.stopReason = STOP_SHUTDOWN;
        return false;
      }
      if (this.halted) {
        this.stopReason = STOP_HLT;
        return false;
      }
    }
    if (this.dr[7] !== this.dr7Armed) armDataBreakpoints(this);
    const f = this.flagsRaw;
    if ((f & FLAG_RF) !== 0) {
      // RF lets the instruction at EIP run once without its instruction breakpoint (SDM vol. 3B §17.3.1.1).
      this.flagsRaw = f & ~FLAG_RF;
    } else if ((this.dr[7]! & DR7_ENABLES) !== 0) {
      const bits = instructionBreakpoint(this, (this.segBase[CS]! + this.eip) | 0);
      if (bits !== 0) {
        this.insnStart = this.eip;
        this.debugTrap = bits;
        this.raise(EXC_DB);
      }
    }
    if ((f & FLAG_TF) !== 0) this.debugTrap |= DR6_BS;
    this.updateDebugWatch();
    return true;
  }

  /** Reports the collected debug traps as one #DB with EIP after the instruction that caused them. */
  private deliverDebugTrap(): boolean {
    this.insnStart = this.eip;
    if (this.reportExceptions) {
      // An instruction emulator's caller injects it: the DR6 bits are committed now.
      commitDr6(this);
      this.debugTrap = 0;
      this.pendingVector = EXC_DB;
      this.pendingError = -1;
      this.pendingIsTrap = true;
      this.stopReason = STOP_EXCEPTION;
      return false;
    }
    deliverWithNesting(this, EXC_DB, -1, EVENT_HW_EXCEPTION);
    return this.stopReason === STOP_NONE;
  }

  /**
   * Handles the between-instructions events: the interrupt shadow, NMI, INTR, waking from HLT.
   * Returns false when the loop must stop (a VM exit or shutdown happened while delivering).
   */
  private serviceEvents(): boolean {
    if (this.interruptShadow !== 0) {
      // The shadow blocks the boundary right after STI / MOV SS and lasts until the next instruction completes,
      // so a VM exit caused by that instruction still reports it in the interruptibility state.
      if (--this.shadowAge > 0) return true;
      this.interruptShadow = 0;
    }
    return acceptInterrupt(this);
  }

  /** Starts an interrupt shadow (1 blocking by STI, 2 by MOV SS) covering the next instruction. */
  setShadow(kind: number): void {
    this.interruptShadow = kind;
    this.shadowAge = 2;
    this.blockStop = EXEC_STOP;
  }

  /** Something blocks rely on changed: the running block stops after this instruction and links are re-resolved. */
  contextChanged(): void {
    this.blockStop = EXEC_STOP;
    this.lookupGen++;
  }

  /** Guest memory may have changed behind the processor's back: blocks re-check their bytes before running. */
  newCodeEpoch(): void {
    this.codeEpoch++;
    this.lookupGen++;
  }

  /** True when the next instruction boundary has work (events, shadows, debug): the run loop's test. */
  atBoundaryWork(): boolean {
    return this.halted || this.intr || this.nmiPending || this.interruptShadow !== 0 || this.vmxWindowCheck || this.debugWatch !== 0;
  }

  /** The mode bits blocks are translated under: code size (bit 0), stack size (bit 1), CPL (bits 2-3). */
  modeKey(): number {
    return ((this.segAr[CS]! & AR_DB) !== 0 && (this.flagsRaw & FLAG_VM) === 0 ? 1 : 0) | ((this.segAr[SS]! & AR_DB) !== 0 ? 2 : 0) | (this.cpl << 2);
  }

  /**
   * Runs blocks (or the regions compiled at them) back to back, following the links between them,
   * while nothing needs the instruction boundary: returns the instructions retired, 0 when the next
   * instruction must go through step(). A block that changed something blocks rely on, called the
   * host, or ran an instruction that left boundary work sets blockStop and ends the chain.
   */
  private runBlocks(budgetIn: number): number {
    // Small-integer arithmetic throughout (V8 would otherwise compare doubles at every instruction).
    const budget = budgetIn > 0x3fffffff ? 0x3fffffff : budgetIn | 0;
    let done = 0;
    let prev: Block | null = null;
    const jit = this.jit;
    for (;;) {
      let b: Block | null = null;
      if (prev !== null) {
        const eip = this.eip;
        if (prev.chainGen === this.lookupGen) {
          const l0: Block | null = prev.link0;
          if (l0 !== null && l0.eip === eip) b = l0;
          else {
            const l1: Block | null = prev.link1;
            if (l1 !== null && l1.eip === eip) b = l1;
          }
        } else {
          prev.link0 = prev.link1 = null;
          prev.chainGen = this.lookupGen;
        }
        if (b === null) {
          b = this.findBlock();
          if (b === null) return done;
          if (prev.link0 === null) prev.link0 = b;
          else prev.link1 = b;
        }
      } else {
        b = this.findBlock();
        if (b === null) return done;
      }
      this.blockStop = 0;
      if (jit) {
        // (Not worth compiling for a budget the entry block does not fit in: single-stepping callers.)
        if (b.region === null && !b.jitDeclined && budget - done >= b.insns.length && ++b.heat > this.jitThreshold) compileAt(this, b);
        const fn = b.region;
        if (fn !== null && regionUsable(this, b)) {
          // Regions run in slices: V8 then optimises them as ordinary calls, not on-stack replacement
          // of one endless call (whose code is several times slower).
          const left = (budget - done) | 0;
          const k = fn(left < JIT_SLICE ? left : JIT_SLICE);
          // 0 is also the count when the region's first instruction took a VM exit (it did not
          // complete): then the processor is in root operation now and the guest's block must not run.
          if (k > 0 || this.stopReason !== STOP_NONE) {
            done = (done + k) | 0;
            this.chainDone = done;
            if (this.blockStop !== 0 || this.stopReason !== STOP_NONE || done >= budget) return done;
            prev = b;
            continue;
          }
          this.blockStop = 0;
        }
      }
      const left = (budget - done) | 0;
      done = (done + runBlock(this, b, left)) | 0;
      this.chainDone = done;
      this.blockPartial = 0;
      if (this.blockStop !== 0 || this.stopReason !== STOP_NONE || done >= budget) return done;
      prev = b;
    }
  }

  /**
   * The block to run at CS:EIP, or null when the instruction must go through step(): the page is not
   * in the TLB as executable RAM (step() walks and faults), the code cannot be translated, or the
   * block would reach beyond the CS limit.
   */
  private findBlock(): Block | null {
    const eip = this.eip;
    const lin = (this.segBase[CS]! + eip) | 0;
    const page = lin >>> PAGE_SHIFT;
    if ((this.tlbFast[page]! & this.xMask) === 0) return null;
    const phys = this.tlbPhys[page]! | (lin & PAGE_MASK);
    const mode = this.modeKey();
    const slot = (lin ^ (lin >>> 10)) & (JUMP_CACHE_SIZE - 1);
    let b = this.jumpCache[slot] ?? null;
    if (b?.lin !== lin || b.phys !== phys || b.eip !== eip || b.mode !== mode || !b.valid) {
      b = this.blocks.find(phys, eip, lin, mode);
      if (b === null) return null;
      this.jumpCache[slot] = b;
    }
    if (b.epoch !== this.codeEpoch) {
      // The entry of a compiled region: checking the region's merged code covers this block and the
      // region's others in one pass (regionUsable then has nothing left to check).
      if (b.region !== null && regionCodeCurrent(this, b)) return b.lastByteEip > this.segHi[CS]! ? null : b;
      if (!this.blocks.verify(b)) {
        this.blocks.discard(b);
        b = this.blocks.find(phys, eip, lin, mode);
        if (b === null) return null;
        this.jumpCache[slot] = b;
      }
      b.epoch = this.codeEpoch;
    }
    if (b.lastByteEip > this.segHi[CS]!) return null;
    return b;
  }

  /** Stops the run loop after the current instruction (host callbacks use this). */
  requestStop(): void {
    if (this.stopReason === STOP_NONE) this.stopReason = STOP_REQUESTED;
    this.blockStop = EXEC_STOP;
  }

  /** Ends a run(): its `done` instructions join instructionsRetired. */
  private retire(done: number): void {
    this.instructionsRetired += done;
    this.runDone = 0;
  }

  /**
   * Current time-stamp counter value. The TSC counts retired instructions (or the host's clock, which
   * counts them), and a read inside run() includes the instructions retired so far in that run: a guest's
   * delay loop (Linux's delay_tsc) sees time pass while it spins, instead of spinning to the end of the
   * run's budget.
   */
  readTsc(): number {
    const inRun = this.runDone + this.chainDone + this.blockPartial + this.jitPartial;
    return (this.tscSource ? this.tscSource() : this.instructionsRetired) + inRun + this.tscOffset;
  }

  /** readTsc from compiled code: `partial` instructions of the running region retired before the read. */
  readTscIn(partial: number): number {
    return this.readTsc() + partial;
  }

  /** Register values by name, for tests and tracing. */
  get eflags(): number {
    return this.getFlags();
  }

  /** AC alignment checking applies at CPL 3 with CR0.AM and EFLAGS.AC (SDM vol. 3A §6.15 #AC). */
  get alignmentChecks(): boolean {
    return this.acMask !== 0;
  }

  /** #AC(0) when alignment checking is on and `lin` is not a multiple of `size` (2, 4 or 8). */
  checkAlignment(lin: number, size: number): void {
    if ((lin & (size - 1) & this.acMask) !== 0) this.raise(EXC_AC, 0);
  }

  /** True when paging translates linear addresses. */
  get paging(): boolean {
    return (this.cr0 & CR0_PG) !== 0;
  }
}

/**
 * LOCK is valid only on the read-modify-write forms listed in SDM vol. 2A LOCK, and only with a memory
 * destination; anything else is #UD. One-byte opcodes: ADD OR ADC SBB AND SUB XOR (r/m destination forms),
 * group 1 (80-83, not CMP), XCHG (86/87), NOT/NEG (F6/F7 /2 /3), INC/DEC (FE/FF /0 /1).
 */
const LOCKABLE = new Uint8Array(256);
for (const op of [0x00, 0x01, 0x08, 0x09, 0x10, 0x11, 0x18, 0x19, 0x20, 0x21, 0x28, 0x29, 0x30, 0x31, 0x80, 0x81, 0x82, 0x83, 0x86, 0x87, 0xf6, 0xf7, 0xfe, 0xff]) {
  LOCKABLE[op] = 1;
}
/** Two-byte opcodes that accept LOCK: BTS BTR BTC (AB B3 BB, BA /5-/7), XADD (C0 C1), CMPXCHG (B0 B1), CMPXCHG8B (C7 /1). */
const LOCKABLE_0F = new Uint8Array(256);
for (const op of [0xab, 0xb3, 0xbb, 0xba, 0xc0, 0xc1, 0xb0, 0xb1, 0xc7]) LOCKABLE_0F[op] = 1;

/**
 * Validates a LOCK prefix before the instruction runs. The opcode and ModRM bytes are fetched ahead
 * (with the fetch's own limit and paging checks, as decoding needs them anyway) and then given back.
 */
function checkLock(cpu: Cpu, op: number): void {
  const resume = cpu.eip;
  let modrm: number;
  if (op === 0x0f) {
    const op2 = cpu.fetch8();
    if (LOCKABLE_0F[op2] === 0) cpu.ud();
    modrm = cpu.fetch8();
    const r = (modrm >> 3) & 7;
    if ((op2 === 0xba && r < 5) || (op2 === 0xc7 && r !== 1)) cpu.ud();
  } else {
    if (LOCKABLE[op] === 0) cpu.ud();
    modrm = cpu.fetch8();
    // F6/F7 lock only NOT/NEG (/2, /3); FE/FF only INC/DEC (/0, /1); 80-83 all but CMP (/7).
    const r = (modrm >> 3) & 7;
    if ((op === 0xf6 || op === 0xf7) && r !== 2 && r !== 3) cpu.ud();
    if ((op === 0xfe || op === 0xff) && r > 1) cpu.ud();
    if ((op & 0xfc) === 0x80 && r === 7) cpu.ud();
  }
  if (modrm >= 0xc0) cpu.ud();
  cpu.eip = resume;
}
