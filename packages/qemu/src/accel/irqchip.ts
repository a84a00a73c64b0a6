import type { IrqLine } from "../hw/io-device.js";
import type { I8259Pair } from "../hw/i8259-pair.js";

/*
 * Where the PC's interrupt controllers live (QEMU -machine kernel_irqchip=on|off|split). With the
 * user-space irqchip (off) the 8259 pair is a device model here and the vCPU loop injects its INTR
 * with KVM_INTERRUPT when the guest can take it (kvm_arch_pre_run); with an in-kernel irqchip the
 * same ISA IRQ lines would become KVM_IRQ_LINE calls and the kernel injects by itself. Devices are
 * wired to `isaIrq(n)` only, so switching is a registration change.
 */
export interface InterruptController {
  /** The controllers and injection are in the kernel: the vCPU loop has nothing to inject. */
  readonly inKernel: boolean;
  /** ISA IRQ `n` (0-15) as a line devices drive. */
  isaIrq(n: number): IrqLine;
  /** User-space only: the CPU's INTR pin (some request is pending). */
  readonly intr: boolean;
  /** User-space only: the INTA cycle, returning the vector to inject. */
  acknowledge(): number;
  /** Called whenever INTR may have risen (the vCPU loop wakes a halted vCPU). */
  onIntr(listener: (level: boolean) => void): void;
  /** HMP "info pic". */
  info(): string;
  /** The ELCR of chip 0 (master) or 1 (slave), as firmware programs it (ports 4D0h/4D1h). */
  setElcr(chip: number, value: number): void;
  reset(): void;
}

/** The fields of one 8259A that QEMU's pic_print_info shows. */
export interface PicInfo {
  irr: number;
  imr: number;
  isr: number;
  priorityAdd: number;
  irqBase: number;
  readIsr: boolean;
  elcr: number;
  specialFullyNested: boolean;
}

/** QEMU pic_print_info for one chip. */
export function picLine(name: string, s: PicInfo): string {
  const hex2 = (v: number): string => v.toString(16).padStart(2, "0");
  return (
    `${name}: irr=${hex2(s.irr)} imr=${hex2(s.imr)} isr=${hex2(s.isr)} hprio=${s.priorityAdd} ` +
    `irq_base=${hex2(s.irqBase)} rr_sel=${s.readIsr ? 1 : 0} elcr=${hex2(s.elcr)} fnm=${s.specialFullyNested ? 1 : 0}\n`
  );
}

function userPicInfo(s: ReturnType<I8259Pair["state"]>["master"]): PicInfo {
  return {
    irr: s.irr,
    imr: s.imr,
    isr: s.isr,
    priorityAdd: s.priorityAdd,
    irqBase: s.vectorBase,
    readIsr: s.readIsr,
    elcr: s.elcr,
    specialFullyNested: (s.icw4 & 0x10) !== 0,
  };
}

/** kernel_irqchip=off: the 8259A pair in user space. */
export class UserspacePic implements InterruptController {
  readonly inKernel = false;
  private readonly listeners: ((level: boolean) => void)[] = [];

  constructor(readonly pic: I8259Pair) {
    pic.connectIntr({
      setLevel: (level) => {
        for (const l of this.listeners) {
          l(level);
        }
      },
    });
  }

  isaIrq(n: number): IrqLine {
    return this.pic.irq(n);
  }

  get intr(): boolean {
    return this.pic.intr;
  }

  acknowledge(): number {
    return this.pic.acknowledge();
  }

  onIntr(listener: (level: boolean) => void): void {
    this.listeners.push(listener);
  }

  info(): string {
    const s = this.pic.state();
    // QEMU lists the slave (pic1) before the master (pic0).
    return picLine("pic1", userPicInfo(s.slave)) + picLine("pic0", userPicInfo(s.master));
  }

  setElcr(chip: number, value: number): void {
    this.pic.elcrPorts.write(chip, 1, value);
  }

  reset(): void {
    this.pic.reset();
  }
}
