/**
 * The host the kvm module runs on: its physical memory, the host kernel's page allocator, the address
 * space of user processes (mmap), and its physical processors, each brought into VMX operation the way
 * kvm's hardware_enable does (CR4.VMXE, IA32_FEATURE_CONTROL, VMXON).
 *
 * Model choices: the host has one flat 32-bit physical address space (our processor reports 32-bit
 * physical addresses) and user virtual addresses equal physical addresses (hva == hpa), as if every
 * mapping were identity-mapped; a memslot's userspace_addr is therefore directly the host-physical
 * address EPT entries point at. Large mappings are their own RAM chunks (SharedArrayBuffers, so a
 * vCPU can run in another thread); small ones and kernel pages come from shared heaps.
 */
import {
  CR0_ET, CR0_NE, CR0_PE, CR0_PG, CR0_WP, CR4_PGE, CR4_PSE, CR4_VMXE, Cpu, FEATURE_CONTROL_LOCKED,
  FEATURE_CONTROL_VMXON_OUTSIDE_SMX, MSR_IA32_VMX_BASIC, PAGE_SIZE, PhysicalMemory, VMX_SUCCEED, readVmxCapabilityMsr,
  vmxon, type CpuHost,
} from "@virtkit/cpu";

/** A mapping in the host's user address space (what mmap returns). */
export interface HostMapping {
  /** The user virtual address (== host physical address in this model). */
  readonly addr: number;
  readonly length: number;
  /** The mapped bytes, shared with the kernel and the processors. */
  readonly bytes: Uint8Array;
}

const KERNEL_HEAP_BASE = 0x00100000;
const KERNEL_HEAP_SIZE = 32 << 20;
const USER_HEAP_BASE = 0x04000000;
const USER_HEAP_SIZE = 16 << 20;
const USER_MAP_BASE = 0x08000000;
/** Mappings at least this large get their own chunk (and 2 MiB alignment, so EPT can use large pages). */
const LARGE_MAPPING = 2 << 20;

/** The host TSC frequency in kHz: 1 GHz, one tick per instruction and per ns of the host clock. */
export const HOST_TSC_KHZ = 1_000_000;

/** The host's interrupt vector for its own timer (Linux x86 LOCAL_TIMER_VECTOR). */
export const LOCAL_TIMER_VECTOR = 0xec;

/** Segment selectors of the host kernel's GDT (as Linux's __KERNEL_CS / __KERNEL_DS / TSS). */
export const HOST_KERNEL_CS = 0x10;
export const HOST_KERNEL_DS = 0x18;
export const HOST_TSS = 0x20;

export class HostMachine {
  readonly mem = new PhysicalMemory();
  private readonly kernelHeap: Uint8Array;
  private kernelNext = 0;
  private readonly freeKernelPages: number[] = [];
  private readonly userHeap: Uint8Array;
  private userHeapNext = 0;
  private userMapNext = USER_MAP_BASE;
  private readonly mappings = new Map<number, HostMapping>();
  /**
   * Set when the kernel runs in its own thread (threads/kernel-server.ts): KVM_RUN then parks a vCPU that
   * would block, or that ran its slice while others wait, instead of blocking the kernel thread.
   */
  kernelThread: { shouldPreempt(vcpuFd: unknown): boolean } | null = null;
  /** Host processors brought up (one per vCPU: KVM pins each vCPU to its own processor here). */
  private readonly cpus = new Set<Cpu>();
  /** The same processors as an array, for the clock. */
  private cpuList: Cpu[] = [];
  /** Instructions retired by processors since taken down, and ns the host spent idle (time warps). */
  private retiredBase = 0;
  private idleNs = 0;
  /**
   * Real-time idling (setIdlePacing): while every vCPU waits, the host clock does not run ahead of real
   * time from this anchor (host ns and performance.now() ms at the first idle after pacing began; ns -1
   * until then). Null: idle time is a warp.
   */
  private pace: { ns: number; ms: number } | null = null;
  /** A cell to sleep on with Atomics.wait (nothing ever notifies it: the timeout is the sleep). */
  private readonly sleepCell = new Int32Array(new SharedArrayBuffer(4));
  /** idleUntil's default sleep: `ms` on the sleep cell. */
  private readonly sleepFor = (ms: number): void => {
    Atomics.wait(this.sleepCell, 0, 0, ms);
  };
  /** Host kernel structures shared by all host processors. */
  readonly pageDirectory: number;
  readonly gdt: number;
  readonly idt: number;
  readonly tss: number;

