/**
 * Guest workloads with exactly known dynamic instruction counts, hand-assembled (the bytes are listed
 * with their assembly). Each runs on a chosen engine and returns the instructions it retired, after
 * checking the count against its formula; `lastState()` digests the final registers and memory so
 * engines can be compared.
 */
import { Cpu, PhysicalMemory, STOP_HLT } from "@virtkit/cpu";
import { Kvm } from "@virtkit/kvm";

export const LOOP_ITERATIONS = 5_000_000;

/**
 * How the processor executes: "step" decodes every instruction again (no block cache), "interpreter"
 * runs decoded blocks with the JIT off (cpu.jit = false, VIRTKIT_JIT=0), "jit" compiles hot code.
 */
export type Engine = "step" | "interpreter" | "jit";
export const ENGINES: readonly Engine[] = ["step", "interpreter", "jit"];

let lastCpu: Cpu | null = null;

/** Digest of the final state of the last workload run (registers, EFLAGS, memory), computed on demand. */
export function lastState(): string {
  const cpu = lastCpu;
  if (cpu === null) return "";
  let h = 0x811c9dc5;
  for (const c of cpu.mem.chunks) for (let i = 0; i < c.i32.length; i++) h = Math.imul(h ^ c.i32[i]!, 0x01000193);
  return `${Array.from(cpu.reg, (v) => (v >>> 0).toString(16)).join(" ")} eflags ${(cpu.eflags >>> 0).toString(16)} mem ${(h >>> 0).toString(16)}`;
}

function machine(engine: Engine, ramBytes: number): { cpu: Cpu; mem: PhysicalMemory } {
  const mem = new PhysicalMemory();
  mem.mapRam(0, new ArrayBuffer(ramBytes));
  const cpu = new Cpu(mem, { ioRead: () => 0xff, ioWrite: () => undefined, acknowledgeInterrupt: () => -1 });
  cpu.blocksEnabled = engine !== "step";
  cpu.jit = engine === "jit";
  cpu.syncChunks();
  return { cpu, mem };
}

function le32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** Flat 4 GiB ring-0 segments, loaded straight into the segment caches (what a GDT load would leave). */
const GDT = 0x500;
const IDT = 0x600;
function flatProtectedMode(cpu: Cpu, mem: PhysicalMemory): void {
  // GDT: null, 0x08 code (execute/read, 32-bit, 4 GiB), 0x10 data (read/write, 32-bit, 4 GiB).
  mem.writeBytes(GDT, [0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 0x9b, 0xcf, 0, 0xff, 0xff, 0, 0, 0, 0x93, 0xcf, 0]);
  cpu.gdtrBase = GDT;
  cpu.gdtrLimit = 23;
  cpu.idtrBase = IDT;
  cpu.idtrLimit = 0x7ff;
  cpu.cr0 |= 1;
  for (let s = 0; s < 6; s++) {
    cpu.segSel[s] = s === 1 ? 0x08 : 0x10;
    cpu.segBase[s] = 0;
    cpu.segLimit[s] = -1;
    cpu.segAr[s] = s === 1 ? 0xc09b : 0xc093;
  }
  cpu.onModeChange();
  cpu.reg[4] = 0x9000;
}

function finish(cpu: Cpu, name: string, expected: number): number {
  const before = cpu.instructionsRetired;
  const stop = cpu.run(1e12);
  if (stop !== STOP_HLT) throw new Error(`${name}: run() stopped with ${stop} at eip ${(cpu.eip >>> 0).toString(16)} ${cpu.internalError}`);
  const retired = cpu.instructionsRetired - before;
  if (retired !== expected) throw new Error(`${name}: retired ${retired}, expected ${expected}`);
  lastCpu = cpu;
  return retired;
}

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
  return [0x66, 0xb9, ...le32(n), 0x66, 0x01, 0xc8, 0x66, 0x49, 0x75, 0xf9, 0xf4];
}

/** Runs the integer loop; returns retired instructions. */
export function cpuIntegerLoop(n = LOOP_ITERATIONS, engine: Engine = "jit"): number {
  const { cpu, mem } = machine(engine, 1 << 20);
  mem.writeBytes(0x1000, integerLoopCode(n));
  cpu.loadRealSegmentRaw(1, 0, 0x9b);
  cpu.eip = 0x1000;
  return finish(cpu, "integer loop", 3 * n + 2);
}

/**
 * Branchy loop, 32-bit flat protected mode: a data-dependent branch every iteration.
 *   1000 mov ecx, N        B9 imm32
 *   1005 xor eax, eax      31 C0
 *   1007 xor ebx, ebx      31 DB
 * l 1009 test cl, 1        F6 C1 01
 *   100C jz even           74 04
 *   100E add eax, ecx      01 C8
 *   1010 jmp next          EB 02
 * even 1012 sub ebx, ecx   29 CB
 * next 1014 dec ecx        49
 *   1015 jnz l             75 F2
 *   1017 hlt               F4
 * Odd ECX: 6 instructions, even: 5. Count: 3 + 6 ceil(N/2) + 5 floor(N/2) + 1.
 */
