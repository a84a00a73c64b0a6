import type { Clock, Timer } from "./clock.js";

/**
 * QEMU_CLOCK_VIRTUAL for a deterministic machine: time moves only when the owner (the vCPU run
 * loop, or a test) calls `advanceTo`/`advance`. Timers fire in deadline order (ties in the order they
 * were armed) and, while a callback runs, `now()` reads exactly that timer's deadline, so a device
 * that re-arms from its callback sees the time it was scheduled for and periodic devices (PIT, RTC)
 * keep an exact rate however coarsely the owner advances the clock.
 *
 * The active timers form an intrusive doubly linked list sorted by deadline, as QEMU's
 * QEMUTimerList: arming or cancelling allocates nothing.
 */
export class VirtualClock implements Clock {
  private nowNs: number;
  /** Sentinel head of the sorted list of armed timers. */
  private readonly head: VirtualTimer;
  private running = false;

  constructor(startNs = 0) {
    this.nowNs = startNs;
    this.head = new VirtualTimer(this, () => undefined);
    this.head.next = this.head;
    this.head.prev = this.head;
  }

  now(): number {
    return this.nowNs;
  }

  newTimer(callback: () => void): Timer {
    return new VirtualTimer(this, callback);
  }

  /** Deadline of the earliest armed timer, or Infinity: how far the run loop may run before an event. */
  nextDeadline(): number {
    const first = this.head.next;
    return first === this.head ? Infinity : first.deadline;
  }

  /** Moves time forward by `deltaNs`, firing every timer that falls due on the way. */
  advance(deltaNs: number): void {
    this.advanceTo(this.nowNs + deltaNs);
  }

  /**
   * Moves time forward to `targetNs`, firing due timers in deadline order. Time never goes back:
   * a target in the past only runs the timers that are already due.
   */
  advanceTo(targetNs: number): void {
    if (this.running) {
      throw new Error("VirtualClock.advanceTo called from a timer callback");
    }
    this.running = true;
    try {
      for (;;) {
        const first = this.head.next;
        if (first === this.head || first.deadline > targetNs) {
          break;
        }
        this.unlink(first);
        if (first.deadline > this.nowNs) {
          this.nowNs = first.deadline;
        }
        first.callback();
      }
      if (targetNs > this.nowNs) {
        this.nowNs = targetNs;
      }
    } finally {
      this.running = false;
    }
  }

  /** Runs due timers up to `now()` without moving time (after a device armed one in the past). */
  runDue(): void {
    this.advanceTo(this.nowNs);
  }

  /** savevm: the clock's own state is only its time; devices re-arm their timers in their fromState. */
  state(): { nowNs: number } {
    return { nowNs: this.nowNs };
  }

  fromState(state: { nowNs: number }): void {
    this.nowNs = state.nowNs;
  }

  /** @internal */
  insert(timer: VirtualTimer): void {
    // Walk from the tail: re-arming to a later deadline (the common periodic case) ends near it.
    let at = this.head.prev;
    while (at !== this.head && at.deadline > timer.deadline) {
      at = at.prev;
    }
    timer.prev = at;
    timer.next = at.next;
    at.next.prev = timer;
    at.next = timer;
    timer.armed = true;
  }

  /** @internal */
  unlink(timer: VirtualTimer): void {
    timer.prev.next = timer.next;
    timer.next.prev = timer.prev;
    timer.next = timer;
    timer.prev = timer;
    timer.armed = false;
  }
}

class VirtualTimer implements Timer {
  deadline = 0;
  armed = false;
  next: VirtualTimer = this;
  prev: VirtualTimer = this;

  constructor(
    private readonly clock: VirtualClock,
    readonly callback: () => void,
  ) {}

  get pending(): boolean {
    return this.armed;
  }

  /** Absolute deadline in ns, or -1 when not armed (timer_expire_time_ns). */
  get expireTime(): number {
    return this.armed ? this.deadline : -1;
  }

  mod(deadlineNs: number): void {
    if (this.armed) {
      this.clock.unlink(this);
    }
    this.deadline = deadlineNs;
    this.clock.insert(this);
  }

  del(): void {
    if (this.armed) {
      this.clock.unlink(this);
    }
  }
}
