/**
 * The process's file-descriptor table for the files this module hands out: /dev/kvm, VM and vCPU files,
 * and eventfds (which KVM_IRQFD and KVM_IOEVENTFD take by number, as the real ioctls take file descriptors).
 */
import type { HostMachine } from "./host/host-machine.js";
import type { KvmVm } from "./vm.js";
import type { KvmVcpu } from "./vcpu.js";
import type { EventFd } from "./eventfd.js";
import { EMFILE } from "./uapi/errno.js";

export type FileKind = "sys" | "vm" | "vcpu" | "eventfd";

export interface KvmFile {
  kind: FileKind;
  host: HostMachine;
  vm?: KvmVm;
  vcpu?: KvmVcpu;
  eventfd?: EventFd;
}

export const files = new Map<number, KvmFile>();
let nextFd = 3;

export function allocFd(f: KvmFile): number {
  if (files.size >= 65536) return -EMFILE;
  const fd = nextFd++;
  files.set(fd, f);
  return fd;
}

/** The eventfd behind `fd`, or undefined (EBADF for the caller). */
export function fdEventfd(fd: number): EventFd | undefined {
  return files.get(fd)?.eventfd;
}
