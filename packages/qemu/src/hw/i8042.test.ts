import { describe, expect, it } from "vitest";
import { I8042 } from "./i8042.js";
import { IrqProbe } from "./irq-probe.js";

function setup() {
  const kbdIrq = new IrqProbe();
  const auxIrq = new IrqProbe();
  const a20 = new IrqProbe();
  let resets = 0;
  const kbc = new I8042({ kbdIrq, auxIrq, a20, onReset: () => resets++ });
  const cmd = (c: number) => { kbc.commandPort.write(0, 1, c); };
  const data = (d: number) => { kbc.dataPort.write(0, 1, d); };
  const status = () => kbc.commandPort.read(0, 1);
  /** Reads everything in the output buffer, as i8042_flush does. */
  const drain = (): number[] => {
    const out: number[] = [];
    while (status() & 0x01) {
      out.push(kbc.dataPort.read(0, 1));
    }
    return out;
  };
  return { kbc, kbdIrq, auxIrq, a20, cmd, data, status, drain, resets: () => resets };
}

describe("i8042 keyboard controller", () => {
  it("passes Linux's controller probe: self test, command byte, AUX loopback and enable toggles", () => {
    const { cmd, data, status, drain, auxIrq } = setup();
    expect(status()).toBe(0x18); // unlocked, last write was a command
    expect(drain()).toEqual([]);
    cmd(0xaa);
    expect(drain()).toEqual([0x55]);
    expect(status() & 0x04).toBe(0x04); // system flag after self test
    cmd(0x20);
    expect(drain()).toEqual([0x03]);
    cmd(0x60);
    data(0x47); // XLATE, SYS, both IRQs
    expect(status() & 0x08).toBe(0); // last write was data
    cmd(0x20);
    expect(drain()).toEqual([0x47]);
    // i8042_check_aux: loopback through the AUX output buffer
    cmd(0xd3);
    data(0x5a);
    expect(status() & 0x21).toBe(0x21);
    expect(auxIrq.level).toBe(true);
    expect(drain()).toEqual([0x5a]);
    expect(auxIrq.level).toBe(false);
    cmd(0xa7);
    cmd(0x20);
    expect(drain()[0]! & 0x20).toBe(0x20);
    cmd(0xa8);
    cmd(0x20);
    expect(drain()[0]! & 0x20).toBe(0);
    cmd(0xa9);
    expect(drain()).toEqual([0x00]);
    cmd(0xab);
    expect(drain()).toEqual([0x00]);
  });

  it("talks to the keyboard: reset, ID (translated AB 41), LEDs, echo, resend", () => {
    const { cmd, data, drain } = setup();
    data(0xff);
    expect(drain()).toEqual([0xfa, 0xaa]);
    data(0xf2);
    expect(drain()).toEqual([0xfa, 0xab, 0x83]); // XLATE off: raw ID
    cmd(0x60);
    data(0x43); // XLATE on
    data(0xf2);
    expect(drain()).toEqual([0xfa, 0xab, 0x41]);
    data(0xed);
    data(0x07);
    expect(drain()).toEqual([0xfa, 0xfa]);
    data(0xee);
    expect(drain()).toEqual([0xee]);
    data(0xf0);
    data(0x00);
    expect(drain()).toEqual([0xfa, 0xfa, 0x41]); // set 2, translated through the table (02 -> 41)
    data(0x12); // not a command
    expect(drain()).toEqual([0xfe]);
  });

  it("translates set-2 scan codes to set 1, folding the F0 break prefix", () => {
    const { kbc, cmd, data, drain, kbdIrq } = setup();
    cmd(0x60);
    data(0x41); // XLATE + KBD_INT
    kbdIrq.resetCounts();
    kbc.keyboard.key(0x1c, true); // 'A'
    kbc.keyboard.key(0x1c, false);
    kbc.keyboard.key(0x75, true, true); // cursor up (E0 75)
    kbc.keyboard.key(0x75, false, true);
    expect(drain()).toEqual([0x1e, 0x9e, 0xe0, 0x48, 0xe0, 0xc8]);
    expect(kbdIrq.risingEdges).toBe(6); // one IRQ1 edge per byte
    cmd(0x60);
    data(0x01); // XLATE off: raw set 2
    kbc.keyboard.key(0x1c, true);
    kbc.keyboard.key(0x1c, false);
    expect(drain()).toEqual([0x1c, 0xf0, 0x1c]);
  });

  it("holds keyboard data while the keyboard interface is disabled", () => {
    const { kbc, cmd, drain } = setup();
    cmd(0xad);
    kbc.keyboard.key(0x29, true);
    expect(drain()).toEqual([]);
    cmd(0xae);
    expect(drain()).toEqual([0x29]);
  });

  it("gates A20 through the output port and DD/DF, and reads the output port back", () => {
    const { cmd, data, drain, a20, kbc } = setup();
    cmd(0xd0);
    expect(drain()).toEqual([0xcf]);
    cmd(0xd1);
    data(0xdd); // A20 off, reset bit high
    expect(a20.level).toBe(false);
    expect(kbc.a20Enabled).toBe(false);
    cmd(0xd1);
    data(0xdf);
    expect(a20.level).toBe(true);
    cmd(0xdd);
    expect(a20.level).toBe(false);
    cmd(0xdf);
    expect(a20.level).toBe(true);
    cmd(0xd0);
    expect(drain()).toEqual([0xcf]); // bits 4-5 show the (empty) output buffer, not what was written
  });

  it("requests a system reset on the FE pulse and on an output-port write with bit 0 low", () => {
    const s = setup();
    s.cmd(0xff); // pulse nothing
    expect(s.resets()).toBe(0);
    s.cmd(0xfe);
    expect(s.resets()).toBe(1);
    s.cmd(0xd1);
    s.data(0xde);
    expect(s.resets()).toBe(2);
  });

  it("forwards D4 bytes to the mouse: reset, IntelliMouse knock, stream packets on IRQ12", () => {
    const { kbc, cmd, data, drain, auxIrq } = setup();
    const aux = (b: number) => {
      cmd(0xd4);
      data(b);
    };
    aux(0xff);
    expect(drain()).toEqual([0xfa, 0xaa, 0x00]);
    aux(0xf2);
    expect(drain()).toEqual([0xfa, 0x00]);
    for (const rate of [200, 100, 80]) {
      aux(0xf3);
      aux(rate);
    }
    aux(0xf2);
    expect(drain()).toEqual([0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0xfa, 0x03]);
    aux(0xe9);
    expect(drain()).toEqual([0xfa, 0x00, 0x02, 80]);
    aux(0xf4);
    expect(drain()).toEqual([0xfa]);
    auxIrq.resetCounts();
    kbc.mouse.setButtons(0x01);
    kbc.mouse.move(5, -3, 1);
    expect(auxIrq.level).toBe(true);
    expect(drain()).toEqual([0x09, 0x00, 0x00, 0x00, 0x29, 0x05, 0xfd, 0x01]);
    aux(0xee); // wrap mode echoes
    aux(0x42);
    aux(0xec);
    expect(drain()).toEqual([0xfa, 0x42, 0xfa]);
  });

  it("round-trips its state with queued bytes", () => {
    const { kbc, cmd, data, drain } = setup();
    cmd(0x60);
    data(0x61);
    kbc.keyboard.key(0x1c, true);
    kbc.keyboard.key(0x32, true);
    const copy = new I8042();
    copy.fromState(JSON.parse(JSON.stringify(kbc.state())) as ReturnType<I8042["state"]>);
    expect(copy.state()).toEqual(kbc.state());
    const copied: number[] = [];
    while (copy.commandPort.read(0, 1) & 1) copied.push(copy.dataPort.read(0, 1));
    expect(copied).toEqual(drain());
  });
});
