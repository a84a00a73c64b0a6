/**
 * Guest workloads with exactly known dynamic instruction counts, hand-assembled (the bytes are listed
 * with their assembly). Each runs in 32-bit flat protected mode or real mode as noted.
 */
import { Cpu, PhysicalMemory, STOP_HLT } from "@virtkit/cpu";
import { Kvm } from "@virtkit/kvm";

export const LOOP_ITERATIONS = 5_000_000;

/**
 * Integer loop, real mode with 32-bit operands:
 *   mov ecx, N            66 B9 imm32
 * l: add eax, ecx         66 01 C8
 *   dec ecx               66 49
 *   jnz l                 75 F9
 *   hlt                   F4
 * Dynamic count: 1 (mov) + 3N (loop body) + 1 (hlt) = 3N + 2.
 */
export function integerLoopCode(n: number): number[] {
  return [0x66, 0xb9, n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24, 0x66, 0x01, 0xc8, 0x66, 0x49, 0x75, 0xf9, 0xf4];
}

/** Runs the integer loop on the standalone CPU; returns retired instructions. */
export function cpuIntegerLoop(n = LOOP_ITERATIONS): number {
  const mem = new PhysicalMemory();
  mem.mapRam(0, new ArrayBuffer(1 << 20));
  const cpu = new Cpu(mem, { ioRead: () => 0xff, ioWrite: () => undefined, acknowledgeInterrupt: () => -1 });
  cpu.syncChunks();
  mem.writeBytes(0x1000, integerLoopCode(n));
  cpu.loadRealSegmentRaw(1, 0, 0x9b);
  cpu.eip = 0x1000;
  const before = cpu.instructionsRetired;
  if (cpu.run(1e12) !== STOP_HLT) throw new Error("integer loop did not reach HLT");
  const retired = cpu.instructionsRetired - before;
  if (retired !== 3 * n + 2) throw new Error(`integer loop retired ${retired}, expected ${3 * n + 2}`);
  return retired;
}

/**
 * Port-I/O loop through the whole KVM path (VMX exit → kvm → user space), real mode:
 *   mov cx, N      B9 imm16
 * l: out 0x80, al  E6 80
 *   loop l         E2 FC
 *   hlt            F4
 * One exit to user space per iteration.
 */
export function kvmPioLoop(n = 50_000): number {
  const kvm = Kvm.open();
  const vm = kvm.createVm();
  const m = kvm.mmap(0x1000);
  m.bytes.set([0xb9, n & 0xff, (n >>> 8) & 0xff, 0xe6, 0x80, 0xe2, 0xfc, 0xf4]);
  vm.setUserMemoryRegion({ slot: 0, flags: 0, guest_phys_addr: 0x1000, memory_size: 0x1000, userspace_addr: m.addr });
  const vcpu = vm.createVcpu(0);
  const s = vcpu.getSregs();
  s.cs.base = 0;
  s.cs.selector = 0;
  vcpu.setSregs(s);
  vcpu.setRegs({ rip: 0x1000, rflags: 2 });
  let exits = 0;
  for (;;) {
    const e = vcpu.runExit();
    if (e.reason === "hlt") break;
    if (e.reason !== "io-out" || e.port !== 0x80) throw new Error(`unexpected exit ${e.reason}`);
    exits++;
  }
  vm.close();
  kvm.close();
  if (exits !== n) throw new Error(`expected ${n} port exits, saw ${exits}`);
  return exits;
}
