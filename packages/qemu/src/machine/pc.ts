import { KernelIrqchip } from "../accel/kernel-irqchip.js";
import { UserspacePic } from "../accel/irqchip.js";
import { KVM_IDENTITY_BASE, KVM_IDENTITY_RESERVED_SIZE } from "../accel/kvm-accel.js";
import type { CharBackend } from "../chardev/chardev.js";
import { FW_CFG_DMA_IO_BASE, FW_CFG_IO_BASE, type FwCfg } from "../hw/fw-cfg.js";
import { E820_RAM, E820_RESERVED, type E820Entry, createPcFwCfg, pcRamSplit } from "../hw/fw-cfg-pc.js";
import { I440fxHostBridge, type I440fxMemoryMap, PAM_REGION_COUNT, SMRAM_C_BASE, SMRAM_C_SIZE } from "../hw/i440fx.js";
import { IDE_LEGACY_PORTS, IDE_UNITS_PER_BUS, type IdeBus, type IdeBusState } from "../hw/ide/ide-bus.js";
import { BMDMA_REG_PRD_ADDRESS } from "../hw/ide/bmdma.js";
import { type IdeDiskGeometry, ideDefaultSerial } from "../hw/ide/ide-geometry.js";
import { IsaIde } from "../hw/ide/isa-ide.js";
import { PIIX3_IDE_FUNCTION, PIIX3_IDE_SLOT, PIIX_IDE_BMIBA_BAR, PIIX_IDE_BMIBA_SIZE, Piix3Ide, type Piix3IdeState } from "../hw/ide/piix3-ide.js";
import type { BlockDriver } from "../block/block-driver.js";
import { I8042, I8042_AUX_IRQ, I8042_COMMAND_PORT, I8042_DATA_PORT, I8042_KBD_IRQ } from "../hw/i8042.js";
import { I8254, I8254_IOBASE, I8254_IRQ } from "../hw/i8254.js";
import { I8259_ELCR_IOBASE, I8259_MASTER_IOBASE, I8259_SLAVE_IOBASE, I8259Pair } from "../hw/i8259-pair.js";
import type { AccessSize, IoDevice } from "../hw/io-device.js";
import { ISA_DEBUG_EXIT_IOBASE, ISA_DEBUG_EXIT_IOSIZE, IsaDebugExit } from "../hw/isa-debug-exit.js";
import { ISA_DEBUGCON_IOBASE, IsaDebugcon } from "../hw/isa-debugcon.js";
import { Mc146818Rtc, RTC_ISA_IOBASE, RTC_ISA_IRQ } from "../hw/mc146818rtc.js";
import { initPcCmos } from "../hw/pc-cmos.js";
import { PciBus } from "../hw/pci-bus.js";
import { PCI_CONFIG_ADDRESS_PORT, PCI_CONFIG_DATA_PORT, PciConfigMechanism1 } from "../hw/pci-host.js";
import { PIIX_RCR_IOPORT, Piix3IsaBridge } from "../hw/piix3.js";
import { POST_CODE_PORT, PostCodePort } from "../hw/post-code-port.js";
import { SYSTEM_CONTROL_PORT_A, SystemControlPortA } from "../hw/system-control-port-a.js";
import { SYSTEM_CONTROL_PORT_B, SystemControlPortB } from "../hw/system-control-port-b.js";
import { ISA_SERIAL_PORTS, Uart16550 } from "../hw/uart16550.js";
import { type BiosRegions, RomSet, x86BiosRomInit } from "../loader/rom-loader.js";
import { MemoryRegion, type MemoryRegionOps } from "../memory/memory-region.js";
import { memoryRegionTransaction, memoryRegionTransactionBegin, memoryRegionTransactionCommit } from "../memory/memory-transaction.js";
import { Machine, type MachineOptions } from "./machine.js";
import { PciBarMapper } from "./pci-bars.js";
import { VcpuRunner } from "./vcpu-runner.js";
import { DEFAULT_I386_CPU_MODEL, buildCpuid, parseCpuOption } from "./x86-cpu-model.js";

