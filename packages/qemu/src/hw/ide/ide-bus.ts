import type { AccessSize, IoDevice, IrqLine } from "../io-device.js";
import { ATA_CTRL_HOB, ATA_CTRL_NIEN, ATA_CTRL_SRST, ATA_DEV_ALWAYS_ON, ATA_DEV_SELECT, ATA_STATUS_BSY, ATA_STATUS_DRQ } from "./ata.js";
import { NO_IDE_DMA, type IdeDmaEngine } from "./ide-dma.js";
import { IdeDrive, type IdeDriveBus, type IdeDriveState } from "./ide-drive.js";

/*
 * An IDE (ATA) channel: two device positions sharing one set of task-file registers, a
 * device-control register and an interrupt line (ATA/ATAPI-6 clause 5 and 9; QEMU IDEBus,
 * hw/ide/core.c ide_ioport_*, ide_ctrl_write, ide_status_read).
 *
 * Writes to the command block reach both devices (they sit on the same cable), the DEV bit of the
 * Device register selects which one answers reads and runs commands. Writing a task-file register
 * keeps its previous value as the LBA48 "high order byte" that HOB in the device-control register
 * reads back.
 */

/** Command block: data, error/features, count, LBA low/mid/high, device, status/command. */
export const IDE_REG_DATA = 0;
export const IDE_REG_FEATURES = 1;
export const IDE_REG_NSECTOR = 2;
export const IDE_REG_SECTOR = 3;
export const IDE_REG_LCYL = 4;
export const IDE_REG_HCYL = 5;
export const IDE_REG_SELECT = 6;
export const IDE_REG_COMMAND = 7;

/** Per channel: the ISA ports and IRQ of the legacy PC layout (QEMU pci_piix_init_ports, isa-ide). */
export interface IdeChannelPorts {
  iobase: number;
  iobase2: number;
  irq: number;
}
export const IDE_LEGACY_PORTS: readonly IdeChannelPorts[] = [
  { iobase: 0x1f0, iobase2: 0x3f6, irq: 14 },
  { iobase: 0x170, iobase2: 0x376, irq: 15 },
];

/** Each bus has two positions: master (unit 0) and slave (unit 1). */
export const IDE_UNITS_PER_BUS = 2;

export interface IdeBusState {
  unit: number;
  cmd: number;
  drives: IdeDriveState[];
}

type TaskReg = "feature" | "nsector" | "sector" | "lcyl" | "hcyl";
type HobReg = "hobFeature" | "hobNsector" | "hobSector" | "hobLcyl" | "hobHcyl";

/** Register number -> the task-file field and its HOB copy (tables over switch forests). */
const TASK_REGS: readonly (readonly [TaskReg, HobReg] | undefined)[] = [
  undefined,
  ["feature", "hobFeature"],
  ["nsector", "hobNsector"],
  ["sector", "hobSector"],
  ["lcyl", "hobLcyl"],
  ["hcyl", "hobHcyl"],
];

export class IdeBus implements IdeDriveBus {
  readonly drives: readonly [IdeDrive, IdeDrive];
  /** Which position the Device register's DEV bit selects. */
  unit = 0;
  /** The device-control register (QEMU bus->cmd). */
  cmd = 0;
  dma: IdeDmaEngine = NO_IDE_DMA;
  private irqLine: IrqLine;

  /** The command block (8 ports at iobase), as QEMU's ide portio list splits accesses. */
  readonly commandBlock: IoDevice = {
    read: (offset, size) => this.commandBlockRead(offset, size),
    write: (offset, size, value) => {
      this.commandBlockWrite(offset, size, value);
    },
  };

  /** The control block (1 port at iobase2): alternate status / device control. */
  readonly controlBlock: IoDevice = {
    read: (offset, size) => {
      if (offset !== 0 || size === 4) {
        return size === 4 ? 0xffffffff : size === 2 ? 0xffff : 0xff;
      }
      return size === 2 ? this.altStatus() | 0xff00 : this.altStatus();
    },
    write: (offset, size, value) => {
      if (offset === 0 && size !== 4) {
        this.controlWrite(value & 0xff);
      }
    },
  };

  constructor(
    readonly busId: number,
    irq: IrqLine,
  ) {
    this.irqLine = irq;
    this.drives = [new IdeDrive(this, 0), new IdeDrive(this, 1)];
  }

  /** Routes the channel's interrupt (the PCI function interposes its bus-master status bit). */
  setIrqLine(irq: IrqLine): void {
    this.irqLine = irq;
  }

  get active(): IdeDrive {
    return this.drives[this.unit]!;
  }

  /** ide_set_irq: raise the line unless nIEN masks it. */
  setIrq(): void {
    if (!(this.cmd & ATA_CTRL_NIEN)) {
      this.irqLine.setLevel(true);
    }
  }

