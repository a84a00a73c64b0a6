import type { IrqLine } from "../hw/io-device.js";
import type { KernelIrqchipOps } from "./accel.js";
import { type InterruptController, type PicInfo, picLine } from "./irqchip.js";
import { ioapicInfo } from "../hw/ioapic-info.js";

/*
 * kernel_irqchip=on (QEMU hw/i386/kvm/i8259.c, ioapic.c, i8254.c; accel/kvm/kvm-all.c kvm_set_irq):
 * the 8259A pair, the IOAPIC, the local APICs and the 8254 live in the kvm module. Ports 20h/21h,
 * A0h/A1h, 4D0h/4D1h and 40h-43h are on the kernel's PIO bus and never exit to user space; a device
 * line here is KVM_IRQ_LINE on the GSI of the same number (the kernel's default routing sends GSI 0-15
 * to the PIC pins and to the IOAPIC), and the kernel injects by itself, so the vCPU loop has nothing
 * to inject and no interrupt window to ask for.
 */

/** KVM_IRQCHIP_PIC_MASTER / _SLAVE / _IOAPIC (linux/kvm.h). */
export const KVM_IRQCHIP_PIC_MASTER = 0;
export const KVM_IRQCHIP_PIC_SLAVE = 1;
export const KVM_IRQCHIP_IOAPIC = 2;

/** struct kvm_pic_state (arch/x86/include/uapi/asm/kvm.h): byte offsets of its fields. */
const KVM_PIC_IRR = 1;
const KVM_PIC_IMR = 2;
const KVM_PIC_ISR = 3;
const KVM_PIC_PRIORITY_ADD = 4;
const KVM_PIC_IRQ_BASE = 5;
const KVM_PIC_READ_REG_SELECT = 6;
const KVM_PIC_SPECIAL_FULLY_NESTED_MODE = 12;
const KVM_PIC_ELCR = 14;

/** struct kvm_ioapic_state (arch/x86/include/uapi/asm/kvm.h): byte offsets of its fields. */
const KVM_IOAPIC_STATE_IOREGSEL = 8;
const KVM_IOAPIC_STATE_ID = 12;
const KVM_IOAPIC_STATE_IRR = 16;
const KVM_IOAPIC_STATE_REDIRTBL = 24;
/** The version the kvm module's IOAPIC reports (virt/kvm/ioapic.h IOAPIC_VERSION_ID). */
const KVM_IOAPIC_VERSION = 0x11;

/** The ISA IRQs a PC has (the GSIs devices drive through the PIC pins). */
const ISA_NUM_IRQS = 16;
/** IOAPIC_NUM_PINS (QEMU include/hw/i386/ioapic.h): the 82093AA's 24 redirection entries. */
export const IOAPIC_NUM_PINS = 24;

/** What a snapshot of the in-kernel chips holds: KVM_GET_IRQCHIP per chip and KVM_GET_PIT2, as bytes. */
export interface KernelIrqchipState {
  picMaster: number[];
  picSlave: number[];
  ioapic: number[];
  pit?: number[];
}

export class KernelIrqchip implements InterruptController {
  readonly inKernel = true;
  /** The kernel raises INTR itself; user space never sees it. */
  readonly intr = false;
  private readonly lines: IrqLine[] = [];
  private readonly listeners: ((level: boolean) => void)[] = [];
  /** The chips as KVM_CREATE_IRQCHIP left them: what a system reset puts back (kvm_pic_reset, kvm_ioapic_reset). */
  private readonly resetState: KernelIrqchipState;
  private hasPit = false;
  private pitResetState: Uint8Array | undefined;

  /** `hasIoapic`: the machine has the kvm-ioapic device (pc; not isapc), which "info pic" shows. */
  constructor(
    private readonly chips: KernelIrqchipOps,
    private readonly hasIoapic = true,
  ) {
    for (let gsi = 0; gsi < ISA_NUM_IRQS; gsi++) {
      this.lines.push({
        setLevel: (level) => {
          chips.setIrq(gsi, level);
          if (level) {
            for (const l of this.listeners) {
              l(true);
            }
          }
        },
      });
    }
    this.resetState = this.saveState();
  }

  /**
   * kvm_pc_setup_irq_routing (QEMU hw/i386/kvm/ioapic.c): GSIs 0-15 to the PIC pins except the cascade
   * (2), and on a PCI machine GSIs 0-23 to the IOAPIC with GSI 0 on pin 2 — the "IRQ0 override" that
   * the firmware's MP table and ACPI MADT describe, so the PIT's interrupt reaches the IOAPIC where
   * every PC chipset wires it. The kernel's default table instead sends GSI 0 to pin 0.
   */
  setupPcIrqRouting(pciEnabled: boolean): void {
    const routes: { gsi: number; irqchip: number; pin: number }[] = [];
    for (let i = 0; i < 8; i++) {
      if (i !== 2) routes.push({ gsi: i, irqchip: KVM_IRQCHIP_PIC_MASTER, pin: i });
    }
    for (let i = 8; i < 16; i++) {
      routes.push({ gsi: i, irqchip: KVM_IRQCHIP_PIC_SLAVE, pin: i - 8 });
    }
    if (pciEnabled) {
      for (let i = 0; i < IOAPIC_NUM_PINS; i++) {
        if (i === 0) routes.push({ gsi: 0, irqchip: KVM_IRQCHIP_IOAPIC, pin: 2 });
        else if (i !== 2) routes.push({ gsi: i, irqchip: KVM_IRQCHIP_IOAPIC, pin: i });
      }
    }
    this.chips.setGsiRouting(routes);
  }

