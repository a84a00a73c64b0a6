// Progress lines of long operations (tools/virsh-domain.c virshPrintJobProgress): on stderr,
// "\r<label>: [ NN %]", rewritten in place. virsh prints them with --verbose; here they are
// also printed whenever stderr is a terminal, for stream transfers measured by bytes done.
import type { Shell } from "../shell/shell.js";

export function jobProgressText(label: string, remaining: number, total: number): string {
  let progress: number;
  if (remaining === 0) progress = 100;
  else {
    progress = Math.trunc(100 - (remaining * 100) / total);
    if (progress >= 100) progress = 99;
  }
  return `\r${label}: [${String(progress).padStart(3)} %]`;
}

export function printJobProgress(ctl: Shell, label: string, remaining: number, total: number): void {
  ctl.io.stderr(jobProgressText(label, remaining, total));
}

/** Whether progress shows without --verbose: stderr is a terminal. */
export function stderrIsTerminal(): boolean {
  return process.stderr.isTTY;
}

/** A progress meter for a byte stream: redraws at most every 500 ms, as virsh's job watcher. */
export class ByteProgress {
  private done = 0;
  private last = 0;
  constructor(
    private readonly ctl: Shell,
    private readonly label: string,
    private readonly total: number,
    private readonly enabled: boolean,
  ) {}
  add(n: number): void {
    this.done += n;
    if (!this.enabled || this.total <= 0) return;
    const now = performance.now();
    if (now - this.last < 500) return;
    this.last = now;
    printJobProgress(this.ctl, this.label, Math.max(0, this.total - this.done), this.total);
  }
  finish(): void {
    if (this.enabled) {
      printJobProgress(this.ctl, this.label, 0, 1);
      this.ctl.io.stderr("\n");
    }
  }
}
