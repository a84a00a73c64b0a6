import { describe, expect, it } from "vitest";
import { RPC_CALLS, rpcMetric, rpcRow, windowRates, type RpcWindow } from "./rpc-rate.js";

const w = (calls: number, wallMs: number, daemonCpuMs: number, clientCpuMs = 0): RpcWindow => ({ calls, wallMs, daemonCpuMs, clientCpuMs });

describe("RPC calls per second", () => {
  it("measures three list/info-class procedures", () => {
    expect([...RPC_CALLS]).toEqual(["virConnectNumOfDomains", "virConnectListAllDomains", "virDomainGetInfo"]);
  });
  it("rates a window by wall time and by the daemon's CPU time", () => {
    expect(windowRates(w(5000, 1000, 500))).toEqual({ perSec: 5000, perDaemonCpuSec: 10_000 });
    expect(windowRates(w(5000, 1000, 0)).perDaemonCpuSec).toBeNaN();
  });
  it("names the call, the concurrency and the client in the metric", () => {
    expect(rpcMetric("virDomainGetInfo", 1, "virtkit")).toBe("virDomainGetInfo, sequential, @virtkit/libvirt client");
    expect(rpcMetric("virConnectListAllDomains", 64, "python")).toBe("virConnectListAllDomains, 64 concurrent clients, python3-libvirt client");
  });
  it("makes a row of the median windows of both daemons, against the target ours ≥ Debian's", () => {
    const row = rpcRow("virConnectNumOfDomains", 64, "virtkit",
      { ours: [w(3000, 1000, 500, 600), w(1000, 1000, 500, 600), w(2000, 1000, 500, 600)], real: [w(1000, 1000, 2000, 200)] },
      { ours: null, real: null });
    expect(row.virtkit?.value).toBe(2000);
    expect(row.virtkit?.cpu).toBe(4000);
    expect(row.virtkit?.detail).toBe("daemon busy 50% of a core, client 60%");
    expect(row.peer?.value).toBe(1000);
    expect(row.peer?.cpu).toBe(500);
    expect(row.target).toMatchObject({ kind: "ratioAtLeast", value: 1 });
    expect(row.notes).toEqual([]);
  });
  it("leaves a side without windows empty and keeps the reason", () => {
    const row = rpcRow("virConnectNumOfDomains", 1, "python", { ours: [w(10, 1000, 5)], real: [] }, { ours: null, real: "Debian libvirtd 9.0: /usr/sbin/libvirtd not found" });
    expect(row.peer).toBeNull();
    expect(row.notes).toEqual(["Debian libvirtd 9.0: /usr/sbin/libvirtd not found"]);
  });
});
