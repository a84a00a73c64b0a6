/**
 * The milestones of a Linux boot as they appear on the guest's serial console (ttyS0): the kernel's banner
 * (`Linux version ...`, the first line printk sends once the console is up: init/main.c start_kernel prints
 * linux_banner), the line the initramfs's /init prints once its modules are loaded, and the busybox shell
 * prompt. The console text arrives in arbitrary chunks (v86 hands it over one byte at a time), so the search
 * only looks at a short window of text since the last milestone: the cost per chunk does not grow with the
 * boot log. Each milestone is stamped with the times of the chunk that completed it. A second banner before
 * the prompt means the guest reset (the command line has panic=-1, so a kernel panic reboots at once): a
 * failed boot, reported with the console lines before it.
 */

/** Wall time since the emulator started and the CPU time its process had used, both in milliseconds. */
export interface BootTimes {
  wallMs: number;
  cpuMs: number;
}

export type BootMilestone = "banner" | "marker" | "prompt";
export const BOOT_MILESTONES: readonly BootMilestone[] = ["banner", "marker", "prompt"];

/** The banner's fixed start (init/version.c: "Linux version " UTS_RELEASE " (" LINUX_COMPILE_BY "@" ...). */
export const KERNEL_BANNER = "Linux version ";

export class BootFailure extends Error {}

/** A whole boot: the time of each milestone and the banner's version. */
export interface BootRecord {
  times: Record<BootMilestone, BootTimes>;
  kernelVersion: string;
}

const ESC = 0x1b;
const CR = 0x0d;

/** Where a terminal control sequence stands between chunks (ECMA-48: ESC [ parameters... final byte 40h-7Eh). */
const Escape = { None: 0, AfterEsc: 1, InCsi: 2 } as const;
type EscapeState = (typeof Escape)[keyof typeof Escape];

export class BootMilestones {
  readonly reached: Partial<Record<BootMilestone, BootTimes>> = {};
  /** The banner line up to its first " (": "Linux version 6.1.0-50-686". */
  kernelVersion: string | null = null;
  private readonly chunks: string[] = [];
  /** Console text not yet matched: from just after the last milestone (or the banner's start until its line ends). */
  private window = "";
  private escape: EscapeState = Escape.None;
  private bannerSeen: BootTimes | null = null;

  /** `until`: the milestone at which the boot counts as done (the benchmark waits for the prompt; a wiring test for less). */
  constructor(
    private readonly marker: string,
    private readonly prompt: string,
    readonly until: BootMilestone = "prompt",
  ) {}

  /** The milestone looked for next, or null once the prompt is there. */
  get next(): BootMilestone | null {
    return BOOT_MILESTONES.find((m) => this.reached[m] === undefined) ?? null;
  }

  get done(): boolean {
    return this.reached[this.until] !== undefined;
  }

  /** The whole boot's record; BootFailure when the prompt was not reached. */
  record(): BootRecord {
    const { banner, marker, prompt } = this.reached;
    if (banner === undefined || marker === undefined || prompt === undefined || this.kernelVersion === null) {
      throw new BootFailure(`the boot stopped before the ${this.next ?? "prompt"}; the console last printed: ${this.tail()}`);
    }
    return { times: { banner, marker, prompt }, kernelVersion: this.kernelVersion };
  }

  /** Everything the console printed, terminal control removed. */
  get transcript(): string {
    const whole = this.chunks.join("");
    this.chunks.length = 0;
    this.chunks.push(whole);
    return whole;
  }

  /**
   * Takes the next chunk of console text (one char per byte) and the times at its arrival; returns the
   * milestones it completed. Throws BootFailure when the guest's kernel starts over before the prompt.
   */
  feed(text: string, times: BootTimes): BootMilestone[] {
    const clean = this.strip(text);
    this.chunks.push(clean);
    this.window += clean;
    const hit: BootMilestone[] = [];
    for (let m = this.next; m !== null; m = this.next) {
      if (m === "banner") {
        const at = this.window.indexOf(KERNEL_BANNER);
        if (at < 0) {
          this.window = this.window.slice(-(KERNEL_BANNER.length - 1));
          break;
        }
        this.bannerSeen ??= { ...times };
        const eol = this.window.indexOf("\n", at);
        if (eol < 0) {
          this.window = this.window.slice(at);
          break;
        }
        const line = this.window.slice(at, eol).trimEnd();
        const paren = line.indexOf(" (");
        this.kernelVersion = paren < 0 ? line : line.slice(0, paren);
        this.reached.banner = this.bannerSeen;
        this.window = this.window.slice(eol);
        hit.push(m);
        continue;
      }
      const pattern = m === "marker" ? this.marker : this.prompt;
      const at = this.window.indexOf(pattern);
      const again = this.window.indexOf(KERNEL_BANNER);
      if (again >= 0 && (at < 0 || again < at)) {
        const whole = this.transcript;
        // The lines before the new banner's line (printk puts a timestamp before it).
        const before = whole.slice(0, whole.lastIndexOf("\n", whole.length - (this.window.length - again)) + 1);
        throw new BootFailure(`the guest reset before the ${m === "marker" ? "initramfs marker" : "shell prompt"} (a second kernel banner; kernel panic?): ${lastLines(before, 3)}`);
      }
      if (at < 0) {
        this.window = this.window.slice(-(Math.max(pattern.length, KERNEL_BANNER.length) - 1));
        break;
      }
      this.reached[m] = { ...times };
      this.window = this.window.slice(at + pattern.length);
      hit.push(m);
    }
    return hit;
  }

  /** What the console last printed, for the error message of a failed boot. */
  tail(lines = 3): string {
    return lastLines(this.transcript, lines);
  }

  /** Removes CRs and ESC sequences (busybox's line editor asks for the cursor position, ESC [ 6 n, after the prompt). */
  private strip(text: string): string {
    let out = "";
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.escape === Escape.None) {
        if (c !== ESC && c !== CR) continue;
        out += text.slice(from, i);
        from = i + 1;
        if (c === ESC) this.escape = Escape.AfterEsc;
      } else {
        from = i + 1;
        if (this.escape === Escape.AfterEsc) this.escape = c === 0x5b /* [ */ ? Escape.InCsi : Escape.None;
        else if (c >= 0x40 && c <= 0x7e) this.escape = Escape.None;
      }
    }
    return from === 0 ? text : out + text.slice(from);
  }
}

/** The last non-empty lines of a console transcript, joined with " / "; a note when there were none. */
export function lastLines(text: string, n: number): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  return lines.length === 0 ? "(nothing on the serial console)" : lines.slice(-n).join(" / ");
}