/*
 * The PC machines of qemu-system-i386 (QEMU hw/i386/pc_piix.c pc_init1, hw/i386/pc.c
 * pc_memory_init, hw/i386/x86.c):
 *
 *  - "pc" (pc-i440fx-7.2): RAM split below/above 4 GiB, the "pci" address space under system memory
 *    at priority -1 holding the option-ROM area "pc.rom" and the BIOS, the i440FX host bridge with
 *    its PAM aliases and SMRAM window, the PIIX3 PCI-to-ISA bridge steering PIRQs to ISA IRQs, and
 *    the ISA devices at their ports;
 *  - "isapc": no PCI; ROMs sit in system memory and stay writable (isapc_ram_fw).
 *
 * Device regions carry QEMU's names and access constraints (impl sizes), so "info mtree" reads
 * like QEMU's and wide accesses split the same way. With kernel_irqchip=off the interrupt
 * controllers are the user-space 8259 pair and the PIT the user-space 8254 with port 61h beside it;
 * with kernel_irqchip=on (an accelerator with kernelChips) the PIC pair, IOAPIC and PIT are the
 * kernel's (KVM_CREATE_IRQCHIP at VM creation, KVM_CREATE_PIT2 here), their ports never reach the
 * I/O address space, and every device line becomes KVM_IRQ_LINE (QEMU kvm_i8259_init, kvm_pit_init).
 */

/**
 * struct kvm_pit_config.flags for KVM_CREATE_PIT2. QEMU passes KVM_PIT_SPEAKER_DUMMY and keeps port
 * 61h in its pcspk model, reading counter 2 back with KVM_GET_PIT2; virtkit leaves port 61h to the
 * kernel's speaker port (gate, speaker data, OUT2, refresh toggle), so no PIT state is mirrored in user space.
 */
export const PC_KVM_PIT_FLAGS = 0;

export type PcMachineType = "pc" | "isapc";

/** PC_ROM_MIN_VGA / PC_ROM_SIZE: the option-ROM area "pc.rom". */
export const PC_ROM_MIN_VGA = 0xc0000;
export const PC_ROM_SIZE = 0x20000;
/** QEMU's default -m for PC machines. */
export const PC_DEFAULT_RAM_SIZE = 128 * 1024 * 1024;
/** i440FX max_cpus (pc_i440fx_machine_options). */
export const PC_MAX_CPUS = 255;

export interface PcMachineConfig extends MachineOptions {
  type: PcMachineType;
  /** -m in bytes. */
  ramSize: number;
  /** -smp cpus. */
  smp?: number;
  /** -cpu text ("qemu32", "pentium3,-sse"...). */
  cpu?: string;
  /** The -bios image and its name for messages. */
  bios: Uint8Array;
  biosName?: string;
  /** -rtc base as epoch ms (default: the host's time). */
  rtcBaseMs?: number;
  /** -boot order. */
  bootOrder?: string;
  nographic?: boolean;
  /** Raw 16-byte UUID for fw_cfg. */
  uuidBytes?: Uint8Array;
  /** CPUID warnings go here (QEMU's warn_report). */
  warn?: (message: string) => void;
}

/** What a caller of a user-space device gets on a machine whose device is in the kernel (savevm, tests). */
const IN_KERNEL_DEVICE_MESSAGE = (dev: string): string =>
  `${dev} is in the kernel with kernel_irqchip=on: its state is read with KVM_GET_IRQCHIP/KVM_GET_PIT2 (PcMachine.kernelIrqchip) and travels in the kvm-i8259/kvm-ioapic/kvm-pit vmstate sections`;

/** pic / pit / ... ops: byte-wide registers, the core splits wider accesses. */
const BYTE_REGS: MemoryRegionOps = { impl: { min: 1, max: 1 } };
/** QEMU's portio lists (the IDE ports): any size at any offset reaches the device, which splits itself. */
const PORTIO_REGS: MemoryRegionOps = { valid: { unaligned: true }, impl: { min: 1, max: 4, unaligned: true } };

