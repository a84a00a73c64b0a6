import { describe, expect, it } from "vitest";
import { I8259Pair } from "./i8259-pair.js";
import {
  I440FX_PAM,
  I440FX_SMRAM,
  I440fxHostBridge,
  type I440fxMemoryMap,
  PAM_ATTR_PCI,
  PAM_ATTR_RAM,
  PAM_ATTR_READ_ONLY,
} from "./i440fx.js";
import { IrqProbe } from "./irq-probe.js";
import { PciBus, pciDevfn, pciSlotGetPirq } from "./pci-bus.js";
import {
  PCI_BAR_UNMAPPED,
  PCI_CAP_ID_MSI,
  PCI_CAP_ID_PM,
  PCI_COMMAND_INTX_DISABLE,
  PCI_ROM_SLOT,
  PciDevice,
  type PciBarType,
} from "./pci-device.js";
import { PciConfigMechanism1 } from "./pci-host.js";
import { PIIX_RCR_IOPORT, Piix3IsaBridge } from "./piix3.js";

/** The i440FX machine's PCI core: host bridge 0:0.0, PIIX3 0:1.0, PIRQs into the PIC, 0xCF9 passthrough. */
function pcPci() {
  const pic = new I8259Pair();
  const isa = Array.from({ length: 16 }, () => new IrqProbe());
  const maps: I440fxMemoryMap[] = [];
  const mapped: [string, number, number, number, PciBarType][] = [];
  let resets = 0;
  const bus = new PciBus({ barListener: (d, r, a, s, t) => mapped.push([d.name, r, a, s, t]) });
  const host = bus.attach(new I440fxHostBridge({ ramSize: 128 << 20, onMemoryMapChange: (m) => maps.push(m) }), 0);
  const piix3 = bus.attach(
    new Piix3IsaBridge({
      isaIrq: (n) => ({
        setLevel: (l) => {
          isa[n]!.setLevel(l);
          pic.irq(n).setLevel(l);
        },
      }),
      onReset: () => resets++,
    }),
    1,
  );
  bus.setIrqRouter((irq, level) => {
    piix3.setPirq(irq, level);
  });
  const cfg = new PciConfigMechanism1(bus, { port: PIIX_RCR_IOPORT, device: piix3.resetControl });
  const addr = (devfn: number, reg: number) => { cfg.addressPort.write(0, 4, (0x8000_0000 | (devfn << 8) | reg) >>> 0); };
  const read = (devfn: number, reg: number, size: 1 | 2 | 4 = 4): number => {
    addr(devfn, reg & 0xfc);
    return cfg.dataPort.read(reg & 3, size);
  };
  const write = (devfn: number, reg: number, size: 1 | 2 | 4, value: number): void => {
    addr(devfn, reg & 0xfc);
    cfg.dataPort.write(reg & 3, size, value);
  };
  return { bus, host, piix3, cfg, read, write, isa, maps, mapped, resets: () => resets };
}

class TestDevice extends PciDevice {
  constructor(pin = 1) {
    super({ vendorId: 0x1af4, deviceId: 0x1000, classCode: 0x020000, interruptPin: pin, name: "test" });
    this.registerBar(0, { size: 0x1000, type: "mem32" });
    this.registerBar(1, { size: 0x20, type: "io" });
    this.registerBar(2, { size: 0x100000, type: "mem64", prefetchable: true });
    this.registerBar(PCI_ROM_SLOT, { size: 0x10000, type: "mem32" });
  }
}