  constructor() {
    const k = new SharedArrayBuffer(KERNEL_HEAP_SIZE);
    this.mem.mapRam(KERNEL_HEAP_BASE, k);
    this.kernelHeap = new Uint8Array(k);
    const u = new SharedArrayBuffer(USER_HEAP_SIZE);
    this.mem.mapRam(USER_HEAP_BASE, u);
    this.userHeap = new Uint8Array(u);
    // Identity-mapped host page tables: 4 MiB PSE pages covering the whole 4 GiB, global, supervisor RW.
    this.pageDirectory = this.allocKernelPage();
    for (let i = 0; i < 1024; i++) this.mem.write32(this.pageDirectory + i * 4, (i << 22) | 0x183);
    this.gdt = this.allocKernelPage();
    this.idt = this.allocKernelPage();
    this.tss = this.allocKernelPage();
    // GDT: null, unused, kernel code 0x10 (flat 32-bit execute/read), kernel data 0x18, TSS 0x20 (busy 32-bit).
    this.mem.write32(this.gdt + 0x10, 0x0000ffff);
    this.mem.write32(this.gdt + 0x14, 0x00cf9b00);
    this.mem.write32(this.gdt + 0x18, 0x0000ffff);
    this.mem.write32(this.gdt + 0x1c, 0x00cf9300);
    this.mem.write32(this.gdt + 0x20, ((this.tss & 0xffff) << 16) | 0x67);
    this.mem.write32(this.gdt + 0x24, (this.tss & 0xff000000) | 0x8b00 | ((this.tss >>> 16) & 0xff));
  }

  /** Allocates one zeroed 4 KiB page of kernel memory; returns its physical address. */
  allocKernelPage(): number {
    const reuse = this.freeKernelPages.pop();
    if (reuse !== undefined) {
      this.kernelHeap.fill(0, reuse - KERNEL_HEAP_BASE, reuse - KERNEL_HEAP_BASE + PAGE_SIZE);
      return reuse;
    }
    if (this.kernelNext + PAGE_SIZE > KERNEL_HEAP_SIZE) throw new RangeError("host kernel heap exhausted");
    const addr = KERNEL_HEAP_BASE + this.kernelNext;
    this.kernelNext += PAGE_SIZE;
    return addr;
  }

  /** Allocates `count` physically contiguous zeroed pages (never from the free list, which is fragmented). */
  allocKernelPages(count: number): number {
    if (this.kernelNext + count * PAGE_SIZE > KERNEL_HEAP_SIZE) throw new RangeError("host kernel heap exhausted");
    const addr = KERNEL_HEAP_BASE + this.kernelNext;
    this.kernelNext += count * PAGE_SIZE;
    return addr;
  }

  freeKernelPage(addr: number): void {
    this.freeKernelPages.push(addr);
  }

  /** Kernel memory as bytes (for kvm_run pages mapped into user space). */
  kernelBytes(addr: number, length: number): Uint8Array {
    return this.kernelHeap.subarray(addr - KERNEL_HEAP_BASE, addr - KERNEL_HEAP_BASE + length);
  }

  /**
   * mmap(NULL, length, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0): zeroed memory in the user
   * address space. Returns null when the address space or memory is exhausted (ENOMEM).
   */
  mmap(length: number): HostMapping | null {
    if (!Number.isInteger(length) || length <= 0) return null;
    const size = Math.ceil(length / PAGE_SIZE) * PAGE_SIZE;
    if (size >= LARGE_MAPPING) {
      const base = Math.ceil(this.userMapNext / LARGE_MAPPING) * LARGE_MAPPING;
      if (base + size > 0xfff00000) return null;
      let buffer: SharedArrayBuffer;
      try {
        buffer = new SharedArrayBuffer(size);
      } catch {
        return null;
      }
      this.mem.mapRam(base, buffer);
      this.userMapNext = base + size;
      const m: HostMapping = { addr: base, length, bytes: new Uint8Array(buffer, 0, length) };
      this.mappings.set(base, m);
      return m;
    }
    if (this.userHeapNext + size > USER_HEAP_SIZE) return null;
    const addr = USER_HEAP_BASE + this.userHeapNext;
    this.userHeapNext += size;
    const m: HostMapping = { addr, length, bytes: this.userHeap.subarray(addr - USER_HEAP_BASE, addr - USER_HEAP_BASE + length) };
    this.mappings.set(addr, m);
    return m;
  }

