/**
 * A guest's serial console driven like a terminal by a person: start the emulator with the console on its
 * stdio, wait for text, type a line (ending in CR, as a terminal's Enter), take what the command printed up
 * to the next prompt. Also measures the emulator process: wall time since start and CPU time (utime + stime
 * from /proc/PID/stat), for boot-time records.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { appendFileSync, readFileSync } from "node:fs";

export class SerialSessionError extends Error {}

/** CSI/OSC escape sequences and carriage returns: what a terminal would interpret rather than show. */
const ESC = String.fromCharCode(0x1b);
const BEL = String.fromCharCode(0x07);
const ESCAPES = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]|${ESC}\\][^${BEL}]*${BEL}|\r`, "g");

/** Console bytes as text a person reads: escape sequences (busybox's cursor queries) and CRs removed. */
export function consoleText(raw: string): string {
  return raw.replace(ESCAPES, "");
}

/**
 * What a command printed, from the console text between the prompt it was typed at and the next
 * prompt: the shell's echo of the command line comes first, then the output. The echo is `line`
 * with the line breaks a terminal wrap adds (busybox's line editor wraps at 80 columns on a serial
 * console, which reports no size); without `line`, or when the echo is not `line`, it is the first line.
 */
export function commandOutput(betweenPrompts: string, line?: string): string {
  if (line !== undefined) {
    let i = 0;
    let j = 0;
    while (j < line.length && i < betweenPrompts.length) {
      if (betweenPrompts[i] === line[j]) {
        i++;
        j++;
      } else if (betweenPrompts[i] === "\n") i++;
      else break;
    }
    if (j === line.length) return betweenPrompts.startsWith("\n", i) ? betweenPrompts.slice(i + 1) : betweenPrompts.slice(i);
  }
  const nl = betweenPrompts.indexOf("\n");
  return nl < 0 ? "" : betweenPrompts.slice(nl + 1);
}

export interface ProcessTimes {
  wallMs: number;
  cpuMs: number;
}

export class SerialSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly started = performance.now();
  /** Everything the console printed, escape sequences and CRs removed. */
  transcript = "";
  /** Where the next wait starts looking. */
  private cursor = 0;
  private exitCode: number | null | undefined;
  private waiter: (() => void) | undefined;
  private readonly stderrChunks: string[] = [];

  /** `consoleLog`: a file that receives the console output as it arrives (for watching a long boot). */
  constructor(argv: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; consoleLog?: string } = {}) {
    const { consoleLog, ...spawnOpts } = opts;
    this.child = spawn(argv[0]!, argv.slice(1), { stdio: "pipe", ...spawnOpts });
    this.child.stdout.on("data", (d: Buffer) => {
      if (consoleLog !== undefined) appendFileSync(consoleLog, d);
      this.transcript += consoleText(d.toString("latin1"));
      this.waiter?.();
    });
    this.child.stderr.on("data", (d: Buffer) => this.stderrChunks.push(d.toString()));
    this.child.on("exit", (code) => {
      this.exitCode = code;
      this.waiter?.();
    });
    this.child.on("error", (e) => {
      this.stderrChunks.push(e.message);
      this.exitCode = -1;
      this.waiter?.();
    });
  }

  get stderr(): string {
    return this.stderrChunks.join("");
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Wall time since the start and the process's CPU time so far (Linux /proc; 0 elsewhere). */
  times(): ProcessTimes {
    let cpuMs: number;
    try {
      const stat = readFileSync(`/proc/${String(this.child.pid)}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // fields 14 and 15 (utime, stime) in clock ticks; Linux's USER_HZ is 100
      cpuMs = (Number(f[11]) + Number(f[12])) * 10;
    } catch {
      cpuMs = 0;
    }
    return { wallMs: performance.now() - this.started, cpuMs };
  }

  /**
   * Waits until `pattern` appears after the cursor; returns the text before it and moves the cursor past it.
   * `limitMs` bounds a wait that would otherwise hang forever on a guest that died (not a performance limit).
   */
  async expect(pattern: string | RegExp, limitMs = 30 * 60_000): Promise<string> {
    const deadline = performance.now() + limitMs;
    for (;;) {
      const rest = this.transcript.slice(this.cursor);
      const m = typeof pattern === "string" ? (rest.includes(pattern) ? { index: rest.indexOf(pattern), len: pattern.length } : undefined) : ((r) => (r === null ? undefined : { index: r.index, len: r[0].length }))(pattern.exec(rest));
      if (m !== undefined) {
        this.cursor += m.index + m.len;
        return rest.slice(0, m.index);
      }
      if (this.exitCode !== undefined) {
        throw new SerialSessionError(`the emulator exited (status ${String(this.exitCode)}) before ${String(pattern)} appeared.\nstderr: ${this.stderr}\nconsole tail:\n${this.transcript.slice(-3000)}`);
      }
      const left = deadline - performance.now();
      if (left <= 0) {
        throw new SerialSessionError(`gave up waiting for ${String(pattern)} after ${String(limitMs)} ms.\nconsole tail:\n${this.transcript.slice(-3000)}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 1000));
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }

  /** Types `line` and Enter. */
  type(line: string): void {
    this.child.stdin.write(`${line}\r`);
  }

  /** Types a command at the prompt and returns its output (the echoed command line removed). */
  async run(command: string, prompt: string, limitMs?: number): Promise<string> {
    this.type(command);
    return commandOutput(await this.expect(prompt, limitMs), command);
  }

  async kill(): Promise<void> {
    if (this.exitCode !== undefined) return;
    const gone = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.kill("SIGTERM");
    await gone;
  }
}
