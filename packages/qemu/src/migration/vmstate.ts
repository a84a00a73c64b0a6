import { readFile, writeFile } from "node:fs/promises";
import type { VcpuState } from "../accel/accel.js";
import type { KernelIrqchipState } from "../accel/kernel-irqchip.js";
import type { PcMachine } from "../machine/pc.js";
import type { RunState } from "../machine/run-state.js";

/*
 * The machine's state as one stream, for savevm/loadvm and migration (QEMU migration/savevm.c
 * qemu_savevm_state / qemu_loadvm_state). The framing is QEMU's: the file magic "QEVM" and version
 * 3, then sections (QEMU_VM_SECTION_FULL with an id string, instance and version), then
 * QEMU_VM_EOF. The section payloads are virtkit's own, not QEMU's device VMState layouts (our
 * device models keep their state as plain objects), so a stream is exchanged between virtkit
 * instances only:
 *
 *   "ram"     every RAM block by name: 4 KiB pages, each a flag byte (0 = all zero, 1 = raw)
 *             followed by the page when raw (QEMU's RAM_SAVE_FLAG_ZERO idea)
 *   "cpu"     per vCPU: registers, segment registers, MSRs, MP state (JSON)
 *   "devices" the virtual clock and every device's state() object (JSON)
 *
 * With kernel_irqchip=on the 8259 pair, IOAPIC and 8254 are the kvm module's, and "devices" has no
 * pic/pit/pcspk. Their state follows as raw kernel structures, one section each, as QEMU's
 * kvm-i8259 / kvm-ioapic / kvm-pit devices read them (hw/i386/kvm/i8259.c kvm_pic_get,
 * ioapic.c kvm_ioapic_get, i8254.c kvm_pit_get):
 *
 *   "kvm-i8259"  instance 0 the master, 1 the slave: struct kvm_pic_state (KVM_GET_IRQCHIP)
 *   "kvm-ioapic" instance 0: struct kvm_ioapic_state (KVM_GET_IRQCHIP)
 *   "kvm-pit"    instance 0: struct kvm_pit_state2 (KVM_GET_PIT2)
 *
 * and each vCPU's local APIC page (KVM_GET_LAPIC) rides in "cpu". QEMU names these sections
 * "i8259"/"ioapic"/"i8254" for both the emulated and the kvm devices, because both fill the same
 * VMState fields and either side converts; virtkit's user-space chips keep their own JSON shape
 * rather than QEMU's fields, so the two kinds are not interchangeable, and distinct names let a
 * load refuse a stream from the other kernel_irqchip mode up front, before anything is touched.
 *
 * The loader restores into a machine built with the same configuration (as QEMU requires the
 * same command line on both sides): RAM block names and sizes must match.
 */

export const QEMU_VM_FILE_MAGIC = 0x5145564d;
export const QEMU_VM_FILE_VERSION = 0x00000003;
export const QEMU_VM_EOF = 0x01;
export const QEMU_VM_SECTION_FULL = 0x04;
const PAGE = 4096;
/** The in-kernel chips' sections (see the top of this file). */
export const KVM_I8259_SECTION = "kvm-i8259";
export const KVM_IOAPIC_SECTION = "kvm-ioapic";
export const KVM_PIT_SECTION = "kvm-pit";

export class VmStateError extends Error {}

interface DeviceStates {
  clockNs: number;
  runState: RunState;
  halted: boolean[];
  [device: string]: unknown;
}

class Writer {
  private chunks: Uint8Array[] = [];
  private cur = new Uint8Array(1 << 16);
  private pos = 0;
  length = 0;

  private room(n: number): void {
    if (this.pos + n > this.cur.length) {
      this.chunks.push(this.cur.subarray(0, this.pos));
      this.cur = new Uint8Array(Math.max(1 << 16, n));
      this.pos = 0;
    }
  }

  u8(v: number): void {
    this.room(1);
    this.cur[this.pos++] = v;
    this.length++;
  }

