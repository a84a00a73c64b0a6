/**
 * The system-call channel between a user thread and the kernel thread: one SharedArrayBuffer per user
 * thread, a header of Int32 words and a data area for struct arguments (copied in and out, as
 * copy_from_user / copy_to_user do). The caller posts a request and sleeps on its state word with
 * Atomics.wait; the kernel thread, woken through a shared doorbell, runs the call and notifies it.
 */

/** Header words. */
export const CH_STATE = 0;
export const CH_OP = 1;
export const CH_FD = 2;
export const CH_REQ = 3;
export const CH_ARG_KIND = 4;
export const CH_ARG_LO = 5;
export const CH_ARG_HI = 6;
export const CH_ARG_LEN = 7;
export const CH_RET = 8;
export const CH_HEADER_BYTES = 64;
/** The largest struct an ioctl passes by value here (kvm_xsave is 4 KiB; irq routing tables are larger). */
export const CH_DATA_BYTES = 1 << 16;

/** CH_STATE values. */
export const STATE_IDLE = 0;
export const STATE_POSTED = 1;
export const STATE_DONE = 2;

/** CH_OP values: the system calls a user thread makes. */
export const OP_OPEN_KVM = 1;
export const OP_IOCTL = 2;
export const OP_CLOSE = 3;
/** mmap of anonymous shared memory: the caller allocated the SharedArrayBuffer and sent it on its port. */
export const OP_MMAP = 4;
/** The kernel address of a vCPU's kvm_run pages (the caller maps them from the kernel heap). */
export const OP_VCPU_RUN_ADDR = 5;
/** tgkill: a signal for the thread running the vCPU `fd` (CH_ARG_LO is the signal number). */
export const OP_SIGNAL = 6;
export const OP_EVENTFD = 7;
export const OP_EVENTFD_WRITE = 8;

/** CH_ARG_KIND values. */
export const ARG_NONE = 0;
export const ARG_VALUE = 1;
export const ARG_BYTES = 2;

/** The kernel thread's shared control block: [0] doorbell (bumped by every request). */
export const CTL_DOORBELL = 0;

export function newChannel(): SharedArrayBuffer {
  return new SharedArrayBuffer(CH_HEADER_BYTES + CH_DATA_BYTES);
}
