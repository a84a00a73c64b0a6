/**
 * Typed wrappers over the raw ioctl interface, in the spirit of rust-vmm's kvm-ioctls: Kvm (the
 * /dev/kvm fd), VmFd and VcpuFd. Each method issues the real ioctl with a byte-exact struct and turns
 * a negative errno into a KvmError. VcpuFd.run() decodes kvm_run into a discriminated union whose
 * objects are reused from exit to exit (no allocation per exit).
 */
import { closeFd, eventfd, eventfdObject, fdVcpu, fdVm, ioctl, mmapVcpu, openDevKvm } from "./kvm-main.js";
import type { EventFd } from "./eventfd.js";
import type { KvmVmStats, KvmVcpuStats } from "./trace.js";
import * as A from "./uapi/irqchip-abi.js";
import { hostMachine, type HostMachine, type HostMapping } from "./host/host-machine.js";
import { EAGAIN, EINTR, ERRNO_MESSAGES, ERRNO_NAMES } from "./uapi/errno.js";
import * as C from "./uapi/constants.js";
export type { KvmVmStats };
import * as IOC from "./uapi/ioctl.js";
import {
  KVM_CPUID2_HEADER_SIZE, KVM_CPUID_ENTRY2_SIZE, KVM_MSRS_HEADER_SIZE, KVM_MSR_ENTRY_SIZE, KVM_REGS_SIZE,
  KVM_RUN_EXIT_OFFSETS, KVM_RUN_OFFSETS, KVM_SREGS_SIZE, StructView, decodeCpuid2, decodeRegs, decodeSregs,
  encodeCpuid2, encodeMemoryRegion, encodeRegs, encodeSregs, structBuffer, type KvmCpuidEntry2, type KvmRegs,
  type KvmSregs, type KvmUserspaceMemoryRegion,
} from "./uapi/structs.js";

/** A failed ioctl: carries the errno as the kernel returned it. */
export class KvmError extends Error {
  constructor(readonly op: string, readonly errno: number) {
    super(`${op} failed: ${ERRNO_MESSAGES[errno] ?? "Unknown error"} (${ERRNO_NAMES[errno] ?? errno})`);
    this.name = "KvmError";
  }
}

function check(op: string, r: number): number {
  if (r < 0) throw new KvmError(op, -r);
  return r;
}

export class Kvm {
  private constructor(readonly fd: number, readonly host: HostMachine) {}

  /** open("/dev/kvm"). */
  static open(host: HostMachine = hostMachine()): Kvm {
    return new Kvm(openDevKvm(host), host);
  }

  /** mmap(NULL, length, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS): memory to back guest RAM. */
  mmap(length: number): HostMapping {
    const m = this.host.mmap(length);
    if (!m) throw new KvmError("mmap", 12);
    return m;
  }

  ioctl(request: number, arg?: number | Uint8Array): number {
    return ioctl(this.fd, request, arg);
  }

  getApiVersion(): number {
    return check("KVM_GET_API_VERSION", this.ioctl(IOC.KVM_GET_API_VERSION, 0));
  }

  checkExtension(cap: number): number {
    return check("KVM_CHECK_EXTENSION", this.ioctl(IOC.KVM_CHECK_EXTENSION, cap));
  }

  getVcpuMmapSize(): number {
    return check("KVM_GET_VCPU_MMAP_SIZE", this.ioctl(IOC.KVM_GET_VCPU_MMAP_SIZE, 0));
  }

  createVm(type = 0): VmFd {
    return new VmFd(check("KVM_CREATE_VM", this.ioctl(IOC.KVM_CREATE_VM, type)), this.host);
  }

  getSupportedCpuid(maxEntries = 80): KvmCpuidEntry2[] {
    const b = encodeCpuid2([], maxEntries);
    check("KVM_GET_SUPPORTED_CPUID", this.ioctl(IOC.KVM_GET_SUPPORTED_CPUID, b));
    return decodeCpuid2(b);
  }

