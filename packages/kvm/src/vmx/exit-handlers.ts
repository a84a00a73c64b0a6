/**
 * The VM-exit handlers, one per basic exit reason (kvm_vmx_exit_handlers[] in arch/x86/kvm/vmx/vmx.c).
 * Each decodes the exit information from the VMCS and calls a shared routine. It returns 1 to
 * re-enter the guest or 0 when kvm_run is filled for user space.
 */
import {
  CR_ACCESS_CLTS, CR_ACCESS_LMSW, CR_ACCESS_MOV_FROM_CR, CR_ACCESS_MOV_TO_CR, EPT_VIOLATION_ACC_WRITE, EXC_GP, EXC_MC,
  EXC_NMI, EXC_UD, EXIT_REASON_CPUID, EXIT_REASON_CR_ACCESS, EXIT_REASON_DR_ACCESS, EXIT_REASON_EPT_MISCONFIG,
  EXIT_REASON_EPT_VIOLATION, EXIT_REASON_EXCEPTION_NMI, EXIT_REASON_EXTERNAL_INTERRUPT, EXIT_REASON_HLT,
  EXIT_REASON_INTERRUPT_WINDOW, EXIT_REASON_INVD, EXIT_REASON_INVEPT, EXIT_REASON_INVVPID, EXIT_REASON_IO_INSTRUCTION,
  EXIT_REASON_MONITOR_INSTRUCTION, EXIT_REASON_MSR_READ, EXIT_REASON_MSR_WRITE, EXIT_REASON_MWAIT_INSTRUCTION,
  EXIT_REASON_NAMES, EXIT_REASON_PAUSE_INSTRUCTION, EXIT_REASON_RDPMC, EXIT_REASON_TRIPLE_FAULT, EXIT_REASON_VMCALL,
  EXIT_REASON_VMCLEAR, EXIT_REASON_VMLAUNCH, EXIT_REASON_VMOFF, EXIT_REASON_VMON, EXIT_REASON_VMPTRLD,
  EXIT_REASON_VMPTRST, EXIT_REASON_VMREAD, EXIT_REASON_VMRESUME, EXIT_REASON_VMWRITE, EXIT_REASON_WBINVD,
  IO_QUAL_IN, IO_QUAL_STRING, vmcsFields as F, EXC_BP, EXC_DB, EXIT_REASON_NMI_WINDOW, EXIT_REASON_PREEMPTION_TIMER,
  EXIT_REASON_MONITOR_TRAP_FLAG, EXIT_REASON_TASK_SWITCH, INTR_INFO_DELIVER_CODE_MASK, INTR_TYPE_EXT_INTR,
  INTR_TYPE_HARD_EXCEPTION, INTR_TYPE_NMI_INTR, TASK_FROM_INT,
} from "@virtkit/cpu";
import { EXIT_TO_USER, RESUME_GUEST, VCPU_REGS_RAX, VCPU_REGS_RBX, VCPU_REGS_RCX, VCPU_REGS_RDX } from "../vcpu.js";
import type { VmxVcpu } from "./vmx.js";
import type { KvmVcpu } from "../vcpu.js";
import {
  KVM_EXIT_DEBUG, KVM_EXIT_EXCEPTION, KVM_EXIT_HLT, KVM_EXIT_IRQ_WINDOW_OPEN, KVM_EXIT_SHUTDOWN, KVM_GUESTDBG_SINGLESTEP,
  KVM_GUESTDBG_USE_HW_BP, KVM_GUESTDBG_USE_SW_BP, KVM_MP_STATE_HALTED,
} from "../uapi/constants.js";
import { KVM_RUN_DEBUG_OFFSETS } from "../uapi/irqchip-abi.js";
import { KVM_RUN_EXIT_OFFSETS } from "../uapi/structs.js";
import { FAULT_MAPPED } from "../mmu.js";
import { kvmTrace } from "../trace.js";
import { kvmGetMsr, kvmSetMsr } from "../msr.js";

export type ExitHandler = (vmx: VmxVcpu) => number;

const scratch = new Int32Array(4);

/** DR6 bits that read as 1 (DR6_ACTIVE_LOW) and the single-step status bit (DR6_BS). */
const DR6_ACTIVE_LOW = 0xffff0ff0;
const DR6_BS = 1 << 14;