export function cpuBranchyLoop(n = LOOP_ITERATIONS, engine: Engine = "jit"): number {
  const { cpu, mem } = machine(engine, 1 << 20);
  flatProtectedMode(cpu, mem);
  mem.writeBytes(0x1000, [0xb9, ...le32(n), 0x31, 0xc0, 0x31, 0xdb, 0xf6, 0xc1, 0x01, 0x74, 0x04, 0x01, 0xc8, 0xeb, 0x02, 0x29, 0xcb, 0x49, 0x75, 0xf2, 0xf4]);
  cpu.eip = 0x1000;
  return finish(cpu, "branchy loop", 3 + 6 * ((n + 1) >>> 1) + 5 * (n >>> 1) + 1);
}

/**
 * Memory loop, 32-bit flat: read an array, accumulate, write a running sum to another (4 KiB each).
 *   1000 mov esi, 0x100000         BE imm32
 *   1005 mov edi, 0x110000         BF imm32
 *   100A mov ecx, N                B9 imm32
 *   100F xor edx, edx              31 D2
 *   1011 xor ebx, ebx              31 DB
 * l 1013 mov eax, [esi+edx*4]      8B 04 96
 *   1016 add ebx, eax              01 C3
 *   1018 mov [edi+edx*4], ebx      89 1C 97
 *   101B inc edx                   42
 *   101C and edx, 0x3ff            81 E2 FF 03 00 00
 *   1022 dec ecx                   49
 *   1023 jnz l                     75 EE
 *   1025 hlt                       F4
 * Count: 5 + 7N + 1.
 */
export function cpuMemoryLoop(n = LOOP_ITERATIONS, engine: Engine = "jit"): number {
  const { cpu, mem } = machine(engine, 2 << 20);
  flatProtectedMode(cpu, mem);
  for (let i = 0; i < 1024; i++) mem.write32(0x100000 + i * 4, (i * 2654435761) | 0);
  mem.writeBytes(0x1000, [
    0xbe, ...le32(0x100000), 0xbf, ...le32(0x110000), 0xb9, ...le32(n), 0x31, 0xd2, 0x31, 0xdb,
    0x8b, 0x04, 0x96, 0x01, 0xc3, 0x89, 0x1c, 0x97, 0x42, 0x81, 0xe2, 0xff, 0x03, 0x00, 0x00, 0x49, 0x75, 0xee, 0xf4,
  ]);
  cpu.eip = 0x1000;
  return finish(cpu, "memory loop", 5 + 7 * n + 1);
}

/** Elements per REP MOVSD / REP STOSD in the string workload (64 KiB). */
export const STRING_DWORDS = 16384;
/**
 * A REP string instruction yields to the run loop every 4096 iterations (so interrupts are taken during
 * it, ops/string.ts REP_CHUNK) and each resumption retires it again: a 16384-element REP retires 4 times.
 */
const REP_RETIREMENTS = Math.ceil(STRING_DWORDS / 4096);

/**
 * String instructions, 32-bit flat: copy 64 KiB with REP MOVSD, fill 64 KiB with REP STOSD, M times.
 *   1000 mov edx, M                BA imm32
 * l 1005 mov esi, 0x100000         BE imm32
 *   100A mov edi, 0x120000         BF imm32
 *   100F mov ecx, 16384            B9 00 40 00 00
 *   1014 rep movsd                 F3 A5
 *   1016 mov edi, 0x140000         BF imm32
 *   101B mov ecx, 16384            B9 00 40 00 00
 *   1020 rep stosd                 F3 AB
 *   1022 dec edx                   4A
 *   1023 jnz l                     75 E0
 *   1025 hlt                       F4
 * Count: 1 + M (7 + 2 * 4) + 1. Bytes moved: 128 KiB per iteration.
 */
export function cpuStringLoop(m = 200, engine: Engine = "jit"): number {
  const { cpu, mem } = machine(engine, 2 << 20);
  flatProtectedMode(cpu, mem);
  for (let i = 0; i < STRING_DWORDS; i++) mem.write32(0x100000 + i * 4, i ^ 0x5a5a5a5a);
  const count = le32(STRING_DWORDS);
  mem.writeBytes(0x1000, [
    0xba, ...le32(m), 0xbe, ...le32(0x100000), 0xbf, ...le32(0x120000), 0xb9, ...count, 0xf3, 0xa5,
    0xbf, ...le32(0x140000), 0xb9, ...count, 0xf3, 0xab, 0x4a, 0x75, 0xe0, 0xf4,
  ]);
  cpu.reg[0] = 0x12345678;
  cpu.eip = 0x1000;
  return finish(cpu, "string loop", 1 + m * (7 + 2 * REP_RETIREMENTS) + 1);
}

