/**
 * @virtkit/kvm-native — the host's real /dev/kvm behind the same raw interface as @virtkit/kvm's module
 * (openDevKvm, ioctl with full request numbers and byte-exact struct buffers, closeFd, mmapVcpu, mmap of
 * guest memory), so VMM code and KVM-selftest-style guests run unchanged on either. Struct buffers are
 * copied to native memory for the call and back; user pointers inside structs (userspace_addr, dirty
 * bitmaps) are real host addresses from `mmap`.
 */
import { addon, nativeUnavailable } from "./native.js";

export { nativeUnavailable };

/** The raw KVM system-call interface both implementations offer. */
export interface KvmSyscalls {
  readonly name: "virtkit" | "native";
  openDevKvm(): number;
  ioctl(fd: number, request: number, arg?: number | Uint8Array): number;
  closeFd(fd: number): number;
  /** The vCPU's kvm_run area (length bytes from offset 0), or -errno. */
  mmapVcpu(fd: number, length: number): Uint8Array | number;
  /** Anonymous shared memory for guest RAM: its user address and bytes. */
  mmap(length: number): { addr: number; bytes: Uint8Array };
}

function need(): NonNullable<typeof addon> {
  if (!addon) throw new Error(`@virtkit/kvm-native is unavailable: ${nativeUnavailable ?? "unknown reason"}`);
  return addon;
}

/** The host's /dev/kvm (throws on use when unavailable; check `nativeUnavailable` first). */
export const nativeKvm: KvmSyscalls = {
  name: "native",
  openDevKvm: () => need().open("/dev/kvm"),
  ioctl: (fd, request, arg) => (arg === undefined ? need().ioctl(fd, request >>> 0) : need().ioctl(fd, request >>> 0, arg)),
  closeFd: (fd) => need().close(fd),
  mmapVcpu: (fd, length) => {
    const m = need().mmap(length, fd, 0);
    return typeof m === "number" ? m : new Uint8Array(m.buffer);
  },
  mmap: (length) => {
    const m = need().mmap(length, -1, 0);
    if (typeof m === "number") throw new RangeError(`mmap of ${length} bytes failed (errno ${-m})`);
    return { addr: m.addr, bytes: new Uint8Array(m.buffer) };
  },
};
export { virtkitKvm } from "./virtkit.js";
