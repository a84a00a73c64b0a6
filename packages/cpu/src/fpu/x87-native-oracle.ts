// Test support: runs x87 cases on the host's real FPU (oracle/x87/x87-oracle.c, built with
// `cc -m32 -O0`) and on the model, and compares the resulting FSAVE images, memory, EFLAGS
// and AX byte for byte. Not part of the package's public API.

import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CR0_NE, type X87Host, type X87Options } from "./x87-host.js";
import { X87 } from "./x87.js";

export const ORACLE_SOURCE = join(import.meta.dirname, "..", "..", "oracle", "x87", "x87-oracle.c");

/** One case: instruction bytes (memory forms address [eax]), initial FSAVE image, memory, EFLAGS. */
export interface X87Case {
  /** Family name for the per-operation statistics. */
  family: string;
  insn: Uint8Array;
  /** 108-byte 32-bit protected-mode FSAVE image loaded with FRSTOR. */
  state: Uint8Array;
  mem: Uint8Array;
  eflags: number;
}

/** What one side produced. */
export interface X87Outcome {
  fault: number;
  state: Uint8Array;
  mem: Uint8Array;
  eflags: number;
  eax: number;
}

export interface OracleInfo {
  codeAddress: number;
  memAddress: number;
  /** CPUID.(EAX=07H,ECX=0):EBX of the host. */
  cpuid7Ebx: number;
}

/** Compiles the oracle; returns its path or a reason it could not be built. */
export function buildOracle(): { path: string } | { error: string } {
  if (!existsSync(ORACLE_SOURCE)) return { error: `missing ${ORACLE_SOURCE}` };
  const out = join(mkdtempSync(join(tmpdir(), "x87-oracle-")), "x87-oracle");
  const r = spawnSync("cc", ["-m32", "-O0", "-o", out, ORACLE_SOURCE], { encoding: "utf8" });
  if (r.error) return { error: `cc not runnable: ${r.error.message}` };
  if (r.status !== 0) return { error: `cc -m32 failed: ${r.stderr.trim().split("\n").slice(0, 3).join(" | ")}` };
  const probe = spawnSync(out, [], { input: "", encoding: "utf8" });
  if (probe.status !== 0) return { error: `oracle does not run: ${probe.stderr.trim()}` };
  return { path: out };
}

function hex(b: Uint8Array): string {
  if (b.length === 0) return "-";
  return Buffer.from(b).toString("hex");
}

function unhex(s: string): Uint8Array {
  return s === "-" ? new Uint8Array(0) : new Uint8Array(Buffer.from(s, "hex"));
}