/** KVM_EXIT_DEBUG with struct kvm_debug_exit_arch: the exception, the linear PC, DR6 and DR7. */
export function debugExit(vmx: VmxVcpu, exception: number, dr6: number | null): number {
  const vcpu = vmx.vcpu;
  const run = vcpu.run;
  vcpu.setExitReason(KVM_EXIT_DEBUG);
  run.setU32(KVM_RUN_DEBUG_OFFSETS.exception, exception);
  run.setU64(KVM_RUN_DEBUG_OFFSETS.pc, vmx.linearRip());
  if (dr6 !== null) {
    run.setU64(KVM_RUN_DEBUG_OFFSETS.dr6, dr6 >>> 0);
    run.setU64(KVM_RUN_DEBUG_OFFSETS.dr7, vmx.read(F.GUEST_DR7) >>> 0);
  }
  vcpu.stats.debug_exits++;
  return EXIT_TO_USER;
}

/**
 * EXCEPTION_NMI: NMIs belong to the host; #UD and #MC are reflected; #DB and #BP go to the debugger when
 * guest debugging asked for them (KVM_EXIT_DEBUG) and are reflected otherwise; anything else goes to user space.
 */
function handleExceptionNmi(vmx: VmxVcpu): number {
  const info = vmx.read(F.VM_EXIT_INTR_INFO);
  const vector = info & 0xff;
  const vcpu = vmx.vcpu;
  if (vector === EXC_NMI && ((info >>> 8) & 7) === 2) return RESUME_GUEST;
  if (vector === EXC_DB) {
    const q = vmx.read(F.EXIT_QUALIFICATION);
    if (vcpu.guestDebug & (KVM_GUESTDBG_SINGLESTEP | KVM_GUESTDBG_USE_HW_BP)) {
      // A #DB that exits does not update the guest's DR6 (SDM vol. 3C §27.1); the status goes to the debugger.
      vcpu.vm.debugRegs(vcpu)[6] = vmx.dr6AtEntry;
      return debugExit(vmx, EXC_DB, q | DR6_ACTIVE_LOW);
    }
    // The guest's own #DB: DR6 gets the status bits, then the exception is delivered.
    const d = vcpu.vm.debugRegs(vcpu);
    d[6] = (d[6]! & ~0xf) | (q & 0x600f) | DR6_ACTIVE_LOW;
    vcpu.queueException(EXC_DB, -1);
    return RESUME_GUEST;
  }
  if (vector === EXC_BP) {
    if (vcpu.guestDebug & KVM_GUESTDBG_USE_SW_BP) return debugExit(vmx, EXC_BP, null);
    vcpu.queueException(EXC_BP, -1);
    return RESUME_GUEST;
  }
  if (vector === EXC_UD) {
    // No instruction needs KVM's help here (no hypercall patching): reflect #UD to the guest.
    vcpu.queueException(EXC_UD, -1);
    return RESUME_GUEST;
  }
  if (vector === EXC_MC) return RESUME_GUEST;
  const err = info & (1 << 11) ? vmx.read(F.VM_EXIT_INTR_ERROR_CODE) : 0;
  vcpu.setExitReason(KVM_EXIT_EXCEPTION);
  vcpu.run.setU32(KVM_RUN_EXIT_OFFSETS.ex.exception, vector);
  vcpu.run.setU32(KVM_RUN_EXIT_OFFSETS.ex.error_code, err);
  return EXIT_TO_USER;
}

/** EXTERNAL_INTERRUPT: the host serviced its own interrupt; re-enter unless a signal is pending (checked by the run loop). */
function handleExternalInterrupt(vmx: VmxVcpu): number {
  vmx.vcpu.stats.irq_exits++;
  return RESUME_GUEST;
}

/** TRIPLE_FAULT: the guest shut down (KVM_EXIT_SHUTDOWN). */
function handleTripleFault(vmx: VmxVcpu): number {
  vmx.vcpu.setExitReason(KVM_EXIT_SHUTDOWN);
  return EXIT_TO_USER;
}