/** Maximum IDE buses of the PC machines (QEMU MAX_IDE_BUS). */
export const PC_MAX_IDE_BUS = 2;

export class PcMachine extends Machine {
  readonly type: PcMachineType;
  readonly ramSize: number;
  readonly belowFourG: number;
  readonly aboveFourG: number;
  readonly ram: MemoryRegion;
  /** Where ROMs and PCI memory live: "pci" on pc, system memory on isapc. */
  readonly romMemory: MemoryRegion;
  readonly pcRom: MemoryRegion;
  readonly roms: RomSet;
  /** "pc.bios" and its "isa-bios" alias. */
  readonly biosRegions: BiosRegions;
  /** RAM of devices added later (VGA memory, option ROM BARs), saved with snapshots. */
  readonly extraRam: MemoryRegion[] = [];
  /** The user-space 8259 pair, 8254 and port 61h (kernel_irqchip=off); undefined with the in-kernel irqchip. */
  readonly userPic: I8259Pair | undefined;
  readonly userPit: I8254 | undefined;
  readonly userPcspk: SystemControlPortB | undefined;
  /** The in-kernel chips (kernel_irqchip=on). */
  readonly kernelIrqchip: KernelIrqchip | undefined;
  /** CPUID.01H EAX (signature) and EDX (features) of vCPU 0, for the firmware tables. */
  bootCpuid = { signature: 0, features: 0 };
  readonly i8042: I8042;
  readonly rtc: Mc146818Rtc;
  readonly port92: SystemControlPortA;
  readonly ioport80: PostCodePort;
  readonly fwCfg: FwCfg;
  readonly pciBus: PciBus | undefined;
  readonly i440fx: I440fxHostBridge | undefined;
  readonly piix3: Piix3IsaBridge | undefined;
  readonly pciConfig: PciConfigMechanism1 | undefined;
  readonly pciBars: PciBarMapper | undefined;
  /** The PIIX3 IDE function at 00:01.1 (pc). */
  readonly piix3Ide: Piix3Ide | undefined;
  /** The two ISA IDE controllers (isapc). */
  readonly isaIde: IsaIde[] = [];
  /** Geometry of the disks attached at bus * 2 + unit, for the CMOS. */
  private readonly ideGeometries: (IdeDiskGeometry | undefined)[] = [];
  private readonly cmosBootOrder: string;
  private readonly cmosCpus: number;
  /** COM1-COM4 (index = -serial position), undefined where no port exists. */
  readonly serials: (Uart16550 | undefined)[] = [];
  readonly debugcons: IsaDebugcon[] = [];
  readonly debugExits: IsaDebugExit[] = [];
  readonly e820: E820Entry[];
  readonly cpuWarnings: string[] = [];
  private pamAliases: MemoryRegion[][] = [];
  private smramRegion: MemoryRegion | undefined;