describe("PCI configuration mechanism #1", () => {
  it("reads IDs of 0:0.0 and 0:1.0 with dword, word and byte accesses at every offset", () => {
    const { read, cfg } = pcPci();
    expect(read(0, 0)).toBe(0x12378086);
    expect(read(pciDevfn(1, 0), 0)).toBe(0x70008086);
    expect(read(0, 2, 2)).toBe(0x1237);
    expect(read(0, 3, 1)).toBe(0x12);
    expect(read(0, 8)).toBe(0x06000002); // class host bridge, revision 2
    expect(read(pciDevfn(1, 0), 0x0e, 1)).toBe(0x80); // multifunction
    expect(read(pciDevfn(1, 0), 0x08) >>> 8).toBe(0x060100);
    expect(cfg.addressPort.read(0, 4)).toBe(0x8000_0808);
  });

  it("returns all ones for absent functions, other buses and with the enable bit clear", () => {
    const { read, cfg } = pcPci();
    expect(read(pciDevfn(5, 0), 0)).toBe(0xffffffff);
    expect(read(pciDevfn(5, 0), 2, 2)).toBe(0xffff);
    cfg.addressPort.write(0, 4, 0x8001_0000); // bus 1
    expect(cfg.dataPort.read(0, 4)).toBe(0xffffffff);
    cfg.addressPort.write(0, 4, 0x0000_0000);
    expect(cfg.dataPort.read(0, 4)).toBe(0xffffffff);
    // Reserved CONFIG_ADDRESS bits read as zero; Linux's type-1 check still sees its enable bit.
    cfg.addressPort.write(0, 4, 0xffff_ffff);
    expect(cfg.addressPort.read(0, 4)).toBe(0x80ff_fffc);
  });

  it("passes byte accesses at 0xCF9 to the PIIX3 reset control register", () => {
    const s = pcPci();
    s.cfg.addressPort.write(1, 1, 0x02);
    expect(s.cfg.addressPort.read(1, 1)).toBe(0x02);
    expect(s.resets()).toBe(0);
    s.cfg.addressPort.write(1, 1, 0x06);
    expect(s.resets()).toBe(1);
    expect(s.cfg.addressPort.read(0, 4)).toBe(0);
  });
});

describe("PCI function configuration space", () => {
  it("sizes BARs by writing all ones, including 64-bit and ROM BARs", () => {
    const { bus, read, write } = pcPci();
    bus.attach(new TestDevice(), 3);
    const d = pciDevfn(3, 0);
    expect(read(d, 0x10)).toBe(0x00000000);
    expect(read(d, 0x14)).toBe(0x00000001);
    expect(read(d, 0x18)).toBe(0x0000000c);
    for (const reg of [0x10, 0x14, 0x18, 0x1c]) write(d, reg, 4, 0xffffffff);
    write(d, 0x30, 4, 0xfffffffe);
    expect(read(d, 0x10)).toBe(0xfffff000);
    expect(read(d, 0x14)).toBe(0xffffffe1);
    expect(read(d, 0x18)).toBe(0xfff0000c);
    expect(read(d, 0x1c)).toBe(0xffffffff);
    expect(read(d, 0x30)).toBe(0xffff0000);
    expect(read(d, 0x20)).toBe(0); // unimplemented BAR: read-only zero
    write(d, 0x20, 4, 0xffffffff);
    expect(read(d, 0x20)).toBe(0);
  });

  it("maps BARs only while the command register enables decoding, never during 32-bit sizing", () => {
    const { bus, read, write, mapped } = pcPci();
    const dev = bus.attach(new TestDevice(), 3);
    const d = pciDevfn(3, 0);
    // Linux sizes with decoding off (__pci_read_base); a 32-bit BAR of all ones never decodes anyway.
    for (const reg of [0x18, 0x1c]) write(d, reg, 4, 0xffffffff);
    write(d, 0x04, 2, 0x0003);
    for (const reg of [0x10, 0x14]) write(d, reg, 4, 0xffffffff);
    expect(mapped).toEqual([]);
    write(d, 0x10, 4, 0xfebf0000);
    write(d, 0x14, 4, 0xc001);
    write(d, 0x18, 4, 0x0000000c);
    write(d, 0x1c, 4, 0x00000001); // 0x1_0000_0000
    expect(mapped).toEqual([
      ["test", 0, 0xfebf0000, 0x1000, "mem32"],
      ["test", 1, 0xc000, 0x20, "io"],
      ["test", 2, 0x1_0000_0000, 0x100000, "mem64"],
    ]);
    expect(dev.barAddress(0)).toBe(0xfebf0000);
    mapped.length = 0;
    write(d, 0x04, 2, 0x0001); // memory decoding off
    expect(mapped).toEqual([
      ["test", 0, PCI_BAR_UNMAPPED, 0x1000, "mem32"],
      ["test", 2, PCI_BAR_UNMAPPED, 0x100000, "mem64"],
    ]);
    expect(read(d, 0x04, 2)).toBe(0x0001);
    // The ROM decodes only with its enable bit set (and memory space enabled).
    mapped.length = 0;
    write(d, 0x04, 2, 0x0002);
    write(d, 0x30, 4, 0xfeb80000);
    expect(mapped.find((m) => m[1] === PCI_ROM_SLOT)).toBeUndefined();
    write(d, 0x30, 4, 0xfeb80001);
    expect(mapped.find((m) => m[1] === PCI_ROM_SLOT)).toEqual(["test", PCI_ROM_SLOT, 0xfeb80000, 0x10000, "mem32"]);
  });

  it("keeps read-only fields, masks command bits and clears status bits written with 1", () => {
    const { bus, read, write } = pcPci();
    const dev = bus.attach(new TestDevice(), 3);
    const d = pciDevfn(3, 0);
    write(d, 0x00, 4, 0);
    expect(read(d, 0x00)).toBe(0x10001af4);
    write(d, 0x04, 2, 0xffff);
    expect(read(d, 0x04, 2)).toBe(0x0547);
    dev.config[0x07] = 0x20; // received master abort
    write(d, 0x06, 2, 0x2000);
    expect(read(d, 0x06, 2) & 0x2000).toBe(0);
    write(d, 0x3c, 1, 11);
    expect(read(d, 0x3c, 2)).toBe(0x010b); // line written, pin read-only INTA#
  });

  it("links capabilities from 0x34 and keeps their headers read-only", () => {
    const dev = new TestDevice();
    const pm = dev.addCapability(PCI_CAP_ID_PM, 8);
    const msi = dev.addCapability(PCI_CAP_ID_MSI, 10);
    expect([pm, msi]).toEqual([0x40, 0x48]);
    expect(dev.status & 0x10).toBe(0x10);
    expect(dev.config[0x34]).toBe(0x48);
    expect([dev.config[0x48], dev.config[0x49], dev.config[0x40], dev.config[0x41]]).toEqual([PCI_CAP_ID_MSI, 0x40, PCI_CAP_ID_PM, 0]);
    expect(dev.findCapability(PCI_CAP_ID_PM)).toBe(0x40);
    dev.configWrite(0x40, 2, 0xffff);
    expect(dev.configRead(0x40, 2)).toBe(0x0001);
    dev.configWrite(0x60, 1, 0x5a); // outside capabilities: device-specific, writable
    expect(dev.configRead(0x60, 1)).toBe(0x5a);
  });
});

