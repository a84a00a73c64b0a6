/**
 * The VMX vendor module (arch/x86/kvm/vmx/vmx.c): per-vCPU VMCS setup from the capability MSRs,
 * guest-state access through VMREAD/VMWRITE, VM entry with VMLAUNCH then VMRESUME, and the exit
 * handlers (exit-handlers.ts) by basic exit reason.
 */
import {
  AR_UNUSABLE, CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, CPU_BASED_HLT_EXITING, CPU_BASED_INTR_WINDOW_EXITING,
  CPU_BASED_MONITOR_EXITING, CPU_BASED_MOV_DR_EXITING, CPU_BASED_MWAIT_EXITING, CPU_BASED_RDPMC_EXITING,
  CPU_BASED_UNCOND_IO_EXITING, CPU_BASED_USE_MSR_BITMAPS, CPU_BASED_USE_TSC_OFFSETTING, CR0_ET, CR0_NE, CR0_PE, CR0_PG,
  CR0_TS, CR0_WP, CR4_DE, CR4_OSFXSR, CR4_OSXMMEXCPT, CR4_PAE, CR4_PCE, CR4_PGE, CR4_PVI, CR4_VMXE, Cpu, FLAG_IF,
  INTR_INFO_DELIVER_CODE_MASK, INTR_INFO_VALID_MASK, INTR_TYPE_EXT_INTR, INTR_TYPE_HARD_EXCEPTION,
  INTR_TYPE_SOFT_EXCEPTION, MSR_IA32_VMX_BASIC, MSR_IA32_VMX_PROCBASED_CTLS2, MSR_IA32_VMX_TRUE_ENTRY_CTLS,
  MSR_IA32_VMX_TRUE_EXIT_CTLS, MSR_IA32_VMX_TRUE_PINBASED_CTLS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS, PIN_BASED_EXT_INTR_MASK,
  PIN_BASED_NMI_EXITING, PIN_BASED_VIRTUAL_NMIS, SECONDARY_EXEC_ENABLE_EPT, SECONDARY_EXEC_ENABLE_VPID,
  SECONDARY_EXEC_UNRESTRICTED_GUEST, SECONDARY_EXEC_WBINVD_EXITING, VMX_FAIL_INVALID, VMX_FAIL_VALID,
  VMX_INTERNAL_ERROR, VMX_SUCCEED, VM_ENTRY_LOAD_IA32_EFER, VM_ENTRY_LOAD_IA32_PAT, VM_EXIT_ACK_INTR_ON_EXIT,
  VM_EXIT_LOAD_IA32_EFER, VM_EXIT_LOAD_IA32_PAT, VM_EXIT_SAVE_IA32_EFER, VM_EXIT_SAVE_IA32_PAT, invept, readMsr,
  vmclear, vmcsFields as F, vmlaunch, vmxoff, vmptrld, vmread, vmreadValue, vmwrite, EXC_MC, EXC_UD, FLAG_FIXED1,
  VMX_EXIT_REASONS_FAILED_VMENTRY, EXIT_REASON_EXCEPTION_NMI, EXIT_REASON_EPT_VIOLATION, EXIT_REASON_TASK_SWITCH,
  CPU_BASED_NMI_WINDOW_EXITING, CPU_BASED_MONITOR_TRAP_FLAG, PIN_BASED_VMX_PREEMPTION_TIMER, INTR_TYPE_NMI_INTR,
  VM_ENTRY_LOAD_DEBUG_CONTROLS, VM_EXIT_SAVE_DEBUG_CONTROLS, PREEMPTION_TIMER_SCALE, EXIT_REASON_IO_INSTRUCTION, IO_QUAL_STRING,
} from "@virtkit/cpu";
import type { KvmVcpu } from "../vcpu.js";
import { EXIT_TO_USER } from "../vcpu.js";
import { HOST_KERNEL_CS, HOST_KERNEL_DS, HOST_TSS, LOCAL_TIMER_VECTOR } from "../host/host-machine.js";
import { KVM_EXIT_FAIL_ENTRY, KVM_EXIT_INTERNAL_ERROR, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON } from "../uapi/constants.js";
import { KVM_RUN_EXIT_OFFSETS, type KvmSegment } from "../uapi/structs.js";
import { kvmTrace } from "../trace.js";
import { EXIT_HANDLERS, EXIT_LEAVES_GUEST_MEMORY, exitHandlerName } from "./exit-handlers.js";

/**
 * The address of the vmx_vmexit label in the host kernel image, where VM exits resume (HOST_RIP).
 * The host kernel runs no x86 code in this model, so this is only the value the processor loads.
 */
export const VMX_VMEXIT_RIP = 0xc0100000 | 0;

/** CR0/CR4 bits the guest may own (KVM_POSSIBLE_CR0_GUEST_BITS, KVM_POSSIBLE_CR4_GUEST_BITS). */
const CR0_GUEST_OWNED = CR0_TS | CR0_WP;
const CR4_GUEST_OWNED = CR4_PVI | CR4_DE | CR4_PCE | CR4_OSFXSR | CR4_OSXMMEXCPT | CR4_PGE;
/** Forced on in the hardware CR0/CR4 of an unrestricted guest (KVM_VM_CR0_ALWAYS_ON_UNRESTRICTED_GUEST, ...CR4...). */
const CR0_ALWAYS_ON = CR0_NE;
const CR4_ALWAYS_ON = CR4_VMXE;

/**
 * VMCS components loadEmulator keeps a copy of (indexed by encoding): the guest's segments, descriptor tables,
 * control registers with their read shadows, and PDPTEs. A VMWRITE to one of them makes it read them again.
 */
