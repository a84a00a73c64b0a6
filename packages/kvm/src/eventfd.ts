/**
 * eventfd(2) objects, the currency of ioeventfd and irqfd (virt/kvm/eventfd.c). Modelled as a small
 * object with the eventfd's 64-bit counter and a list of in-thread listeners (the wait-queue callbacks
 * KVM hooks in with add_wait_queue). Writes add to the counter and wake the listeners; a read returns the
 * counter and resets it (or decrements by one with EFD_SEMAPHORE), as the syscall does. The counter lives
 * in a SharedArrayBuffer with a sequence word, so a waiter in another worker thread can sleep on it with
 * Atomics.wait(seq) — the cross-thread stand-in for poll(2).
 */
import { EAGAIN, EINVAL } from "./uapi/errno.js";

/** eventfd flags (include/uapi/linux/eventfd.h): EFD_SEMAPHORE; EFD_NONBLOCK / EFD_CLOEXEC are accepted. */
export const EFD_SEMAPHORE = 1;
export const EFD_CLOEXEC = 0o2000000;
export const EFD_NONBLOCK = 0o4000;

/** The counter's maximum (0xfffffffffffffffe); kept below 2^53 here, which no realistic use reaches. */
const EVENTFD_MAX = Number.MAX_SAFE_INTEGER - 1;

export type EventFdListener = (ev: EventFd) => void;

export class EventFd {
  /** [0] counter low, [1] counter high, [2] sequence (bumped and notified on every signal). */
  readonly shared: Int32Array;
  private readonly listeners = new Set<EventFdListener>();

  constructor(initval = 0, readonly flags = 0, shared?: SharedArrayBuffer) {
    this.shared = new Int32Array(shared ?? new SharedArrayBuffer(12));
    if (!shared) this.setCount(initval);
  }

  get count(): number {
    return (this.shared[1]! >>> 0) * 0x100000000 + (this.shared[0]! >>> 0);
  }

  private setCount(v: number): void {
    Atomics.store(this.shared, 0, v >>> 0);
    Atomics.store(this.shared, 1, Math.floor(v / 0x100000000) >>> 0);
  }

  /** write(2) of an 8-byte value: adds it (EINVAL for the all-ones value, EAGAIN on overflow). */
  write(value: number): number {
    if (!Number.isSafeInteger(value) || value < 0) return -EINVAL;
    if (value === 0) return 8;
    const c = this.count;
    if (c + value > EVENTFD_MAX) return -EAGAIN;
    this.setCount(c + value);
    this.wake();
    return 8;
  }

  /** eventfd_signal from inside the kernel: add 1 and wake. */
  signal(): void {
    this.write(1);
  }

  /** read(2): the counter (reset to 0), or 1 with EFD_SEMAPHORE; EAGAIN when it is 0 (non-blocking). */
  read(): number {
    const c = this.count;
    if (c === 0) return -EAGAIN;
    const take = this.flags & EFD_SEMAPHORE ? 1 : c;
    this.setCount(c - take);
    return take;
  }

  /** Hooks a wake-up callback (KVM's irqfd/ioeventfd wait-queue entries, or a device layer). */
  listen(fn: EventFdListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private wake(): void {
    Atomics.add(this.shared, 2, 1);
    Atomics.notify(this.shared, 2);
    for (const fn of this.listeners) fn(this);
  }

  /** The sequence word another thread passes to Atomics.wait to sleep until the next signal. */
  get sequence(): number {
    return Atomics.load(this.shared, 2);
  }
}