  /** The shared buffers behind the kernel heap and the small-mapping user heap, with their physical bases. */
  sharedHeaps(): { kernel: SharedArrayBuffer; kernelBase: number; user: SharedArrayBuffer; userBase: number } {
    return {
      kernel: this.kernelHeap.buffer as SharedArrayBuffer, kernelBase: KERNEL_HEAP_BASE,
      user: this.userHeap.buffer as SharedArrayBuffer, userBase: USER_HEAP_BASE,
    };
  }

  /**
   * Maps memory another thread allocated (a SharedArrayBuffer) into the user address space, as mmap of a
   * shared file would: both threads then see the same bytes. Returns the mapping, or null without space.
   */
  mapShared(buffer: SharedArrayBuffer): HostMapping | null {
    const size = Math.ceil(buffer.byteLength / PAGE_SIZE) * PAGE_SIZE;
    if (size !== buffer.byteLength || size === 0) return null;
    const base = Math.ceil(this.userMapNext / LARGE_MAPPING) * LARGE_MAPPING;
    if (base + size > 0xfff00000) return null;
    this.mem.mapRam(base, buffer);
    this.userMapNext = base + size;
    const m: HostMapping = { addr: base, length: size, bytes: new Uint8Array(buffer) };
    this.mappings.set(base, m);
    return m;
  }

  /** True when [addr, addr+length) is inside user memory (for copy_from_user-style checks, EFAULT otherwise). */
  isUserRange(addr: number, length: number): boolean {
    if (!Number.isSafeInteger(addr) || !Number.isSafeInteger(length) || addr < 0 || length < 0) return false;
    if (addr >= USER_HEAP_BASE && addr + length <= USER_HEAP_BASE + this.userHeapNext) return true;
    for (let a = addr; a < addr + length; a += PAGE_SIZE) {
      if (a < USER_MAP_BASE || this.mem.ramFrame(a) === 0) return false;
    }
    return addr + length <= 2 ** 32 && (length === 0 || this.mem.ramFrame(addr + length - 1) !== 0);
  }

  /** A view of user memory (the caller has checked the range). */
  userBytes(addr: number, length: number): Uint8Array {
    const f = this.mem.ramFrame(addr);
    const chunk = this.mem.chunks[f - 1]!;
    const off = addr - chunk.base;
    return chunk.u8.subarray(off, off + length);
  }

  /**
   * The host clock in ns. The host's TSC runs at HOST_TSC_KHZ (1 GHz: one tick per ns) and its processors
   * share it, as synchronised TSCs do. Time advances with the instructions the host's processors execute
   * (one per ns) and, while every runnable vCPU waits, jumps to the next timer deadline — the host idles
   * until its next interrupt (as QEMU's icount does when all vCPUs sleep). Deterministic for a given run.
   */
  now(): number {
    let t = this.retiredBase + this.idleNs;
    // (An array walk: the clock is read several times per VM exit.)
    const list = this.cpuList;
    for (let i = 0; i < list.length; i++) t += list[i]!.instructionsRetired;
    return t;
  }

  /**
   * How the host idles while every vCPU waits for a timer. Off (the default, deterministic, as QEMU's
   * -icount sleep=off): the clock jumps to the deadline at once. On: the host really sleeps, so that its
   * clock never runs ahead of real time counted from now (a busy guest's clock lags real time, and idle
   * periods first catch up); a halted guest then costs no CPU and its clock keeps real time, as on a real
   * host where a halted vCPU thread sleeps in kvm_vcpu_block until its timer fires. Real time counts
   * from the first idle period, so the VMM's set-up and the guest's start are not owed to the clock.
   */
  setIdlePacing(on: boolean): void {
    this.pace = on ? { ns: -1, ms: 0 } : null;
  }

