import { pciSlotGetPirq } from "../hw/pci-bus.js";
import { PCI_INTERRUPT_LINE, PCI_INTERRUPT_PIN } from "../hw/pci-device.js";
import { PIIX_IDETIM_IDE_DECODE_ENABLE, PIIX_IDETIM_PRIMARY, PIIX_IDETIM_SECONDARY } from "../hw/ide/piix3-ide.js";
import { PIIX_NUM_PIRQS, PIIX_PIRQCA } from "../hw/piix3.js";
import type { PcMachine } from "../machine/pc.js";
import type { MpPciInterrupt } from "./mptable.js";

/*
 * The firmware's share of PCI interrupt setup on the i440FX/PIIX3 board, done by the loader when a kernel
 * is booted directly (no BIOS runs): what SeaBIOS's pciinit.c does on every boot of QEMU's pc machine —
 * steer PIRQA-D to ISA IRQs 10, 10, 11, 11 in the PIIX3 (PIRQRC[A:D], 82371SB 2.2.9), make those IRQs
 * level-triggered in the ELCR, and write each bus-0 function's IRQ into its Interrupt Line register
 * (PCI Local Bus 3.0 6.2.4) through the board swizzle. A kernel that finds no routing table ($PIR) or
 * ACPI _PRT uses the Interrupt Line as is (Linux: arch/x86/pci/irq.c pirq_enable_irq keeps dev->irq);
 * without this step its PCI devices have no IRQ ("can't find IRQ for PCI INT A").
 * BARs are left to the kernel, which assigns what it finds unassigned.
 */

/** SeaBIOS's pci_irqs: the ISA IRQ each of PIRQA-D is steered to (src/fw/pciinit.c). */
export const FIRMWARE_PCI_IRQS: readonly number[] = [10, 10, 11, 11];

/**
 * Programs PIRQ routing, ELCR and Interrupt Line registers as SeaBIOS would, and enables both IDE
 * channels of the PIIX3 IDE function (SeaBIOS piix_ide_setup: IDETIM decode enable — without it Linux's
 * ata_piix takes the channels for disabled and finds no disk); a no-op on the ISA-only machine.
 */
export function firmwarePciIrqSetup(pc: PcMachine): void {
  const bus = pc.pciBus;
  const piix3 = pc.piix3;
  if (bus === undefined || piix3 === undefined) return;
  const ide = pc.piix3Ide;
  if (ide !== undefined) {
    bus.configWrite(ide.devfn, PIIX_IDETIM_PRIMARY, 2, PIIX_IDETIM_IDE_DECODE_ENABLE);
    bus.configWrite(ide.devfn, PIIX_IDETIM_SECONDARY, 2, PIIX_IDETIM_IDE_DECODE_ENABLE);
  }
  const elcr = [0, 0];
  for (let i = 0; i < PIIX_NUM_PIRQS; i++) {
    const irq = FIRMWARE_PCI_IRQS[i]!;
    elcr[irq >> 3]! |= 1 << (irq & 7);
    bus.configWrite(piix3.devfn, PIIX_PIRQCA + i, 1, irq);
  }
  // The ELCR of whichever PIC the machine has (the kernel's with kernel_irqchip=on).
  pc.irqchip.setElcr(0, elcr[0]!);
  pc.irqchip.setElcr(1, elcr[1]!);
  for (const dev of bus.devices()) {
    const pin = bus.configRead(dev.devfn, PCI_INTERRUPT_PIN, 1);
    if (pin >= 1 && pin <= 4) {
      bus.configWrite(dev.devfn, PCI_INTERRUPT_LINE, 1, FIRMWARE_PCI_IRQS[pciSlotGetPirq(dev.devfn, pin - 1)]!);
    }
  }
}

/** Bus 0's interrupt pins and the IRQs in their Interrupt Line registers, in devfn order; undefined without PCI. */
export function firmwarePciInterrupts(pc: PcMachine): MpPciInterrupt[] | undefined {
  const bus = pc.pciBus;
  if (bus === undefined) return undefined;
  const out: MpPciInterrupt[] = [];
  for (const dev of bus.devices()) {
    const pin = bus.configRead(dev.devfn, PCI_INTERRUPT_PIN, 1);
    if (pin >= 1 && pin <= 4) out.push({ devfn: dev.devfn, pin, irq: bus.configRead(dev.devfn, PCI_INTERRUPT_LINE, 1) });
  }
  return out;
}