/** Runs all cases natively in one oracle process. */
export function runOracle(path: string, cases: readonly X87Case[]): { info: OracleInfo; outcomes: X87Outcome[] } {
  const input = cases.map((c) => `${hex(c.insn)} ${hex(c.state)} ${hex(c.mem)} ${c.eflags.toString(16)}\n`).join("");
  const r = spawnSync(path, [], { input, encoding: "utf8", maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`x87 oracle exited with ${String(r.status)}: ${r.stderr}`);
  const lines = r.stdout.split("\n");
  const head = (lines[0] ?? "").split(" ");
  if (head[0] !== "info") throw new Error(`x87 oracle: unexpected first line ${lines[0] ?? ""}`);
  const info = { codeAddress: parseInt(head[1]!, 16), memAddress: parseInt(head[2]!, 16), cpuid7Ebx: parseInt(head[3] ?? "0", 16) };
  const outcomes: X87Outcome[] = [];
  for (let i = 0; i < cases.length; i++) {
    const p = (lines[i + 1] ?? "").split(" ");
    if (p[0] === "fault") {
      outcomes.push({ fault: Number(p[1]), state: new Uint8Array(0), mem: new Uint8Array(0), eflags: 0, eax: 0 });
    } else if (p[0] === "ok") {
      outcomes.push({ fault: 0, state: unhex(p[1]!), mem: unhex(p[2]!), eflags: parseInt(p[3]!, 16), eax: parseInt(p[4]!, 16) });
    } else {
      throw new Error(`x87 oracle: bad output line for case ${i}: ${lines[i + 1] ?? "<missing>"}`);
    }
  }
  return { info, outcomes };
}

/**
 * Model options matching the host: FDP_EXCPTN_ONLY (CPUID.(7,0):EBX[6]) and FCS/FDS deprecation
 * (EBX[13]). Processors with FDP_EXCPTN_ONLY also record FOP only on unmasked exceptions
 * (measured). The host has SSE3, so FISTTP is decoded.
 */
export function hostX87Options(info: OracleInfo): X87Options {
  const fdpOnly = (info.cpuid7Ebx & (1 << 6)) !== 0;
  return {
    fdpOnUnmaskedExceptionOnly: fdpOnly,
    fopOnUnmaskedExceptionOnly: fdpOnly,
    fcsFdsDeprecated: (info.cpuid7Ebx & (1 << 13)) !== 0,
    sse3: true,
  };
}

class TestFault extends Error {
  constructor(readonly vector: number) {
    super(`fault ${vector}`);
  }
}

/** Flat test memory: the case's operand buffer at the oracle's address plus a state area. */
class TestHost implements X87Host {
  readonly operand = new Uint8Array(1024);
  readonly area = new Uint8Array(512);
  operandBase = 0;
  readonly areaBase = 0x1000;
  eflags = 0;
  ax = 0;
  cr0 = CR0_NE;

  private locate(linear: number): [Uint8Array, number] {
    if (linear >= this.operandBase && linear < this.operandBase + this.operand.length) return [this.operand, linear - this.operandBase];
    if (linear >= this.areaBase && linear < this.areaBase + this.area.length) return [this.area, linear - this.areaBase];
    throw new TestFault(14);
  }

  read8(linear: number): number {
    const [b, o] = this.locate(linear);
    return b[o]!;
  }
  read16(linear: number): number {
    return this.read8(linear) | (this.read8(linear + 1) << 8);
  }
  read32(linear: number): number {
    return (this.read16(linear) | (this.read16(linear + 2) << 16)) >>> 0;
  }
  write8(linear: number, value: number): void {
    const [b, o] = this.locate(linear);
    b[o] = value & 0xff;
  }
  write16(linear: number, value: number): void {
    this.write8(linear, value);
    this.write8(linear + 1, value >>> 8);
  }
  write32(linear: number, value: number): void {
    this.write16(linear, value);
    this.write16(linear + 2, value >>> 16);
  }
  probeWrite(linear: number, length: number): void {
    this.locate(linear);
    this.locate(linear + length - 1);
  }
  getEflags(): number {
    return this.eflags;
  }
  setEflags(value: number): void {
    this.eflags = value;
  }
  setAx(value: number): void {
    this.ax = value & 0xffff;
  }
  getCr0(): number {
    return this.cr0;
  }
  raiseException(vector: number): never {
    throw new TestFault(vector);
  }
  signalFerr(): void {
    throw new Error("FERR# with CR0.NE=1");
  }
}

/** Runs cases on the model the way the oracle runs them natively. */
export class ModelRunner {
  readonly host = new TestHost();
  readonly fpu: X87;
  /** Linux i386 user CS/DS selectors (irrelevant when FCS/FDS are deprecated). */
  static readonly USER_CS = 0x23;
  static readonly USER_DS = 0x2b;

  constructor(
    readonly info: OracleInfo,
    options: X87Options,
  ) {
    this.host.operandBase = info.memAddress;
    this.fpu = new X87(this.host, options);
  }

  run(c: X87Case): X87Outcome {
    const h = this.host;
    const f = this.fpu;
    f.reset();
    h.operand.fill(0);
    h.operand.set(c.mem);
    h.area.set(c.state);
    h.eflags = c.eflags;
    h.ax = this.info.memAddress & 0xffff;
    // FRSTOR (DD /4) from the state area, as the oracle does.
    f.execute(0xdd, 0x20, h.areaBase, h.areaBase, ModelRunner.USER_DS, ModelRunner.USER_CS, 0, true, true);
    let fault = 0;
    try {
      this.executeCase(c);
    } catch (e) {
      if (!(e instanceof TestFault)) throw e;
      fault = e.vector;
    }
    if (fault !== 0) return { fault, state: new Uint8Array(0), mem: new Uint8Array(0), eflags: 0, eax: 0 };
    // FNSAVE (DD /6) to the state area.
    f.execute(0xdd, 0x30, h.areaBase, h.areaBase, ModelRunner.USER_DS, ModelRunner.USER_CS, 0, true, true);
    const eax = ((this.info.memAddress & 0xffff0000) | h.ax) >>> 0;
    return { fault: 0, state: h.area.slice(0, 108), mem: h.operand.slice(0, c.mem.length), eflags: h.eflags, eax };
  }

  private executeCase(c: X87Case): void {
    const b = c.insn;
    let i = 0;
    let opsize32 = true;
    while (b[i] === 0x66 || b[i] === 0x3e) {
      if (b[i] === 0x66) opsize32 = false;
      i++;
    }
    const mem = this.info.memAddress;
    if (b[i] === 0x0f && b[i + 1] === 0xae) {
      const reg = (b[i + 2]! >>> 3) & 7;
      if (reg === 0) this.fpu.fxsave(mem);
      else this.fpu.fxrstor(mem);
      return;
    }
    if (b[i] === 0x9b) {
      this.fpu.checkDeviceNotAvailable(true);
      this.fpu.fwait();
      return;
    }
    const opcode = b[i]!;
    const modrm = b[i + 1]!;
    this.fpu.checkDeviceNotAvailable(false);
    this.fpu.execute(opcode, modrm, mem, mem, ModelRunner.USER_DS, ModelRunner.USER_CS, this.info.codeAddress, opsize32, true);
  }
}
