/**
 * VM entry skips the checks of SDM vol. 3C §26.2-26.3.1 while the components they read are unchanged since
 * they last passed (VmcsCache.checksPassed). These tests pin the two halves of that: every component the
 * checks read is registered (so a change to it re-runs them), and a change after a passing entry is caught.
 */
import { describe, expect, it } from "vitest";
import { CR0_PE } from "../core/registers.js";
import { checkControlsAndHostState, checkGuestState, loadGuestState } from "./vm-entry.js";
import { isEntryChecked, isEntryDecoded, type VmcsCache } from "./vmcs.js";
import * as F from "./vmcs-fields.js";
import { VMX_FAIL_VALID, VMX_SUCCEED, vmlaunch, vmread, vmreadValue } from "./vmx-instructions.js";
import { RIG_GUEST_CODE, RIG_HOST_RIP, vmxRig, type VmxRig } from "./vmx-test-rig.js";
import { VMXERR_ENTRY_INVALID_CONTROL_FIELD } from "./exit-reasons.js";
import { INTR_INFO_DELIVER_CODE_MASK, INTR_INFO_VALID_MASK, INTR_TYPE_HARD_EXCEPTION, INTR_TYPE_SOFT_INTR } from "./vm-entry.js";
import { CPU_BASED_USE_IO_BITMAPS, CPU_BASED_USE_MSR_BITMAPS, VM_ENTRY_LOAD_IA32_PAT, VM_EXIT_LOAD_IA32_PAT } from "./capabilities.js";

/** Runs `body` with the cache's reads recorded; returns the encodings read. */
function componentsRead(rig: VmxRig, body: () => void = () => {
  checkControlsAndHostState(rig.cpu.vmx!);
  checkGuestState(rig.cpu.vmx!);
}): Set<number> {
  const vmx = rig.cpu.vmx!;
  const cache: VmcsCache = vmx.vmcs;
  const seen = new Set<number>();
  const get = cache.get.bind(cache), get64 = cache.get64.bind(cache), getHigh = cache.getHigh.bind(cache);
  cache.get = (e: number): number => (seen.add(e), get(e));
  cache.get64 = (e: number): number => (seen.add(e), get64(e));
  cache.getHigh = (e: number): number => (seen.add(e), getHigh(e));
  try {
    body();
  } finally {
    // Back to the prototype's methods.
    for (const m of ["get", "get64", "getHigh"]) Reflect.deleteProperty(cache, m);
  }
  return seen;
}

