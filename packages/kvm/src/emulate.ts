/**
 * The instruction emulator (arch/x86/kvm/emulate.c's role): when the guest touches memory that is not
 * RAM (MMIO), or performs string I/O, kvm executes that one instruction itself with the guest's state,
 * sending each device access to user space. Here the emulator is a second processor of the CPU model
 * (never in VMX operation) whose physical memory is the guest-physical space of the VM: memslots are
 * RAM, everything else traps. Reads that need user space abort the pass; the instruction is replayed
 * from the saved state once the data has arrived (as KVM re-enters emulation after an MMIO read).
 */
import {
  CPU_EXCEPTION, Cpu, PAGE_SIZE, PhysicalMemory, STOP_EXCEPTION, STOP_INTERNAL_ERROR, TASK_FROM_INT, TR, Unwind, taskThroughGate,
  type CpuHost, type MmioHandler,
} from "@virtkit/cpu";
import type { HostMachine } from "./host/host-machine.js";
import type { Memslots } from "./memslots.js";
import { KVM_MEM_READONLY } from "./uapi/constants.js";

/** One device access the emulated instruction made. */
export interface EmulatedAccess {
  kind: "mmio" | "pio";
  write: boolean;
  addr: number;
  len: number;
  /** Data written, or (once user space answered) data read. */
  value: number;
}

/** In-kernel devices the emulated instruction reaches first (the vCPU's local APIC, the kernel I/O buses). */
export interface KernelDevices {
  read(kind: "mmio" | "pio", addr: number, len: number): number | undefined;
  write(kind: "mmio" | "pio", addr: number, len: number, value: number): boolean;
}

export const EMULATE_DONE = 0;
/** The instruction needs data from user space first (an MMIO or port read). */
export const EMULATE_NEED_READ = 1;
export const EMULATE_FAIL = 2;
export const EMULATE_EXCEPTION = 3;

const ABORT = new Unwind("emulator-abort");

/**
 * The guest-physical address space of one VM as the emulator processor sees it. Rebuilt when the
 * memslots change (callers pass the slots' generation).
 */
class GuestPhysicalSpace {
  mem = new PhysicalMemory();
  generation = -1;
}

export class X86Emulator {
  readonly cpu: Cpu;
  private readonly space = new GuestPhysicalSpace();
  /** Accesses answered by user space in earlier passes, replayed in order. */
  private readonly answered: EmulatedAccess[] = [];
  private replayIndex = 0;
  /** The read that stopped the current pass. */
  pendingRead: EmulatedAccess | null = null;
  /** Writes made by the completed pass, to hand to user space one by one. */
  readonly writes: EmulatedAccess[] = [];
  /** Set when the instruction fetch itself would read MMIO: KVM cannot emulate that. */
  fetchFromMmio = false;
  private inFetch = false;
  /** The kernel devices of the vCPU being emulated (set by the caller for each instruction). */
  kernel: KernelDevices | null = null;

  constructor(private readonly host: HostMachine, private readonly slots: Memslots) {
    const devices: CpuHost = {
      ioRead: (port, size) => this.read("pio", port, size),
      ioWrite: (port, size, value) => {
        this.writes.push({ kind: "pio", write: true, addr: port, len: size, value });
      },
      acknowledgeInterrupt: () => -1,
    };
    this.cpu = new Cpu(this.space.mem, devices);
    this.cpu.reportExceptions = true;
  }

  private read(kind: "mmio" | "pio", addr: number, len: number): number {
    const a = this.answered[this.replayIndex];
    if (a?.kind === kind && a.addr === addr && a.len === len && !a.write) {
      this.replayIndex++;
      return a.value;
    }
    // An in-kernel device answers at once; its answer is recorded so a replay does not read it twice.
    const k = this.kernel?.read(kind, addr, len);
    if (k !== undefined) {
      this.answered.splice(this.replayIndex, 0, { kind, write: false, addr, len, value: k });
      this.replayIndex++;
      return k;
    }
    this.pendingRead = { kind, write: false, addr, len, value: 0 };
    throw ABORT;
  }