describe("i440FX host bridge", () => {
  it("decodes PAM registers into the 13 BIOS/ROM regions and reports each change", () => {
    const { read, write, host, maps } = pcPci();
    expect(read(0, I440FX_PAM, 1)).toBe(0x00);
    expect(host.memoryMap().pam.every((r) => r.attribute === PAM_ATTR_PCI)).toBe(true);
    write(0, I440FX_PAM, 1, 0x30); // F0000-FFFFF read/write DRAM (SeaBIOS shadowing)
    write(0, I440FX_PAM + 1, 1, 0x13); // C0000 RAM, C4000 read-only
    const map = maps.at(-1)!;
    expect(map.pam[0]).toEqual({ base: 0xf0000, size: 0x10000, attribute: PAM_ATTR_RAM });
    expect(map.pam[1]).toEqual({ base: 0xc0000, size: 0x4000, attribute: PAM_ATTR_RAM });
    expect(map.pam[2]).toEqual({ base: 0xc4000, size: 0x4000, attribute: PAM_ATTR_READ_ONLY });
    expect(map.pam[12]!.base).toBe(0xec000);
    expect(read(0, 0x57, 1)).toBe(16); // QEMU's RAM size / 8 MiB
  });

  it("models SMRAM: fixed base segment, D_OPEN window, D_LCK", () => {
    const { read, write, maps } = pcPci();
    expect(read(0, I440FX_SMRAM, 1)).toBe(0x02);
    write(0, I440FX_SMRAM, 1, 0x4f); // D_OPEN + G_SMRAME, try to change the base segment
    expect(read(0, I440FX_SMRAM, 1)).toBe(0x4a);
    expect(maps.at(-1)).toMatchObject({ smramWindowToPci: false, smramEnabled: true });
    write(0, I440FX_SMRAM, 1, 0x1a); // close and lock
    expect(maps.at(-1)).toMatchObject({ smramWindowToPci: true, smramEnabled: true });
    write(0, I440FX_SMRAM, 1, 0x42); // try to reopen and drop G_SMRAME
    expect(read(0, I440FX_SMRAM, 1)).toBe(0x1a);
  });
});