  getMsrIndexList(max = 64): number[] {
    const b = structBuffer(4 + max * 4);
    const v = new StructView(b);
    v.setU32(0, max);
    check("KVM_GET_MSR_INDEX_LIST", this.ioctl(IOC.KVM_GET_MSR_INDEX_LIST, b));
    return Array.from({ length: v.u32(0) }, (_, i) => v.u32(4 + i * 4));
  }

  /** eventfd(initval, flags): an fd for KVM_IRQFD / KVM_IOEVENTFD, with its EventFd object. */
  eventfd(initval = 0, flags = 0): { fd: number; eventfd: EventFd } {
    const fd = check("eventfd", eventfd(initval, flags, this.host));
    return { fd, eventfd: eventfdObject(fd)! };
  }

  close(): void {
    closeFd(this.fd);
  }
}

export class VmFd {
  constructor(readonly fd: number, readonly host: HostMachine) {}

  ioctl(request: number, arg?: number | Uint8Array): number {
    return ioctl(this.fd, request, arg);
  }

  checkExtension(cap: number): number {
    return check("KVM_CHECK_EXTENSION", this.ioctl(IOC.KVM_CHECK_EXTENSION, cap));
  }

  setUserMemoryRegion(region: KvmUserspaceMemoryRegion): void {
    check("KVM_SET_USER_MEMORY_REGION", this.ioctl(IOC.KVM_SET_USER_MEMORY_REGION, encodeMemoryRegion(region)));
  }

  setTssAddr(addr: number): void {
    check("KVM_SET_TSS_ADDR", this.ioctl(IOC.KVM_SET_TSS_ADDR, addr));
  }

  setIdentityMapAddr(addr: number): void {
    const b = structBuffer(8);
    new StructView(b).setU64(0, addr);
    check("KVM_SET_IDENTITY_MAP_ADDR", this.ioctl(IOC.KVM_SET_IDENTITY_MAP_ADDR, b));
  }

  /** KVM_GET_DIRTY_LOG into a user buffer (a HostMapping, as the C API passes a user pointer). */
  getDirtyLog(slot: number, bitmap: HostMapping): Uint8Array {
    const b = structBuffer(16);
    const v = new StructView(b);
    v.setU32(0, slot);
    v.setU64(8, bitmap.addr);
    check("KVM_GET_DIRTY_LOG", this.ioctl(IOC.KVM_GET_DIRTY_LOG, b));
    return bitmap.bytes;
  }

  createVcpu(id: number): VcpuFd {
    return new VcpuFd(check("KVM_CREATE_VCPU", this.ioctl(IOC.KVM_CREATE_VCPU, id)), id);
  }

  /** KVM_CREATE_IRQCHIP: in-kernel PIC pair, IOAPIC and (for vCPUs created afterwards) local APICs. */
  createIrqchip(): void {
    check("KVM_CREATE_IRQCHIP", this.ioctl(IOC.KVM_CREATE_IRQCHIP, 0));
  }

  /** KVM_IRQ_LINE_STATUS: sets GSI `irq` to `level`; returns the status (>0 delivered, 0 coalesced, -1 masked). */
  irqLine(irq: number, level: number): number {
    const b = structBuffer(A.KVM_IRQ_LEVEL_SIZE);
    const v = new StructView(b);
    v.setU32(0, irq);
    v.setU32(4, level);
    check("KVM_IRQ_LINE_STATUS", this.ioctl(IOC.KVM_IRQ_LINE_STATUS, b));
    return v.i32(0);
  }

  /** KVM_GET_IRQCHIP: the chip's state bytes (kvm_pic_state or kvm_ioapic_state). */
  getIrqchip(chipId: number): Uint8Array {
    const b = structBuffer(A.KVM_IRQCHIP_SIZE);
    new StructView(b).setU32(0, chipId);
    check("KVM_GET_IRQCHIP", this.ioctl(IOC.KVM_GET_IRQCHIP, b));
    return b.subarray(A.KVM_IRQCHIP_CHIP_OFFSET);
  }

  setIrqchip(chipId: number, state: Uint8Array): void {
    const b = structBuffer(A.KVM_IRQCHIP_SIZE);
    new StructView(b).setU32(0, chipId);
    b.set(state.subarray(0, 512), A.KVM_IRQCHIP_CHIP_OFFSET);
    check("KVM_SET_IRQCHIP", this.ioctl(IOC.KVM_SET_IRQCHIP, b));
  }

