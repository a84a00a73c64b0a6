/**
 * The classic "Using the KVM API" example (LWN, 2015), written against @virtkit/kvm the way the C
 * original is written against /dev/kvm: one 4 KiB memory slot at guest-physical 0x1000 holding 16-bit
 * real-mode code that adds AL and BL, prints the digit and a newline on port 0x3F8, and halts.
 */
import {
  KVM_CAP_USER_MEMORY, KVM_CHECK_EXTENSION, KVM_CREATE_VCPU, KVM_CREATE_VM, KVM_EXIT_FAIL_ENTRY, KVM_EXIT_HLT,
  KVM_EXIT_INTERNAL_ERROR, KVM_EXIT_IO, KVM_EXIT_IO_OUT, KVM_GET_API_VERSION, KVM_GET_SREGS, KVM_GET_VCPU_MMAP_SIZE,
  KVM_RUN, KVM_RUN_EXIT_OFFSETS, KVM_RUN_OFFSETS, KVM_SET_REGS, KVM_SET_SREGS, KVM_SET_USER_MEMORY_REGION,
  KVM_SREGS_SIZE, StructView, decodeSregs, encodeMemoryRegion, encodeRegs, encodeSregs, hostMachine, ioctl,
  openDevKvm, ERRNO_MESSAGES, closeFd, mmapVcpu,
} from "@virtkit/kvm";

/** mov dx, 0x3f8; add al, bl; add al, '0'; out dx, al; mov al, '\n'; out dx, al; hlt */
export const KVMTEST_CODE = Uint8Array.of(0xba, 0xf8, 0x03, 0x00, 0xd8, 0x04, 0x30, 0xee, 0xb0, 0x0a, 0xee, 0xf4);

export interface KvmTestOptions {
  /** Where the guest's serial bytes go (the C version uses putchar). */
  putchar(c: number): void;
  /** Diagnostic lines (the C version's puts/errx). */
  log(line: string): void;
  code?: Uint8Array;
}

/** errx(3): the C example's way of failing. */
export class KvmTestError extends Error {}

function err(what: string, r: number): never {
  throw new KvmTestError(`${what}: ${ERRNO_MESSAGES[-r] ?? `errno ${-r}`}`);
}

/** Runs the example; returns the process exit status (0 on KVM_EXIT_HLT). */
export function runKvmTest(opts: KvmTestOptions): number {
  const kvm = openDevKvm();
  let ret = ioctl(kvm, KVM_GET_API_VERSION, 0);
  if (ret < 0) err("KVM_GET_API_VERSION", ret);
  if (ret !== 12) throw new KvmTestError(`KVM_GET_API_VERSION ${ret}, expected 12`);
  ret = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_USER_MEMORY);
  if (ret < 0) err("KVM_CHECK_EXTENSION", ret);
  if (!ret) throw new KvmTestError("Required extension KVM_CAP_USER_MEM not available");

  const vmfd = ioctl(kvm, KVM_CREATE_VM, 0);
  if (vmfd < 0) err("KVM_CREATE_VM", vmfd);

  // Allocate one aligned page of guest memory to hold the code.
  const mem = hostMachine().mmap(0x1000);
  if (!mem) throw new KvmTestError("allocating guest memory: Cannot allocate memory");
  mem.bytes.set(opts.code ?? KVMTEST_CODE);

  // Map it to the second page frame (to avoid the real-mode IDT at 0).
  ret = ioctl(vmfd, KVM_SET_USER_MEMORY_REGION, encodeMemoryRegion({
    slot: 0, flags: 0, guest_phys_addr: 0x1000, memory_size: 0x1000, userspace_addr: mem.addr,
  }));
  if (ret < 0) err("KVM_SET_USER_MEMORY_REGION", ret);

  const vcpufd = ioctl(vmfd, KVM_CREATE_VCPU, 0);
  if (vcpufd < 0) err("KVM_CREATE_VCPU", vcpufd);

  // Map the shared kvm_run structure and following data.
  ret = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
  if (ret < 0) err("KVM_GET_VCPU_MMAP_SIZE", ret);
  const mmapSize = ret;
  if (mmapSize < KVM_RUN_OFFSETS.s) throw new KvmTestError("KVM_GET_VCPU_MMAP_SIZE unexpectedly small");
  const runBytes = mmapVcpu(vcpufd, mmapSize, 0);
  if (typeof runBytes === "number") err("mmap vcpu", runBytes);
  const run = new StructView(runBytes);

  // Initialize CS to point at 0, via a read-modify-write of sregs.
  const sregsBuf = new Uint8Array(KVM_SREGS_SIZE);
  ret = ioctl(vcpufd, KVM_GET_SREGS, sregsBuf);
  if (ret < 0) err("KVM_GET_SREGS", ret);
  const sregs = decodeSregs(sregsBuf);
  sregs.cs.base = 0;
  sregs.cs.selector = 0;
  ret = ioctl(vcpufd, KVM_SET_SREGS, encodeSregs(sregs));
  if (ret < 0) err("KVM_SET_SREGS", ret);

  // Initialize registers: instruction pointer for our code, addends, and initial flags required by x86 architecture.
  ret = ioctl(vcpufd, KVM_SET_REGS, encodeRegs({ rip: 0x1000, rax: 2, rbx: 2, rflags: 0x2 }));
  if (ret < 0) err("KVM_SET_REGS", ret);

  // Repeatedly run code and handle VM exits.
  try {
    for (;;) {
      ret = ioctl(vcpufd, KVM_RUN, 0);
      if (ret < 0) err("KVM_RUN", ret);
      const reason = run.u32(KVM_RUN_OFFSETS.exit_reason);
      switch (reason) {
        case KVM_EXIT_HLT:
          opts.log("KVM_EXIT_HLT");
          return 0;
        case KVM_EXIT_IO: {
          const io = KVM_RUN_EXIT_OFFSETS.io;
          if (run.u8(io.direction) === KVM_EXIT_IO_OUT && run.u8(io.size) === 1 && run.u16(io.port) === 0x3f8 && run.u32(io.count) === 1) {
            opts.putchar(runBytes[run.u64(io.data_offset)]!);
          } else {
            throw new KvmTestError("unhandled KVM_EXIT_IO");
          }
          break;
        }
        case KVM_EXIT_FAIL_ENTRY:
          throw new KvmTestError(`KVM_EXIT_FAIL_ENTRY: fail_entry.hardware_entry_failure_reason = 0x${run.u64(KVM_RUN_EXIT_OFFSETS.fail_entry.hardware_entry_failure_reason).toString(16)}`);
        case KVM_EXIT_INTERNAL_ERROR:
          throw new KvmTestError(`KVM_EXIT_INTERNAL_ERROR: suberror = 0x${run.u32(KVM_RUN_EXIT_OFFSETS.internal.suberror).toString(16)}`);
        default:
          throw new KvmTestError(`exit_reason = 0x${reason.toString(16)}`);
      }
    }
  } finally {
    closeFd(vcpufd);
    closeFd(vmfd);
    closeFd(kvm);
  }
}

