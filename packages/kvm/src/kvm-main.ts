/**
 * The /dev/kvm character device and the files it hands out (virt/kvm/kvm_main.c): a process-wide fd
 * table, open("/dev/kvm"), close(), and the raw ioctl(fd, request, arg) entry keyed by the full 32-bit
 * request number and the kind of file. Errors are negative errno values, as the syscall returns them.
 */
import { PAGE_SIZE, CpuidTable, defaultCpuid, CPUID_APIC, CPUID_EXT_VMX } from "@virtkit/cpu";
import { hostMachine, type HostMachine } from "./host/host-machine.js";
import { KvmVm, userStruct, vcpuIoctl, type IoctlArg } from "./vm.js";
import type { KvmVcpu } from "./vcpu.js";
import { EBADF, E2BIG, EFAULT, EINVAL, ENOTTY } from "./uapi/errno.js";
import { allocFd, files, type FileKind, type KvmFile } from "./fd-table.js";
import { EventFd, EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE } from "./eventfd.js";
import { KVM_API_VERSION, KVM_VCPU_MMAP_PAGES } from "./uapi/constants.js";
import * as IOC from "./uapi/ioctl.js";
import { KVM_CPUID2_HEADER_SIZE, KVM_CPUID_ENTRY2_SIZE, StructView, encodeCpuid2, type KvmCpuidEntry2 } from "./uapi/structs.js";
import { checkExtension } from "./capabilities.js";
import { KVM_MSR_INDEX_LIST } from "./msr.js";
import { kvmTrace } from "./trace.js";

export type { FileKind };

/**
 * eventfd(initval, flags): a new eventfd file (EFD_SEMAPHORE, EFD_NONBLOCK and EFD_CLOEXEC accepted;
 * other flags are EINVAL, as eventfd2(2) says).
 */
export function eventfd(initval = 0, flags = 0, host: HostMachine = hostMachine()): number {
  if ((flags & ~(EFD_SEMAPHORE | EFD_NONBLOCK | EFD_CLOEXEC)) !== 0 || !Number.isInteger(initval) || initval < 0 || initval > 0xffffffff) return -EINVAL;
  return allocFd({ kind: "eventfd", host, eventfd: new EventFd(initval, flags) });
}

/** write(eventfd, &value, 8). Returns 8 or -errno. */
export function eventfdWrite(fd: number, value: number): number {
  const e = files.get(fd)?.eventfd;
  return e ? e.write(value) : -EBADF;
}

/** read(eventfd, &value, 8) in non-blocking mode: the value, or -EAGAIN when the counter is 0. */
export function eventfdRead(fd: number): number {
  const e = files.get(fd)?.eventfd;
  return e ? e.read() : -EBADF;
}

/** The EventFd object behind an eventfd file (to listen to it or wait on it from another thread). */
export function eventfdObject(fd: number): EventFd | undefined {
  return files.get(fd)?.eventfd;
}

/** open("/dev/kvm", O_RDWR): a system fd on the default host (or the given one). */
export function openDevKvm(host: HostMachine = hostMachine()): number {
  return allocFd({ kind: "sys", host });
}

/** close(fd). A VM goes away when its fd is closed (vCPU fds hold no extra reference here). */
export function closeFd(fd: number): number {
  const f = files.get(fd);
  if (!f) return -EBADF;
  files.delete(fd);
  if (f.kind === "vm") f.vm!.destroy();
  // Closing an eventfd does not detach it from irqfds/ioeventfds that hold it (they keep their reference).
  return 0;
}

/** The kind of file an fd refers to, or undefined. */
export function fdKind(fd: number): FileKind | undefined {
  return files.get(fd)?.kind;
}

/** The kernel objects behind fds, for the typed wrappers in this package. */
export function fdVcpu(fd: number): KvmVcpu | undefined {
  return files.get(fd)?.vcpu;
}
export function fdVm(fd: number): KvmVm | undefined {
  return files.get(fd)?.vm;
}

/**
 * KVM_GET_SUPPORTED_CPUID: what a guest can be given — our processor's leaves without VMX (no nesting),
 * plus the local APIC, which KVM always offers (kvm_set_cpu_caps: F(APIC)) because the VMM either gets
 * one per vCPU from KVM_CREATE_IRQCHIP or emulates it in user space; the processor itself has none.
 */
export function supportedCpuid(): KvmCpuidEntry2[] {
  const t: CpuidTable = defaultCpuid();
  return t.entries.map((e) => (e.function === 1 ? { ...e, ecx: e.ecx & ~CPUID_EXT_VMX, edx: (e.edx | CPUID_APIC) >>> 0 } : { ...e }));
}