  /** KVM_CREATE_PIT2 (KVM_PIT_SPEAKER_DUMMY = 1 leaves port 0x61 to user space). */
  createPit2(flags = 0): void {
    const b = structBuffer(A.KVM_PIT_CONFIG_SIZE);
    new StructView(b).setU32(0, flags);
    check("KVM_CREATE_PIT2", this.ioctl(IOC.KVM_CREATE_PIT2, b));
  }

  getPit2(): Uint8Array {
    const b = structBuffer(112);
    check("KVM_GET_PIT2", this.ioctl(IOC.KVM_GET_PIT2, b));
    return b;
  }

  setPit2(state: Uint8Array): void {
    check("KVM_SET_PIT2", this.ioctl(IOC.KVM_SET_PIT2, state));
  }

  /** KVM_SET_GSI_ROUTING from entries (irqchip pin or MSI). */
  setGsiRouting(entries: readonly ({ gsi: number; irqchip: number; pin: number } | { gsi: number; addressLo: number; addressHi?: number; data: number })[]): void {
    const b = structBuffer(8 + entries.length * 48);
    const v = new StructView(b);
    v.setU32(0, entries.length);
    entries.forEach((e, i) => {
      const at = 8 + i * 48;
      v.setU32(at, e.gsi);
      if ("irqchip" in e) {
        v.setU32(at + 4, 1);
        v.setU32(at + 16, e.irqchip);
        v.setU32(at + 20, e.pin);
      } else {
        v.setU32(at + 4, 2);
        v.setU32(at + 16, e.addressLo);
        v.setU32(at + 20, e.addressHi ?? 0);
        v.setU32(at + 24, e.data);
      }
    });
    check("KVM_SET_GSI_ROUTING", this.ioctl(IOC.KVM_SET_GSI_ROUTING, b));
  }

  /** KVM_SIGNAL_MSI: returns the number of vCPUs that accepted it. */
  signalMsi(addressLo: number, data: number, addressHi = 0): number {
    const b = structBuffer(A.KVM_MSI_SIZE);
    const v = new StructView(b);
    v.setU32(0, addressLo);
    v.setU32(4, addressHi);
    v.setU32(8, data);
    return check("KVM_SIGNAL_MSI", this.ioctl(IOC.KVM_SIGNAL_MSI, b));
  }

  /** KVM_IRQFD: signalling eventfd `fd` raises `gsi` (resamplefd: level-triggered with EOI notification). */
  irqfd(fd: number, gsi: number, opts: { deassign?: boolean; resamplefd?: number } = {}): void {
    const b = structBuffer(A.KVM_IRQFD_SIZE);
    const v = new StructView(b);
    v.setU32(0, fd);
    v.setU32(4, gsi);
    v.setU32(8, (opts.deassign ? C.KVM_IRQFD_FLAG_DEASSIGN : 0) | (opts.resamplefd !== undefined ? C.KVM_IRQFD_FLAG_RESAMPLE : 0));
    v.setU32(12, opts.resamplefd ?? 0);
    check("KVM_IRQFD", this.ioctl(IOC.KVM_IRQFD, b));
  }

  /** KVM_IOEVENTFD: a guest write to `addr` (port with pio) of `len` bytes (and `datamatch`) signals `fd`. */
  ioeventfd(fd: number, addr: number, len: number, opts: { pio?: boolean; datamatch?: number; deassign?: boolean } = {}): void {
    const b = structBuffer(A.KVM_IOEVENTFD_SIZE);
    const v = new StructView(b);
    v.setU64(0, opts.datamatch ?? 0);
    v.setU64(8, addr);
    v.setU32(16, len);
    v.setU32(20, fd);
    v.setU32(24, (opts.datamatch !== undefined ? C.KVM_IOEVENTFD_FLAG_DATAMATCH : 0) | (opts.pio ? C.KVM_IOEVENTFD_FLAG_PIO : 0) |
      (opts.deassign ? C.KVM_IOEVENTFD_FLAG_DEASSIGN : 0));
    check("KVM_IOEVENTFD", this.ioctl(IOC.KVM_IOEVENTFD, b));
  }