  constructor(config: PcMachineConfig) {
    super(config);
    this.type = config.type;
    const pci = config.type === "pc";
    this.ramSize = config.ramSize;
    // pc_init1: at most max-ram-below-4g (3.5 GiB) low, 3 GiB once RAM reaches that (gigabyte_align).
    const split = pcRamSplit(config.ramSize, 0xe000_0000, pci);
    this.belowFourG = split.belowFourGMemSize;
    this.aboveFourG = split.aboveFourGMemSize;
    if (this.aboveFourG > 0 && 2 ** 32 + this.aboveFourG > this.accel.maxGuestPhysAddr) {
      throw new Error(
        `ram size ${config.ramSize} needs RAM above 4 GiB, which the ${this.accel.name} accelerator cannot map (at most ${this.belowFourG} bytes below 4 GiB)`,
      );
    }
    const block = this.accel.allocRam("pc.ram", config.ramSize);
    this.ram = MemoryRegion.ram("pc.ram", block);
    this.roms = new RomSet(this.guestMemory);
    this.registerReset(() => {
      this.roms.reset();
    });

    memoryRegionTransactionBegin();
    try {
      // pc_memory_init
      this.systemMemory.addSubregion(0, MemoryRegion.alias("ram-below-4g", this.ram, 0, this.belowFourG));
      if (this.aboveFourG > 0) {
        this.systemMemory.addSubregion(2 ** 32, MemoryRegion.alias("ram-above-4g", this.ram, this.belowFourG, this.aboveFourG));
      }
      if (pci) {
        this.romMemory = MemoryRegion.container("pci", 2 ** 64);
        this.systemMemory.addSubregion(0, this.romMemory, -1);
      } else {
        this.romMemory = this.systemMemory;
      }
      this.pcRom = MemoryRegion.ram("pc.rom", this.accel.allocRam("pc.rom", PC_ROM_SIZE));
      if (pci) {
        this.pcRom.setReadonly(true);
      }
      this.romMemory.addSubregion(PC_ROM_MIN_VGA, this.pcRom, 1);
    } finally {
      memoryRegionTransactionCommit();
    }
    this.biosRegions = x86BiosRomInit(this.accel, this.romMemory, this.roms, config.bios, config.biosName ?? "bios.bin", !pci);

    // fw_cfg_arch_create: kvm_arch_init reserved the identity map first, then RAM below/above 4G.
    this.e820 = [];
    if (this.accel.name === "kvm") {
      this.e820.push({ address: KVM_IDENTITY_BASE, length: KVM_IDENTITY_RESERVED_SIZE, type: E820_RESERVED });
    }
    this.e820.push({ address: 0, length: this.belowFourG, type: E820_RAM });
    if (this.aboveFourG > 0) {
      this.e820.push({ address: 2 ** 32, length: this.aboveFourG, type: E820_RAM });
    }
    const smp = config.smp ?? 1;
    this.fwCfg = createPcFwCfg({
      ramSize: config.ramSize,
      bootCpus: smp,
      e820: this.e820,
      dma: this.guestMemory,
      nographic: config.nographic === true,
      ...(config.uuidBytes !== undefined ? { uuid: config.uuidBytes } : {}),
    });
    this.mapIo("fwcfg", FW_CFG_IO_BASE, 2, this.fwCfg.ioPort, {
      valid: { accepts: (_o, size, isWrite) => size === 1 || (isWrite && size === 2) },
    });
    this.mapIo("fwcfg.dma", FW_CFG_DMA_IO_BASE, 8, this.fwCfg.dmaPort, {
      valid: { max: 8, accepts: (o, size, isWrite) => !isWrite || (size === 4 && (o === 0 || o === 4)) || (size === 8 && o === 0) },
      impl: { max: 4 },
    });
    this.registerReset(() => {
      this.fwCfg.reset();
    });

    // The interrupt controllers: kvm_i8259_init (kernel_irqchip=on) or i8259_init in user space.
    const chips = this.accel.kernelIrqchip ? this.accel.kernelChips : undefined;
    if (chips !== undefined) {
      // pc_init1 creates the (kvm-)ioapic only with PCI: isapc's kernel has one, QEMU shows none
      this.kernelIrqchip = new KernelIrqchip(chips, pci);
      this.setIrqchip(this.kernelIrqchip);
    } else {
      this.userPic = new I8259Pair();
      this.setIrqchip(new UserspacePic(this.userPic));
    }
    const irq = (n: number): ReturnType<UserspacePic["isaIrq"]> => this.irqchip.isaIrq(n);

    if (pci) {
      this.pciBars = new PciBarMapper(this.romMemory, this.systemIo);
      const bus = new PciBus({ barListener: this.pciBars.listener });
      this.pciBus = bus;
      this.i440fx = bus.attach(
        new I440fxHostBridge({
          ramSize: config.ramSize,
          onMemoryMapChange: (map) => {
            this.updatePam(map);
          },
        }),
        0,
      );
      this.piix3 = bus.attach(
        new Piix3IsaBridge({
          isaIrq: irq,
          onReset: () => {
            this.resetRequest("guest-reset");
          },
        }),
        1,
      );
      const piix3 = this.piix3;
      bus.setIrqRouter((pirq, level) => {
        piix3.setPirq(pirq, level);
      });
      this.initPam();
      this.pciConfig = new PciConfigMechanism1(bus);
      this.mapIo("pci-conf-idx", PCI_CONFIG_ADDRESS_PORT, 4, this.pciConfig.addressPort);
      this.mapIo("piix3-reset-control", PIIX_RCR_IOPORT, 1, piix3.resetControl, BYTE_REGS, 1);
      this.mapIo("pci-conf-data", PCI_CONFIG_DATA_PORT, 4, this.pciConfig.dataPort);
      const pciConfig = this.pciConfig;
      this.registerReset(() => {
        pciConfig.reset();
        bus.reset();
      });
    }

    const kernelChips = this.kernelIrqchip;
    if (kernelChips !== undefined) {
      kernelChips.setupPcIrqRouting(pci);
      // kvm_pit_init: counter 0 raises GSI 0 inside the kernel; ports 40h-43h and 61h are the kernel's.
      kernelChips.createPit(PC_KVM_PIT_FLAGS);
      this.registerReset(() => {
        kernelChips.reset();
      });
    } else {
      const pic = this.userPic!;
      this.mapIo("pic", I8259_MASTER_IOBASE, 2, pic.master, BYTE_REGS);
      this.mapIo("pic", I8259_SLAVE_IOBASE, 2, pic.slave, BYTE_REGS);
      const elcr = pic.elcrPorts;
      this.mapIo("elcr", I8259_ELCR_IOBASE, 1, { read: () => elcr.read(0, 1), write: (_o, _s, v) => { elcr.write(0, 1, v); } }, BYTE_REGS);
      this.mapIo("elcr", I8259_ELCR_IOBASE + 1, 1, { read: () => elcr.read(1, 1), write: (_o, _s, v) => { elcr.write(1, 1, v); } }, BYTE_REGS);
      this.registerReset(() => {
        pic.reset();
      });

      const pit = new I8254(this.clock, { irq0: irq(I8254_IRQ) });
      this.userPit = pit;
      this.mapIo("pit", I8254_IOBASE, 4, pit, BYTE_REGS);
      const pcspk = new SystemControlPortB(pit);
      this.userPcspk = pcspk;
      this.mapIo("pcspk", SYSTEM_CONTROL_PORT_B, 1, pcspk, BYTE_REGS);
      this.registerReset(() => {
        pit.reset();
        pcspk.reset();
      });
    }

    this.i8042 = new I8042({
      kbdIrq: irq(I8042_KBD_IRQ),
      auxIrq: irq(I8042_AUX_IRQ),
      onReset: () => {
        this.resetRequest("guest-reset");
      },
    });
    this.mapIo("i8042-data", I8042_DATA_PORT, 1, this.i8042.dataPort, BYTE_REGS);
    this.mapIo("i8042-cmd", I8042_COMMAND_PORT, 1, this.i8042.commandPort, BYTE_REGS);
    this.registerReset(() => {
      this.i8042.reset();
    });

    this.rtc = new Mc146818Rtc(this.clock, { irq: irq(RTC_ISA_IRQ), ...(config.rtcBaseMs !== undefined ? { baseMs: config.rtcBaseMs } : {}) });
    this.mapIo("rtc", RTC_ISA_IOBASE, 2, this.rtc, BYTE_REGS);
    // pc_cmos_init; QEMU leaves the AT checksum bytes zero.
    this.cmosBootOrder = config.bootOrder ?? "cad";
    this.cmosCpus = smp;
    this.initCmos();
    this.registerReset(() => {
      this.rtc.reset();
    });

    // IDE (pc_init1): piix3-ide at 00:01.1 on pc, two isa-ide controllers on isapc; the channels
    // sit at the legacy ports either way. The PCI bus reset resets piix3-ide.
    if (this.pciBus !== undefined && this.pciBars !== undefined) {
      const ide = this.pciBus.attach(new Piix3Ide({ isaIrq: irq, dma: this.guestMemory }), PIIX3_IDE_SLOT, PIIX3_IDE_FUNCTION);
      this.piix3Ide = ide;
      ide.buses.forEach((b) => {
        this.mapIdeChannel(b);
      });
      const bar = MemoryRegion.container("piix-bmdma-container", PIIX_IDE_BMIBA_SIZE);
      ide.bmdma.forEach((bm, i) => {
        bar.addSubregion(i * 8, MemoryRegion.io("piix-bmdma", 4, bm.registers, { impl: { min: 1, max: 4 } }));
        bar.addSubregion(i * 8 + BMDMA_REG_PRD_ADDRESS, MemoryRegion.io("bmdma", 4, bm.prdAddress, { impl: { min: 1, max: 4 } }));
      });
      this.pciBars.setBarRegion(ide, PIIX_IDE_BMIBA_BAR, bar);
    } else {
      for (let i = 0; i < PC_MAX_IDE_BUS; i++) {
        const ports = IDE_LEGACY_PORTS[i]!;
        const isa = new IsaIde(i, ports, irq(ports.irq));
        this.isaIde.push(isa);
        this.mapIdeChannel(isa.bus);
        this.registerReset(() => {
          isa.reset();
        });
      }
    }

    this.ioport80 = new PostCodePort();
    this.mapIo("ioport80", POST_CODE_PORT, 1, this.ioport80, BYTE_REGS);
    this.port92 = new SystemControlPortA({
      onReset: () => {
        this.resetRequest("guest-reset");
      },
    });
    this.mapIo("port92", SYSTEM_CONTROL_PORT_A, 1, this.port92, BYTE_REGS);
    this.registerReset(() => {
      this.port92.reset();
    });

    // The vCPUs (x86_cpus_init): CPUID from the -cpu model filtered by what the accelerator offers.
    const cpuOption = parseCpuOption(config.cpu ?? DEFAULT_I386_CPU_MODEL);
    const supported = this.accel.supportedCpuid();
    for (let i = 0; i < smp; i++) {
      const vcpu = this.accel.createVcpu(i);
      const cpuid = buildCpuid(cpuOption, supported, i, this.accel.name, this.accel.kernelIrqchip);
      vcpu.setCpuid(cpuid.entries);
      for (const w of cpuid.warnings) {
        this.cpuWarnings.push(w);
        config.warn?.(w);
      }
      if (i === 0) {
        this.bootCpuid = { signature: cpuid.version, features: cpuid.entries.find((e) => e.function === 1)?.edx ?? 0 };
      }
      this.addVcpu(new VcpuRunner(vcpu, this, cpuid.version));
    }
    if (smp > 1 && !this.accel.kernelIrqchip) {
      // Application processors are started by INIT/SIPI through local APICs, which exist here only in the
      // kernel (QEMU would emulate them in user space): say so instead of leaving them silently asleep.
      const aps = smp === 2 ? "CPU 1" : `CPUs 1-${smp - 1}`;
      const w = `-smp ${smp}: with kernel_irqchip=off there is no local APIC to start ${aps} with (virtkit has no user-space APIC); use -machine kernel_irqchip=on`;
      this.cpuWarnings.push(w);
      config.warn?.(w);
    }
  }

