import { beforeEach, describe, expect, it } from "vitest";
import { I8259Pair } from "./i8259-pair.js";
import { IrqProbe } from "./irq-probe.js";

/** The initialization Linux's init_8259A and SeaBIOS both use: edge, cascade, 8086 mode. */
function initPc(pic: I8259Pair, icw4 = 0x01): void {
  pic.master.write(0, 1, 0x11); // ICW1: edge, cascade, ICW4 needed
  pic.master.write(1, 1, 0x20); // ICW2: vectors 0x20-0x27
  pic.master.write(1, 1, 0x04); // ICW3: slave on IR2
  pic.master.write(1, 1, icw4);
  pic.slave.write(0, 1, 0x11);
  pic.slave.write(1, 1, 0x28);
  pic.slave.write(1, 1, 0x02); // ICW3: slave ID 2
  pic.slave.write(1, 1, 0x01);
  pic.master.write(1, 1, 0x00); // OCW1: unmask all
  pic.slave.write(1, 1, 0x00);
}

const EOI = 0x20;

describe("8259A pair", () => {
  let intr: IrqProbe;
  let pic: I8259Pair;
  beforeEach(() => {
    intr = new IrqProbe();
    pic = new I8259Pair({ intr });
    initPc(pic);
  });

  it("presents an edge-triggered request on INTR and delivers its vector on INTA", () => {
    pic.irq(1).setLevel(true);
    expect(intr.level).toBe(true);
    expect(pic.master.read(0, 1)).toBe(0x02); // IRR
    expect(pic.acknowledge()).toBe(0x21);
    expect(intr.level).toBe(false);
    pic.master.write(0, 1, 0x0b); // OCW3: read ISR
    expect(pic.master.read(0, 1)).toBe(0x02);
    pic.master.write(0, 1, EOI);
    expect(pic.master.read(0, 1)).toBe(0x00);
    // Still high: no new edge, no new request.
    expect(intr.level).toBe(false);
    pic.irq(1).setLevel(false);
    pic.irq(1).setLevel(true);
    expect(intr.level).toBe(true);
  });

  it("masks requests through IMR (OCW1) and reads IMR back", () => {
    pic.master.write(1, 1, 0x02);
    expect(pic.master.read(1, 1)).toBe(0x02);
    pic.irq(1).setLevel(true);
    expect(intr.level).toBe(false);
    pic.master.write(1, 1, 0x00);
    expect(intr.level).toBe(true);
  });

  it("resolves fixed priority and nests a higher-priority request over one in service", () => {
    pic.irq(3).setLevel(true);
    pic.irq(5).setLevel(true);
    expect(pic.acknowledge()).toBe(0x23);
    expect(intr.level).toBe(false); // IRQ5 is lower priority than IRQ3 in service
    pic.irq(1).setLevel(true);
    expect(intr.level).toBe(true);
    expect(pic.acknowledge()).toBe(0x21);
    pic.master.write(0, 1, EOI); // non-specific EOI clears the highest in service: IRQ1
    pic.master.write(0, 1, 0x0b);
    expect(pic.master.read(0, 1)).toBe(0x08);
    expect(intr.level).toBe(false);
    pic.master.write(0, 1, EOI);
    expect(pic.acknowledge()).toBe(0x25);
  });

  it("cascades slave requests through master IR2 and needs EOI on both chips", () => {
    pic.irq(10).setLevel(true);
    expect(intr.level).toBe(true);
    expect(pic.acknowledge()).toBe(0x2a);
    pic.master.write(0, 1, 0x0b);
    pic.slave.write(0, 1, 0x0b);
    expect(pic.master.read(0, 1)).toBe(0x04);
    expect(pic.slave.read(0, 1)).toBe(0x04);
    // Another slave request of lower priority waits for the slave EOI.
    pic.irq(14).setLevel(true);
    expect(intr.level).toBe(false);
    pic.slave.write(0, 1, EOI);
    expect(intr.level).toBe(false); // master IR2 still in service
    pic.master.write(0, 1, EOI);
    expect(intr.level).toBe(true);
    expect(pic.acknowledge()).toBe(0x2e);
  });

  it("keeps level-triggered (ELCR) requests in IRR across INTA until the line drops", () => {
    pic.elcrPorts.write(1, 1, 0x04); // IRQ10 level
    pic.irq(10).setLevel(true);
    expect(pic.acknowledge()).toBe(0x2a);
    expect(pic.slave.read(0, 1) & 0x04).toBe(0x04); // IRR (read register reset by init) still set
    pic.slave.write(0, 1, EOI);
    pic.master.write(0, 1, EOI);
    expect(intr.level).toBe(true); // still asserted: the device has not been serviced
    pic.irq(10).setLevel(false);
    expect(pic.slave.read(0, 1) & 0x04).toBe(0);
    // Master IR2 is edge-triggered and already latched the slave's request: it turns spurious.
    expect(pic.acknowledge()).toBe(0x2f);
  });

  it("limits ELCR to the bits that exist (IRQ0-2, 8 and 13 are always edge)", () => {
    pic.elcrPorts.write(0, 1, 0xff);
    pic.elcrPorts.write(1, 1, 0xff);
    expect(pic.elcrPorts.read(0, 1)).toBe(0xf8);
    expect(pic.elcrPorts.read(1, 1)).toBe(0xde);
  });

  it("answers a vanished level request with spurious IRQ7 and leaves ISR clear", () => {
    pic.elcrPorts.write(0, 1, 0x20); // IRQ5 level
    pic.irq(5).setLevel(true);
    expect(intr.level).toBe(true);
    pic.irq(5).setLevel(false);
    expect(pic.acknowledge()).toBe(0x27);
    pic.master.write(0, 1, 0x0b);
    expect(pic.master.read(0, 1)).toBe(0x00);
  });

  it("answers a vanished slave request with spurious IRQ15 and master IR2 in service", () => {
    pic.elcrPorts.write(1, 1, 0x08); // IRQ11 level
    pic.irq(11).setLevel(true);
    pic.irq(11).setLevel(false); // master IR2 edge stays latched
    expect(pic.acknowledge()).toBe(0x2f);
    pic.master.write(0, 1, 0x0b);
    pic.slave.write(0, 1, 0x0b);
    expect(pic.master.read(0, 1)).toBe(0x04);
    expect(pic.slave.read(0, 1)).toBe(0x00);
  });

  it("lets lower priorities through in special mask mode", () => {
    pic.irq(3).setLevel(true);
    expect(pic.acknowledge()).toBe(0x23);
    pic.irq(6).setLevel(true);
    expect(intr.level).toBe(false);
    pic.master.write(1, 1, 0x08); // mask IRQ3 (in service)
    pic.master.write(0, 1, 0x68); // OCW3: ESMM + SMM
    expect(intr.level).toBe(true);
    expect(pic.acknowledge()).toBe(0x26);
    pic.master.write(0, 1, 0x48); // ESMM, SMM=0
    pic.irq(7).setLevel(true);
    expect(intr.level).toBe(false);
  });

  it("rotates priorities on EOI and by the set-priority command", () => {
    pic.irq(3).setLevel(true);
    expect(pic.acknowledge()).toBe(0x23);
    pic.master.write(0, 1, 0xa0); // rotate on non-specific EOI: IRQ3 becomes lowest
    expect(pic.master.priorityAdd).toBe(4);
    pic.irq(3).setLevel(false);
    pic.irq(3).setLevel(true);
    pic.irq(4).setLevel(true);
    expect(pic.acknowledge()).toBe(0x24); // 4 now beats 3
    pic.master.write(0, 1, 0x64); // specific EOI IRQ4
    pic.master.write(0, 1, 0xc7); // set priority: IRQ7 lowest -> IRQ0 highest again
    expect(pic.acknowledge()).toBe(0x23);
  });

  it("returns the poll word and acknowledges through a read after OCW3.P", () => {
    pic.irq(6).setLevel(true);
    pic.master.write(0, 1, 0x0c); // OCW3 poll
    expect(pic.master.read(0, 1)).toBe(0x86);
    pic.master.write(0, 1, 0x0b);
    expect(pic.master.read(0, 1)).toBe(0x40);
    pic.master.write(0, 1, 0x0c);
    expect(pic.master.read(1, 1)).toBe(0x00); // nothing pending
  });

  it("does not set ISR in automatic EOI mode", () => {
    initPc(pic, 0x03); // ICW4: 8086 + AEOI on the master
    pic.irq(4).setLevel(true);
    expect(pic.acknowledge()).toBe(0x24);
    pic.master.write(0, 1, 0x0b);
    expect(pic.master.read(0, 1)).toBe(0x00);
    pic.irq(5).setLevel(true);
    expect(intr.level).toBe(true);
  });

  it("nests slave requests in special fully nested mode", () => {
    pic.irq(12).setLevel(true);
    expect(pic.acknowledge()).toBe(0x2c);
    pic.irq(9).setLevel(true);
    expect(intr.level).toBe(false); // master IR2 in service blocks it
    initPc(pic, 0x11); // SFNM on the master
    pic.irq(12).setLevel(false);
    pic.irq(9).setLevel(false);
    pic.irq(12).setLevel(true);
    expect(pic.acknowledge()).toBe(0x2c);
    pic.irq(9).setLevel(true);
    expect(intr.level).toBe(true);
    expect(pic.acknowledge()).toBe(0x29);
  });

  it("uses ICW2 for the vector base and honours a master without ICW3 cascade bits", () => {
    pic.master.write(0, 1, 0x11);
    pic.master.write(1, 1, 0x08);
    pic.master.write(1, 1, 0x00); // ICW3: nothing cascaded
    pic.master.write(1, 1, 0x01);
    pic.master.write(1, 1, 0x00);
    pic.irq(2).setLevel(true);
    expect(pic.acknowledge()).toBe(0x0a);
  });

  it("round-trips its state", () => {
    pic.elcrPorts.write(1, 1, 0x02);
    pic.irq(9).setLevel(true);
    pic.irq(1).setLevel(true);
    expect(pic.acknowledge()).toBe(0x21);
    pic.master.write(1, 1, 0x10);
    const saved = JSON.parse(JSON.stringify(pic.state())) as ReturnType<I8259Pair["state"]>;
    const intr2 = new IrqProbe();
    const copy = new I8259Pair({ intr: intr2 });
    copy.fromState(saved);
    expect(copy.state()).toEqual(pic.state());
    expect(intr2.level).toBe(intr.level);
    expect(copy.acknowledge()).toBe(pic.acknowledge());
  });
});
