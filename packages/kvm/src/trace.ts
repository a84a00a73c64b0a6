/**
 * Trace points and statistics, modelled on the kernel's kvm tracepoints (include/trace/events/kvm.h,
 * arch/x86/kvm/trace.h: kvm_entry, kvm_exit, kvm_pio, kvm_mmio, kvm_userspace_exit, kvm_page_fault, ...)
 * plus the syscall tracepoints around ioctl, and the per-vCPU counters kvm_stat shows.
 * A trace point costs one boolean test when nobody listens.
 */
export interface KvmTraceEvents {
  /** syscalls:sys_enter_ioctl — user mode enters the kernel. */
  sys_enter_ioctl: { fd: number; kind: "sys" | "vm" | "vcpu"; cmd: number; name: string };
  /** syscalls:sys_exit_ioctl — back to user mode with the return value (negative errno). */
  sys_exit_ioctl: { fd: number; kind: "sys" | "vm" | "vcpu"; cmd: number; name: string; ret: number };
  /** kvm:kvm_entry — the kernel executes VMLAUNCH/VMRESUME. */
  kvm_entry: { vcpu_id: number; rip: number; instruction: "VMLAUNCH" | "VMRESUME" };
  /** kvm:kvm_exit — a VM exit, with the exit reason word and its qualification. */
  kvm_exit: { vcpu_id: number; reason: number; name: string; failed_entry: boolean; rip: number; info1: number; info2: number; intr_info: number; error_code: number };
  /** The exit handler that ran and whether it re-enters the guest or returns to user space. */
  kvm_exit_handler: { vcpu_id: number; handler: string; result: "re-enter" | "exit-to-user" };
  /** kvm:kvm_pio — a port access handed to user space (or an in-kernel device). */
  kvm_pio: { vcpu_id: number; rw: "read" | "write"; port: number; size: number; count: number; val: number };
  /** kvm:kvm_mmio */
  kvm_mmio: { vcpu_id: number; type: "read" | "write" | "unsatisfied-read"; len: number; gpa: number; val: number };
  /** kvm:kvm_userspace_exit — KVM_RUN returns to user space with this exit reason. */
  kvm_userspace_exit: { vcpu_id: number; reason: number; name: string; errno: number };
  /** kvm:kvm_page_fault — an EPT violation handled by the MMU. */
  kvm_page_fault: { vcpu_id: number; gpa: number; qualification: number; result: "mapped" | "mmio" | "readonly" };
  kvm_cpuid: { vcpu_id: number; function: number; index: number; rax: number; rbx: number; rcx: number; rdx: number };
  kvm_msr: { vcpu_id: number; write: boolean; index: number; data: number; exception: boolean };
  kvm_inj_virq: { vcpu_id: number; irq: number };
  kvm_inj_exception: { vcpu_id: number; exception: number; has_error: boolean; error_code: number };
  /** kvm:kvm_inj_nmi — an NMI goes into the guest at VM entry. */
  kvm_inj_nmi: { vcpu_id: number };
  /** kvm:kvm_set_irq — a GSI line changes level (KVM_IRQ_LINE, irqfd, the PIT). */
  kvm_set_irq: { gsi: number; level: number; irq_source_id: number };
  /** kvm:kvm_msi_set_irq — an MSI message (KVM_SIGNAL_MSI or an MSI route). */
  kvm_msi_set_irq: { address: number; data: number };
  /** kvm:kvm_apic_accept_irq — a local APIC receives an interrupt message. */
  kvm_apic_accept_irq: { apicid: number; dm: number; tm: number; vec: number; coalesced: boolean };
  /** kvm:kvm_apic_ipi — a guest writes its ICR. */
  kvm_apic_ipi: { vcpu_id: number; icr_low: number; dest_id: number };
  /** kvm:kvm_eoi — the guest ends an interrupt at its local APIC. */
  kvm_eoi: { vcpu_id: number; vector: number; level: boolean };
  /** kvm:kvm_ack_irq — an interrupt controller pin was acknowledged. */
  kvm_ack_irq: { irqchip: number; pin: number };
  /** kvm:kvm_apic_timer — the local APIC timer fired (kvm_timer_expired-style). */
  kvm_apic_timer: { vcpu_id: number; vector: number; mode: "oneshot" | "periodic" | "tscdeadline" };
  /** kvm:kvm_pit_irq — the PIT's counter 0 raised IRQ 0. */
  kvm_pit_irq: { pending: number };
  /** kvm:kvm_vcpu_wakeup — a halted or waiting vCPU became runnable (or the wait ended). */
  kvm_vcpu_wakeup: { vcpu_id: number; waited_ns: number; valid: boolean };
  /** kvm:kvm_mp_state — a vCPU changed its multiprocessing state (INIT, SIPI, HLT). */
  kvm_mp_state: { vcpu_id: number; from: number; to: number };
  /** kvm:kvm_ioeventfd — a guest write matched an ioeventfd and signalled it. */
  kvm_ioeventfd: { addr: number; len: number; pio: boolean };
  /** kvm:kvm_irqfd — an irqfd was signalled and injected its GSI. */
  kvm_irqfd: { gsi: number };
}
export type KvmTraceName = keyof KvmTraceEvents;