  /** pc_cmos_init (and pc_cmos_init_late's IDE disk fields once disks are attached). */
  private initCmos(): void {
    initPcCmos(this.rtc, {
      belowFourGMemSize: this.belowFourG,
      aboveFourGMemSize: this.aboveFourG,
      bootOrder: this.cmosBootOrder,
      cpus: this.cmosCpus,
      ideDisks: this.ideGeometries,
      checksum: false,
    });
  }

  /** A channel's command block and control register at its legacy ports (ide_init_ioport). */
  private mapIdeChannel(bus: IdeBus): void {
    const ports = IDE_LEGACY_PORTS[bus.busId]!;
    this.mapIo("ide", ports.iobase, 8, bus.commandBlock, PORTIO_REGS);
    this.mapIo("ide", ports.iobase2, 1, bus.controlBlock, PORTIO_REGS);
  }

  /** The IDE channels ("ide.0", "ide.1"): piix3-ide's on pc, the isa-ide controllers' on isapc. */
  get ideBuses(): readonly IdeBus[] {
    return this.piix3Ide !== undefined ? this.piix3Ide.buses : this.isaIde.map((c) => c.bus);
  }

  /**
   * An ATA disk (ide-hd) at bus/unit with QEMU's defaults: serial QM0000n, model "QEMU HARDDISK",
   * the guessed geometry; the CMOS gets its geometry and translation (pc_cmos_init_late).
   */
  attachIdeDisk(busId: number, unit: number, blk: BlockDriver, geometry: IdeDiskGeometry, serial?: string, model?: string): void {
    const bus = this.ideBuses[busId];
    if (bus === undefined || unit < 0 || unit >= IDE_UNITS_PER_BUS) {
      throw new Error(`no IDE position bus=${busId}, unit=${unit}`);
    }
    bus.drives[unit]!.attach({ blk, cylinders: geometry.cylinders, heads: geometry.heads, sectors: geometry.sectors, serial: serial ?? ideDefaultSerial(busId, unit), ...(model !== undefined ? { model } : {}) });
    this.ideGeometries[busId * IDE_UNITS_PER_BUS + unit] = geometry;
    this.initCmos();
  }

