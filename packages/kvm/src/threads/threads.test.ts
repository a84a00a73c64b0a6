/**
 * SMP with threads: the kvm module in a kernel thread and each vCPU in its own worker thread that calls
 * KVM_RUN and handles its exits. A two-vCPU guest: the BSP starts the AP with INIT and SIPI through its
 * local APIC, the AP sends an IPI back, each thread sees its own vCPU's port output. Runs on the built
 * package (dist/), as workers cannot load TypeScript.
 */
import { existsSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import * as IOC from "../uapi/ioctl.js";
import { decodeSregs, encodeMemoryRegion, encodeRegs, encodeSregs } from "../uapi/structs.js";

const distThreads = new URL("../../dist/threads.js", import.meta.url);
const built = existsSync(distThreads);
if (!built) console.warn("threads.test.ts: dist/threads.js is missing — run `pnpm --filter @virtkit/kvm build` first; skipping");

// smp_bsp / smp_ap / apic_eoi_handler: see vcpu-state.test.ts for the NASM source.
const SMP_BSP = [0x66, 0x67, 0xc7, 0x05, 0xf0, 0x00, 0xe0, 0xfe, 0xff, 0x01, 0x00, 0x00, 0x66, 0x67, 0xc7, 0x05, 0x10, 0x03, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x01, 0x66, 0x67, 0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x00, 0x45, 0x00, 0x00, 0x66, 0x67, 0xc7, 0x05, 0x00, 0x03, 0xe0, 0xfe, 0x03, 0x46, 0x00, 0x00, 0xfb, 0xf4, 0xeb, 0xfd];
const SMP_AP = [0x66, 0xb9, 0x1b, 0x00, 0x00, 0x00, 0x66, 0xb8, 0x00, 0x08, 0x0e, 0x00, 0x66, 0x31, 0xd2, 0x0f, 0x30, 0xb8, 0x00, 0xe0, 0x8e, 0xd8, 0x66, 0xc7, 0x06, 0xf0, 0x00, 0xff, 0x01, 0x00, 0x00, 0x66, 0xc7, 0x06, 0x10, 0x03, 0x00, 0x00, 0x00, 0x00, 0x66, 0xc7, 0x06, 0x00, 0x03, 0x50, 0x40, 0x00, 0x00, 0xb0, 0x41, 0xe6, 0xe9, 0xf4, 0xeb, 0xfd];
const APIC_EOI_HANDLER = [0xe6, 0xe9, 0x66, 0x67, 0xc7, 0x05, 0xb0, 0x00, 0xe0, 0xfe, 0x00, 0x00, 0x00, 0x00, 0xcf];

interface ThreadResult {
  out: number[];
  returns: (number | string)[];
}

describe.skipIf(!built)("SMP in worker threads", () => {
  it("the BSP's thread starts the AP by INIT/SIPI; the AP's IPI wakes the BSP; each thread handles its own exits", async () => {
    const threads = (await import(distThreads.href)) as typeof import("./index.js");
    const kt = await threads.KernelThread.start(threads.KERNEL_WORKER_URL);
    try {
      const c = new threads.KernelClient(kt.newClient());
      const kvm = c.openDevKvm();
      const vm = c.ioctl(kvm, IOC.KVM_CREATE_VM, 0);
      expect(vm).toBeGreaterThan(0);
      expect(c.ioctl(vm, IOC.KVM_CREATE_IRQCHIP, 0)).toBe(0);
      const mem = c.mmap(0x10000);
      mem.bytes.set(SMP_BSP, 0x1000);
      mem.bytes.set(SMP_AP, 0x3000);
      mem.bytes.set(APIC_EOI_HANDLER, 0x2000);
      mem.bytes.set([0x00, 0x20, 0x00, 0x00], 0x50 * 4);
      expect(c.ioctl(vm, IOC.KVM_SET_USER_MEMORY_REGION, encodeMemoryRegion({ slot: 0, flags: 0, guest_phys_addr: 0, memory_size: 0x10000, userspace_addr: mem.addr }))).toBe(0);
      const bsp = c.ioctl(vm, IOC.KVM_CREATE_VCPU, 0);
      const ap = c.ioctl(vm, IOC.KVM_CREATE_VCPU, 1);
      const sb = new Uint8Array(312);
      expect(c.ioctl(bsp, IOC.KVM_GET_SREGS, sb)).toBe(0);
      const s = decodeSregs(sb);
      s.cs.base = 0;
      s.cs.selector = 0;
      for (const seg of [s.ds, s.es]) {
        seg.limit = 0xffffffff;
        seg.g = 1;
      }
      expect(c.ioctl(bsp, IOC.KVM_SET_SREGS, encodeSregs(s))).toBe(0);
      expect(c.ioctl(bsp, IOC.KVM_SET_REGS, encodeRegs({ rip: 0x1000, rflags: 2, rsp: 0xfff0, rax: 0x50 }))).toBe(0);
      const start = (vcpuFd: number): Promise<ThreadResult> => {
        const desc = kt.newClient();
        const w = new Worker(new URL("./vcpu-thread.mjs", import.meta.url), { workerData: { desc, vcpuFd, stopAfter: 1 }, transferList: [desc.port] });
        return new Promise((resolve, reject) => {
          w.once("message", (m: ThreadResult) => {
            resolve(m);
            void w.terminate();
          });
          w.once("error", reject);
        });
      };
      // The AP's thread starts first: its KVM_RUN waits in the kernel until the BSP's INIT/SIPI arrive.
      const apDone = start(ap);
      const bspDone = start(bsp);
      const [a, b] = await Promise.all([apDone, bspDone]);
      expect(a.out).toEqual([0x41]);
      // The AP's first KVM_RUN processed INIT and SIPI and returned EAGAIN; the next one ran the guest.
      expect(a.returns[0]).toBe(-11);
      expect(b.out).toEqual([0x50]);
      const mp = new Uint8Array(4);
      expect(c.ioctl(ap, IOC.KVM_GET_MP_STATE, mp)).toBe(0);
      expect(mp[0]).toBe(0);
    } finally {
      await kt.stop();
    }
  });
});