type SysHandler = (f: KvmFile, arg: IoctlArg) => number;
const SYS_IOCTLS = new Map<number, SysHandler>([
  // An argument other than 0 is EINVAL for the argument-less system ioctls (kvm_dev_ioctl).
  [IOC.KVM_GET_API_VERSION, (_f, arg) => (arg ? -EINVAL : KVM_API_VERSION)],
  [IOC.KVM_CREATE_VM, (f, arg) => {
    // Only KVM_X86_DEFAULT_VM (0) exists here.
    if (arg !== undefined && arg !== 0) return -EINVAL;
    const vm = new KvmVm(f.host);
    return allocFd({ kind: "vm", host: f.host, vm });
  }],
  [IOC.KVM_CHECK_EXTENSION, (_f, arg) => checkExtension(typeof arg === "number" ? arg : -1)],
  [IOC.KVM_GET_VCPU_MMAP_SIZE, (_f, arg) => (arg ? -EINVAL : KVM_VCPU_MMAP_PAGES * PAGE_SIZE)],
  [IOC.KVM_GET_SUPPORTED_CPUID, (f, arg) => {
    const head = userStruct(f.host, arg, KVM_CPUID2_HEADER_SIZE);
    if (!head) return -EFAULT;
    const cap = new StructView(head).u32(0);
    const entries = supportedCpuid();
    // Too small a buffer: E2BIG, and nent tells the size needed.
    if (cap < entries.length) return -E2BIG;
    const b = userStruct(f.host, arg, KVM_CPUID2_HEADER_SIZE + entries.length * KVM_CPUID_ENTRY2_SIZE);
    if (!b) return -EFAULT;
    b.set(encodeCpuid2(entries));
    return 0;
  }],
  [IOC.KVM_GET_MSR_INDEX_LIST, (f, arg) => {
    const head = userStruct(f.host, arg, 4);
    if (!head) return -EFAULT;
    const v = new StructView(head);
    const cap = v.u32(0);
    v.setU32(0, KVM_MSR_INDEX_LIST.length);
    if (cap < KVM_MSR_INDEX_LIST.length) return -E2BIG;
    const b = userStruct(f.host, arg, 4 + KVM_MSR_INDEX_LIST.length * 4);
    if (!b) return -EFAULT;
    const w = new StructView(b);
    KVM_MSR_INDEX_LIST.forEach((m, i) => w.setU32(4 + i * 4, m));
    return 0;
  }],
]);

function dispatch(f: KvmFile, request: number, arg: IoctlArg): number {
  switch (f.kind) {
    case "sys": {
      const h = SYS_IOCTLS.get(request);
      return h ? h(f, arg) : -EINVAL;
    }
    case "vm": {
      if (request === IOC.KVM_CREATE_VCPU) {
        const v = f.vm!.createVcpu(typeof arg === "number" ? arg : -1);
        if (typeof v === "number") return v;
        return allocFd({ kind: "vcpu", host: f.host, vm: f.vm!, vcpu: v });
      }
      return f.vm!.ioctl(request, arg);
    }
    case "vcpu":
      return vcpuIoctl(f.vcpu!, request, arg);
    default:
      // eventfds take no KVM ioctls.
      return -ENOTTY;
  }
}

/**
 * ioctl(fd, request, arg): the raw system call. `arg` is the value for _IO requests, or the user memory
 * of the argument struct (a byte array, or a user address returned by mmap). Returns >= 0 or -errno.
 */
export function ioctl(fd: number, request: number, arg?: IoctlArg): number {
  const f = files.get(fd);
  if (!f) return -EBADF;
  request >>>= 0;
  const traced = (kvmTrace.enabled.sys_enter_ioctl || kvmTrace.enabled.sys_exit_ioctl) && f.kind !== "eventfd";
  const kind = f.kind === "eventfd" ? "sys" : f.kind;
  const name = traced ? (IOC.IOCTL_NAMES[kind][request] ?? `0x${request.toString(16)}`) : "";
  if (traced) kvmTrace.emit("sys_enter_ioctl", { fd, kind, cmd: request, name });
  const ret = dispatch(f, request, arg);
  if (traced) kvmTrace.emit("sys_exit_ioctl", { fd, kind, cmd: request, name, ret });
  return ret;
}

/**
 * mmap(NULL, length, PROT_READ|PROT_WRITE, MAP_SHARED, vcpu_fd, offset): the vCPU's kvm_run area.
 * Returns the shared bytes, or -EBADF / -EINVAL (not a vCPU fd, or beyond KVM_GET_VCPU_MMAP_SIZE).
 */
export function mmapVcpu(fd: number, length: number, offset = 0): Uint8Array | number {
  const f = files.get(fd);
  if (!f) return -EBADF;
  if (f.kind !== "vcpu") return -EINVAL;
  const pages = f.vcpu!.runPages;
  if (offset % PAGE_SIZE !== 0 || length <= 0 || offset + length > pages.byteLength) return -EINVAL;
  return pages.subarray(offset, offset + length);
}
