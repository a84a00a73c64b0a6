import { describe, expect, it } from "vitest";
import { IrqProbe } from "./irq-probe.js";
import { SystemControlPortA } from "./system-control-port-a.js";

describe("port 0x92 (system control port A)", () => {
  it("gates A20 with bit 1 and resets on a 0->1 edge of bit 0", () => {
    const a20 = new IrqProbe();
    let resets = 0;
    const port = new SystemControlPortA({ a20, onReset: () => resets++ });
    port.write(0, 1, 0x02);
    expect(a20.level).toBe(true);
    expect(port.read(0, 1)).toBe(0x02);
    port.write(0, 1, 0x03);
    expect(resets).toBe(1);
    port.write(0, 1, 0x03); // no edge
    expect(resets).toBe(1);
    port.reset();
    expect(port.read(0, 1)).toBe(0x02);
    port.write(0, 1, 0x01);
    expect(resets).toBe(2);
    expect(a20.level).toBe(false);
    const copy = new SystemControlPortA();
    copy.fromState(port.state());
    expect(copy.read(0, 1)).toBe(0x01);
  });
});
