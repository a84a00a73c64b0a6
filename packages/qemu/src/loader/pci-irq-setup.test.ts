import { describe, expect, it } from "vitest";
import { PciDevice } from "../hw/pci-device.js";
import { CPU_GUESTS_DIR, QEMU_GUESTS_DIR, readGuest, runGuestRom } from "../machine/testing/guest-harness.js";
import { setupDirectBoot } from "./direct-boot.js";
import { firmwarePciIrqSetup } from "./pci-irq-setup.js";

const hello = readGuest(CPU_GUESTS_DIR, "hello.bin");

describe("firmware PCI interrupt setup for direct kernel boot", () => {
  it("steers PIRQA-D to IRQ 10/10/11/11, makes them level in the ELCR and fills each function's Interrupt Line through the swizzle", () => {
    let devs: PciDevice[] = [];
    const r = runGuestRom(hello, {
      keep: true,
      maxSteps: 0,
      setup: (pc) => {
        devs = [2, 3, 4, 5].map((slot) => pc.pciBus!.attach(new PciDevice({ vendorId: 0x1af4, deviceId: 0x1000 + slot, classCode: 0xff0000, interruptPin: 1 }), slot));
        devs.push(pc.pciBus!.attach(new PciDevice({ vendorId: 0x1af4, deviceId: 0x1100, classCode: 0xff0000, interruptPin: 2 }), 6));
      },
    });
    const pc = r.pc;
    const bus = pc.pciBus!;
    firmwarePciIrqSetup(pc);
    expect([0, 1, 2, 3].map((i) => bus.configRead(pc.piix3!.devfn, 0x60 + i, 1))).toEqual([10, 10, 11, 11]);
    expect([pc.pic.elcrPorts.read(0, 1), pc.pic.elcrPorts.read(1, 1)]).toEqual([0x00, 0x0c]);
    // slot 2 INTA -> PIRQB, slot 3 -> PIRQC, slot 4 -> PIRQD, slot 5 -> PIRQA, slot 6 INTB -> PIRQC (SeaBIOS's values)
    expect(devs.map((d) => bus.configRead(d.devfn, 0x3c, 1))).toEqual([10, 11, 11, 10, 11]);
    // the bridge and host bridge have no pin: their Interrupt Line stays 0
    expect(bus.configRead(pc.piix3!.devfn, 0x3c, 1)).toBe(0);
    // both IDE channels decode (IDETIM bit 15), as SeaBIOS leaves them
    expect([bus.configRead(pc.piix3Ide!.devfn, 0x40, 2), bus.configRead(pc.piix3Ide!.devfn, 0x42, 2)]).toEqual([0x8000, 0x8000]);
    // A device's INTx now reaches the PIC input its Interrupt Line names, as a level.
    devs[1]!.setIrq(true);
    expect(pc.pic.state().slave.irr & (1 << (11 - 8))).not.toBe(0);
    devs[1]!.setIrq(false);
    pc.destroy();
  });

  it("a direct boot applies it at start and again after every system reset (the PIIX3 and the devices forget it)", () => {
    let dev: PciDevice | undefined;
    const r = runGuestRom(hello, {
      keep: true,
      maxSteps: 0,
      setup: (pc) => {
        dev = pc.pciBus!.attach(new PciDevice({ vendorId: 0x1af4, deviceId: 0x1001, classCode: 0xff0000, interruptPin: 1 }), 2);
        setupDirectBoot(pc, { kernelPath: `${QEMU_GUESTS_DIR}multiboot-kernel.bin` }, hello.length);
      },
    });
    const pc = r.pc;
    const line = (): number => pc.pciBus!.configRead(dev!.devfn, 0x3c, 1);
    expect([pc.pciBus!.configRead(pc.piix3!.devfn, 0x61, 1), line()]).toEqual([10, 10]);
    pc.pciBus!.configWrite(dev!.devfn, 0x3c, 1, 5);
    pc.pciBus!.configWrite(pc.piix3!.devfn, 0x61, 1, 0x80);
    pc.systemReset("guest-reset");
    expect([pc.pciBus!.configRead(pc.piix3!.devfn, 0x61, 1), line()]).toEqual([10, 10]);
    pc.destroy();
  });
});