const EMULATOR_STATE = new Uint8Array(0x8000);
for (const f of [
  ...F.GUEST_SEG_SELECTOR, ...F.GUEST_SEG_BASE, ...F.GUEST_SEG_LIMIT, ...F.GUEST_SEG_AR, F.GUEST_GDTR_BASE, F.GUEST_GDTR_LIMIT,
  F.GUEST_IDTR_BASE, F.GUEST_IDTR_LIMIT, F.GUEST_CR0, F.CR0_READ_SHADOW, F.GUEST_CR3, F.GUEST_CR4, F.CR4_READ_SHADOW,
  F.GUEST_PDPTR0, F.GUEST_PDPTR1, F.GUEST_PDPTR2, F.GUEST_PDPTR3,
]) {
  EMULATOR_STATE[f] = 1;
  EMULATOR_STATE[f + 1] = 1;
}

/** adjust_vmx_controls: required bits from the low dword, allowed bits from the high dword. */
function adjustControls(cpu: Cpu, min: number, opt: number, msr: number): number {
  const [low, high] = readMsr(cpu, msr)!;
  let ctl = (min | opt) & high;
  ctl |= low;
  if ((ctl & min) !== min) throw new Error(`VMX capability MSR 0x${msr.toString(16)} lacks required controls`);
  return ctl | 0;
}

/** Per-vCPU VMX state (struct vcpu_vmx). */
export class VmxVcpu {
  /** The physical processor this vCPU runs on (pinned). */
  readonly cpu: Cpu;
  readonly vmcs: number;
  readonly msrBitmap: number;
  launched = false;
  /** Set when the last VMLAUNCH/VMRESUME failed (VMfailValid/VMfailInvalid). */
  fail = false;
  /** The full exit-reason word of the last exit. */
  exitReason = 0;
  /**
   * The last exit was handled in the kernel, the guest resumes, and the handler wrote no guest memory
   * (EXIT_LEAVES_GUEST_MEMORY): re-entering within the same KVM_RUN may keep the processor's code epoch.
   */
  exitLeftGuestMemory = false;
  private flushedGeneration = 0;
  readonly vpid: number;
  private procControls = 0;
  private pinControls = 0;
  /** Window and trap requests OR-ed into the primary controls at the next entry. */
  private irqWindow = false;
  private nmiWindow = false;
  /** KVM_GUESTDBG_SINGLESTEP through the monitor trap flag. */
  monitorTrap = false;
  /** Exceptions intercepted beyond #UD and #MC (guest debugging: #DB, #BP). */
  extraExceptions = 0;
  /** Host ns deadline the VMX-preemption timer is programmed for at the next entry, or -1 (the hv timer). */
  timerDeadline = -1;
  /** The segment fields loadEmulator gave the emulator (selector, base, limit, AR per segment), for storeEmulator. */
  private readonly emulatorSegs = new Int32Array(32);
  /** GDTR base/limit, IDTR base/limit, CR0, CR3, CR4 (as the guest sees them) and the PDPTEs, as loadEmulator last read them. */
  private readonly emulatorSys = new Int32Array(15);
  /**
   * Counts the changes that may have reached the VMCS guest components loadEmulator reads besides RSP, RIP
   * and RFLAGS: a VMWRITE to one of them, or a VM exit that saved the whole guest state (an exit that
   * deferred the state switch stored only RSP, RIP, RFLAGS and the non-register state). While it equals
   * emulatorVersion, emulatorSegs/emulatorSys still hold what VMREAD would return.
   */
  private guestVersion = 0;
  private emulatorVersion = -1;
  private ripCache = 0;
  private ripCached = false;
  private rflagsCache = 0;
  private rflagsCached = false;
  /** Shadows of what the VMCS holds (the kernel's controls_shadow): entry writes only what changed. */
  private pinWritten = 0;
  private procWritten = 0;
  private tscOffsetWritten = 0;
  /** The guest's debug registers (the VM keeps them per vCPU; the array never changes). */
  private readonly guestDregs: Int32Array;
  /** The guest's DR6 when it was entered (a #DB taken by the debugger leaves the guest's DR6 as it was). */
  dr6AtEntry = 0;
  /** The kernel stack page VM exits land on (HOST_RSP). */
  private readonly hostStack: number;

  constructor(readonly vcpu: KvmVcpu, vpid: number) {
    const host = vcpu.vm.host;
    this.vpid = vpid;
    this.cpu = host.bringUpCpu({
      ioRead: () => 0xffffffff,
      ioWrite: () => undefined,
      // The host's own interrupt controller: the only interrupt is its timer.
      acknowledgeInterrupt: () => LOCAL_TIMER_VECTOR,
    });
    this.vmcs = host.allocKernelPage();
    host.mem.write32(this.vmcs, readMsr(this.cpu, MSR_IA32_VMX_BASIC)![0] & 0x7fffffff);
    this.msrBitmap = host.allocKernelPage();
    this.hostStack = host.allocKernelPage();
    this.guestDregs = vcpu.vm.debugRegs(vcpu);
    // The kernel runs no x86 code between an exit and the next entry and sees the processor only through
    // VMREAD/VMWRITE: exits may leave the guest's segments, control registers and MSRs in the processor.
    this.cpu.vmx!.deferStateSwitch = true;
    // For the same reason the guest's GPRs need not be swapped with the host's around each entry
    // (__vmx_vcpu_run): the processor's register file is the vCPU's register array.
    this.cpu.reg.set(vcpu.regs);
    vcpu.regs = this.cpu.reg;
    this.check(vmclear(this.cpu, this.vmcs), "VMCLEAR");
    this.check(vmptrld(this.cpu, this.vmcs), "VMPTRLD");
    this.setupVmcs();
    this.reset();
  }

  private check(r: number, what: string): void {
    if (r !== VMX_SUCCEED) throw new Error(`${what} failed on vCPU ${this.vcpu.id} (outcome ${r})`);
  }

  // ------------------------------------------------------------------ VMCS access (vmcs_read*/vmcs_write*)

  read(field: number): number {
    if (vmread(this.cpu, field) !== VMX_SUCCEED) throw new Error(`vmread error: field 0x${field.toString(16)}`);
    return vmreadValue;
  }