  /** KVM_GET_CLOCK: kvmclock in ns, with its flags. */
  getClock(): { clock: number; flags: number; realtime: number; hostTsc: number } {
    const b = structBuffer(A.KVM_CLOCK_DATA_SIZE);
    check("KVM_GET_CLOCK", this.ioctl(IOC.KVM_GET_CLOCK, b));
    const v = new StructView(b);
    return { clock: v.u64(0), flags: v.u32(8), realtime: v.u64(16), hostTsc: v.u64(24) };
  }

  setClock(clock: number, flags = 0, realtime = 0): void {
    const b = structBuffer(A.KVM_CLOCK_DATA_SIZE);
    const v = new StructView(b);
    v.setU64(0, clock);
    v.setU32(8, flags);
    v.setU64(16, realtime);
    check("KVM_SET_CLOCK", this.ioctl(IOC.KVM_SET_CLOCK, b));
  }

  /** KVM_ENABLE_CAP on the VM. */
  enableCap(cap: number, args: readonly number[] = [], flags = 0): void {
    const b = structBuffer(A.KVM_ENABLE_CAP_SIZE);
    const v = new StructView(b);
    v.setU32(0, cap);
    v.setU32(4, flags);
    args.forEach((a, i) => v.setU64(8 + i * 8, a));
    check("KVM_ENABLE_CAP", this.ioctl(IOC.KVM_ENABLE_CAP, b));
  }

  /** KVM_CLEAR_DIRTY_LOG for pages [first, first+count) whose bit is set in `mask` (a user buffer). */
  clearDirtyLog(slot: number, first: number, count: number, mask: HostMapping): void {
    const b = structBuffer(A.KVM_CLEAR_DIRTY_LOG_SIZE);
    const v = new StructView(b);
    v.setU32(0, slot);
    v.setU32(4, count);
    v.setU64(8, first);
    v.setU64(16, mask.addr);
    check("KVM_CLEAR_DIRTY_LOG", this.ioctl(IOC.KVM_CLEAR_DIRTY_LOG, b));
  }

  /** kvm_stat-style counters of this VM: per-VM ones and the sums of its vCPUs' (debugfs /sys/kernel/debug/kvm/). */
  stats(): Record<string, number> {
    const vm = fdVm(this.fd);
    if (!vm) throw new KvmError("stats", 9);
    const out: Record<string, number> = { ...(vm.stats as unknown as Record<string, number>) };
    for (const vcpu of vm.vcpus.values()) {
      for (const [k, val] of Object.entries(vcpu.stats)) if (typeof val === "number") out[k] = (out[k] ?? 0) + val;
    }
    return out;
  }

  close(): void {
    closeFd(this.fd);
  }
}

/** What KVM_RUN returned to user space, decoded from kvm_run. */
export type KvmExit =
  | { reason: "io-in"; port: number; size: number; count: number; data: Uint8Array }
  | { reason: "io-out"; port: number; size: number; count: number; data: Uint8Array }
  | { reason: "mmio-read"; addr: number; len: number; data: Uint8Array }
  | { reason: "mmio-write"; addr: number; len: number; data: Uint8Array }
  | { reason: "hlt" }
  | { reason: "shutdown" }
  | { reason: "intr" }
  | { reason: "irq-window-open" }
  | { reason: "exception"; exception: number; errorCode: number }
  | { reason: "debug"; exception: number; pc: number; dr6: number; dr7: number }
  | { reason: "fail-entry"; hardwareEntryFailureReason: number; cpu: number }
  | { reason: "internal-error"; suberror: number; data: number[] }
  | { reason: "system-event"; type: number; data: number[] }
  | { reason: "unknown"; exitReason: number };