/** INTERRUPT_WINDOW: the guest can take an interrupt now. */
function handleInterruptWindow(vmx: VmxVcpu): number {
  const vcpu = vmx.vcpu;
  vmx.disableIrqWindow();
  vcpu.stats.irq_window_exits++;
  // request_interrupt_window is for a user-space interrupt controller only.
  if (!vcpu.lapic && vcpu.pendingInterrupt < 0 && vcpu.run.u8(0) !== 0) {
    vcpu.setExitReason(KVM_EXIT_IRQ_WINDOW_OPEN);
    vcpu.stats.request_irq_exits++;
    return EXIT_TO_USER;
  }
  return RESUME_GUEST;
}

/** CPUID: answered from the table user space set with KVM_SET_CPUID2 (kvm_emulate_cpuid). */
function handleCpuid(vmx: VmxVcpu): number {
  const vcpu = vmx.vcpu;
  const fn = vcpu.regs[VCPU_REGS_RAX]!, index = vcpu.regs[VCPU_REGS_RCX]!;
  vcpu.cpuid.query(fn, index, scratch);
  vcpu.regs[VCPU_REGS_RAX] = scratch[0]!;
  vcpu.regs[VCPU_REGS_RBX] = scratch[1]!;
  vcpu.regs[VCPU_REGS_RCX] = scratch[2]!;
  vcpu.regs[VCPU_REGS_RDX] = scratch[3]!;
  if (kvmTrace.enabled.kvm_cpuid) {
    kvmTrace.emit("kvm_cpuid", { vcpu_id: vcpu.id, function: fn >>> 0, index: index >>> 0, rax: scratch[0]! >>> 0, rbx: scratch[1]! >>> 0, rcx: scratch[2]! >>> 0, rdx: scratch[3]! >>> 0 });
  }
  vmx.skipInstruction();
  return RESUME_GUEST;
}

/**
 * TASK_SWITCH (handle_task_switch): task switches always exit in non-root operation (SDM vol. 3C §25.1.2).
 * One started by CALL, JMP or IRET is emulated as that instruction (the instruction emulator performs the
 * whole switch on the guest's state and memory). One started by event delivery through an IDT task gate
 * (qualification source 3 with valid IDT-vectoring information) consumes the event: an NMI leaves NMIs
 * blocked, software interrupts and exceptions resume after their instruction, a hardware exception's error
 * code is pushed on the new task's stack, and the switch is emulated from the gate's TSS selector.
 */
function handleTaskSwitch(vmx: VmxVcpu): number {
  const vcpu = vmx.vcpu;
  const q = vmx.read(F.EXIT_QUALIFICATION);
  const ev = vcpu.reinject;
  if (ev === null) return vcpu.emulateInstruction();
  vcpu.reinject = null;
  if (q >>> 30 !== TASK_FROM_INT) {
    // CALL, JMP or IRET cannot interrupt an event's delivery: state KVM does not expect.
    vcpu.emulationFailure();
    return EXIT_TO_USER;
  }
  const type = (ev.info >>> 8) & 7;
  if (type === INTR_TYPE_NMI_INTR) vmx.setNmiMask(true);
  const hardware = type === INTR_TYPE_HARD_EXCEPTION || type === INTR_TYPE_EXT_INTR || type === INTR_TYPE_NMI_INTR;
  if (!hardware) vmx.skipInstruction();
  const errorCode = type === INTR_TYPE_HARD_EXCEPTION && (ev.info & INTR_INFO_DELIVER_CODE_MASK) !== 0 ? ev.errorCode : -1;
  return vcpu.emulateTaskSwitch(q & 0xffff, hardware ? 1 : 0, errorCode);
}

/** NMI_WINDOW: NMIs are unblocked; the pending one goes in at the next entry. */
function handleNmiWindow(vmx: VmxVcpu): number {
  vmx.disableNmiWindow();
  vmx.vcpu.stats.nmi_window_exits++;
  return RESUME_GUEST;
}

/** PREEMPTION_TIMER: a kernel timer's deadline (the hv timer); the run loop fires it before re-entering. */
function handlePreemptionTimer(vmx: VmxVcpu): number {
  vmx.vcpu.stats.preemption_timer_exits++;
  return RESUME_GUEST;
}

