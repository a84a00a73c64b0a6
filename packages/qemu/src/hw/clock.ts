/**
 * Virtual time for devices, as QEMU_CLOCK_VIRTUAL: it advances only while the guest runs
 * (the run loop moves it), so device timing is deterministic for a given instruction stream.
 * Times are in nanoseconds as plain numbers (2^53 ns is 104 days).
 */
export interface Timer {
  /** Arms (or re-arms) the timer to fire when the clock reaches `deadlineNs`. */
  mod(deadlineNs: number): void;
  del(): void;
  readonly pending: boolean;
}

export interface Clock {
  now(): number;
  newTimer(callback: () => void): Timer;
}