  u32(v: number): void {
    this.room(4);
    new DataView(this.cur.buffer, this.cur.byteOffset).setUint32(this.pos, v >>> 0, false);
    this.pos += 4;
    this.length += 4;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.cur.set(b, this.pos);
    this.pos += b.length;
    this.length += b.length;
  }

  finish(): Uint8Array {
    this.chunks.push(this.cur.subarray(0, this.pos));
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

class Reader {
  pos = 0;
  private readonly dv: DataView;
  constructor(readonly buf: Uint8Array) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new VmStateError("Unexpected end of the migration stream");
    }
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u32(): number {
    this.need(4);
    const v = this.dv.getUint32(this.pos, false);
    this.pos += 4;
    return v;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** QEMU_VM_SECTION_FULL, section id, id string, instance and version; the payload length follows. */
function sectionHeader(w: Writer, id: number, name: string, instance = 0): void {
  w.u8(QEMU_VM_SECTION_FULL);
  w.u32(id);
  const n = enc.encode(name);
  w.u8(n.length);
  w.bytes(n);
  w.u32(instance);
  w.u32(1); // version id
}

function section(w: Writer, id: number, name: string, payload: Uint8Array, instance = 0): void {
  sectionHeader(w, id, name, instance);
  w.u32(payload.length);
  w.bytes(payload);
}

/** One RAM block's pages [from, to) into `w`: a flag byte per page, the page itself when raw. */
function ramPages(w: Writer, bytes: Uint8Array, size: number, from: number, to: number, counts: RamCounts): void {
  for (let off = from; off < to; off += PAGE) {
    const end = Math.min(off + PAGE, size);
    let zero = true;
    for (let i = off; i < end; i++) {
      if (bytes[i] !== 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      w.u8(0);
      counts.duplicate++;
    } else {
      w.u8(1);
      w.bytes(bytes.subarray(off, end));
      counts.normal++;
    }
  }
}

interface RamCounts {
  /** zero pages sent as a flag alone (QEMU's "duplicate") */
  duplicate: number;
  /** pages sent whole (QEMU's "normal") */
  normal: number;
}

/** One step of an incremental save: bytes at their offset in the stream, and the RAM sent so far. */
export interface VmStateSegment {
  /** offset of `bytes` in the stream */
  at: number;
  bytes: Uint8Array;
  /** guest RAM bytes covered so far, of ramBytesTotal() */
  ramDone: number;
  /** zero pages so far */
  duplicate: number;
  /** whole pages so far */
  normal: number;
}

/** The bytes of guest RAM a save covers (QEMU's ram_bytes_total: every migratable RAM block). */
export function ramBytesTotal(pc: PcMachine): number {
  let n = 0;
  for (const b of ramBlocks(pc)) n += b.size;
  return n;
}

/**
 * qemu_savevm_state in steps, as QEMU's migration thread iterates RAM between answering the
 * monitor: the header, then the RAM section `pagesPerStep` pages at a time, then its length
 * (a positioned write back into the section header, which is why segments carry their offset),
 * then the vCPU and device sections and EOF, taken once RAM is done. The VM should be stopped.
 */
export function* saveVmStateSteps(pc: PcMachine, pagesPerStep = 2048): Generator<VmStateSegment, number> {
  const counts: RamCounts = { duplicate: 0, normal: 0 };
  let at = 0;
  let ramDone = 0;
  const emit = (w: Writer): VmStateSegment => {
    const bytes = w.finish();
    const seg = { at, bytes, ramDone, duplicate: counts.duplicate, normal: counts.normal };
    at += bytes.length;
    return seg;
  };
  let w = new Writer();
  w.u32(QEMU_VM_FILE_MAGIC);
  w.u32(QEMU_VM_FILE_VERSION);
  sectionHeader(w, 0, "ram");
  const lengthAt = w.length;
  w.u32(0); // the payload length, known at the end of RAM
  const payloadAt = w.length;
  const blocks = ramBlocks(pc);
  w.u32(blocks.length);
  for (const b of blocks) {
    const name = enc.encode(b.name);
    w.u8(name.length);
    w.bytes(name);
    w.u32(Math.floor(b.size / 2 ** 32));
    w.u32(b.size >>> 0);
    const step = pagesPerStep * PAGE;
    for (let off = 0; off < b.size; off += step) {
      const to = Math.min(off + step, b.size);
      ramPages(w, b.bytes, b.size, off, to, counts);
      ramDone += to - off;
      yield emit(w);
      w = new Writer();
    }
  }
  const ramEnd = at + w.length;
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, ramEnd - payloadAt, false);
  yield { at: lengthAt, bytes: len, ramDone, duplicate: counts.duplicate, normal: counts.normal };
  const cpus: VcpuState[] = pc.vcpus.map((v) => {
    v.vcpu.completePendingIo();
    return v.vcpu.saveState();
  });
  section(w, 1, "cpu", enc.encode(JSON.stringify(cpus)));
  section(w, 2, "devices", enc.encode(JSON.stringify(deviceStates(pc))));
  const chips = pc.kernelIrqchip?.saveState();
  if (chips !== undefined) {
    section(w, 3, KVM_I8259_SECTION, Uint8Array.from(chips.picMaster), 0);
    section(w, 4, KVM_I8259_SECTION, Uint8Array.from(chips.picSlave), 1);
    section(w, 5, KVM_IOAPIC_SECTION, Uint8Array.from(chips.ioapic));
    if (chips.pit !== undefined) {
      section(w, 6, KVM_PIT_SECTION, Uint8Array.from(chips.pit));
    }
  }
  w.u8(QEMU_VM_EOF);
  yield emit(w);
  return at;
}

function ramBlocks(pc: PcMachine): { name: string; size: number; bytes: Uint8Array }[] {
  const out: { name: string; size: number; bytes: Uint8Array }[] = [];
  const seen = new Set<Uint8Array>();
  for (const mr of [pc.ram, pc.pcRom, pc.biosRegions.bios, ...pc.extraRam]) {
    const ram = mr.ram;
    if (ram !== null && !seen.has(ram.bytes)) {
      seen.add(ram.bytes);
      out.push({ name: ram.name, size: ram.size, bytes: ram.bytes });
    }
  }
  return out;
}

function deviceStates(pc: PcMachine): DeviceStates {
  // With kernel_irqchip=on these three are the kernel's: their state is in the kvm-* sections.
  const userChips = pc.kernelIrqchip === undefined ? { pic: pc.pic.state(), pit: pc.pit.state(), pcspk: pc.pcspk.state() } : {};
  return {
    clockNs: pc.clock.now(),
    runState: pc.runState,
    halted: pc.vcpus.map((v) => v.halted),
    ...userChips,
    i8042: pc.i8042.state(),
    rtc: pc.rtc.state(),
    port92: pc.port92.state(),
    ioport80: pc.ioport80.state(),
    fwCfg: pc.fwCfg.state(),
    pciBus: pc.pciBus?.state(),
    pciConfig: pc.pciConfig?.state(),
    serials: pc.serials.map((s) => s?.state()),
    // the IDE channels, drives and bus-master engines (their PCI config space is in pciBus)
    ide: pc.ideState(),
  };
}

/** qemu_savevm_state: the whole machine as a stream (the VM should be stopped). */
export function saveVmState(pc: PcMachine): Uint8Array {
  const segments: VmStateSegment[] = [];
  const steps = saveVmStateSteps(pc, Number.MAX_SAFE_INTEGER);
  let r = steps.next();
  while (r.done !== true) {
    segments.push(r.value);
    r = steps.next();
  }
  const out = new Uint8Array(r.value);
  for (const seg of segments) out.set(seg.bytes, seg.at);
  return out;
}

function loadRam(pc: PcMachine, payload: Uint8Array): void {
  const r = new Reader(payload);
  const blocks = new Map(ramBlocks(pc).map((b) => [b.name, b]));
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    const name = dec.decode(r.bytes(r.u8()));
    const size = r.u32() * 2 ** 32 + r.u32();
    const b = blocks.get(name);
    if (b === undefined) {
      throw new VmStateError(`Unknown ramblock "${name}", cannot accept migration`);
    }
    if (b.size !== size) {
      throw new VmStateError(`Size mismatch: ${name}: 0x${size.toString(16)} != 0x${b.size.toString(16)}: Invalid argument`);
    }
    for (let off = 0; off < size; off += PAGE) {
      const len = Math.min(PAGE, size - off);
      const flag = r.u8();
      if (flag === 0) {
        b.bytes.fill(0, off, off + len);
      } else if (flag === 1) {
        b.bytes.set(r.bytes(len), off);
      } else {
        throw new VmStateError(`Unknown combination of migration flags: 0x${flag.toString(16)}`);
      }
    }
  }
}

function loadDevices(pc: PcMachine, s: DeviceStates, chips: KernelIrqchipState | undefined): void {
  type S<T extends { fromState(x: never): void }> = Parameters<T["fromState"]>[0];
  pc.clock.fromState({ nowNs: s.clockNs });
  pc.fwCfg.fromState(s.fwCfg as S<typeof pc.fwCfg>);
  if (pc.pciBus !== undefined && s.pciBus !== undefined) {
    pc.pciBus.fromState(s.pciBus as S<typeof pc.pciBus>);
  }
  if (pc.pciConfig !== undefined && s.pciConfig !== undefined) {
    pc.pciConfig.fromState(s.pciConfig as S<typeof pc.pciConfig>);
  }
  if (chips === undefined) {
    pc.pit.fromState(s.pit as S<typeof pc.pit>);
    pc.pcspk.fromState(s.pcspk as S<typeof pc.pcspk>);
  }
  if (s.ide !== undefined) {
    pc.loadIdeState(s.ide as Parameters<typeof pc.loadIdeState>[0]);
  }
  pc.i8042.fromState(s.i8042 as S<typeof pc.i8042>);
  pc.rtc.fromState(s.rtc as S<typeof pc.rtc>);
  pc.port92.fromState(s.port92 as S<typeof pc.port92>);
  pc.ioport80.fromState(s.ioport80 as S<typeof pc.ioport80>);
  const serials = s.serials as (S<NonNullable<(typeof pc.serials)[number]>> | undefined)[];
  pc.serials.forEach((u, i) => {
    const st = serials[i];
    if (u !== undefined && st !== undefined) {
      u.fromState(st);
    }
  });
  // The PIC last: its input levels in the stream win over what devices re-drove above (with the
  // in-kernel chips, KVM_SET_IRQCHIP overwrites whatever KVM_IRQ_LINE calls the devices made).
  if (chips === undefined) {
    pc.pic.fromState(s.pic as S<typeof pc.pic>);
  } else {
    pc.kernelIrqchip!.loadState(chips);
  }
  s.halted.forEach((h, i) => {
    const v = pc.vcpus[i];
    if (v !== undefined) {
      v.halted = h;
    }
  });
}

/** QEMU's advice when the two sides' device sets differ (migration/savevm.c qemu_loadvm_section_start_full). */
const SETUP_MISMATCH = "Make sure that your current VM setup matches your saved VM setup, including any hotplugged devices";

/**
 * The kvm-* sections a machine with kernel_irqchip=on needs, checked against the chips' sizes;
 * undefined on a machine with the user-space chips, which must not be given a stream that has them.
 */
function kernelIrqchipSections(pc: PcMachine, sections: Map<string, Uint8Array>): KernelIrqchipState | undefined {
  const kernel = pc.kernelIrqchip;
  const streamHasKernelChips = sections.has(`${KVM_I8259_SECTION}/0`);
  if (kernel === undefined) {
    if (streamHasKernelChips) {
      throw new VmStateError(
        `Unknown savevm section or instance '${KVM_I8259_SECTION}' 0. ${SETUP_MISMATCH}: the stream was saved with kernel_irqchip=on and this machine has kernel_irqchip=off`,
      );
    }
    return undefined;
  }
  if (!streamHasKernelChips) {
    throw new VmStateError(
      `Missing section '${KVM_I8259_SECTION}' 0 in the migration stream. ${SETUP_MISMATCH}: the stream was saved with kernel_irqchip=off and this machine has kernel_irqchip=on`,
    );
  }
  const now = kernel.saveState();
  const take = (name: string, instance: number, size: number | undefined): number[] | undefined => {
    if (size === undefined) return undefined;
    const b = sections.get(`${name}/${instance}`);
    if (b === undefined) {
      throw new VmStateError(`Missing section '${name}' ${instance} in the migration stream. ${SETUP_MISMATCH}`);
    }
    if (b.length !== size) {
      throw new VmStateError(`Failed to load ${name}:${instance}: state is ${b.length} bytes, the kernel's structure is ${size}`);
    }
    return [...b];
  };
  const out: KernelIrqchipState = {
    picMaster: take(KVM_I8259_SECTION, 0, now.picMaster.length)!,
    picSlave: take(KVM_I8259_SECTION, 1, now.picSlave.length)!,
    ioapic: take(KVM_IOAPIC_SECTION, 0, now.ioapic.length)!,
  };
  const pit = take(KVM_PIT_SECTION, 0, now.pit?.length);
  if (pit !== undefined) {
    out.pit = pit;
  }
  return out;
}

/**
 * qemu_loadvm_state into `pc` (built with the same configuration). The VM is stopped first;
 * afterwards it stays stopped: the caller resumes it if it was running (as loadvm does).
 */
export function loadVmState(pc: PcMachine, stream: Uint8Array): { wasRunning: boolean } {
  const r = new Reader(stream);
  if (r.u32() !== QEMU_VM_FILE_MAGIC) {
    throw new VmStateError("Not a migration stream");
  }
  const version = r.u32();
  if (version !== QEMU_VM_FILE_VERSION) {
    throw new VmStateError(`Unsupported migration stream version`);
  }
  /** Payloads by "name/instance". */
  const sections = new Map<string, Uint8Array>();
  for (;;) {
    const type = r.u8();
    if (type === QEMU_VM_EOF) {
      break;
    }
    if (type !== QEMU_VM_SECTION_FULL) {
      throw new VmStateError(`Unknown savevm section type ${type}`);
    }
    r.u32();
    const name = dec.decode(r.bytes(r.u8()));
    const instance = r.u32();
    r.u32();
    sections.set(`${name}/${instance}`, r.bytes(r.u32()));
  }
  const ram = sections.get("ram/0");
  const cpu = sections.get("cpu/0");
  const devices = sections.get("devices/0");
  if (ram === undefined || cpu === undefined || devices === undefined) {
    throw new VmStateError("Missing section in the migration stream");
  }
  const cpus = JSON.parse(dec.decode(cpu)) as VcpuState[];
  if (cpus.length !== pc.vcpus.length) {
    throw new VmStateError(`Unknown CPU count ${cpus.length} in the migration stream (machine has ${pc.vcpus.length})`);
  }
  const dev = JSON.parse(dec.decode(devices)) as DeviceStates;
  // Everything that can refuse the stream is checked before the machine is touched.
  const chips = kernelIrqchipSections(pc, sections);
  const wasRunning = pc.running;
  pc.vmStop("restore-vm");
  loadRam(pc, ram);
  loadDevices(pc, dev, chips);
  cpus.forEach((c, i) => {
    const v = pc.vcpus[i]!;
    v.vcpu.loadState(c);
    v.resyncTsc();
  });
  return { wasRunning };
}

/** savevm to a file. */
export async function saveVmStateFile(pc: PcMachine, path: string): Promise<number> {
  const data = saveVmState(pc);
  await writeFile(path, data);
  return data.length;
}

/** loadvm from a file. */
export async function loadVmStateFile(pc: PcMachine, path: string): Promise<{ wasRunning: boolean }> {
  return loadVmState(pc, new Uint8Array(await readFile(path)));
}