/** MONITOR_TRAP_FLAG: one instruction done under KVM_GUESTDBG_SINGLESTEP — a single-step #DB for the debugger. */
function handleMonitorTrap(vmx: VmxVcpu): number {
  if ((vmx.vcpu.guestDebug & KVM_GUESTDBG_SINGLESTEP) === 0) return RESUME_GUEST;
  return debugExit(vmx, EXC_DB, DR6_BS | DR6_ACTIVE_LOW);
}

/**
 * HLT (kvm_emulate_halt): with the in-kernel local APIC the vCPU halts in the kernel until an interrupt
 * wakes it; without one the halt is reported to user space (KVM_EXIT_HLT).
 */
function handleHlt(vmx: VmxVcpu): number {
  const vcpu = vmx.vcpu;
  vmx.skipInstruction();
  vcpu.stats.halt_exits++;
  if (vcpu.lapic) {
    vcpu.setMpState(KVM_MP_STATE_HALTED);
    return RESUME_GUEST;
  }
  vcpu.setExitReason(KVM_EXIT_HLT);
  return EXIT_TO_USER;
}

/** IO_INSTRUCTION (handle_io): string forms go through the emulator; IN/OUT use the fast PIO path. */
function handleIo(vmx: VmxVcpu): number {
  const q = vmx.read(F.EXIT_QUALIFICATION);
  const vcpu = vmx.vcpu;
  if (q & IO_QUAL_STRING) {
    vcpu.stats.io_exits++;
    return vcpu.emulateInstruction();
  }
  const port = q >>> 16;
  const size = (q & 7) + 1;
  const isIn = (q & IO_QUAL_IN) !== 0;
  const mask = size === 4 ? -1 : (1 << (size * 8)) - 1;
  // kernel_pio: an in-kernel device (PIC, PIT, ioeventfd) takes the access without leaving the kernel.
  const bus = vcpu.vm.pioBus;
  if (isIn) {
    const v = bus.read(port, size);
    if (v !== undefined) {
      vcpu.regs[VCPU_REGS_RAX] = (vcpu.regs[VCPU_REGS_RAX]! & ~mask) | (v & mask);
      if (kvmTrace.enabled.kvm_pio) kvmTrace.emit("kvm_pio", { vcpu_id: vcpu.id, rw: "read", port, size, count: 1, val: v & mask });
      vmx.skipInstruction();
      return RESUME_GUEST;
    }
  } else if (bus.write(port, size, vcpu.regs[VCPU_REGS_RAX]! & mask)) {
    if (kvmTrace.enabled.kvm_pio) kvmTrace.emit("kvm_pio", { vcpu_id: vcpu.id, rw: "write", port, size, count: 1, val: vcpu.regs[VCPU_REGS_RAX]! & mask });
    vmx.skipInstruction();
    return RESUME_GUEST;
  }
  vcpu.pioSize = size;
  vcpu.cuiRip = vmx.rip;
  if (isIn) {
    vcpu.pioExit(true, port, size, 1, 0);
    vcpu.completeUserspaceIo = completeFastPioIn;
  } else {
    vcpu.pioExit(false, port, size, 1, vcpu.regs[VCPU_REGS_RAX]! & mask);
    vcpu.completeUserspaceIo = completeFastPioOut;
  }
  return EXIT_TO_USER;
}

/**
 * complete_fast_pio_in: when the guest is still at the IN (user space may have moved RIP with
 * KVM_SET_REGS: kvm_is_linear_rip), the data lands in AL/AX/EAX and the instruction is skipped;
 * otherwise nothing is written.
 */
function completeFastPioIn(v: KvmVcpu): number {
  const vmx = v.vendor;
  if (vmx.rip !== v.cuiRip) return RESUME_GUEST;
  const size = v.pioSize;
  const mask = size === 4 ? -1 : (1 << (size * 8)) - 1;
  const data = v.pioData(size);
  v.regs[VCPU_REGS_RAX] = (v.regs[VCPU_REGS_RAX]! & ~mask) | (data & mask);
  vmx.skipInstruction();
  return RESUME_GUEST;
}
completeFastPioIn.fastPio = true;

/** complete_fast_pio_out: RIP moves past the OUT only when the guest is still at it. */
function completeFastPioOut(v: KvmVcpu): number {
  const vmx = v.vendor;
  if (vmx.rip === v.cuiRip) vmx.skipInstruction();
  return RESUME_GUEST;
}
completeFastPioOut.fastPio = true;