  /** Resolves when no IDE block request is in flight (before savevm, as QEMU's bdrv_drain_all). */
  async drainIde(): Promise<void> {
    for (const bus of this.ideBuses) {
      await bus.drain();
    }
  }

  /** The IDE controllers' state (channels, drives, PIO buffers, bus-master engines) as JSON data. */
  ideState(): { piix3Ide?: Piix3IdeState; isaIde?: IdeBusState[] } {
    return this.piix3Ide !== undefined ? { piix3Ide: this.piix3Ide.ideState() } : { isaIde: this.isaIde.map((c) => c.state()) };
  }

  loadIdeState(s: { piix3Ide?: Piix3IdeState; isaIde?: IdeBusState[] }): void {
    if (this.piix3Ide !== undefined && s.piix3Ide !== undefined) {
      this.piix3Ide.fromIdeState(s.piix3Ide);
    }
    s.isaIde?.forEach((b, i) => {
      this.isaIde[i]?.fromState(b);
    });
  }

  /** An ISA device's registers in the I/O space, named as QEMU names them. */
  mapIo(name: string, port: number, size: number, device: IoDevice, ops: MemoryRegionOps = {}, priority = 0): MemoryRegion {
    const mr = MemoryRegion.io(name, size, device, ops);
    this.systemIo.addSubregion(port, mr, priority);
    return mr;
  }