  private lowerIrq(): void {
    this.irqLine.setLevel(false);
  }

  private get empty(): boolean {
    return !this.drives[0].present && !this.drives[1].present;
  }

  /** True when the selected position answers: a drive is there, or it is the master of a bus with a slave. */
  private get selectedAnswers(): boolean {
    return !this.empty && (this.unit === 0 || this.active.present);
  }

  /** ide_status_read: the alternate status, which leaves the interrupt alone. */
  altStatus(): number {
    return this.selectedAnswers ? this.active.status : 0;
  }

  /** ide_ioport_read for one byte register. */
  readRegister(reg: number): number {
    const s = this.active;
    const hob = (this.cmd & ATA_CTRL_HOB) !== 0;
    switch (reg) {
      case IDE_REG_DATA:
        // A byte read of the data port consumes a whole word (QEMU: the Solaris loader relies on it).
        return s.dataRead(2) & 0xff;
      case IDE_REG_FEATURES:
        if (!this.selectedAnswers) return 0;
        return hob ? s.hobFeature : s.error;
      case IDE_REG_SELECT:
        return this.empty ? 0 : s.select;
      case IDE_REG_COMMAND: {
        const v = this.selectedAnswers ? s.status : 0;
        this.lowerIrq();
        return v;
      }
      default: {
        if (this.empty) return 0;
        const [field, hobField] = TASK_REGS[reg]!;
        return hob ? s[hobField] : s[field] & 0xff;
      }
    }
  }

  /** ide_ioport_write for one byte register. */
  writeRegister(reg: number, value: number): void {
    const s = this.active;
    // Writes to the command block are ignored while the selected device is busy (except the command).
    if (reg !== IDE_REG_COMMAND && s.status & (ATA_STATUS_BSY | ATA_STATUS_DRQ)) {
      return;
    }
    if (reg === IDE_REG_DATA) {
      return;
    }
    this.cmd &= ~ATA_CTRL_HOB;
    if (reg === IDE_REG_SELECT) {
      for (const d of this.drives) d.select = value | ATA_DEV_ALWAYS_ON;
      this.unit = value & ATA_DEV_SELECT ? 1 : 0;
      return;
    }
    if (reg === IDE_REG_COMMAND) {
      this.lowerIrq();
      this.executeCommand(value);
      return;
    }
    const [field, hobField] = TASK_REGS[reg]!;
    for (const d of this.drives) {
      d[hobField] = d[field] & 0xff;
      d[field] = value;
    }
  }

  /** ide_exec_cmd: commands to an absent slave go nowhere. */
  executeCommand(cmd: number): void {
    const s = this.active;
    if (s.unit !== 0 && !s.present) {
      return;
    }
    s.execute(cmd);
  }

  /** ide_ctrl_write: SRST's rising edge resets both devices (QEMU runs it from a bottom half). */
  controlWrite(value: number): void {
    const rising = !(this.cmd & ATA_CTRL_SRST) && (value & ATA_CTRL_SRST) !== 0;
    this.cmd = value;
    if (rising) {
      for (const d of this.drives) {
        d.softwareReset();
      }
      // ide_bus_perform_srst clears SRST in the stored register once the reset ran.
      this.cmd &= ~ATA_CTRL_SRST;
    }
  }

  private commandBlockRead(offset: number, size: AccessSize): number {
    if (size === 1) {
      return this.readRegister(offset);
    }
    if (offset === 0) {
      return this.active.dataRead(size === 2 ? 2 : 4);
    }
    if (size === 2) {
      const lo = this.readRegister(offset);
      return offset + 1 < 8 ? lo | (this.readRegister(offset + 1) << 8) : lo | 0xff00;
    }
    return size === 4 ? 0xffffffff : 2 ** (size * 8) - 1;
  }

  private commandBlockWrite(offset: number, size: AccessSize, value: number): void {
    if (size === 1) {
      this.writeRegister(offset, value & 0xff);
    } else if (offset === 0) {
      if (size === 2 || size === 4) this.active.dataWrite(size, value);
    } else if (size === 2) {
      this.writeRegister(offset, value & 0xff);
      if (offset + 1 < 8) this.writeRegister(offset + 1, (value >>> 8) & 0xff);
    }
  }

  /** ide_bus_reset (machine reset). */
  reset(): void {
    this.unit = 0;
    this.cmd = 0;
    for (const d of this.drives) d.reset();
    this.dma.reset();
  }

  async drain(): Promise<void> {
    for (const d of this.drives) await d.drain();
  }

  state(): IdeBusState {
    return { unit: this.unit, cmd: this.cmd, drives: this.drives.map((d) => d.state()) };
  }

  fromState(s: IdeBusState): void {
    this.unit = s.unit & 1;
    this.cmd = s.cmd & 0xff;
    s.drives.forEach((d, i) => {
      this.drives[i]?.fromState(d);
    });
  }
}