export class VcpuFd {
  /** The vCPU mmap area (kvm_run, PIO data page, coalesced-MMIO page), shared with the kernel. */
  readonly kvmRun: Uint8Array;
  private readonly run: StructView;
  private readonly ioIn: Extract<KvmExit, { reason: "io-in" }> = { reason: "io-in", port: 0, size: 0, count: 0, data: new Uint8Array(0) };
  private readonly ioOut: Extract<KvmExit, { reason: "io-out" }> = { reason: "io-out", port: 0, size: 0, count: 0, data: new Uint8Array(0) };
  private readonly mmioRead: Extract<KvmExit, { reason: "mmio-read" }> = { reason: "mmio-read", addr: 0, len: 0, data: new Uint8Array(0) };
  private readonly mmioWrite: Extract<KvmExit, { reason: "mmio-write" }> = { reason: "mmio-write", addr: 0, len: 0, data: new Uint8Array(0) };
  private readonly simple = new Map<string, KvmExit>();
  private readonly dataViews = new Map<number, Uint8Array>();
  /** The view pioData returned last and its length: consecutive port exits nearly always have the same size. */
  private lastPioView: Uint8Array;

  constructor(readonly fd: number, readonly id: number) {
    this.kvmRun = this.mmap();
    this.run = new StructView(this.kvmRun);
    this.lastPioView = this.kvmRun.subarray(C.KVM_PIO_PAGE_OFFSET * 4096, C.KVM_PIO_PAGE_OFFSET * 4096);
    this.mmioRead.data = this.kvmRun.subarray(KVM_RUN_EXIT_OFFSETS.mmio.data, KVM_RUN_EXIT_OFFSETS.mmio.data + 8);
    this.mmioWrite.data = this.mmioRead.data;
  }

  /** mmap(NULL, KVM_GET_VCPU_MMAP_SIZE, ..., vcpu_fd, 0): the shared kvm_run pages. */
  mmap(): Uint8Array {
    const m = mmapVcpu(this.fd, 3 * 4096);
    if (typeof m === "number") throw new KvmError("mmap", -m);
    return m;
  }

  ioctl(request: number, arg?: number | Uint8Array): number {
    return ioctl(this.fd, request, arg);
  }

  get immediateExit(): boolean {
    return this.run.u8(KVM_RUN_OFFSETS.immediate_exit) !== 0;
  }
  set immediateExit(v: boolean) {
    this.run.setU8(KVM_RUN_OFFSETS.immediate_exit, v ? 1 : 0);
  }
  set requestInterruptWindow(v: boolean) {
    this.run.setU8(KVM_RUN_OFFSETS.request_interrupt_window, v ? 1 : 0);
  }
  get readyForInterruptInjection(): boolean {
    return this.run.u8(KVM_RUN_OFFSETS.ready_for_interrupt_injection) !== 0;
  }

  /**
   * Arms a timer signal that arrives after the guest has executed `instructions` more instructions
   * (as setitimer(ITIMER_VIRTUAL) would after some guest time): KVM_RUN then returns KVM_EXIT_INTR.
   * Single-threaded VMMs use it to regain control from a guest that never exits.
   */
  alarm(instructions: number): void {
    const vcpu = fdVcpu(this.fd);
    if (vcpu) vcpu.alarmAt = instructions < 0 ? -1 : vcpu.vm.host.now() + instructions;
  }

  /**
   * Sends the thread running this vCPU a signal (SIGUSR1 by default): the current or next KVM_RUN returns
   * KVM_EXIT_INTR unless KVM_SET_SIGNAL_MASK blocks it.
   */
  kick(signo = 10): void {
    fdVcpu(this.fd)?.raiseSignal(signo);
  }

  private pioData(len: number): Uint8Array {
    if (this.lastPioView.length === len) return this.lastPioView;
    let v = this.dataViews.get(len);
    if (!v) {
      v = this.kvmRun.subarray(C.KVM_PIO_PAGE_OFFSET * 4096, C.KVM_PIO_PAGE_OFFSET * 4096 + len);
      this.dataViews.set(len, v);
    }
    this.lastPioView = v;
    return v;
  }

  private simpleExit(reason: string): KvmExit {
    let e = this.simple.get(reason);
    if (!e) {
      e = { reason } as KvmExit;
      this.simple.set(reason, e);
    }
    return e;
  }

