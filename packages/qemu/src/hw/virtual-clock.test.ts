import { describe, expect, it } from "vitest";
import { VirtualClock } from "./virtual-clock.js";

describe("VirtualClock", () => {
  it("fires timers in deadline order, ties in arming order, with now() at each deadline", () => {
    const clock = new VirtualClock();
    const log: string[] = [];
    const a = clock.newTimer(() => log.push(`a@${clock.now()}`));
    const b = clock.newTimer(() => log.push(`b@${clock.now()}`));
    const c = clock.newTimer(() => log.push(`c@${clock.now()}`));
    c.mod(300);
    a.mod(100);
    b.mod(100);
    expect(clock.nextDeadline()).toBe(100);
    clock.advanceTo(250);
    expect(log).toEqual(["a@100", "b@100"]);
    expect(clock.now()).toBe(250);
    expect(c.pending).toBe(true);
    clock.advance(100);
    expect(log).toEqual(["a@100", "b@100", "c@300"]);
    expect(clock.now()).toBe(350);
    expect(clock.nextDeadline()).toBe(Infinity);
  });

  it("runs a periodic timer re-armed from its callback at an exact rate", () => {
    const clock = new VirtualClock();
    let fired = 0;
    const t = clock.newTimer(() => {
      fired++;
      t.mod(clock.now() + 1000);
    });
    t.mod(1000);
    clock.advanceTo(1_000_000);
    expect(fired).toBe(1000);
    expect(t.pending).toBe(true);
  });

  it("del() and re-mod() move a timer without firing it", () => {
    const clock = new VirtualClock();
    let fired = 0;
    const t = clock.newTimer(() => fired++);
    t.mod(10);
    t.del();
    expect(t.pending).toBe(false);
    clock.advanceTo(20);
    expect(fired).toBe(0);
    t.mod(50);
    t.mod(30);
    clock.advanceTo(40);
    expect(fired).toBe(1);
    expect(clock.now()).toBe(40);
  });

  it("never moves time backwards and round-trips its state", () => {
    const clock = new VirtualClock(500);
    clock.advanceTo(100);
    expect(clock.now()).toBe(500);
    const other = new VirtualClock();
    other.fromState(clock.state());
    expect(other.now()).toBe(500);
  });
});
