// Runs a program on a pseudo-terminal through pty-driver.py (python3's pty module): a script
// of "expect this output" / "type these bytes" steps, then the output until the program exits.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const DRIVER = join(dirname(fileURLToPath(import.meta.url)), "pty-driver.py");

export type PtyStep = { expect: string } | { send: string };

export interface PtyResult {
  /** everything the terminal showed */
  output: string;
  /** exit status, or -signal */
  status: number | null;
  /** the step that failed (text never seen, or the program hung), null when all passed */
  failed: string | null;
}

export function runOnPty(argv: readonly string[], steps: readonly PtyStep[], env: NodeJS.ProcessEnv = process.env): PtyResult {
  const spec = JSON.stringify({ argv, env, steps, cols: 200, rows: 50 });
  const r = spawnSync("python3", [DRIVER, spec], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`pty driver failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PtyResult;
}