  /**
   * KVM_RUN, decoded. EINTR comes back as { reason: "intr" }, and so does EAGAIN — an application
   * processor that waited for INIT was woken and the VMM is to call KVM_RUN again (QEMU's kvm_cpu_exec
   * treats both as EXCP_INTERRUPT); other errors throw KvmError.
   */
  runExit(): KvmExit {
    const r = this.ioctl(IOC.KVM_RUN, 0);
    if (r < 0) {
      if (-r === EAGAIN) return this.simpleExit("intr");
      if (-r !== EINTR) throw new KvmError("KVM_RUN", -r);
    }
    const run = this.run;
    const reason = run.u32(KVM_RUN_OFFSETS.exit_reason);
    switch (reason) {
      case C.KVM_EXIT_IO: {
        const o = KVM_RUN_EXIT_OFFSETS.io;
        const e = run.u8(o.direction) === C.KVM_EXIT_IO_IN ? this.ioIn : this.ioOut;
        e.port = run.u16(o.port);
        e.size = run.u8(o.size);
        e.count = run.u32(o.count);
        e.data = this.pioData(e.size * e.count);
        return e;
      }
      case C.KVM_EXIT_MMIO: {
        const o = KVM_RUN_EXIT_OFFSETS.mmio;
        const e = run.u8(o.is_write) ? this.mmioWrite : this.mmioRead;
        e.addr = run.u64(o.phys_addr);
        e.len = run.u32(o.len);
        return e;
      }
      case C.KVM_EXIT_HLT: return this.simpleExit("hlt");
      case C.KVM_EXIT_SHUTDOWN: return this.simpleExit("shutdown");
      case C.KVM_EXIT_INTR: return this.simpleExit("intr");
      case C.KVM_EXIT_IRQ_WINDOW_OPEN: return this.simpleExit("irq-window-open");
      case C.KVM_EXIT_DEBUG:
        return { reason: "debug", exception: run.u32(32), pc: run.u64(40), dr6: run.u64(48), dr7: run.u64(56) };
      case C.KVM_EXIT_EXCEPTION:
        return { reason: "exception", exception: run.u32(KVM_RUN_EXIT_OFFSETS.ex.exception), errorCode: run.u32(KVM_RUN_EXIT_OFFSETS.ex.error_code) };
      case C.KVM_EXIT_FAIL_ENTRY:
        return {
          reason: "fail-entry",
          hardwareEntryFailureReason: run.u64(KVM_RUN_EXIT_OFFSETS.fail_entry.hardware_entry_failure_reason),
          cpu: run.u32(KVM_RUN_EXIT_OFFSETS.fail_entry.cpu),
        };
      case C.KVM_EXIT_INTERNAL_ERROR: {
        const o = KVM_RUN_EXIT_OFFSETS.internal;
        const n = Math.min(run.u32(o.ndata), 16);
        return { reason: "internal-error", suberror: run.u32(o.suberror), data: Array.from({ length: n }, (_, i) => run.u64(o.data + i * 8)) };
      }
      case C.KVM_EXIT_SYSTEM_EVENT: {
        const o = KVM_RUN_EXIT_OFFSETS.system_event;
        const n = Math.min(run.u32(o.ndata), 16);
        return { reason: "system-event", type: run.u32(o.type), data: Array.from({ length: n }, (_, i) => run.u64(o.data + i * 8)) };
      }
      default:
        return { reason: "unknown", exitReason: reason };
    }
  }

  /** Alias of runExit (DESIGN.md's VcpuFd.run()). */
  run_(): KvmExit {
    return this.runExit();
  }

  getRegs(): KvmRegs {
    const b = structBuffer(KVM_REGS_SIZE);
    check("KVM_GET_REGS", this.ioctl(IOC.KVM_GET_REGS, b));
    return decodeRegs(b);
  }

  setRegs(regs: Partial<KvmRegs>): void {
    check("KVM_SET_REGS", this.ioctl(IOC.KVM_SET_REGS, encodeRegs(regs)));
  }

