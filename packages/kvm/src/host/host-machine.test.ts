/**
 * How the host idles while every vCPU waits (HostMachine.setIdlePacing): by default the clock jumps to
 * the deadline at once (deterministic); with pacing the host sleeps so that its clock never runs ahead of
 * real time, and a clock that lags real time (after busy work) catches up without sleeping.
 */
import { describe, expect, it } from "vitest";
import { HostMachine } from "./host-machine.js";

const MS = 1e6;

describe("host idling", () => {
  it("jumps the clock to the deadline at once without pacing", () => {
    const host = new HostMachine();
    const t0 = host.now();
    let slept = 0;
    expect(host.idleUntil(t0 + 3_000 * MS, () => { slept++; })).toBe(3_000 * MS);
    expect(host.now()).toBe(t0 + 3_000 * MS);
    expect(slept).toBe(0);
  });

  it("sleeps in real time until the deadline with pacing: the clock never runs ahead of real time", () => {
    const host = new HostMachine();
    host.setIdlePacing(true);
    expect(host.idlePacing).toBe(true);
    const r0 = performance.now();
    const t0 = host.now();
    host.idleUntil(t0 + 40 * MS);
    const realMs = performance.now() - r0;
    // The sleep cannot be shorter than the idle time (a lower bound: a loaded machine only makes it longer).
    expect(realMs).toBeGreaterThanOrEqual(39);
    expect(host.now()).toBe(t0 + 40 * MS);
  });

  it("moves only as far as real time allows when the sleep ends early", () => {
    const host = new HostMachine();
    host.setIdlePacing(true);
    const t0 = host.now();
    // A sleeper woken at once (the kernel thread's doorbell rang): the clock may not reach the deadline.
    const idled = host.idleUntil(t0 + 10_000 * MS, () => undefined);
    expect(idled).toBeLessThan(10_000 * MS);
    expect(host.now()).toBe(t0 + idled);
  });

  it("catches up without sleeping while the clock lags real time", async () => {
    const host = new HostMachine();
    host.setIdlePacing(true);
    // Real time counts from the first idle; then real time runs on (as during busy guest work at less
    // than one instruction per ns).
    host.idleUntil(host.now() + 1 * MS);
    await new Promise((r) => setTimeout(r, 60));
    let slept = 0;
    const t0 = host.now();
    expect(host.idleUntil(t0 + 30 * MS, () => { slept++; })).toBe(30 * MS);
    expect(slept).toBe(0);
    host.setIdlePacing(false);
    expect(host.idlePacing).toBe(false);
  });
});