  write(field: number, value: number): void {
    if (vmwrite(this.cpu, field, value) !== VMX_SUCCEED) throw new Error(`vmwrite error: field 0x${field.toString(16)}`);
    // The register cache holds what the VMCS holds: a write through here drops the cached copy.
    if (field === F.GUEST_RIP) this.ripCached = false;
    else if (field === F.GUEST_RFLAGS) this.rflagsCached = false;
    else if (EMULATOR_STATE[field & 0x7fff] === 1) this.guestVersion++;
  }

  /** 64-bit field on a 32-bit host: full then high, as vmcs_write64 does without CONFIG_X86_64. */
  write64(field: number, value: number): void {
    this.write(field, value >>> 0);
    this.write(field + 1, Math.floor(value / 0x100000000) >>> 0);
  }

  read64(field: number): number {
    return this.read(field + 1) * 0x100000000 + this.read(field);
  }

  // ------------------------------------------------------------------ setup (init_vmcs, vmx_vcpu_reset)

  private setupVmcs(): void {
    const cpu = this.cpu;
    const vm = this.vcpu.vm;
    const pin = adjustControls(cpu, PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING, PIN_BASED_VIRTUAL_NMIS, MSR_IA32_VMX_TRUE_PINBASED_CTLS);
    // With EPT, CR3 accesses and INVLPG need no exits (the guest owns its page tables).
    const proc = adjustControls(cpu,
      CPU_BASED_HLT_EXITING | CPU_BASED_UNCOND_IO_EXITING | CPU_BASED_MOV_DR_EXITING | CPU_BASED_USE_TSC_OFFSETTING |
        CPU_BASED_MWAIT_EXITING | CPU_BASED_MONITOR_EXITING | CPU_BASED_RDPMC_EXITING | CPU_BASED_ACTIVATE_SECONDARY_CONTROLS,
      CPU_BASED_USE_MSR_BITMAPS, MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
    const proc2 = adjustControls(cpu,
      SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_UNRESTRICTED_GUEST,
      SECONDARY_EXEC_ENABLE_VPID | SECONDARY_EXEC_WBINVD_EXITING, MSR_IA32_VMX_PROCBASED_CTLS2);
    const exitCtls = adjustControls(cpu, VM_EXIT_ACK_INTR_ON_EXIT | VM_EXIT_SAVE_DEBUG_CONTROLS,
      VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT | VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER, MSR_IA32_VMX_TRUE_EXIT_CTLS);
    const entryCtls = adjustControls(cpu, VM_ENTRY_LOAD_DEBUG_CONTROLS, VM_ENTRY_LOAD_IA32_PAT | VM_ENTRY_LOAD_IA32_EFER, MSR_IA32_VMX_TRUE_ENTRY_CTLS);
    this.procControls = proc & ~(1 << 15 | 1 << 16 | 1 << 9);
    this.pinControls = pin;
    this.write(F.PIN_BASED_VM_EXEC_CONTROL, pin);
    this.pinWritten = pin;
    this.write(F.CPU_BASED_VM_EXEC_CONTROL, this.procControls);
    this.procWritten = this.procControls;
    this.write(F.SECONDARY_VM_EXEC_CONTROL, proc2);
    this.write(F.VM_EXIT_CONTROLS, exitCtls);
    this.write(F.VM_ENTRY_CONTROLS, entryCtls);
    if (proc2 & SECONDARY_EXEC_ENABLE_VPID) this.write(F.VIRTUAL_PROCESSOR_ID, this.vpid);
    this.write64(F.EPT_POINTER, vm.mmu.eptp);
    // Intercept every MSR except the SYSENTER ones, which the VMCS switches on entry and exit.
    const mem = vm.host.mem;
    for (let i = 0; i < 4096; i += 4) mem.write32(this.msrBitmap + i, -1);
    for (const base of [0, 0x800]) mem.write8(this.msrBitmap + base + (0x174 >>> 3), mem.read8(this.msrBitmap + base + (0x174 >>> 3)) & ~(0x70));
    this.write64(F.MSR_BITMAP, this.msrBitmap);
    this.updateExceptionBitmap();
    this.write(F.PAGE_FAULT_ERROR_CODE_MASK, 0);
    this.write(F.PAGE_FAULT_ERROR_CODE_MATCH, 0);
    this.write(F.CR3_TARGET_COUNT, 0);
    this.write(F.VM_EXIT_MSR_STORE_COUNT, 0);
    this.write(F.VM_EXIT_MSR_LOAD_COUNT, 0);
    this.write(F.VM_ENTRY_MSR_LOAD_COUNT, 0);
    this.write(F.VM_ENTRY_INTR_INFO_FIELD, 0);
    this.write64(F.TSC_OFFSET, 0);
    this.tscOffsetWritten = 0;
    this.write(F.CR0_GUEST_HOST_MASK, ~CR0_GUEST_OWNED);
    this.write(F.CR4_GUEST_HOST_MASK, ~CR4_GUEST_OWNED);
    this.write(F.VMCS_LINK_POINTER, -1);
    this.write(F.VMCS_LINK_POINTER + 1, -1);
    // Host state (vmx_set_constant_host_state).
    this.write(F.HOST_CR0, cpu.cr0);
    this.write(F.HOST_CR3, cpu.cr3);
    this.write(F.HOST_CR4, cpu.cr4);
    this.write(F.HOST_CS_SELECTOR, HOST_KERNEL_CS);
    for (const f of [F.HOST_DS_SELECTOR, F.HOST_ES_SELECTOR, F.HOST_SS_SELECTOR, F.HOST_FS_SELECTOR]) this.write(f, HOST_KERNEL_DS);
    this.write(F.HOST_GS_SELECTOR, 0);
    this.write(F.HOST_TR_SELECTOR, HOST_TSS);
    this.write(F.HOST_TR_BASE, vm.host.tss);
    this.write(F.HOST_GDTR_BASE, vm.host.gdt);
    this.write(F.HOST_IDTR_BASE, vm.host.idt);
    this.write(F.HOST_FS_BASE, 0);
    this.write(F.HOST_GS_BASE, 0);
    this.write(F.HOST_IA32_SYSENTER_CS, cpu.sysenterCs);
    this.write(F.HOST_IA32_SYSENTER_ESP, cpu.sysenterEsp);
    this.write(F.HOST_IA32_SYSENTER_EIP, cpu.sysenterEip);
    this.write64(F.HOST_IA32_PAT, cpu.pat[1]! * 0x100000000 + (cpu.pat[0]! >>> 0));
    this.write64(F.HOST_IA32_EFER, 0);
    this.write(F.HOST_RIP, VMX_VMEXIT_RIP);
    this.write(F.HOST_RSP, this.hostStack + 4096);
  }

  /** The architectural RESET state (vmx_vcpu_reset + kvm_vcpu_reset). */
  reset(): void {
    const seg = (s: number, sel: number, base: number, limit: number, ar: number): void => {
      this.write(F.GUEST_SEG_SELECTOR[s]!, sel);
      this.write(F.GUEST_SEG_BASE[s]!, base);
      this.write(F.GUEST_SEG_LIMIT[s]!, limit);
      this.write(F.GUEST_SEG_AR[s]!, ar);
    };
    seg(1, 0xf000, 0xffff0000 | 0, 0xffff, 0x9b);
    for (const s of [0, 2, 3, 4, 5]) seg(s, 0, 0, 0xffff, 0x93);
    seg(6, 0, 0, 0xffff, 0x82);
    seg(7, 0, 0, 0xffff, 0x8b);
    this.write(F.GUEST_GDTR_BASE, 0);
    this.write(F.GUEST_GDTR_LIMIT, 0xffff);
    this.write(F.GUEST_IDTR_BASE, 0);
    this.write(F.GUEST_IDTR_LIMIT, 0xffff);
    this.write(F.GUEST_RIP, 0xfff0);
    this.write(F.GUEST_RSP, 0);
    this.write(F.GUEST_RFLAGS, FLAG_FIXED1);
    this.write(F.GUEST_ACTIVITY_STATE, 0);
    this.write(F.GUEST_INTERRUPTIBILITY_INFO, 0);
    this.write(F.GUEST_PENDING_DBG_EXCEPTIONS, 0);
    this.write(F.GUEST_DR7, 0x400);
    this.write(F.GUEST_SYSENTER_CS, 0);
    this.write(F.GUEST_SYSENTER_ESP, 0);
    this.write(F.GUEST_SYSENTER_EIP, 0);
    this.write64(F.GUEST_IA32_PAT, 0x0007040600070406);
    this.write64(F.GUEST_IA32_EFER, 0);
    this.write(F.GUEST_CR3, 0);
    this.setCr0(0x60000010);
    this.setCr4(0);
    this.vcpu.regs.fill(0);
    // RDX holds the processor signature after RESET (family 6: 0x600, as KVM reports).
    this.vcpu.regs[2] = 0x600;
  }

  /** vmx_vcpu_free: VMCLEAR, leave VMX operation on the vCPU's processor, give the pages back. */
  free(): void {
    const host = this.vcpu.vm.host;
    vmclear(this.cpu, this.vmcs);
    const vmxon = this.cpu.vmx?.vmxonPointer;
    vmxoff(this.cpu);
    host.takeDownCpu(this.cpu);
    for (const p of [this.vmcs, this.msrBitmap, this.hostStack]) host.freeKernelPage(p);
    if (vmxon !== undefined) host.freeKernelPage(vmxon);
  }

  // ------------------------------------------------------------------ guest state

  /**
   * RIP and RFLAGS through a register cache (the kernel's regs_avail): read from the VMCS once after each
   * exit; writes go to the VMCS at once (write-through), so the VMCS stays authoritative.
   */
  get rip(): number {
    if (!this.ripCached) {
      this.ripCache = this.read(F.GUEST_RIP);
      this.ripCached = true;
    }
    return this.ripCache;
  }
  set rip(v: number) {
    this.write(F.GUEST_RIP, v);
  }
  get rsp(): number {
    return this.read(F.GUEST_RSP);
  }
  set rsp(v: number) {
    this.write(F.GUEST_RSP, v);
  }
  get rflags(): number {
    if (!this.rflagsCached) {
      this.rflagsCache = this.read(F.GUEST_RFLAGS);
      this.rflagsCached = true;
    }
    return this.rflagsCache;
  }
  set rflags(v: number) {
    this.write(F.GUEST_RFLAGS, v | FLAG_FIXED1);
  }

  /** The CR0 value the guest sees (read shadow for host-owned bits). */
  getCr0(): number {
    const mask = ~CR0_GUEST_OWNED;
    return ((this.read(F.GUEST_CR0) & ~mask) | (this.read(F.CR0_READ_SHADOW) & mask)) >>> 0;
  }

  /** vmx_set_cr0 for an unrestricted guest: hardware CR0 with NE forced on; the guest's value in the shadow. */
  setCr0(cr0: number): void {
    this.write(F.CR0_READ_SHADOW, cr0);
    this.write(F.GUEST_CR0, (cr0 | CR0_ALWAYS_ON | CR0_ET) & ~(1 << 29 | 1 << 30));
  }

  getCr4(): number {
    const mask = ~CR4_GUEST_OWNED;
    return ((this.read(F.GUEST_CR4) & ~mask) | (this.read(F.CR4_READ_SHADOW) & mask)) >>> 0;
  }

  setCr4(cr4: number): void {
    this.write(F.CR4_READ_SHADOW, cr4);
    this.write(F.GUEST_CR4, cr4 | CR4_ALWAYS_ON);
  }

  getCr3(): number {
    return this.read(F.GUEST_CR3);
  }

  setCr3(cr3: number): void {
    this.write(F.GUEST_CR3, cr3);
  }

  /** vmx_get_segment: VMCS access rights → struct kvm_segment. */
  getSegment(s: number): KvmSegment {
    const ar = this.read(F.GUEST_SEG_AR[s]!);
    const unusable = (ar & AR_UNUSABLE) !== 0;
    return {
      base: this.read(F.GUEST_SEG_BASE[s]!),
      limit: this.read(F.GUEST_SEG_LIMIT[s]!),
      selector: this.read(F.GUEST_SEG_SELECTOR[s]!),
      type: ar & 0xf,
      s: (ar >>> 4) & 1,
      dpl: (ar >>> 5) & 3,
      present: unusable ? 0 : 1,
      avl: (ar >>> 12) & 1,
      l: (ar >>> 13) & 1,
      db: (ar >>> 14) & 1,
      g: (ar >>> 15) & 1,
      unusable: unusable ? 1 : 0,
    };
  }

  /** vmx_set_segment: an unusable or not-present segment becomes AR "unusable" (bit 16) only. */
  setSegment(s: number, seg: KvmSegment): void {
    let ar: number;
    if (seg.unusable || !seg.present) {
      ar = AR_UNUSABLE;
    } else {
      // The accessed bit is forced for an unrestricted guest (all but LDTR) to satisfy the entry checks.
      const type = s !== 6 ? seg.type | 1 : seg.type;
      ar = (type & 15) | ((seg.s & 1) << 4) | ((seg.dpl & 3) << 5) | ((seg.present & 1) << 7) | ((seg.avl & 1) << 12) |
        ((seg.l & 1) << 13) | ((seg.db & 1) << 14) | ((seg.g & 1) << 15);
    }
    this.write(F.GUEST_SEG_SELECTOR[s]!, seg.selector);
    this.write(F.GUEST_SEG_BASE[s]!, seg.base);
    this.write(F.GUEST_SEG_LIMIT[s]!, seg.limit);
    this.write(F.GUEST_SEG_AR[s]!, ar);
  }

  guestIf(): boolean {
    return (this.rflags & FLAG_IF) !== 0;
  }

  /** vmx_interrupt_allowed: IF set and no STI/MOV SS blocking. */
  interruptAllowed(): boolean {
    return this.guestIf() && (this.read(F.GUEST_INTERRUPTIBILITY_INFO) & 3) === 0;
  }

  injectIrq(vector: number): void {
    this.write(F.VM_ENTRY_INTR_INFO_FIELD, (vector | (INTR_TYPE_EXT_INTR << 8) | INTR_INFO_VALID_MASK) | 0);
    if (kvmTrace.enabled.kvm_inj_virq) kvmTrace.emit("kvm_inj_virq", { vcpu_id: this.vcpu.id, irq: vector });
  }

  injectException(vector: number, errorCode: number): void {
    const soft = vector === 3 || vector === 4;
    let info = vector | ((soft ? INTR_TYPE_SOFT_EXCEPTION : INTR_TYPE_HARD_EXCEPTION) << 8) | INTR_INFO_VALID_MASK;
    // Error codes are delivered only in protected mode (SDM §26.2.1.3 with unrestricted guest).
    if (errorCode >= 0 && (this.read(F.GUEST_CR0) & CR0_PE) !== 0) {
      info |= INTR_INFO_DELIVER_CODE_MASK;
      this.write(F.VM_ENTRY_EXCEPTION_ERROR_CODE, errorCode);
    }
    if (soft) this.write(F.VM_ENTRY_INSTRUCTION_LEN, this.read(F.VM_EXIT_INSTRUCTION_LEN) || 1);
    this.write(F.VM_ENTRY_INTR_INFO_FIELD, info | 0);
  }

  /** Writes an interrupted event back into the VM-entry interruption-information field. */
  reinjectEvent(info: number, errorCode: number, length: number): void {
    this.write(F.VM_ENTRY_INTR_INFO_FIELD, info);
    if (info & INTR_INFO_DELIVER_CODE_MASK) this.write(F.VM_ENTRY_EXCEPTION_ERROR_CODE, errorCode);
    this.write(F.VM_ENTRY_INSTRUCTION_LEN, length);
  }

  /** The primary processor-based controls through their shadow (exec_controls_set): a VMWRITE only when they change. */
  private updateExecControls(): void {
    const value = this.procControls | (this.irqWindow ? CPU_BASED_INTR_WINDOW_EXITING : 0) |
      (this.nmiWindow ? CPU_BASED_NMI_WINDOW_EXITING : 0) | (this.monitorTrap ? CPU_BASED_MONITOR_TRAP_FLAG : 0);
    if (value === this.procWritten) return;
    this.write(F.CPU_BASED_VM_EXEC_CONTROL, value);
    this.procWritten = value;
  }

  enableIrqWindow(): void {
    this.irqWindow = true;
    this.updateExecControls();
  }

  disableIrqWindow(): void {
    this.irqWindow = false;
    this.updateExecControls();
  }

  /** NMI-window exiting (needs "virtual NMIs", which setup requests): exit once NMIs are unblocked. */
  enableNmiWindow(): void {
    this.nmiWindow = true;
    this.updateExecControls();
  }

  disableNmiWindow(): void {
    this.nmiWindow = false;
    this.updateExecControls();
  }

  setMonitorTrap(on: boolean): void {
    this.monitorTrap = on;
    this.updateExecControls();
  }

  /** vmx_update_exception_bitmap: #UD and #MC always, plus what guest debugging needs. */
  updateExceptionBitmap(): void {
    this.write(F.EXCEPTION_BITMAP, (1 << EXC_UD) | (1 << EXC_MC) | this.extraExceptions);
  }

  /** vmx_nmi_allowed: no STI / MOV SS shadow and no (virtual-)NMI blocking. */
  nmiAllowed(): boolean {
    return (this.read(F.GUEST_INTERRUPTIBILITY_INFO) & 0xb) === 0;
  }

  getNmiMask(): boolean {
    return (this.read(F.GUEST_INTERRUPTIBILITY_INFO) & 8) !== 0;
  }

  setNmiMask(masked: boolean): void {
    const v = this.read(F.GUEST_INTERRUPTIBILITY_INFO);
    this.write(F.GUEST_INTERRUPTIBILITY_INFO, masked ? v | 8 : v & ~8);
  }

  /** STI (1) / MOV SS (2) blocking, as the interruptibility field holds it. */
  getInterruptShadow(): number {
    return this.read(F.GUEST_INTERRUPTIBILITY_INFO) & 3;
  }

  setInterruptShadow(shadow: number): void {
    this.write(F.GUEST_INTERRUPTIBILITY_INFO, (this.read(F.GUEST_INTERRUPTIBILITY_INFO) & ~3) | (shadow & 3));
  }

  /** vmx_inject_nmi. */
  injectNmi(): void {
    this.write(F.VM_ENTRY_INTR_INFO_FIELD, (2 | (INTR_TYPE_NMI_INTR << 8) | INTR_INFO_VALID_MASK) | 0);
    if (kvmTrace.enabled.kvm_inj_nmi) kvmTrace.emit("kvm_inj_nmi", { vcpu_id: this.vcpu.id });
  }

  /** The event in the VM-entry interruption-information field, if any (for KVM_GET_VCPU_EVENTS). */
  pendingEntryEvent(): number {
    return this.read(F.VM_ENTRY_INTR_INFO_FIELD);
  }

  clearEntryEvent(): void {
    this.write(F.VM_ENTRY_INTR_INFO_FIELD, 0);
  }

  /** kvm_vcpu_deliver_sipi_vector: CS = vector << 8 (base vector << 12), IP = 0. */
  deliverSipiVector(vector: number): void {
    this.write(F.GUEST_CS_SELECTOR, vector << 8);
    this.write(F.GUEST_CS_BASE, vector << 12);
    this.rip = 0;
  }

  /** The linear address of RIP (kvm_get_linear_rip). */
  linearRip(): number {
    return (this.read(F.GUEST_CS_BASE) + this.rip) >>> 0;
  }

  /** Advances RIP past the instruction that exited (skip_emulated_instruction). */
  skipInstruction(): void {
    this.rip = (this.rip + this.read(F.VM_EXIT_INSTRUCTION_LEN)) | 0;
    // Skipping an instruction ends any STI/MOV SS blocking it started.
    const intr = this.read(F.GUEST_INTERRUPTIBILITY_INFO);
    if (intr & 3) this.write(F.GUEST_INTERRUPTIBILITY_INFO, intr & ~3);
  }

  // ------------------------------------------------------------------ entry and exit (vmx_vcpu_run)

  /**
   * __vmx_vcpu_run: load the guest GPRs into the processor, VMLAUNCH (first time) or VMRESUME, and on
   * return save the guest GPRs and restore the host's.
   */
  enter(keepCodeEpoch = false): void {
    const vcpu = this.vcpu;
    const cpu = this.cpu;
    const mmu = vcpu.vm.mmu;
    // Mappings were removed since this vCPU last ran: flush the combined translations (INVEPT single-context).
    if (mmu.flushGeneration !== this.flushedGeneration) {
      invept(cpu, 1, mmu.eptp);
      this.flushedGeneration = mmu.flushGeneration;
    }
    // The hv timer (kvm_lapic_hv_timer): the VMX-preemption timer exits the guest at the next kernel deadline.
    // The pin-based controls go through their shadow (pin_controls_set): a VMWRITE only when they change.
    if (this.timerDeadline >= 0) {
      const left = Math.max(0, this.timerDeadline - vcpu.vm.host.now());
      this.setPinControls(this.pinControls | PIN_BASED_VMX_PREEMPTION_TIMER);
      this.write(F.VMX_PREEMPTION_TIMER_VALUE, Math.min(0xffffffff, Math.ceil(left / PREEMPTION_TIMER_SCALE)));
    } else {
      this.setPinControls(this.pinControls);
    }
    // Guest debug registers go into the processor for the guest's run (vcpu->arch.switch_db_regs): DR0-DR3
    // are the debugger's with KVM_GUESTDBG_USE_HW_BP, else the guest's (vcpu->arch.eff_db). The host's are not
    // saved and restored around the run: the kernel runs no x86 code, and the host state it needs before any
    // (the deferred part of the exit's host-state load) sets DR7 to 400h (SDM vol. 3C §27.5.1), which disables
    // whatever DR0-DR3 hold. The guest's DR6 comes back from the processor after the run.
    const dregs = this.guestDregs;
    const eff = vcpu.effectiveDb();
    const dr = cpu.dr;
    for (let i = 0; i < 4; i++) dr[i] = eff[i]!;
    dr[6] = dregs[6]!;
    this.dr6AtEntry = dregs[6]!;
    // TSC_OFFSET is written when it changed (vmx_write_tsc_offset runs on changes only).
    const tscOffset = vcpu.tscOffset;
    if (tscOffset !== this.tscOffsetWritten) {
      this.write64(F.TSC_OFFSET, tscOffset);
      this.tscOffsetWritten = tscOffset;
    }
    // The guest's GPRs are already the processor's (vcpu.regs is cpu.reg), but for RSP, which the last exit
    // replaced with HOST_RSP: VM entry loads the guest's from the VMCS (SDM vol. 3C §26.3.2.3).
    cpu.cr2 = vcpu.cr2;
    const instruction = this.launched ? "VMRESUME" : "VMLAUNCH";
    if (kvmTrace.enabled.kvm_entry) kvmTrace.emit("kvm_entry", { vcpu_id: vcpu.id, rip: this.read(F.GUEST_RIP), instruction });
    // Nothing wrote guest memory since the guest last ran: its translated code needs no re-check.
    cpu.keepCodeEpoch = keepCodeEpoch;
    const vmxState = cpu.vmx!;
    const deferredBefore = vmxState.deferredExits;
    const r = vmlaunch(cpu, this.launched);
    cpu.keepCodeEpoch = false;
    // Unless the exit deferred the state switch (it then stored nothing loadEmulator reads but RSP/RIP/RFLAGS),
    // the guest's segments and control registers in the VMCS may have changed.
    if (vmxState.deferredExits !== deferredBefore + 1 || r !== VMX_SUCCEED) this.guestVersion++;
    // The guest ran (or the entry failed having touched nothing cached): read registers afresh.
    this.ripCached = this.rflagsCached = false;
    if (r === VMX_FAIL_VALID || r === VMX_FAIL_INVALID) {
      this.fail = true;
      return;
    }
    this.fail = false;
    if (r === VMX_INTERNAL_ERROR) {
      this.exitReason = -1;
    } else {
      this.exitReason = this.read(F.VM_EXIT_REASON);
      if ((this.exitReason & VMX_EXIT_REASONS_FAILED_VMENTRY) === 0) this.launched = true;
    }
    // (Guest RSP is in the VMCS; the processor's RSP slot holds HOST_RSP now, as the exit loaded it.)
    vcpu.cr2 = cpu.cr2;
    dregs[6] = dr[6]!;
    vcpu.stats.exits++;
  }

  /** The primary pin-based controls through their shadow: VMWRITE only when the value changes. */
  private setPinControls(value: number): void {
    if (value === this.pinWritten) return;
    this.write(F.PIN_BASED_VM_EXEC_CONTROL, value);
    this.pinWritten = value;
  }

  /** vmx_handle_exit: entry failures first, then the handler table by basic exit reason. */
  handleExit(): number {
    this.exitLeftGuestMemory = false;
    const vcpu = this.vcpu;
    const run = vcpu.run;
    if (this.fail) {
      // VMfailValid: hardware_entry_failure_reason is the VM-instruction error (vmx->fail path).
      vcpu.setExitReason(KVM_EXIT_FAIL_ENTRY);
      run.setU64(KVM_RUN_EXIT_OFFSETS.fail_entry.hardware_entry_failure_reason, this.read(F.VM_INSTRUCTION_ERROR));
      run.setU32(KVM_RUN_EXIT_OFFSETS.fail_entry.cpu, vcpu.id);
      this.traceExit(-1);
      return EXIT_TO_USER;
    }
    if (this.exitReason === -1) {
      vcpu.setExitReason(KVM_EXIT_INTERNAL_ERROR);
      run.setU32(KVM_RUN_EXIT_OFFSETS.internal.suberror, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
      run.setU32(KVM_RUN_EXIT_OFFSETS.internal.ndata, 2);
      run.setU64(KVM_RUN_EXIT_OFFSETS.internal.data, 0xffffffff);
      run.setU64(KVM_RUN_EXIT_OFFSETS.internal.data + 8, vcpu.id);
      return EXIT_TO_USER;
    }
    const reason = this.exitReason;
    this.traceExit(reason);
    const basic = reason & 0xffff;
    if ((reason & VMX_EXIT_REASONS_FAILED_VMENTRY) === 0) {
      // vmx_complete_interrupts: an event whose delivery this exit interrupted is injected again next entry.
      const vectoring = this.read(F.IDT_VECTORING_INFO_FIELD);
      if (vectoring & INTR_INFO_VALID_MASK) {
        if (basic !== EXIT_REASON_EXCEPTION_NMI && basic !== EXIT_REASON_EPT_VIOLATION && basic !== EXIT_REASON_TASK_SWITCH) {
          vcpu.deliveryFailure(vectoring, reason, this.read(F.EXIT_QUALIFICATION), 0);
          return EXIT_TO_USER;
        }
        // An NMI whose delivery faulted is not blocked yet: clear "blocking by NMI" before re-injecting it
        // (SDM vol. 3C §27.7.1.2, as vmx_complete_interrupts does).
        if (((vectoring >>> 8) & 7) === INTR_TYPE_NMI_INTR) this.setNmiMask(false);
        vcpu.reinject = {
          info: vectoring & ~(1 << 12),
          errorCode: vectoring & INTR_INFO_DELIVER_CODE_MASK ? this.read(F.IDT_VECTORING_ERROR_CODE) : 0,
          length: this.read(F.VM_EXIT_INSTRUCTION_LEN),
        };
      }
    }
    vcpu.stats.by_reason.increment(basic);
    if (reason & VMX_EXIT_REASONS_FAILED_VMENTRY) {
      // Invalid guest state or MSR loading: KVM_EXIT_FAIL_ENTRY with the full exit-reason word.
      vcpu.setExitReason(KVM_EXIT_FAIL_ENTRY);
      run.setU64(KVM_RUN_EXIT_OFFSETS.fail_entry.hardware_entry_failure_reason, reason >>> 0);
      run.setU32(KVM_RUN_EXIT_OFFSETS.fail_entry.cpu, vcpu.id);
      return EXIT_TO_USER;
    }
    const handler = EXIT_HANDLERS[basic];
    let r: number;
    if (handler) {
      r = handler(this);
      this.exitLeftGuestMemory = r > 0 && EXIT_LEAVES_GUEST_MEMORY[basic] === 1 &&
        (basic !== EXIT_REASON_IO_INSTRUCTION || (this.read(F.EXIT_QUALIFICATION) & IO_QUAL_STRING) === 0);
    } else {
      vcpu.setExitReason(KVM_EXIT_INTERNAL_ERROR);
      run.setU32(KVM_RUN_EXIT_OFFSETS.internal.suberror, KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON);
      run.setU32(KVM_RUN_EXIT_OFFSETS.internal.ndata, 2);
      run.setU64(KVM_RUN_EXIT_OFFSETS.internal.data, reason >>> 0);
      run.setU64(KVM_RUN_EXIT_OFFSETS.internal.data + 8, vcpu.id);
      r = EXIT_TO_USER;
    }
    if (kvmTrace.enabled.kvm_exit_handler) {
      kvmTrace.emit("kvm_exit_handler", { vcpu_id: vcpu.id, handler: exitHandlerName(basic), result: r > 0 ? "re-enter" : "exit-to-user" });
    }
    return r;
  }

  private traceExit(reason: number): void {
    if (!kvmTrace.enabled.kvm_exit) return;
    const failedEntry = reason === -1 || (reason & VMX_EXIT_REASONS_FAILED_VMENTRY) !== 0;
    kvmTrace.emit("kvm_exit", {
      vcpu_id: this.vcpu.id,
      reason: reason === -1 ? this.read(F.VM_INSTRUCTION_ERROR) : reason >>> 0,
      name: reason === -1 ? "VMfailValid" : "",
      failed_entry: failedEntry,
      rip: this.read(F.GUEST_RIP),
      info1: reason === -1 ? 0 : this.read(F.EXIT_QUALIFICATION),
      info2: reason === -1 ? 0 : this.read(F.IDT_VECTORING_INFO_FIELD),
      intr_info: reason === -1 ? 0 : this.read(F.VM_EXIT_INTR_INFO),
      error_code: reason === -1 ? 0 : this.read(F.VM_EXIT_INTR_ERROR_CODE),
    });
  }

  /** vmx_get_exit_info, as reported in emulation-failure exits: reason, info1, info2, intr_info, error_code, cpu. */
  exitInfo(): number[] {
    return [
      this.exitReason >>> 0, this.read(F.EXIT_QUALIFICATION), this.read(F.IDT_VECTORING_INFO_FIELD),
      this.read(F.VM_EXIT_INTR_INFO), this.read(F.VM_EXIT_INTR_ERROR_CODE), this.vcpu.id,
    ];
  }

  // ------------------------------------------------------------------ emulator state transfer

  /** Loads the guest's architectural state into the emulator processor (what the emulator context caches). */
  loadEmulator(e: Cpu): void {
    e.reg.set(this.vcpu.regs);
    e.reg[4] = this.read(F.GUEST_RSP);
    e.eip = this.read(F.GUEST_RIP) | 0;
    e.setFlags(this.read(F.GUEST_RFLAGS) | 0);
    // Segments, descriptor tables, control registers and PDPTEs: read again only when they may have changed.
    const loaded = this.emulatorSegs, sys = this.emulatorSys;
    if (this.emulatorVersion !== this.guestVersion) {
      for (let s = 0; s < 8; s++) {
        loaded[s * 4] = this.read(F.GUEST_SEG_SELECTOR[s]!);
        loaded[s * 4 + 1] = this.read(F.GUEST_SEG_BASE[s]!);
        loaded[s * 4 + 2] = this.read(F.GUEST_SEG_LIMIT[s]!);
        loaded[s * 4 + 3] = this.read(F.GUEST_SEG_AR[s]!);
      }
      sys[0] = this.read(F.GUEST_GDTR_BASE);
      sys[1] = this.read(F.GUEST_GDTR_LIMIT);
      sys[2] = this.read(F.GUEST_IDTR_BASE);
      sys[3] = this.read(F.GUEST_IDTR_LIMIT);
      sys[4] = this.getCr0();
      sys[5] = this.getCr3();
      sys[6] = this.getCr4() & ~CR4_VMXE;
      if (sys[6] & CR4_PAE && sys[4] & CR0_PG) {
        for (let i = 0; i < 8; i++) sys[7 + i] = this.read(F.GUEST_PDPTR0 + (i >>> 1) * 2 + (i & 1));
      }
      this.emulatorVersion = this.guestVersion;
    }
    for (let s = 0; s < 8; s++) {
      e.segSel[s] = loaded[s * 4]!;
      e.segBase[s] = loaded[s * 4 + 1]!;
      e.segLimit[s] = loaded[s * 4 + 2]!;
      e.segAr[s] = loaded[s * 4 + 3]!;
    }
    e.gdtrBase = sys[0]!;
    e.gdtrLimit = sys[1]! >>> 0;
    e.idtrBase = sys[2]!;
    e.idtrLimit = sys[3]! >>> 0;
    e.cr0 = sys[4]!;
    e.cr3 = sys[5]!;
    e.cr4 = sys[6]!;
    e.cr2 = this.vcpu.cr2;
    e.cpuid = this.vcpu.cpuid;
    e.halted = false;
    e.interruptShadow = 0;
    e.cpl = (e.segAr[2]! >>> 5) & 3;
    e.onModeChange();
    if ((e.cr0 & CR0_PE) === 0) e.cpl = 0;
    e.updatePrivilegeMasks();
    if (e.cr4 & CR4_PAE && e.cr0 & CR0_PG) {
      for (let i = 0; i < 8; i++) e.pdpte[i] = sys[7 + i]!;
    }
    e.flushTlb(true);
  }

  /** Writes the emulator's results back into the guest state. */
  storeEmulator(e: Cpu): void {
    for (let i = 0; i < 8; i++) if (i !== 4) this.vcpu.regs[i] = e.reg[i]!;
    this.write(F.GUEST_RSP, e.reg[4]!);
    this.write(F.GUEST_RIP, e.eip);
    this.write(F.GUEST_RFLAGS, e.getFlags());
    // Only the segment fields the instruction changed go back (most emulated instructions are loads and
    // stores that change none); writing the others would store the values they already hold.
    const loaded = this.emulatorSegs;
    for (let s = 0; s < 8; s++) {
      if (e.segSel[s] !== loaded[s * 4]) this.write(F.GUEST_SEG_SELECTOR[s]!, e.segSel[s]!);
      if (e.segBase[s] !== loaded[s * 4 + 1]) this.write(F.GUEST_SEG_BASE[s]!, e.segBase[s]!);
      if (e.segLimit[s] !== loaded[s * 4 + 2]) this.write(F.GUEST_SEG_LIMIT[s]!, e.segLimit[s]!);
      if (e.segAr[s] !== loaded[s * 4 + 3]) this.write(F.GUEST_SEG_AR[s]!, e.segAr[s]!);
    }
    this.vcpu.cr2 = e.cr2;
    // A task switch changes CR0.TS and may load CR3 (compared with what loadEmulator gave the emulator, which
    // is what the VMCS holds: nothing was written between the two).
    const sys = this.emulatorSys;
    if ((e.cr0 | 0) !== sys[4]) this.setCr0(e.cr0);
    if ((e.cr3 | 0) !== sys[5]) this.setCr3(e.cr3);
  }
}
