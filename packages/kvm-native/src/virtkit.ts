/** The same raw interface over @virtkit/kvm's kvm module (for differential tests and VMMs that take either). */
import { closeFd, hostMachine, ioctl, mmapVcpu, openDevKvm } from "@virtkit/kvm";
import type { KvmSyscalls } from "./index.js";

export const virtkitKvm: KvmSyscalls = {
  name: "virtkit",
  openDevKvm: () => openDevKvm(),
  ioctl: (fd, request, arg) => ioctl(fd, request, arg),
  closeFd: (fd) => closeFd(fd),
  mmapVcpu: (fd, length) => mmapVcpu(fd, length),
  mmap: (length) => {
    const m = hostMachine().mmap(length);
    if (!m) throw new RangeError(`mmap of ${length} bytes failed`);
    return { addr: m.addr, bytes: m.bytes };
  },
};