  /** init_pam for the 13 PAM segments and the SMRAM window (i440fx_init). */
  private initPam(): void {
    const pciMem = this.romMemory;
    memoryRegionTransaction(() => {
      this.smramRegion = MemoryRegion.alias("smram-region", pciMem, SMRAM_C_BASE, SMRAM_C_SIZE);
      this.systemMemory.addSubregion(SMRAM_C_BASE, this.smramRegion, 1);
      this.pamAliases = [];
      const map = this.i440fx!.memoryMap();
      for (let i = 0; i < PAM_REGION_COUNT; i++) {
        const { base, size } = map.pam[i]!;
        const aliases = [
          MemoryRegion.alias("pam-pci", pciMem, base, size),
          MemoryRegion.alias("pam-rom", this.ram, base, size),
          MemoryRegion.alias("pam-pci", this.ram, base, size),
          MemoryRegion.alias("pam-ram", this.ram, base, size),
        ];
        aliases[1]!.setReadonly(true);
        for (const a of aliases) {
          a.setEnabled(false);
          this.systemMemory.addSubregion(base, a, 1);
        }
        this.pamAliases.push(aliases);
      }
    });
    this.updatePam(this.i440fx!.memoryMap());
  }

  /** pam_update / i440fx_update_memory_mappings: one alias per segment enabled, by RE/WE. */
  private updatePam(map: I440fxMemoryMap): void {
    if (this.pamAliases.length === 0) {
      return;
    }
    memoryRegionTransaction(() => {
      map.pam.forEach((p, i) => {
        this.pamAliases[i]!.forEach((a, attr) => {
          a.setEnabled(attr === p.attribute);
        });
      });
      this.smramRegion?.setEnabled(map.smramWindowToPci);
    });
  }

