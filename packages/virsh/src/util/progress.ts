// Progress lines of long operations (tools/virsh-domain.c virshPrintJobProgress): on stderr,
// "\r<label>: [ NN %]", rewritten in place. virsh prints them with --verbose; here they are
// also printed whenever stderr is a terminal, for stream transfers measured by bytes done.
import type { Domain } from "@virtkit/libvirt";
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

/** virshWatchJob's poll period: virDomainGetJobInfo every 500 ms while the job runs. */
export const WATCH_JOB_INTERVAL_MS = 500;

/**
 * virshWatchJob (tools/virsh-domain.c) around `job`: while it runs, every 500 ms the domain's
 * job info is read and, when verbose and the job has a size, "\r<label>: [ NN %]" printed; a
 * failed query is ignored (vshResetLibvirtError), so a driver without job info prints nothing in
 * between. A poll in flight when the job ends is let finish first, then "[100 %]" follows a
 * job that succeeded. Settles as the job did.
 */
export async function watchJob<T>(ctl: Shell, dom: Domain, verbose: boolean, label: string, job: Promise<T>): Promise<T> {
  let over = false;
  let inFlight: Promise<void> = Promise.resolve();
  const poll = (): void => {
    inFlight = dom.getJobInfo().then(
      (info) => {
        if (!over && verbose && info.dataTotal > 0) printJobProgress(ctl, label, info.dataRemaining, info.dataTotal);
      },
      () => undefined,
    );
  };
  const timer = setInterval(poll, WATCH_JOB_INTERVAL_MS);
  try {
    const value = await job;
    await inFlight;
    over = true;
    if (verbose) printJobProgress(ctl, label, 0, 1);
    return value;
  } finally {
    clearInterval(timer);
    over = true;
    await inFlight;
  }
}
