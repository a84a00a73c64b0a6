import type { Io } from "./context.js";

/**
 * util/qemu-progress.c: "    (xx.xx/100%)\r" on stdout whenever the value moved
 * by more than min_skip, and a newline at the end. Floats are single precision
 * in qemu; Math.fround keeps the same arithmetic.
 */
export class Progress {
  private current = 0;
  private lastPrint = 0;

  constructor(
    private readonly io: Io,
    readonly enabled: boolean,
    private readonly minSkip: number,
  ) {}

  print(delta: number, max: number): void {
    let current = max === 0 ? Math.fround(delta) : Math.fround(this.current + Math.fround(Math.fround(delta / 100) * max));
    if (current > 100) current = 100;
    this.current = current;
    if (current > this.lastPrint + this.minSkip || current < this.lastPrint - this.minSkip || current === 100 || current === 0) {
      this.lastPrint = current;
      if (this.enabled) this.io.out(`    (${current.toFixed(2)}/100%)\r`);
    }
  }

  end(): void {
    if (this.enabled) this.io.out("\n");
  }
}
