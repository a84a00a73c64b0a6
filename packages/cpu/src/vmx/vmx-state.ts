/**
 * Per-processor VMX state: VMX operation (after VMXON), the current-VMCS pointer and its on-chip cache,
 * and — during non-root operation — the controls of the running VMCS decoded for fast intercept checks.
 */
import { VmcsCache } from "./vmcs.js";

/** The "invalid" current-VMCS pointer, FFFFFFFF_FFFFFFFFH (SDM vol. 3C §24.1), as -1 here. */
export const VMCS_POINTER_INVALID = -1;

export class VmxCpuState {
  /** Physical address of the VMXON region. */
  vmxonPointer: number;
  /** Physical address of the current VMCS, or VMCS_POINTER_INVALID. */
  current = VMCS_POINTER_INVALID;
  readonly vmcs = new VmcsCache();

  // ---- controls of the VMCS in use, decoded at VM entry ----
  pin = 0;
  proc = 0;
  proc2 = 0;
  exitCtls = 0;
  entryCtls = 0;
  exceptionBitmap = 0;
  pfecMask = 0;
  pfecMatch = 0;
  ioBitmapA = 0;
  ioBitmapB = 0;
  msrBitmap = 0;
  cr0Mask = 0;
  cr0Shadow = 0;
  cr4Mask = 0;
  cr4Shadow = 0;
  readonly cr3Targets = new Int32Array(4);
  cr3TargetCount = 0;
  tscOffsetLo = 0;
  tscOffsetHi = 0;
  /** EPT in use for this non-root session, and the root of its tables (EPTP bits 31:12). */
  eptActive = false;
  eptRoot = 0;
  /** R/W/X permissions (bits 0-2) of the last final EPT translation, AND-ed over the walk. */
  lastEptPerm = 7;
  unrestricted = false;
  vpid = 0;
  /** VPID tag of the translations the TLB holds (0 = untagged / host). */
  tlbVpid = 0;
  /** Instructions left before the VMX-preemption timer fires, or -1 when inactive. */
  preemptionDeadline = -1;
  /** Virtual-NMI blocking (pin-based "virtual NMIs"). */
  virtualNmiBlocked = false;
  /** EPT root the TLB's combined mappings were built with. */
  tlbEptRoot = -1;
  /** The guest entered (or stays) in the wait-for-SIPI activity state (SDM vol. 3C §24.4.2). */
  waitForSipi = false;
  /**
   * INIT and SIPI signals latched for this processor. INIT is blocked in VMX root operation and causes a
   * VM exit (reason 3) in non-root operation; SIPI (vector, or -1) causes a VM exit (reason 4) only in the
   * wait-for-SIPI activity state and is otherwise discarded (SDM vol. 3C §25.2, §26.7.6).
   */
  initPending = false;
  sipiVector = -1;
  /** "Monitor trap flag" of the VMCS in use: an MTF VM exit follows every instruction (SDM vol. 3C §26.5.2). */
  mtf = false;

  // ---- exit information staged by the intercept that is about to cause a VM exit ----
  exitIntrInfo = 0;
  exitIntrError = 0;
  exitInsnLen = 0;
  exitInsnInfo = 0;
  exitGuestLinear = 0;
  exitGuestPhysical = 0;
  /**
   * The software in root operation runs no x86 code of its own between a VM exit and the next VM entry and
   * observes the processor only through the VMX instructions (the kvm module). Exits may then defer the
   * part of the state switch nothing can see: when every guest-state component but RIP, RSP, RFLAGS and the
   * non-register state already holds what the processor holds, the exit saves only those and loads only the
   * host's RIP, RSP and RFLAGS; the processor keeps the guest's control registers, segments, descriptor
   * tables and MSRs, and an entry that finds them unchanged loads only the eager registers. The VMCS is
   * exact at all times (VMREAD needs nothing); the host's remaining state is loaded when something could
   * observe it (completeDeferredExit).
   */
  deferStateSwitch = false;
  /** A deferred exit has not loaded the host's control registers, segments, descriptor tables and MSRs yet. */
  hostStatePending = false;
  /**
   * The processor holds the guest's deferred components, equal to the VMCS's: the next entry may skip loading
   * them. Cleared by any VMWRITE to one of them (or to the VM-entry/VM-exit controls that say how they load).
   */
  guestStateLive = false;

  /** Count of VM exits and entries, for tracing and statistics. */
  exits = 0;
  entries = 0;
  /** VM entries that ran the checks of SDM vol. 3C §26.2-26.3.1 (the others found them still passed: VmcsCache.checksPassed). */
  entryChecksRun = 0;
  /** VM exits that deferred the state switch, and VM entries that found the guest's state still live. */
  deferredExits = 0;
  liveEntries = 0;

  constructor(vmxonPointer: number) {
    this.vmxonPointer = vmxonPointer;
  }
}