/** CR_ACCESS (handle_cr): MOV to/from CR0/CR3/CR4, CLTS, LMSW. */
function handleCr(vmx: VmxVcpu): number {
  const q = vmx.read(F.EXIT_QUALIFICATION);
  const cr = q & 15;
  const type = (q >>> 4) & 3;
  const reg = (q >>> 8) & 15;
  const vcpu = vmx.vcpu;
  const gpr = (r: number): number => (r === 4 ? vmx.rsp : vcpu.regs[r]!);
  switch (type) {
    case CR_ACCESS_MOV_TO_CR: {
      const val = gpr(reg);
      if (cr === 0) {
        // kvm_set_cr0: PG without PE, NW without CD, or reserved bits are #GP.
        if ((val & 0x80000001) === 0x80000000 || (val & 0x60000000) === 0x20000000 || (val & ~0xe005003f) !== 0) {
          vcpu.queueException(EXC_GP, 0);
          return RESUME_GUEST;
        }
        vmx.setCr0(val);
      } else if (cr === 4) {
        if ((val & ~0x7ff) !== 0) {
          vcpu.queueException(EXC_GP, 0);
          return RESUME_GUEST;
        }
        vmx.setCr4(val);
      } else if (cr === 3) {
        vmx.setCr3(val);
      }
      vmx.skipInstruction();
      return RESUME_GUEST;
    }
    case CR_ACCESS_MOV_FROM_CR: {
      const v = cr === 3 ? vmx.getCr3() : cr === 0 ? vmx.getCr0() : vmx.getCr4();
      if (reg === 4) vmx.rsp = v;
      else vcpu.regs[reg] = v;
      vmx.skipInstruction();
      return RESUME_GUEST;
    }
    case CR_ACCESS_CLTS:
      vmx.setCr0(vmx.getCr0() & ~8);
      vmx.skipInstruction();
      return RESUME_GUEST;
    case CR_ACCESS_LMSW: {
      const src = q >>> 16;
      const old = vmx.getCr0();
      vmx.setCr0((old & ~0xe) | (src & 0xe) | ((old | src) & 1));
      vmx.skipInstruction();
      return RESUME_GUEST;
    }
    default:
      return RESUME_GUEST;
  }
}

/** DR_ACCESS: MOV to/from DR0-DR7 (debug registers are kept in the vCPU). */
function handleDr(vmx: VmxVcpu): number {
  const q = vmx.read(F.EXIT_QUALIFICATION);
  const dr = q & 7;
  const fromDr = (q & 0x10) !== 0;
  const reg = (q >>> 8) & 15;
  const vcpu = vmx.vcpu;
  const dregs = vcpu.vm.debugRegs(vcpu);
  if (fromDr) {
    const v = dr === 7 ? vcpu.dr7 : dregs[dr]!;
    if (reg === 4) vmx.rsp = v;
    else vcpu.regs[reg] = v;
  } else {
    const v = reg === 4 ? vmx.rsp : vcpu.regs[reg]!;
    if (dr === 7) {
      vcpu.dr7 = (v | 0x400) & ~0xd800;
      vcpu.updateDr7();
    } else if (dr === 6) {
      dregs[6] = (v | 0xffff0ff0) & ~0x1000;
    } else {
      dregs[dr] = v;
    }
  }
  vmx.skipInstruction();
  return RESUME_GUEST;
}

function handleMsr(vmx: VmxVcpu, write: boolean): number {
  const vcpu = vmx.vcpu;
  const index = vcpu.regs[VCPU_REGS_RCX]! >>> 0;
  if (write) {
    const ok = kvmSetMsr(vcpu, index, vcpu.regs[VCPU_REGS_RAX]!, vcpu.regs[VCPU_REGS_RDX]!);
    if (kvmTrace.enabled.kvm_msr) kvmTrace.emit("kvm_msr", { vcpu_id: vcpu.id, write: true, index, data: vcpu.regs[VCPU_REGS_RAX]! >>> 0, exception: !ok });
    if (!ok) {
      vcpu.queueException(EXC_GP, 0);
      return RESUME_GUEST;
    }
  } else {
    const v = kvmGetMsr(vcpu, index);
    if (kvmTrace.enabled.kvm_msr) kvmTrace.emit("kvm_msr", { vcpu_id: vcpu.id, write: false, index, data: v ? v[0] >>> 0 : 0, exception: !v });
    if (!v) {
      vcpu.queueException(EXC_GP, 0);
      return RESUME_GUEST;
    }
    vcpu.regs[VCPU_REGS_RAX] = v[0];
    vcpu.regs[VCPU_REGS_RDX] = v[1];
  }
  vmx.skipInstruction();
  return RESUME_GUEST;
}