  /** Rebuilds the guest-physical view when memslots changed. */
  syncSlots(generation: number): void {
    if (this.space.generation === generation) return;
    const mem = new PhysicalMemory();
    for (const slot of this.slots.all()) {
      const frame = this.host.mem.ramFrame(slot.userspaceAddr);
      const chunk = this.host.mem.chunks[frame - 1]!;
      const off = slot.userspaceAddr - chunk.base + chunk.u8.byteOffset;
      // Read-only slots can be read and executed from; their writes are MMIO for user space.
      if (slot.flags & KVM_MEM_READONLY) mem.mapRom(slot.gpa, chunk.u8.buffer, off, slot.size);
      else mem.mapRam(slot.gpa, chunk.u8.buffer, off, slot.size);
    }
    mem.onRomWrite = (addr, size, value) => {
      this.writes.push({ kind: "mmio", write: true, addr, len: size, value });
    };
    // Everything that is not a memslot traps.
    const trap: MmioHandler = {
      read: (offset, size) => {
        if (this.inFetch) {
          this.fetchFromMmio = true;
          throw ABORT;
        }
        return this.read("mmio", offset, size);
      },
      write: (offset, size, value) => {
        this.writes.push({ kind: "mmio", write: true, addr: offset, len: size, value });
      },
    };
    mem.mapMmio(0, 2 ** 32, trap);
    this.space.mem = mem;
    this.space.generation = generation;
    this.cpu.mem = mem;
    this.cpu.syncChunks();
  }

  /** Whether the pass stopped at a read (set from inside the processor's memory callbacks). */
  private hasPendingRead(): boolean {
    return this.pendingRead !== null;
  }

  /** Records user space's answer to the pending read, for the next pass. */
  answer(value: number): void {
    if (!this.pendingRead) return;
    this.pendingRead.value = value;
    this.answered.push(this.pendingRead);
    this.pendingRead = null;
  }

  /** Forgets the instruction in progress (state was reset or the vCPU was changed from outside). */
  reset(): void {
    this.answered.length = 0;
    this.pendingRead = null;
    this.writes.length = 0;
    this.replayIndex = 0;
  }

  /**
   * Runs one pass over the instruction with the state already loaded into `this.cpu`. Returns an
   * EMULATE_* code; on EMULATE_DONE the processor holds the new guest state and `writes` the stores.
   */
  step(): number {
    this.replayIndex = 0;
    this.writes.length = 0;
    this.fetchFromMmio = false;
    this.pendingRead = null;
    const cpu = this.cpu;
    // Fetch check first: an instruction whose bytes are not in RAM cannot be emulated (KVM reports
    // an emulation failure rather than reading code through MMIO).
    try {
      this.inFetch = true;
      const lin = (cpu.segBase[1]! + cpu.eip) | 0;
      cpu.read8(lin);
      if (((lin & (PAGE_SIZE - 1)) + 15) > PAGE_SIZE) cpu.read8((lin + 14) | 0);
    } catch (e) {
      this.inFetch = false;
      if (e === ABORT) return EMULATE_FAIL;
      if (e === CPU_EXCEPTION) return EMULATE_EXCEPTION;
      throw e;
    }
    this.inFetch = false;
    let r: number;
    try {
      r = cpu.run(1);
    } catch (e) {
      if (e === ABORT) return this.hasPendingRead() ? EMULATE_NEED_READ : EMULATE_FAIL;
      throw e;
    }
    if (r === STOP_INTERNAL_ERROR) {
      // The abort sentinel travels through the run loop's generic handler.
      return this.hasPendingRead() ? EMULATE_NEED_READ : EMULATE_FAIL;
    }
    if (r === STOP_EXCEPTION) return EMULATE_EXCEPTION;
    this.answered.length = 0;
    return EMULATE_DONE;
  }

  /**
   * The task switch of an event delivered through an IDT task gate (kvm_task_switch with reason
   * TASK_SWITCH_GATE), on the state loaded into `this.cpu`, whose EIP is what the old task resumes at.
   * `ext` is the EXT bit of error codes for faults on the way (1 for hardware events); `errorCode` >= 0 is
   * pushed on the new task's stack. Returns EMULATE_DONE, EMULATE_EXCEPTION (with `switchCommitted`
   * telling whether the fault belongs to the new task, SDM vol. 3A §7.3) or EMULATE_FAIL (a TSS or the new
   * stack outside RAM, which KVM's emulator does not handle either).
   */
  taskSwitch(tssSelector: number, ext: number, errorCode: number): number {
    this.reset();
    this.fetchFromMmio = false;
    const cpu = this.cpu;
    const oldTr = cpu.segSel[TR]!;
    this.switchCommitted = false;
    try {
      taskThroughGate(cpu, tssSelector, TASK_FROM_INT, ext, errorCode);
    } catch (e) {
      this.switchCommitted = cpu.segSel[TR] !== oldTr;
      if (e === CPU_EXCEPTION) return EMULATE_EXCEPTION;
      if (e === ABORT) {
        this.reset();
        return EMULATE_FAIL;
      }
      throw e;
    }
    return EMULATE_DONE;
  }

  /** After taskSwitch's EMULATE_EXCEPTION: whether the new task's state was already loaded (commit point passed). */
  switchCommitted = false;
}
