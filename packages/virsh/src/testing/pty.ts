// Runs a program on a pseudo-terminal through pty-driver.py (python3's pty module): a script
// of "expect this output" / "type these bytes" steps, then the output until the program exits.
// runOnPty blocks (short sessions); runOnPtyAsync leaves the event loop running for long ones,
// such as a Linux guest booting behind `virsh console`.
import { spawn, spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const DRIVER = join(dirname(fileURLToPath(import.meta.url)), "pty-driver.py");

export type PtyStep = { expect: string } | { send: string };

export interface PtyOptions {
  /**
   * Seconds one step may wait for its text, and the program for its exit after the last step,
   * before the run is reported as hung (default 60). A guard against a program that never
   * answers, not a time limit on the behaviour under test.
   */
  guardSeconds?: number;
  /** A file that receives the terminal output as it arrives (appended), to watch a long run. */
  logFile?: string;
  cols?: number;
  rows?: number;
}

export interface PtyResult {
  /** everything the terminal showed */
  output: string;
  /** exit status, or -signal */
  status: number | null;
  /** the step that failed (text never seen, or the program hung), null when all passed */
  failed: string | null;
  /**
   * Per step that ran: the offset in `output` it reached — just past the text an `expect`
   * matched, the end of what had been shown when a `send` typed.
   */
  marks: number[];
  /** Per step that ran: seconds since the program started. */
  times: number[];
}

function spec(argv: readonly string[], steps: readonly PtyStep[], env: NodeJS.ProcessEnv, opts: PtyOptions): string {
  return JSON.stringify({ argv, env, steps, cols: opts.cols ?? 200, rows: opts.rows ?? 50, guard: opts.guardSeconds ?? 60, log: opts.logFile ?? null });
}

function parse(status: number | null, stdout: string, stderr: string): PtyResult {
  if (status !== 0) throw new Error(`pty driver failed: ${stderr}`);
  return JSON.parse(stdout) as PtyResult;
}

export function runOnPty(argv: readonly string[], steps: readonly PtyStep[], env: NodeJS.ProcessEnv = process.env, opts: PtyOptions = {}): PtyResult {
  const r = spawnSync("python3", [DRIVER, spec(argv, steps, env, opts)], { encoding: "utf8", maxBuffer: 64 << 20 });
  return parse(r.status, r.stdout, r.stderr);
}

/** runOnPty without blocking the caller's event loop while the session runs. */
export function runOnPtyAsync(argv: readonly string[], steps: readonly PtyStep[], env: NodeJS.ProcessEnv = process.env, opts: PtyOptions = {}): Promise<PtyResult> {
  return new Promise((resolve, reject) => {
    const p = spawn("python3", [DRIVER, spec(argv, steps, env, opts)], { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on("data", (d: Buffer) => out.push(d));
    p.stderr.on("data", (d: Buffer) => err.push(d));
    p.once("error", reject);
    p.once("close", (code) => {
      try {
        resolve(parse(code, Buffer.concat(out).toString("utf8"), Buffer.concat(err).toString("utf8")));
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}