/** EPT_VIOLATION: RAM gets mapped and the guest re-enters; anything else is MMIO and is emulated. */
function handleEptViolation(vmx: VmxVcpu): number {
  const q = vmx.read(F.EXIT_QUALIFICATION);
  const gpa = vmx.read(F.GUEST_PHYSICAL_ADDRESS);
  const vcpu = vmx.vcpu;
  const r = vcpu.vm.mmu.handleFault(gpa, (q & EPT_VIOLATION_ACC_WRITE) !== 0);
  if (kvmTrace.enabled.kvm_page_fault) kvmTrace.emit("kvm_page_fault", { vcpu_id: vcpu.id, gpa, qualification: q, result: r === FAULT_MAPPED ? "mapped" : "mmio" });
  if (r === FAULT_MAPPED) {
    vcpu.stats.pf_fixed++;
    return RESUME_GUEST;
  }
  // MMIO met while delivering an event (the IDT or the stack is not RAM) cannot be emulated.
  if (vcpu.reinject) {
    const vectoring = vcpu.reinject.info;
    vcpu.reinject = null;
    vcpu.deliveryFailure(vectoring, vmx.exitReason, q, gpa);
    return EXIT_TO_USER;
  }
  return vcpu.emulateInstruction();
}

/** EPT_MISCONFIG: our MMU never writes a misconfigured entry; report it as KVM would an unexpected state. */
function handleEptMisconfig(vmx: VmxVcpu): number {
  vmx.vcpu.emulationFailure();
  return EXIT_TO_USER;
}

/** Instructions that only need skipping (WBINVD, INVD, PAUSE): no architectural effect to model here. */
function skip(vmx: VmxVcpu): number {
  vmx.skipInstruction();
  return RESUME_GUEST;
}

/** VMX instructions in a guest without nested VMX: #UD (handle_vmx_instruction). MONITOR/MWAIT/RDPMC likewise. */
function injectUd(vmx: VmxVcpu): number {
  vmx.vcpu.queueException(EXC_UD, -1);
  return RESUME_GUEST;
}

/** VMCALL: KVM hypercalls; none are implemented, so RAX = -KVM_ENOSYS (1000) as kvm_emulate_hypercall does. */
function handleVmcall(vmx: VmxVcpu): number {
  const vcpu = vmx.vcpu;
  vcpu.stats.hypercalls++;
  vcpu.regs[VCPU_REGS_RAX] = -1000;
  vmx.skipInstruction();
  return RESUME_GUEST;
}

