// Driver for the native harness (harness.c): builds it once with `cc -m32`, sends a batch of
// cases through one process, parses the states back.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ccM32UnavailableReason } from "../host-tools.js";
import {
  type CaseFault,
  type CaseResult,
  type CaseState,
  hex,
  initialWindow,
  MAX_CASE_INSNS,
  MEM_SIZE,
  type NativeCase,
} from "./native-case.js";

const SOURCE = join(import.meta.dirname, "harness.c");

let built: string | undefined;

/** Path of the compiled harness, building it on first use (cached by source hash in tmpdir). */
export function harnessPath(): string {
  if (built !== undefined) return built;
  const why = ccM32UnavailableReason();
  if (why !== null) throw new Error(`the native oracle needs cc -m32: ${why}`);
  const source = readFileSync(SOURCE);
  const tag = createHash("sha256").update(source).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), `virtkit-native-${tag}`);
  const exe = join(dir, "harness");
  if (!existsSync(exe)) {
    mkdirSync(dir, { recursive: true });
    const partial = `${exe}.${process.pid}`;
    const r = spawnSync("cc", ["-m32", "-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-o", partial, SOURCE], {
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`building the native harness failed:\n${r.stderr}`);
    renameSync(partial, exe);
  }
  built = exe;
  return exe;
}

export function nativeUnavailableReason(): string | null {
  return ccM32UnavailableReason();
}

function encodeCase(c: NativeCase, trace: boolean): string {
  if (c.insns.length > MAX_CASE_INSNS) throw new Error(`a case has at most ${MAX_CASE_INSNS} instructions, got ${c.insns.length}`);
  const lines = [`C ${trace ? 1 : 0}`];
  for (const i of c.insns) {
    if (i.length < 1 || i.length > 15) throw new Error(`an instruction is 1 to 15 bytes, got ${i.length}`);
    lines.push(`I ${hex(i)}`);
  }
  if (c.regs.length !== 8) throw new Error(`a case needs 8 registers, got ${c.regs.length}`);
  lines.push(`R ${[...c.regs, c.eflags].map((v) => (v >>> 0).toString(16)).join(" ")}`);
  initialWindow(c); // validates the patches
  for (const p of c.mem ?? []) if (p.bytes.length > 0) lines.push(`M ${p.offset.toString(16)} ${hex(p.bytes)}`);
  lines.push("E");
  return lines.join("\n") + "\n";
}

function parseState(fields: string[], base: Uint8Array): CaseState {
  const v = fields.map((f) => parseInt(f, 16) >>> 0);
  return { regs: v.slice(0, 8), eflags: v[8] ?? 0, mem: base.slice() };
}

/** Parses the harness output for `cases` (same order). */
export function parseHarnessOutput(text: string, cases: readonly NativeCase[]): CaseResult[] {
  const results: CaseResult[] = [];
  const lines = text.split("\n");
  let li = 0;
  for (const [index, c] of cases.entries()) {
    const init = initialWindow(c);
    const steps: CaseState[] = [];
    let fault: CaseFault | undefined;
    let cur: CaseState | undefined;
    for (;;) {
      const line = lines[li++];
      if (line === undefined) throw new Error("the native harness output ended in the middle of a case");
      const f = line.split(" ");
      if (f[0] === "D") break;
      if (f[0] === "T") {
        throw new Error(`native case ${index} did not come back (it left its code or loops): ${c.insns.map(hex).join(" ")}`);
      }
      if (f[0] === "S") {
        cur = parseState(f.slice(2), init);
        steps.push(cur);
      } else if (f[0] === "W" && cur !== undefined) {
        const off = parseInt(f[1] ?? "", 16);
        const bytes = f[2] ?? "";
        for (let i = 0; i < bytes.length / 2; i++) cur.mem[off + i] = parseInt(bytes.slice(i * 2, i * 2 + 2), 16);
      } else if (f[0] === "F") {
        const [vector, errorCode, insnIndex, offset] = f.slice(1).map((x, i) => (i === 2 ? parseInt(x, 10) : parseInt(x, 16)));
        fault = { vector: vector ?? -1, errorCode: errorCode ?? 0, insnIndex: insnIndex ?? -1, offset: offset ?? 0 };
      } else if (line !== "") {
        throw new Error(`unexpected native harness output line: ${line}`);
      }
    }
    const last = steps.pop();
    if (last === undefined) throw new Error("the native harness reported no state for a case");
    const r: CaseResult = { ...last };
    if (fault !== undefined) r.fault = fault;
    if (steps.length > 0 || fault === undefined) {
      // with tracing the harness printed every step; the final one is `last`
      r.steps = fault === undefined ? [...steps, last] : steps;
    }
    results.push(r);
  }
  return results;
}

export interface RunNativeOptions {
  /** Also report the state after every instruction (CaseResult.steps). */
  trace?: boolean;
}

/** Runs the cases on the host CPU, in one harness process. */
export function runNative(cases: readonly NativeCase[], opts: RunNativeOptions = {}): Promise<CaseResult[]> {
  const exe = harnessPath();
  const input = cases.map((c) => encodeCase(c, opts.trace === true)).join("");
  return new Promise((resolveRun, reject) => {
    const child = spawn(exe, [], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    let err = "";
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    // a harness that dies early closes its stdin; the exit status below tells why
    child.stdin.on("error", () => undefined);
    child.on("close", (code, signal) => {
      if (code !== 0) {
        reject(new Error(`the native harness failed (${signal ?? `exit status ${code}`}): ${err.trim()}`));
        return;
      }
      try {
        const results = parseHarnessOutput(Buffer.concat(out).toString("latin1"), cases);
        if (opts.trace !== true) for (const r of results) delete r.steps;
        resolveRun(results);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
    child.stdin.end(input);
  });
}

export { MEM_SIZE };
