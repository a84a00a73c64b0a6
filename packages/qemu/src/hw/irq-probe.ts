import type { IrqLine } from "./io-device.js";

/**
 * An interrupt line that remembers its level and counts rising edges: what a test bench or a
 * tracing wrapper puts on a device's output to observe it (the `info irq` of a device).
 */
export class IrqProbe implements IrqLine {
  level = false;
  risingEdges = 0;
  fallingEdges = 0;

  constructor(private readonly forward?: IrqLine) {}

  setLevel(level: boolean): void {
    if (level !== this.level) {
      if (level) {
        this.risingEdges++;
      } else {
        this.fallingEdges++;
      }
      this.level = level;
    }
    this.forward?.setLevel(level);
  }

  /** Clears the edge counters (not the level). */
  resetCounts(): void {
    this.risingEdges = 0;
    this.fallingEdges = 0;
  }
}