describe("PIIX3 ISA bridge", () => {
  it("swizzles INTx pins by slot onto PIRQA-D", () => {
    expect(pciSlotGetPirq(pciDevfn(1, 0), 0)).toBe(0);
    expect(pciSlotGetPirq(pciDevfn(2, 0), 0)).toBe(1);
    expect(pciSlotGetPirq(pciDevfn(2, 0), 1)).toBe(2);
    expect(pciSlotGetPirq(pciDevfn(4, 0), 3)).toBe(2);
    expect(pciSlotGetPirq(pciDevfn(5, 0), 0)).toBe(0);
  });

  it("routes PCI INTx through PIRQ route registers to level ISA IRQs, shared by OR", () => {
    const { bus, read, write, isa } = pcPci();
    const piix = pciDevfn(1, 0);
    expect(read(piix, 0x60)).toBe(0x80808080); // routing disabled at reset
    const a = bus.attach(new TestDevice(1), 3); // INTA# of slot 3 -> PIRQC
    const b = bus.attach(new TestDevice(2), 2); // INTB# of slot 2 -> PIRQC too
    a.setIrq(true);
    expect(isa[11]!.level).toBe(false); // not routed yet
    write(piix, 0x62, 1, 0x0b); // PIRQC -> IRQ11
    expect(isa[11]!.level).toBe(true);
    b.setIrq(true);
    a.setIrq(false);
    expect(isa[11]!.level).toBe(true);
    b.setIrq(false);
    expect(isa[11]!.level).toBe(false);
    a.setIrq(true);
    write(piix, 0x62, 1, 0x0a); // re-route to IRQ10
    expect([isa[10]!.level, isa[11]!.level]).toEqual([true, false]);
    write(piix, 0x62, 1, 0x8a); // disabled
    expect(isa[10]!.level).toBe(false);
    write(piix, 0x62, 1, 0x02); // reserved target (IRQ2): not routed
    expect(isa[2]!.level).toBe(false);
  });

  it("drops INTx on the bus while the function sets INTX_DISABLE, keeping status.INTERRUPT", () => {
    const { bus, write, isa } = pcPci();
    const d = bus.attach(new TestDevice(1), 1, 1); // 0:1.1, INTA# -> PIRQA
    write(pciDevfn(1, 0), 0x60, 1, 0x05);
    d.setIrq(true);
    expect(isa[5]!.level).toBe(true);
    write(d.devfn, 0x04, 2, PCI_COMMAND_INTX_DISABLE);
    expect(isa[5]!.level).toBe(false);
    expect(d.status & 0x08).toBe(0x08);
    write(d.devfn, 0x04, 2, 0);
    expect(isa[5]!.level).toBe(true);
  });

  it("refuses a second function at the same address", () => {
    const { bus } = pcPci();
    expect(() => bus.attach(new TestDevice(), 1)).toThrow("PCI: slot 1 function 0 not available for test, in use by PIIX3");
  });

  it("round-trips the bus state and resets to power-on values", () => {
    const s = pcPci();
    const dev = s.bus.attach(new TestDevice(1), 3);
    s.write(pciDevfn(1, 0), 0x62, 1, 0x0b);
    s.write(dev.devfn, 0x10, 4, 0xfebf0000);
    s.write(dev.devfn, 0x04, 2, 0x0002);
    s.write(0, I440FX_PAM, 1, 0x30);
    dev.setIrq(true);
    const saved = JSON.parse(JSON.stringify(s.bus.state())) as ReturnType<PciBus["state"]>;
    const t = pcPci();
    const dev2 = t.bus.attach(new TestDevice(1), 3);
    t.bus.fromState(saved);
    expect(t.bus.state()).toEqual(s.bus.state());
    expect(dev2.barAddress(0)).toBe(0xfebf0000);
    expect(t.maps.at(-1)!.pam[0]!.attribute).toBe(PAM_ATTR_RAM);
    expect(t.isa[11]!.level).toBe(true);
    s.bus.reset();
    expect(s.read(pciDevfn(1, 0), 0x60)).toBe(0x80808080);
    expect(s.read(dev.devfn, 0x10)).toBe(0);
    expect(s.isa[11]!.level).toBe(false);
  });
});