  getSregs(): KvmSregs {
    const b = structBuffer(KVM_SREGS_SIZE);
    check("KVM_GET_SREGS", this.ioctl(IOC.KVM_GET_SREGS, b));
    return decodeSregs(b);
  }

  setSregs(sregs: KvmSregs): void {
    check("KVM_SET_SREGS", this.ioctl(IOC.KVM_SET_SREGS, encodeSregs(sregs)));
  }

  setCpuid2(entries: readonly KvmCpuidEntry2[]): void {
    check("KVM_SET_CPUID2", this.ioctl(IOC.KVM_SET_CPUID2, encodeCpuid2(entries)));
  }

  getCpuid2(max = 80): KvmCpuidEntry2[] {
    const b = encodeCpuid2([], max);
    check("KVM_GET_CPUID2", this.ioctl(IOC.KVM_GET_CPUID2, b));
    return decodeCpuid2(b);
  }

  /** KVM_GET_MSRS for the given indices; returns [index, value] pairs for the ones read. */
  getMsrs(indices: readonly number[]): [number, number][] {
    const b = structBuffer(KVM_MSRS_HEADER_SIZE + indices.length * KVM_MSR_ENTRY_SIZE);
    const v = new StructView(b);
    v.setU32(0, indices.length);
    indices.forEach((ix, i) => v.setU32(KVM_MSRS_HEADER_SIZE + i * KVM_MSR_ENTRY_SIZE, ix));
    const n = check("KVM_GET_MSRS", this.ioctl(IOC.KVM_GET_MSRS, b));
    return indices.slice(0, n).map((ix, i) => [ix, v.u64(KVM_MSRS_HEADER_SIZE + i * KVM_MSR_ENTRY_SIZE + 8)]);
  }

  /** KVM_SET_MSRS; returns how many were written. */
  setMsrs(entries: readonly [number, number][]): number {
    const b = structBuffer(KVM_MSRS_HEADER_SIZE + entries.length * KVM_MSR_ENTRY_SIZE);
    const v = new StructView(b);
    v.setU32(0, entries.length);
    entries.forEach(([ix, val], i) => {
      v.setU32(KVM_MSRS_HEADER_SIZE + i * KVM_MSR_ENTRY_SIZE, ix);
      v.setU64(KVM_MSRS_HEADER_SIZE + i * KVM_MSR_ENTRY_SIZE + 8, val);
    });
    return check("KVM_SET_MSRS", this.ioctl(IOC.KVM_SET_MSRS, b));
  }

  /** KVM_GET_LAPIC: the 1 KiB local APIC register page. */
  getLapic(): Uint8Array {
    const b = structBuffer(A.KVM_LAPIC_STATE_SIZE);
    check("KVM_GET_LAPIC", this.ioctl(IOC.KVM_GET_LAPIC, b));
    return b;
  }

  setLapic(regs: Uint8Array): void {
    check("KVM_SET_LAPIC", this.ioctl(IOC.KVM_SET_LAPIC, regs));
  }

  getMpState(): number {
    const b = structBuffer(4);
    check("KVM_GET_MP_STATE", this.ioctl(IOC.KVM_GET_MP_STATE, b));
    return new StructView(b).u32(0);
  }

  setMpState(state: number): void {
    const b = structBuffer(4);
    new StructView(b).setU32(0, state);
    check("KVM_SET_MP_STATE", this.ioctl(IOC.KVM_SET_MP_STATE, b));
  }

  /** KVM_NMI. */
  nmi(): void {
    check("KVM_NMI", this.ioctl(IOC.KVM_NMI, 0));
  }

  /** KVM_GET_VCPU_EVENTS as raw struct kvm_vcpu_events bytes (offsets in KVM_VCPU_EVENTS_OFFSETS). */
  getVcpuEvents(): Uint8Array {
    const b = structBuffer(A.KVM_VCPU_EVENTS_SIZE);
    check("KVM_GET_VCPU_EVENTS", this.ioctl(IOC.KVM_GET_VCPU_EVENTS, b));
    return b;
  }