  /** -serial: an ISA 16550A at COM`index+1` (isa_serial_init), or none for an undefined backend. */
  addIsaSerial(index: number, chardev: CharBackend | undefined): Uart16550 {
    const where = ISA_SERIAL_PORTS[index];
    if (where === undefined) {
      throw new Error(`Max. supported number of ISA serial ports is ${ISA_SERIAL_PORTS.length}.`);
    }
    const uart = new Uart16550(this.clock, { irq: this.irqchip.isaIrq(where.irq), ...(chardev !== undefined ? { chardev } : {}) });
    this.serials[index] = uart;
    this.mapIo("serial", where.iobase, 8, uart, { valid: { unaligned: true }, impl: { min: 1, max: 1 } });
    this.registerReset(() => {
      uart.reset();
    });
    return uart;
  }

  /** -debugcon / -device isa-debugcon. */
  addIsaDebugcon(chardev: CharBackend | undefined, iobase = ISA_DEBUGCON_IOBASE): IsaDebugcon {
    const dev = new IsaDebugcon({ iobase, ...(chardev !== undefined ? { chardev } : {}) });
    this.debugcons.push(dev);
    this.mapIo("isa-debugcon", iobase, 1, dev, BYTE_REGS);
    return dev;
  }

  /** -device isa-debug-exit: a write ends QEMU with status (value << 1) | 1. */
  addIsaDebugExit(iobase = ISA_DEBUG_EXIT_IOBASE, iosize = ISA_DEBUG_EXIT_IOSIZE): IsaDebugExit {
    const dev = new IsaDebugExit({
      iobase,
      iosize,
      onExit: (code) => {
        this.exit(code);
      },
    });
    this.debugExits.push(dev);
    this.mapIo("isa-debug-exit", iobase, iosize, dev, { valid: { min: 1, max: 4 } });
    return dev;
  }

  /** The address spaces "info mtree" shows. */
  addressSpacesForInfo(): { name: string; root: MemoryRegion }[] {
    return [
      { name: "I/O", root: this.systemIo },
      ...this.vcpus.map((v) => ({ name: `cpu-memory-${v.index}`, root: this.systemMemory })),
      { name: "memory", root: this.systemMemory },
      ...this.extraAddressSpaces,
    ];
  }

  /** The user-space 8259 pair; with kernel_irqchip=on its state is the kernel's (kernelIrqchip, KVM_GET_IRQCHIP). */
  get pic(): I8259Pair {
    if (this.userPic === undefined) {
      throw new Error(IN_KERNEL_DEVICE_MESSAGE("i8259"));
    }
    return this.userPic;
  }

  /** The user-space 8254; with kernel_irqchip=on the PIT is the kernel's (KVM_GET_PIT2). */
  get pit(): I8254 {
    if (this.userPit === undefined) {
      throw new Error(IN_KERNEL_DEVICE_MESSAGE("i8254"));
    }
    return this.userPit;
  }

  /** Port 61h in user space; with kernel_irqchip=on the kernel's speaker port serves it. */
  get pcspk(): SystemControlPortB {
    if (this.userPcspk === undefined) {
      throw new Error(IN_KERNEL_DEVICE_MESSAGE("pcspk"));
    }
    return this.userPcspk;
  }

  /** HMP "info pic". */
  infoPic(): string {
    return this.irqchip.info();
  }

  /** Reads a device register the way the guest would, for tests. */
  portRead(port: number, size: AccessSize): number {
    const b = new Uint8Array(4);
    this.ioAs.read(port, b, 0, size);
    return new DataView(b.buffer).getUint32(0, true) & (size === 4 ? 0xffffffff : (1 << (size * 8)) - 1);
  }
}
