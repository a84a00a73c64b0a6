/**
 * PAUSE and RDTSC compiled inline (the kernel's delay loops: `rdtsc; ...; pause; jmp`): the region reads
 * the TSC as the interpreter's RDTSC does (the processor's TSC plus, in non-root operation, the VMCS TSC
 * offset) and stays in its loop; CR4.TSD outside ring 0 (#GP), "RDTSC exiting" and "PAUSE exiting" (VM
 * exits) go to the interpreter's handler, which faults or exits at exactly that instruction.
 */
import { describe, expect, it } from "vitest";
import { STOP_HLT } from "../cpu.js";
import { CR4_TSD } from "../core/registers.js";
import { code, enterRing3, inHandler } from "../testing/test-machine.js";
import { onEveryEngine } from "../testing/every-engine.js";
import { CPU_BASED_HLT_EXITING, CPU_BASED_PAUSE_EXITING, CPU_BASED_RDTSC_EXITING, CPU_BASED_USE_TSC_OFFSETTING } from "../vmx/capabilities.js";
import * as F from "../vmx/vmcs-fields.js";
import { VMX_SUCCEED, vmlaunch } from "../vmx/vmx-instructions.js";
import { RIG_GUEST_CODE, vmxRig } from "../vmx/vmx-test-rig.js";
import { EXIT_REASON_PAUSE_INSTRUCTION, EXIT_REASON_RDTSC } from "../vmx/exit-reasons.js";

/**
 * mov ecx, 500; l: rdtsc; add esi, eax; adc edi, edx; pause; dec ecx; jnz l; hlt
 * (EDI:ESI sums the TSC reads. The loop runs in one run() call, and the TSC counts the instructions
 * retired, those of the running call included: the k-th read sees 1 + 6k of them on every engine.)
 */
const DELAY_LOOP = [0xb9, 0xf4, 0x01, 0x00, 0x00, 0x0f, 0x31, 0x01, 0xc6, 0x11, 0xd7, 0xf3, 0x90, 0x49, 0x75, 0xf5, 0xf4];

describe("RDTSC and PAUSE in compiled regions", () => {
  it("read the same advancing TSC (above 2^32: EDX too) as the interpreter in a delay loop", () => {
    const { machines } = onEveryEngine((m) => {
      m.cpu.tscOffset = 0x1_8000_0000;
      code(m, DELAY_LOOP);
    });
    const jit = machines[2]!;
    expect(jit.cpu.jitCompiled).toBeGreaterThan(0);
    // Read k returns offset + 1 + 6k (MOV, then six instructions a round): the delay loop sees time pass
    // inside one run, as Linux's delay_tsc needs. EDI:ESI = sum over k (no carry out of EDI).
    const tsc = jit.cpu.tscOffset;
    let sum = 0;
    for (let k = 0; k < 500; k++) sum += tsc + 1 + 6 * k;
    expect(jit.cpu.reg[6]! >>> 0).toBe(sum % 0x100000000);
    expect(jit.cpu.reg[7]! >>> 0).toBe(Math.floor(sum / 0x100000000) % 0x100000000);
  });

  it("raise #GP at RDTSC with CR4.TSD at CPL 3, as the interpreter", () => {
    const { machines } = onEveryEngine((m) => {
      enterRing3(m);
      code(m, DELAY_LOOP);
      // The loop turns hot first, then TSD is set from its 300th iteration (a fault inside the compiled loop).
      m.cpu.cr4 &= ~CR4_TSD;
      const r = m.cpu.run(300 * 6);
      expect(r).not.toBe(STOP_HLT);
      m.cpu.cr4 |= CR4_TSD;
    });
    for (const m of machines) expect(inHandler(m, 13)).toBe(true);
  });
});

describe("RDTSC and PAUSE in compiled regions in VMX non-root operation", () => {
  /** mov ecx, 3000; l: rdtsc; pause; dec ecx; jnz l; hlt — in the rig's real-mode guest. */
  const GUEST = [0x66, 0xb9, 0xb8, 0x0b, 0x00, 0x00, 0x0f, 0x31, 0xf3, 0x90, 0x66, 0x49, 0x75, 0xf8, 0xf4];
  const LOOP = RIG_GUEST_CODE + 6;

  function rig(proc: number, jit = true): ReturnType<typeof vmxRig> {
    const r = vmxRig({ proc });
    r.cpu.blocksEnabled = jit;
    r.cpu.jit = jit;
    r.cpu.jitThreshold = 0;
    r.mem.writeBytes(RIG_GUEST_CODE, GUEST);
    return r;
  }

  it("add the VMCS TSC offset without exiting", () => {
    const seen: number[][] = [];
    for (const jit of [false, true]) {
      const r = rig(CPU_BASED_HLT_EXITING | CPU_BASED_USE_TSC_OFFSETTING, jit);
      r.w(F.TSC_OFFSET, 0x1234);
      r.w(F.TSC_OFFSET + 1, 0x2);
      r.cpu.tscOffset = 0x10;
      expect(vmlaunch(r.cpu, false)).toBe(VMX_SUCCEED);
      // HLT exits once the loop is done; the guest's EDX:EAX is the processor's TSC plus the offset.
      expect(r.r(F.VM_EXIT_REASON)).toBe(12);
      seen.push([r.cpu.reg[0]! >>> 0, r.cpu.reg[2]! >>> 0]);
      if (jit) expect(r.cpu.jitCompiled).toBeGreaterThan(0);
      expect(r.cpu.jitFailures).toBe(0);
    }
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[0]![1]).toBe(2);
    expect(seen[0]![0]! - 0x1244).toBeGreaterThanOrEqual(0);
  });

  it("take the RDTSC-exiting VM exit at RDTSC every time", () => {
    const r = rig(CPU_BASED_RDTSC_EXITING);
    for (let i = 0; i < 20; i++) {
      expect(vmlaunch(r.cpu, i > 0)).toBe(VMX_SUCCEED);
      expect(r.r(F.VM_EXIT_REASON)).toBe(EXIT_REASON_RDTSC);
      expect(r.r(F.GUEST_RIP)).toBe(LOOP);
      // Emulate it as a hypervisor does (EDX:EAX, skip the two bytes).
      r.w(F.GUEST_RIP, LOOP + 2);
    }
    expect(r.cpu.jitFailures).toBe(0);
  });

  it("take the PAUSE-exiting VM exit at PAUSE every time", () => {
    const r = rig(CPU_BASED_PAUSE_EXITING);
    for (let i = 0; i < 20; i++) {
      expect(vmlaunch(r.cpu, i > 0)).toBe(VMX_SUCCEED);
      expect(r.r(F.VM_EXIT_REASON)).toBe(EXIT_REASON_PAUSE_INSTRUCTION);
      expect(r.r(F.GUEST_RIP)).toBe(LOOP + 2);
      r.w(F.GUEST_RIP, LOOP + 4);
    }
    expect(r.cpu.jitCompiled).toBeGreaterThan(0);
    expect(r.cpu.jitFailures).toBe(0);
  });
});