  setVcpuEvents(events: Uint8Array): void {
    check("KVM_SET_VCPU_EVENTS", this.ioctl(IOC.KVM_SET_VCPU_EVENTS, events));
  }

  getDebugRegs(): { db: number[]; dr6: number; dr7: number } {
    const b = structBuffer(A.KVM_DEBUGREGS_SIZE);
    check("KVM_GET_DEBUGREGS", this.ioctl(IOC.KVM_GET_DEBUGREGS, b));
    const v = new StructView(b);
    return { db: [0, 1, 2, 3].map((i) => v.u64(i * 8)), dr6: v.u64(32), dr7: v.u64(40) };
  }

  setDebugRegs(r: { db: number[]; dr6: number; dr7: number; flags?: number }): void {
    const b = structBuffer(A.KVM_DEBUGREGS_SIZE);
    const v = new StructView(b);
    r.db.forEach((d, i) => v.setU64(i * 8, d));
    v.setU64(32, r.dr6);
    v.setU64(40, r.dr7);
    v.setU32(48, r.flags ?? 0);
    check("KVM_SET_DEBUGREGS", this.ioctl(IOC.KVM_SET_DEBUGREGS, b));
  }

  /** KVM_SET_GUEST_DEBUG: control bits (KVM_GUESTDBG_*) and, with USE_HW_BP, DR0-DR3 and DR7 (index 7). */
  setGuestDebug(control: number, debugreg: readonly number[] = []): void {
    const b = structBuffer(A.KVM_GUEST_DEBUG_SIZE);
    const v = new StructView(b);
    v.setU32(0, control);
    debugreg.forEach((d, i) => v.setU64(8 + i * 8, d));
    check("KVM_SET_GUEST_DEBUG", this.ioctl(IOC.KVM_SET_GUEST_DEBUG, b));
  }

  /** KVM_GET_FPU as raw struct kvm_fpu bytes (offsets in KVM_FPU_OFFSETS). */
  getFpu(): Uint8Array {
    const b = structBuffer(A.KVM_FPU_SIZE);
    check("KVM_GET_FPU", this.ioctl(IOC.KVM_GET_FPU, b));
    return b;
  }

  setFpu(fpu: Uint8Array): void {
    check("KVM_SET_FPU", this.ioctl(IOC.KVM_SET_FPU, fpu));
  }

  /** KVM_SET_SIGNAL_MASK: the signals (numbers) blocked while in KVM_RUN; null restores the thread's mask. */
  setSignalMask(blocked: readonly number[] | null): void {
    if (blocked === null) {
      check("KVM_SET_SIGNAL_MASK", this.ioctl(IOC.KVM_SET_SIGNAL_MASK, 0));
      return;
    }
    const b = structBuffer(4 + A.KVM_SIGSET_SIZE);
    const v = new StructView(b);
    v.setU32(0, A.KVM_SIGSET_SIZE);
    let lo = 0;
    for (const s of blocked) lo |= 1 << (s - 1);
    v.setU32(4, lo);
    check("KVM_SET_SIGNAL_MASK", this.ioctl(IOC.KVM_SET_SIGNAL_MASK, b));
  }

  getTscKhz(): number {
    return check("KVM_GET_TSC_KHZ", this.ioctl(IOC.KVM_GET_TSC_KHZ, 0));
  }

  setTscKhz(khz: number): void {
    check("KVM_SET_TSC_KHZ", this.ioctl(IOC.KVM_SET_TSC_KHZ, khz));
  }

  /** This vCPU's kvm_stat counters. */
  stats(): KvmVcpuStats {
    const v = fdVcpu(this.fd);
    if (!v) throw new KvmError("stats", 9);
    return v.stats;
  }

  /** KVM_INTERRUPT: queue an external interrupt (user-space irqchip only). */
  interrupt(vector: number): void {
    const b = structBuffer(4);
    new StructView(b).setU32(0, vector);
    check("KVM_INTERRUPT", this.ioctl(IOC.KVM_INTERRUPT, b));
  }

  close(): void {
    closeFd(this.fd);
  }
}

export { KVM_CPUID2_HEADER_SIZE, KVM_CPUID_ENTRY2_SIZE };