type Listener<K extends KvmTraceName> = (event: KvmTraceEvents[K]) => void;

export class KvmTracer {
  /** Per trace point: is anybody listening? Hot paths test this before building an event. */
  readonly enabled: Record<KvmTraceName, boolean> = {
    sys_enter_ioctl: false, sys_exit_ioctl: false, kvm_entry: false, kvm_exit: false, kvm_exit_handler: false,
    kvm_pio: false, kvm_mmio: false, kvm_userspace_exit: false, kvm_page_fault: false, kvm_cpuid: false,
    kvm_msr: false, kvm_inj_virq: false, kvm_inj_exception: false, kvm_inj_nmi: false, kvm_set_irq: false,
    kvm_msi_set_irq: false, kvm_apic_accept_irq: false, kvm_apic_ipi: false, kvm_eoi: false, kvm_ack_irq: false,
    kvm_apic_timer: false, kvm_pit_irq: false, kvm_vcpu_wakeup: false, kvm_mp_state: false, kvm_ioeventfd: false,
    kvm_irqfd: false,
  };
  private readonly listeners = new Map<KvmTraceName, Set<(e: never) => void>>();

  /** Subscribes to a trace point; returns the unsubscribe function. */
  on<K extends KvmTraceName>(name: K, fn: Listener<K>): () => void {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(fn);
    this.enabled[name] = true;
    return () => {
      set.delete(fn);
      this.enabled[name] = set.size > 0;
    };
  }

  /** Subscribes to every trace point. */
  onAll(fn: <K extends KvmTraceName>(name: K, event: KvmTraceEvents[K]) => void): () => void {
    const offs = (Object.keys(this.enabled) as KvmTraceName[]).map((n) => this.on(n, (e) => fn(n, e)));
    return () => {
      for (const off of offs) off();
    };
  }

  emit<K extends KvmTraceName>(name: K, event: KvmTraceEvents[K]): void {
    const set = this.listeners.get(name);
    if (!set) return;
    for (const fn of set) (fn as Listener<K>)(event);
  }
}

/** The kernel's trace buffer: one per host, like /sys/kernel/tracing. */
export const kvmTrace = new KvmTracer();

/** Per-vCPU statistics with the names kvm_stat / debugfs use (struct kvm_vcpu_stat). */
export class KvmVcpuStats {
  exits = 0;
  io_exits = 0;
  mmio_exits = 0;
  halt_exits = 0;
  signal_exits = 0;
  irq_exits = 0;
  irq_window_exits = 0;
  nmi_window_exits = 0;
  request_irq_exits = 0;
  insn_emulation = 0;
  insn_emulation_fail = 0;
  hypercalls = 0;
  irq_injections = 0;
  nmi_injections = 0;
  exception_injections = 0;
  pf_fixed = 0;
  halt_wakeup = 0;
  /** Host ns spent blocked in HLT / waiting for SIPI (halt_wait_ns). */
  halt_wait_ns = 0;
  preemption_timer_exits = 0;
  apic_timer_fired = 0;
  /** Guest-debug exits (KVM_EXIT_DEBUG). */
  debug_exits = 0;
  /** Exits per basic exit reason (what `perf kvm stat` reports). */
  readonly by_reason = new ExitReasonCounts();
}

/**
 * Counts per basic exit reason, read like a Map (get, entries). The processor reports basic reasons below
 * 128 (SDM vol. 3D appendix C lists them up to 78): those are one array slot each, counted on every exit
 * without a Map update; any other number goes to a Map.
 */
export class ExitReasonCounts {
  private readonly counts = new Float64Array(128);
  private readonly other = new Map<number, number>();

  increment(reason: number): void {
    if (reason >= 0 && reason < 128) this.counts[reason]! += 1;
    else this.other.set(reason, (this.other.get(reason) ?? 0) + 1);
  }

  /** The count for `reason`, or undefined when there was none (as Map.get). */
  get(reason: number): number | undefined {
    const n = reason >= 0 && reason < 128 ? this.counts[reason]! : (this.other.get(reason) ?? 0);
    return n === 0 ? undefined : n;
  }

  /** [reason, count] for every reason seen, in increasing order of reason. */
  entries(): [number, number][] {
    const out: [number, number][] = [];
    this.counts.forEach((n, r) => {
      if (n !== 0) out.push([r, n]);
    });
    for (const e of [...this.other].sort((a, b) => a[0] - b[0])) out.push(e);
    return out;
  }
}

/** Per-VM statistics (struct kvm_vm_stat and the sums kvm_stat shows), read with VmFd.stats(). */
export class KvmVmStats {
  remote_tlb_flush = 0;
  mmu_pte_write = 0;
  mmu_pages_created = 0;
  memslot_changes = 0;
  irq_lines = 0;
  msi_signals = 0;
  irqfd_injections = 0;
  ioeventfd_signals = 0;
  pit_irqs = 0;
}