  /** KVM_CREATE_PIT2 (the machine's i8254 with kernel_irqchip=on); its ports 40h-43h are the kernel's from now on. */
  createPit(flags: number): void {
    this.chips.createPit(flags);
    this.hasPit = true;
    this.pitResetState = this.chips.getPit();
  }

  isaIrq(n: number): IrqLine {
    const line = this.lines[n];
    if (line === undefined) {
      throw new RangeError(`kvm-i8259: no ISA IRQ ${n}`);
    }
    return line;
  }

  acknowledge(): number {
    // The INTA cycle happens in the kernel (kvm_cpu_get_interrupt); nothing reaches user space.
    throw new Error("kernel_irqchip=on: the in-kernel PIC is acknowledged by the kernel, not by user space");
  }

  /** A device raised a line: a halted vCPU loop must run KVM_RUN again so the kernel can deliver it. */
  onIntr(listener: (level: boolean) => void): void {
    this.listeners.push(listener);
  }

  /**
   * HMP "info pic" through KVM_GET_IRQCHIP: the kvm-ioapic first where the machine has one (pc; QEMU's isapc
   * creates none), then the PICs, in the order QEMU's QOM tree lists them (kvm_ioapic_get then
   * ioapic_print_redtbl; kvm_pic_get then pic_print_info).
   */
  info(): string {
    const pics = picLine("pic1", this.picInfo(KVM_IRQCHIP_PIC_SLAVE)) + picLine("pic0", this.picInfo(KVM_IRQCHIP_PIC_MASTER));
    if (!this.hasIoapic) return pics;
    const s = this.chips.getChip(KVM_IRQCHIP_IOAPIC);
    const dv = new DataView(s.buffer, s.byteOffset, s.byteLength);
    const redirtbl: bigint[] = [];
    for (let i = 0; i < IOAPIC_NUM_PINS; i++) redirtbl.push(dv.getBigUint64(KVM_IOAPIC_STATE_REDIRTBL + 8 * i, true));
    return ioapicInfo({
      // kvm_ioapic_realize: "KVM ioapic only supports 0x11 now"
      version: KVM_IOAPIC_VERSION,
      id: dv.getUint32(KVM_IOAPIC_STATE_ID, true),
      ioregsel: dv.getUint32(KVM_IOAPIC_STATE_IOREGSEL, true),
      irr: dv.getUint32(KVM_IOAPIC_STATE_IRR, true),
      redirtbl,
    }) + pics;
  }

  private picInfo(chip: number): PicInfo {
    const s = this.chips.getChip(chip);
    return {
      irr: s[KVM_PIC_IRR]!,
      imr: s[KVM_PIC_IMR]!,
      isr: s[KVM_PIC_ISR]!,
      priorityAdd: s[KVM_PIC_PRIORITY_ADD]!,
      irqBase: s[KVM_PIC_IRQ_BASE]!,
      readIsr: s[KVM_PIC_READ_REG_SELECT]! !== 0,
      elcr: s[KVM_PIC_ELCR]!,
      specialFullyNested: s[KVM_PIC_SPECIAL_FULLY_NESTED_MODE]! !== 0,
    };
  }

  /** kvm_pic_put of the ELCR: read the chip, change elcr, write it back. */
  setElcr(chip: number, value: number): void {
    const id = chip === 0 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
    const s = this.chips.getChip(id);
    s[KVM_PIC_ELCR] = value & 0xff;
    this.chips.setChip(id, s);
  }

  /** System reset: the chips and the PIT back to their state at creation. */
  reset(): void {
    this.loadState(this.resetState);
    if (this.pitResetState !== undefined) {
      this.chips.setPit(this.pitResetState);
    }
  }

  /** KVM_GET_IRQCHIP for each chip and KVM_GET_PIT2 (what QEMU's kvm-i8259/kvm-ioapic/kvm-pit vmstate carry). */
  saveState(): KernelIrqchipState {
    const s: KernelIrqchipState = {
      picMaster: [...this.chips.getChip(KVM_IRQCHIP_PIC_MASTER)],
      picSlave: [...this.chips.getChip(KVM_IRQCHIP_PIC_SLAVE)],
      ioapic: [...this.chips.getChip(KVM_IRQCHIP_IOAPIC)],
    };
    if (this.hasPit) {
      s.pit = [...this.chips.getPit()];
    }
    return s;
  }

  /** KVM_SET_IRQCHIP for each chip and KVM_SET_PIT2. */
  loadState(s: KernelIrqchipState): void {
    this.chips.setChip(KVM_IRQCHIP_PIC_MASTER, Uint8Array.from(s.picMaster));
    this.chips.setChip(KVM_IRQCHIP_PIC_SLAVE, Uint8Array.from(s.picSlave));
    this.chips.setChip(KVM_IRQCHIP_IOAPIC, Uint8Array.from(s.ioapic));
    if (s.pit !== undefined && this.hasPit) {
      this.chips.setPit(Uint8Array.from(s.pit));
    }
  }
}