  get idlePacing(): boolean {
    return this.pace !== null;
  }

  /**
   * The host idles until `ns` on its clock (no-op when that is in the past). Returns the ns it idled. With
   * idle pacing it first sleeps (`sleep(ms)`, which may return early when something needs the host, e.g.
   * the kernel thread's doorbell) and then moves only as far as real time allows: maybe short of `ns`.
   */
  idleUntil(ns: number, sleep: (ms: number) => void = this.sleepFor): number {
    const now = this.now();
    if (ns <= now) return 0;
    let target = ns;
    const pace = this.pace;
    if (pace !== null) {
      if (pace.ns < 0) {
        pace.ns = now;
        pace.ms = performance.now();
      }
      const aheadMs = (ns - pace.ns) / 1e6 - (performance.now() - pace.ms);
      if (aheadMs > 0) {
        sleep(aheadMs);
        target = Math.min(ns, pace.ns + Math.floor((performance.now() - pace.ms) * 1e6));
        if (target <= now) return 0;
      }
    }
    this.idleNs += target - now;
    return target - now;
  }

  /** Takes a processor down (vCPU destruction); its executed instructions stay part of the clock. */
  takeDownCpu(cpu: Cpu): void {
    if (this.cpus.delete(cpu)) {
      this.retiredBase += cpu.instructionsRetired;
      this.cpuList = [...this.cpus];
    }
  }

  /**
   * Brings up a physical processor in host mode: flat protected mode with identity paging, then VMX
   * operation (hardware_enable): CR4.VMXE, IA32_FEATURE_CONTROL locked with VMXON allowed, VMXON.
   */
  bringUpCpu(host: CpuHost): Cpu {
    const cpu = new Cpu(this.mem, host);
    cpu.syncChunks();
    this.cpus.add(cpu);
    this.cpuList = [...this.cpus];
    // The TSC is the shared host clock (the processor's own instruction count is part of it).
    cpu.tscSource = () => this.now();
    cpu.gdtrBase = this.gdt;
    cpu.gdtrLimit = 0x27;
    cpu.idtrBase = this.idt;
    cpu.idtrLimit = 0x7ff;
    cpu.cr3 = this.pageDirectory;
    cpu.cr4 = CR4_PSE | CR4_PGE;
    cpu.cr0 = CR0_PE | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
    const flat = (s: number, sel: number, ar: number): void => {
      cpu.segSel[s] = sel;
      cpu.segBase[s] = 0;
      cpu.segLimit[s] = -1;
      cpu.segAr[s] = ar;
    };
    flat(1, HOST_KERNEL_CS, 0xc09b);
    for (const s of [0, 2, 3, 4, 5]) flat(s, HOST_KERNEL_DS, 0xc093);
    cpu.segSel[7] = HOST_TSS;
    cpu.segBase[7] = this.tss;
    cpu.segLimit[7] = 0x67;
    cpu.segAr[7] = 0x8b;
    cpu.onModeChange();
    cpu.featureControl = FEATURE_CONTROL_LOCKED | FEATURE_CONTROL_VMXON_OUTSIDE_SMX;
    cpu.cr4 |= CR4_VMXE;
    const region = this.allocKernelPage();
    this.mem.write32(region, readVmxCapabilityMsr(MSR_IA32_VMX_BASIC)![0]);
    if (vmxon(cpu, region) !== VMX_SUCCEED) throw new Error("VMXON failed on a host processor");
    return cpu;
  }
}

let defaultHost: HostMachine | null = null;
/** The host this process runs on (created on first use). */
export function hostMachine(): HostMachine {
  defaultHost ??= new HostMachine();
  return defaultHost;
}

/** mmap on the default host (see HostMachine.mmap); throws ENOMEM-style errors for the typed API. */
export function mmap(length: number): HostMapping {
  const m = hostMachine().mmap(length);
  if (m === null) throw new RangeError(`mmap of ${length} bytes failed: Cannot allocate memory`);
  return m;
}