describe("the VM-entry check cache", () => {
  it("registers every component the checks read, over states that take their different paths", () => {
    const variants: ((rig: VmxRig) => void)[] = [
      () => undefined,
      // Protected mode with paging and PAE through EPT: the PDPTE checks.
      (rig) => {
        rig.w(F.GUEST_CR0, rig.r(F.GUEST_CR0) | CR0_PE | (1 << 31));
        rig.w(F.GUEST_CR4, rig.r(F.GUEST_CR4) | (1 << 5));
      },
      // Virtual-8086 mode.
      (rig) => {
        rig.w(F.GUEST_CR0, rig.r(F.GUEST_CR0) | CR0_PE);
        rig.w(F.GUEST_RFLAGS, 2 | (1 << 17));
      },
      // An injected hardware exception with an error code, and a software interrupt.
      (rig) => {
        rig.w(F.GUEST_CR0, rig.r(F.GUEST_CR0) | CR0_PE);
        rig.w(F.VM_ENTRY_INTR_INFO_FIELD, 13 | (INTR_TYPE_HARD_EXCEPTION << 8) | INTR_INFO_DELIVER_CODE_MASK | INTR_INFO_VALID_MASK);
      },
      (rig) => rig.w(F.VM_ENTRY_INTR_INFO_FIELD, 0x21 | (INTR_TYPE_SOFT_INTR << 8) | INTR_INFO_VALID_MASK),
      // I/O and MSR bitmaps, PAT loading on entry and exit.
      (rig) => {
        rig.w(F.CPU_BASED_VM_EXEC_CONTROL, rig.r(F.CPU_BASED_VM_EXEC_CONTROL) | CPU_BASED_USE_IO_BITMAPS | CPU_BASED_USE_MSR_BITMAPS);
        rig.w(F.VM_ENTRY_CONTROLS, rig.r(F.VM_ENTRY_CONTROLS) | VM_ENTRY_LOAD_IA32_PAT);
        rig.w(F.VM_EXIT_CONTROLS, rig.r(F.VM_EXIT_CONTROLS) | VM_EXIT_LOAD_IA32_PAT);
      },
    ];
    for (const variant of variants) {
      const rig = vmxRig();
      variant(rig);
      const unregistered = [...componentsRead(rig)].filter((e) => !isEntryChecked(e)).map((e) => F.vmcsFieldName(e) ?? e.toString(16));
      expect(unregistered).toEqual([]);
    }
  });

  it("registers every control that VM entry decodes, so changing one makes the next entry decode again", () => {
    const rig = vmxRig({ proc: 1 << 25 });
    const vmx = rig.cpu.vmx!;
    vmx.vmcs.controlsDecoded = false;
    const read = componentsRead(rig, () => loadGuestState(rig.cpu, vmx));
    const controls = [...read].filter((e) => F.fieldType(e) === F.TYPE_CONTROL);
    expect(controls.length).toBeGreaterThan(10);
    expect(controls.filter((e) => !isEntryDecoded(e)).map((e) => F.vmcsFieldName(e) ?? e.toString(16))).toEqual([]);
    expect(vmx.vmcs.controlsDecoded).toBe(true);
    vmx.vmcs.set(F.EXCEPTION_BITMAP, 1 << 6); // (the processor is in the guest now: the internal store VMWRITE uses)
    expect(vmx.vmcs.controlsDecoded).toBe(false);
  });

  it("skips the checks at an entry after a passing one, and runs them again when a checked component changes", () => {
    const rig = vmxRig({ proc: 1 << 24 });
    rig.mem.write8(RIG_GUEST_CODE, 0xe6); // OUT 80h, AL: an I/O exit
    rig.mem.write8(RIG_GUEST_CODE + 1, 0x80);
    const vmx = rig.cpu.vmx!;
    expect(vmlaunch(rig.cpu, false)).toBe(VMX_SUCCEED);
    expect(rig.r(F.VM_EXIT_REASON)).toBe(30);
    expect(vmx.entryChecksRun).toBe(1);
    // The exit saved the guest state (RIP at the OUT); nothing checked changed.
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_SUCCEED);
    expect(vmx.entryChecksRun).toBe(1);
    // RIP and RSP are not checked; arithmetic flags are not either.
    rig.w(F.GUEST_RIP, RIG_GUEST_CODE);
    rig.w(F.GUEST_RFLAGS, 2 | 1 | 0x40);
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_SUCCEED);
    expect(vmx.entryChecksRun).toBe(1);
    // A checked component written with the same value does not re-run them either.
    rig.w(F.HOST_CS_SELECTOR, rig.r(F.HOST_CS_SELECTOR));
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_SUCCEED);
    expect(vmx.entryChecksRun).toBe(1);
    // A bad control value is caught at the next entry (VMfailValid 7), exactly as without the cache.
    const proc = rig.r(F.CPU_BASED_VM_EXEC_CONTROL);
    rig.w(F.CPU_BASED_VM_EXEC_CONTROL, proc | (1 << 21)); // use TPR shadow: not supported
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_FAIL_VALID);
    expect(vmread(rig.cpu, F.VM_INSTRUCTION_ERROR)).toBe(VMX_SUCCEED);
    expect(vmreadValue).toBe(VMXERR_ENTRY_INVALID_CONTROL_FIELD);
    rig.w(F.CPU_BASED_VM_EXEC_CONTROL, proc);
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_SUCCEED);
    expect(vmx.entryChecksRun).toBe(3);
    // A reserved RFLAGS bit is checked: invalid guest state, exit reason 33 with bit 31, back at HOST_RIP.
    rig.w(F.GUEST_RFLAGS, 2 | (1 << 15));
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_SUCCEED);
    expect(rig.r(F.VM_EXIT_REASON)).toBe((0x80000000 | 33) >>> 0);
    expect(rig.cpu.eip).toBe(RIG_HOST_RIP);
    // An invalid segment in the guest state after passing entries is caught as well.
    rig.w(F.GUEST_RFLAGS, 2);
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_SUCCEED);
    expect(rig.r(F.VM_EXIT_REASON)).toBe(30);
    rig.w(F.GUEST_CS_AR_BYTES, 0x97); // an expand-down data segment type in CS
    expect(vmlaunch(rig.cpu, true)).toBe(VMX_SUCCEED);
    expect(rig.r(F.VM_EXIT_REASON)).toBe((0x80000000 | 33) >>> 0);
  });
});
