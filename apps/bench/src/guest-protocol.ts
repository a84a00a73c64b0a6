/**
 * What the benchmark ROM says on port 0xE9 (guests/bench.asm): 'S' before the measured region, 'E'
 * after it, then one line of registers "eax ecx edx ebx ebp esi edi" in hex. Every runner feeds the
 * bytes it sees here (in-process port callbacks, or QEMU's debugcon / Bochs' port_e9_hack on stdout)
 * and gets the marker moments and the final line; anything else is a guest failure named clearly.
 */
export const PORT_DEBUGCON = 0xe9;
export const PORT_DEBUG_EXIT = 0x501;
/** Port of the port-I/O workload's OUT (the PC's POST diagnostic port). */
export const PORT_POST = 0x80;
/** Guest-physical address of the MMIO workload's stores (no RAM, ROM or device there). */
export const MMIO_ADDR = 0xd0000000;

export type GuestEvent = "start" | "end" | "registers";

const REGISTER_LINE = /^[0-9a-f]{8}( [0-9a-f]{8}){6}$/;

export class GuestProtocol {
  /** The register line, once complete. */
  registers: string | null = null;
  private state: "before-start" | "in-region" | "line" | "done" = "before-start";
  private line = "";
  private raw = "";

  /** Consumes one byte written to port 0xE9; returns the event it completes, if any. Throws on a protocol error. */
  byte(b: number): GuestEvent | null {
    const c = String.fromCharCode(b & 0xff);
    if (this.raw.length < 4096) this.raw += c;
    switch (this.state) {
      case "before-start":
        if (c === "S") {
          this.state = "in-region";
          return "start";
        }
        break;
      case "in-region":
        if (c === "E") {
          this.state = "line";
          return "end";
        }
        break;
      case "line":
        if (c !== "\n") {
          this.line += c;
          return null;
        }
        if (!REGISTER_LINE.test(this.line)) throw new Error(`the guest printed a malformed register line: ${JSON.stringify(this.line)}`);
        this.registers = this.line;
        this.state = "done";
        return "registers";
      case "done":
        return null;
    }
    throw new Error(`the guest printed ${JSON.stringify(c)} where the benchmark protocol expects ${this.state === "before-start" ? "'S'" : "'E'"} (output so far ${JSON.stringify(this.raw)})`);
  }

  get done(): boolean {
    return this.state === "done";
  }

  /** Everything written so far (for error messages). */
  get output(): string {
    return this.raw;
  }
}
