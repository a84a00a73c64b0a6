/**
 * A compiled region in VMX non-root operation whose first instruction causes a VM exit: the region
 * retired nothing, yet the processor is in root operation at HOST_RIP now, and the guest's block must
 * not be run again by the block interpreter (it would execute guest code with the host's state; in the
 * Linux boot this corrupted the kernel's strncmp results after an EPT violation on its SCASB).
 */
import { describe, expect, it } from "vitest";
import { CPU_BASED_UNCOND_IO_EXITING } from "../vmx/capabilities.js";
import * as F from "../vmx/vmcs-fields.js";
import { VMX_SUCCEED, vmlaunch } from "../vmx/vmx-instructions.js";
import { RIG_GUEST_CODE, RIG_HOST_RIP, vmxRig } from "../vmx/vmx-test-rig.js";

describe("a VM exit at the first instruction of a compiled region", () => {
  it("leaves the processor at HOST_RIP with nothing of the guest's loop run in root operation", () => {
    const rig = vmxRig({ proc: CPU_BASED_UNCOND_IO_EXITING });
    rig.cpu.blocksEnabled = true;
    rig.cpu.jit = true;
    rig.cpu.jitThreshold = 0;
    // mov dx, 0x80; l: out dx, al; inc ax; jmp l
    rig.mem.writeBytes(RIG_GUEST_CODE, [0xba, 0x80, 0x00, 0xee, 0x40, 0xeb, 0xfc]);
    const loop = RIG_GUEST_CODE + 3;
    for (let i = 0; i < 50; i++) {
      expect(vmlaunch(rig.cpu, i > 0)).toBe(VMX_SUCCEED);
      expect(rig.r(F.VM_EXIT_REASON)).toBe(30);
      expect(rig.r(F.GUEST_RIP)).toBe(loop);
      // The exit loaded the host state; no guest instruction ran after it.
      expect(rig.cpu.eip).toBe(RIG_HOST_RIP);
      expect(rig.ports).toEqual([]);
      // Resume after the OUT, as a hypervisor does once it emulated the port write.
      rig.w(F.GUEST_RIP, loop + 1);
    }
    expect(rig.cpu.jitCompiled).toBeGreaterThan(0);
    expect(rig.cpu.jitFailures).toBe(0);
  });
});