export const EXIT_HANDLERS: (ExitHandler | undefined)[] = [];
EXIT_HANDLERS[EXIT_REASON_EXCEPTION_NMI] = handleExceptionNmi;
EXIT_HANDLERS[EXIT_REASON_EXTERNAL_INTERRUPT] = handleExternalInterrupt;
EXIT_HANDLERS[EXIT_REASON_TRIPLE_FAULT] = handleTripleFault;
EXIT_HANDLERS[EXIT_REASON_INTERRUPT_WINDOW] = handleInterruptWindow;
EXIT_HANDLERS[EXIT_REASON_CPUID] = handleCpuid;
EXIT_HANDLERS[EXIT_REASON_HLT] = handleHlt;
EXIT_HANDLERS[EXIT_REASON_INVD] = skip;
EXIT_HANDLERS[EXIT_REASON_RDPMC] = injectUd;
EXIT_HANDLERS[EXIT_REASON_VMCALL] = handleVmcall;
for (const r of [EXIT_REASON_VMCLEAR, EXIT_REASON_VMLAUNCH, EXIT_REASON_VMPTRLD, EXIT_REASON_VMPTRST, EXIT_REASON_VMREAD,
  EXIT_REASON_VMRESUME, EXIT_REASON_VMWRITE, EXIT_REASON_VMOFF, EXIT_REASON_VMON, EXIT_REASON_INVEPT, EXIT_REASON_INVVPID]) {
  EXIT_HANDLERS[r] = injectUd;
}
EXIT_HANDLERS[EXIT_REASON_CR_ACCESS] = handleCr;
EXIT_HANDLERS[EXIT_REASON_DR_ACCESS] = handleDr;
EXIT_HANDLERS[EXIT_REASON_IO_INSTRUCTION] = handleIo;
EXIT_HANDLERS[EXIT_REASON_MSR_READ] = (v) => handleMsr(v, false);
EXIT_HANDLERS[EXIT_REASON_MSR_WRITE] = (v) => handleMsr(v, true);
EXIT_HANDLERS[EXIT_REASON_MWAIT_INSTRUCTION] = injectUd;
EXIT_HANDLERS[EXIT_REASON_MONITOR_INSTRUCTION] = injectUd;
EXIT_HANDLERS[EXIT_REASON_PAUSE_INSTRUCTION] = skip;
EXIT_HANDLERS[EXIT_REASON_EPT_VIOLATION] = handleEptViolation;
EXIT_HANDLERS[EXIT_REASON_EPT_MISCONFIG] = handleEptMisconfig;
EXIT_HANDLERS[EXIT_REASON_WBINVD] = skip;
EXIT_HANDLERS[EXIT_REASON_NMI_WINDOW] = handleNmiWindow;
EXIT_HANDLERS[EXIT_REASON_TASK_SWITCH] = handleTaskSwitch;
EXIT_HANDLERS[EXIT_REASON_PREEMPTION_TIMER] = handlePreemptionTimer;
EXIT_HANDLERS[EXIT_REASON_MONITOR_TRAP_FLAG] = handleMonitorTrap;

/**
 * Exit reasons whose handlers, when they resume the guest, have written no guest memory and executed no
 * guest-serialising instruction on its behalf: the host's own interrupt and timer, the interrupt and NMI
 * windows, HLT (the vCPU waits; in the synchronous kernel nothing else runs meanwhile), RDMSR, and port I/O
 * a kernel device completed (IN/OUT only: string I/O goes through the emulator, which stores into RAM).
 * CPUID, WRMSR, MOV CR/DR and the other serialising instructions are not here: re-entering after them must
 * make the processor look at code again, as the instruction itself would (another CPU may have patched it).
 */
export const EXIT_LEAVES_GUEST_MEMORY = new Uint8Array(128);
for (const r of [
  EXIT_REASON_EXTERNAL_INTERRUPT, EXIT_REASON_INTERRUPT_WINDOW, EXIT_REASON_NMI_WINDOW, EXIT_REASON_HLT, EXIT_REASON_MSR_READ,
  EXIT_REASON_IO_INSTRUCTION, EXIT_REASON_PREEMPTION_TIMER,
]) EXIT_LEAVES_GUEST_MEMORY[r] = 1;

/** The kernel function name for an exit reason, for tracing. */
const HANDLER_NAMES: Record<number, string> = {
  0: "handle_exception_nmi", 1: "handle_external_interrupt", 2: "handle_triple_fault", 7: "handle_interrupt_window",
  10: "kvm_emulate_cpuid", 12: "kvm_emulate_halt", 13: "handle_invd", 15: "handle_rdpmc", 18: "kvm_emulate_hypercall",
  28: "handle_cr", 29: "handle_dr", 30: "handle_io", 31: "kvm_emulate_rdmsr", 32: "kvm_emulate_wrmsr",
  8: "handle_nmi_window", 9: "handle_task_switch", 36: "handle_mwait", 37: "handle_monitor_trap", 39: "handle_monitor", 40: "handle_pause",
  48: "handle_ept_violation", 49: "handle_ept_misconfig", 52: "handle_preemption_timer", 54: "kvm_emulate_wbinvd",
};
export function exitHandlerName(reason: number): string {
  return HANDLER_NAMES[reason] ?? (EXIT_HANDLERS[reason] ? "handle_vmx_instruction" : `unexpected exit ${EXIT_REASON_NAMES[reason] ?? reason}`);
}