/**
 * Paging-heavy loop, 32-bit paging: every pass reloads CR3 (flushing the TLB) and reads one dword
 * from each of 1024 pages (a page walk per access); the first pass finds the pages not present and
 * the guest's #PF handler maps them (demand paging), then IRET retries the access.
 *   1000 mov ebp, P                BD imm32
 * p 1005 mov eax, cr3              0F 20 D8
 *   1008 mov cr3, eax              0F 22 D8
 *   100B mov esi, 0x400000         BE 00 00 40 00
 *   1010 mov ecx, 1024             B9 00 04 00 00
 * l 1015 mov eax, [esi]            8B 06
 *   1017 add ebx, eax              01 C3
 *   1019 add esi, 4096             81 C6 00 10 00 00
 *   101F dec ecx                   49
 *   1020 jnz l                     75 F3
 *   1022 dec ebp                   4D
 *   1023 jnz p                     75 E0
 *   1025 hlt                       F4
 * #PF handler (IDT vector 14, interrupt gate):
 *   2000 push eax; push edx        50 52
 *   2002 mov eax, cr2              0F 20 D0
 *   2005 and eax, 0xfffff000       25 00 F0 FF FF
 *   200A mov edx, eax              89 C2
 *   200C shr edx, 10               C1 EA 0A
 *   200F and edx, 0xffc            81 E2 FC 0F 00 00
 *   2015 or eax, 3                 83 C8 03
 *   2018 mov [edx+0x12000], eax    89 82 00 20 01 00
 *   201E pop edx; pop eax          5A 58
 *   2020 add esp, 4                83 C4 04   (the error code)
 *   2023 iret                      CF
 * Count: 1 + P (6 + 5 * 1024) + 1 + 1024 * 13 (handler runs: 13 instructions).
 */
export function cpuPagingLoop(passes = 100, engine: Engine = "jit"): number {
  const { cpu, mem } = machine(engine, 16 << 20);
  flatProtectedMode(cpu, mem);
  // Page directory at 0x10000: 0-4 MiB identity through PT0 (0x11000), 4-8 MiB through PT1 (0x12000), all absent.
  mem.write32(0x10000, 0x11000 | 3);
  mem.write32(0x10004, 0x12000 | 3);
  for (let i = 0; i < 1024; i++) mem.write32(0x11000 + i * 4, (i << 12) | 3);
  // IDT vector 14: 32-bit interrupt gate to 0x08:0x2000.
  mem.write32(IDT + 14 * 8, (0x08 << 16) | 0x2000);
  mem.write32(IDT + 14 * 8 + 4, 0x8e00);
  mem.writeBytes(0x2000, [
    0x50, 0x52, 0x0f, 0x20, 0xd0, 0x25, 0x00, 0xf0, 0xff, 0xff, 0x89, 0xc2, 0xc1, 0xea, 0x0a, 0x81, 0xe2, 0xfc, 0x0f, 0x00, 0x00,
    0x83, 0xc8, 0x03, 0x89, 0x82, 0x00, 0x20, 0x01, 0x00, 0x5a, 0x58, 0x83, 0xc4, 0x04, 0xcf,
  ]);
  mem.writeBytes(0x1000, [
    0xbd, ...le32(passes), 0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8, 0xbe, ...le32(0x400000), 0xb9, ...le32(1024),
    0x8b, 0x06, 0x01, 0xc3, 0x81, 0xc6, 0x00, 0x10, 0x00, 0x00, 0x49, 0x75, 0xf3, 0x4d, 0x75, 0xe0, 0xf4,
  ]);
  for (let i = 0; i < 1024; i++) mem.write32(0x400000 + i * 4096, i * 7);
  cpu.cr3 = 0x10000;
  cpu.cr0 |= 0x80000000;
  cpu.flushTlb(true);
  cpu.eip = 0x1000;
  return finish(cpu, "paging loop", 1 + passes * (6 + 5 * 1024) + 1 + 1024 * 13);
}

/**
 * x87 loop, 32-bit flat: floating-point adds and multiplies on the register stack.
 *   1000 mov ecx, N                B9 imm32
 *   1005 fld1                      D9 E8
 *   1007 fldz                      D9 EE
 * l 1009 fadd st0, st1             D8 C1
 *   100B fld st0                   D9 C0
 *   100D fmul st0, st0             D8 C8
 *   100F fstp st0                  DD D8
 *   1011 dec ecx                   49
 *   1012 jnz l                     75 F5
 *   1014 fstp st0; fstp st0        DD D8 DD D8
 *   1018 hlt                       F4
 * Count: 3 + 6N + 3.
 */
export function cpuX87Loop(n = 500_000, engine: Engine = "jit"): number {
  const { cpu, mem } = machine(engine, 1 << 20);
  flatProtectedMode(cpu, mem);
  mem.writeBytes(0x1000, [0xb9, ...le32(n), 0xd9, 0xe8, 0xd9, 0xee, 0xd8, 0xc1, 0xd9, 0xc0, 0xd8, 0xc8, 0xdd, 0xd8, 0x49, 0x75, 0xf5, 0xdd, 0xd8, 0xdd, 0xd8, 0xf4]);
  cpu.eip = 0x1000;
  return finish(cpu, "x87 loop", 3 + 6 * n + 3);
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
