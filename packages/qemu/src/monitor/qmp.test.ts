import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { type QemuSystem, qemuSystemMain } from "../cli/qemu-system.js";
import { CPU_GUESTS_DIR } from "../machine/testing/guest-harness.js";
import { QmpClient } from "./qmp-client.js";
import { JsonParseError, JsonStreamer, formatQmpJson, parseQmpJson } from "./qmp-json.js";

describe("QMP JSON", () => {
  it("formats as QEMU does: ': ' and ', ' separators, non-ASCII as \\u escapes, insertion order", () => {
    expect(formatQmpJson({ return: { status: "running", running: true, n: [1, 2] }, id: "é\n" })).toBe(
      '{"return": {"status": "running", "running": true, "n": [1, 2]}, "id": "\\u00e9\\n"}',
    );
  });

  it("reports parse errors in QEMU's words", () => {
    const err = (t: string): string => {
      try {
        parseQmpJson(t);
        return "ok";
      } catch (e) {
        return (e as JsonParseError).message;
      }
    };
    expect(err("garbage")).toBe("JSON parse error, invalid keyword 'garbage'");
    expect(err('{"execute":}')).toBe("JSON parse error, expecting value");
    expect(err('{"execute" "x"}')).toBe("JSON parse error, missing : in object pair");
    expect(err("{1:2}")).toBe("JSON parse error, key is not a string in object");
    expect(err("[1 2]")).toBe("JSON parse error, expected separator in list");
    expect(err('{"a":1 "b":2}')).toBe("JSON parse error, expected separator in dict");
    expect(err("@")).toBe("JSON parse error, stray '@'");
    expect(parseQmpJson("{'execute':'x'}")).toEqual({ execute: "x" });
  });

  it("splits a stream into top-level values as they complete", () => {
    const got: string[] = [];
    const s = new JsonStreamer((t) => got.push(t));
    s.feed('{"a": {"b"');
    s.feed(': "}"}} [1] garbage\n@{"x":1}');
    expect(got).toEqual(['{"a": {"b": "}"}}', "[1]", "garbage", "@", '{"x":1}']);
  });
});

/** Starts qemu-system-i386 in this process with a QMP socket; returns the client and the exit status promise. */
async function start(extra: string[] = []): Promise<{ qmp: QmpClient; status: Promise<number>; sys: () => QemuSystem | undefined }> {
  const dir = mkdtempSync(join(tmpdir(), "virtkit-qmp-"));
  const sock = join(dir, "qmp.sock");
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  stderr.resume();
  stdout.resume();
  const status = qemuSystemMain(
    ["-M", "pc", "-m", "16", "-nodefaults", "-display", "none", "-S", "-bios", `${CPU_GUESTS_DIR}hello.bin`, "-name", "guest1", "-uuid", "12345678-1234-1234-1234-123456789abc", "-qmp", `unix:${sock},server=on,wait=off`, ...extra],
    { stdout, stderr },
  );
  for (let i = 0; i < 200; i++) {
    try {
      const qmp = await QmpClient.connect({ path: sock });
      return { qmp, status, sys: () => undefined };
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error("no QMP socket");
}

describe("a QMP session", () => {
  it("negotiates, reports status, stops and continues with events before returns, and quits", async () => {
    const { qmp, status } = await start();
    expect(qmp.greeting).toEqual({ QMP: { version: { qemu: { micro: 0, minor: 2, major: 7 }, package: "virtkit-0.1.0" }, capabilities: ["oob"] } });
    expect(await qmp.execute("query-status")).toEqual({ error: { class: "CommandNotFound", desc: "Expecting capabilities negotiation with 'qmp_capabilities'" } });
    expect(await qmp.execute("qmp_capabilities")).toEqual({ return: {} });
    expect(await qmp.execute("qmp_capabilities")).toEqual({ error: { class: "CommandNotFound", desc: "Capabilities negotiation is already complete, command ignored" } });
    expect(await qmp.execute("query-status", undefined, "x1")).toEqual({ return: { status: "prelaunch", singlestep: false, running: false }, id: "x1" });
    expect(await qmp.execute("query-name")).toEqual({ return: { name: "guest1" } });
    expect(await qmp.execute("query-uuid")).toEqual({ return: { UUID: "12345678-1234-1234-1234-123456789abc" } });
    expect(await qmp.execute("query-kvm")).toEqual({ return: { enabled: true, present: true } });
    expect(await qmp.execute("cont")).toEqual({ return: {} });
    expect(qmp.transcript.at(-2)).toMatch(/^\{"timestamp": \{"seconds": \d+, "microseconds": \d+\}, "event": "RESUME"\}$/);
    expect((await qmp.execute("query-status")).return).toEqual({ status: "running", singlestep: false, running: true });
    expect(await qmp.execute("stop")).toEqual({ return: {} });
    expect(qmp.events.map((e) => e.event)).toEqual(["RESUME", "STOP"]);
    expect(await qmp.execute("bogus")).toEqual({ error: { class: "CommandNotFound", desc: "The command bogus has not been found" } });
    expect(await qmp.send('{"exec":1}')).toEqual({ error: { class: "GenericError", desc: "QMP input member 'exec' is unexpected" } });
    expect(await qmp.send("garbage")).toEqual({ error: { class: "GenericError", desc: "JSON parse error, invalid keyword 'garbage'" } });
    expect(await qmp.execute("query-status", { a: 1 })).toEqual({ error: { class: "GenericError", desc: "Parameter 'a' is unexpected" } });
    expect(await qmp.execute("human-monitor-command")).toEqual({ error: { class: "GenericError", desc: "Parameter 'command-line' is missing" } });
    expect(await qmp.execute("human-monitor-command", { "command-line": 1 })).toEqual({
      error: { class: "GenericError", desc: "Invalid parameter type for 'command-line', expected: string" },
    });
    expect((await qmp.execute("human-monitor-command", { "command-line": "info status" })).return).toBe("VM status: paused\r\n");
    expect((await qmp.execute("query-cpus-fast")).return).toEqual([
      { "thread-id": process.pid, props: { "core-id": 0, "thread-id": 0, "socket-id": 0 }, "qom-path": "/machine/unattached/device[0]", "cpu-index": 0, target: "i386" },
    ]);
    expect((await qmp.execute("query-chardev")).return).toEqual([{ "frontend-open": true, filename: expect.stringMatching(/^unix:.*qmp\.sock,server=on$/) as unknown, label: "compat_monitor0" }]);
    expect(await qmp.execute("system_reset")).toEqual({ return: {} });
    expect(qmp.events.at(-1)).toMatchObject({ event: "RESET", data: { guest: false, reason: "host-qmp-system-reset" } });
    expect((await qmp.execute("query-status")).return).toMatchObject({ status: "prelaunch" });
    expect(await qmp.execute("system_powerdown")).toEqual({ return: {} });
    expect(qmp.events.at(-1)).toMatchObject({ event: "POWERDOWN" });
    expect(await qmp.execute("quit")).toEqual({ return: {} });
    expect(qmp.events.at(-1)).toMatchObject({ event: "SHUTDOWN", data: { guest: false, reason: "host-qmp-quit" } });
    await qmp.closed();
    expect(await status).toBe(0);
  });

  it("answers human-monitor-command with QEMU's HMP text", async () => {
    const { qmp, status } = await start();
    await qmp.execute("qmp_capabilities");
    const hmp = async (c: string): Promise<string> => (await qmp.execute("human-monitor-command", { "command-line": c })).return as string;
    expect(await hmp("info version")).toBe("7.2.0virtkit-0.1.0\r\n");
    expect(await hmp("info name")).toBe("guest1\r\n");
    expect(await hmp("info status")).toBe("VM status: paused (prelaunch)\r\n");
    // The default machine has the in-kernel PIC (kernel_irqchip unset = on with KVM); its PIT has not
    // ticked before the first KVM_RUN, so nothing is pending yet.
    const pic = await hmp("info pic");
    expect(pic.startsWith("ioapic0: ver=0x11 id=0x00 sel=0x00\r\n  pin 0  0x0000000000010000 dest=0 vec=0   active-hi edge  masked fixed  physical\r\n")).toBe(true);
    expect(pic.endsWith(
      "  IRR      (none)\r\n  Remote IRR (none)\r\npic1: irr=00 imr=00 isr=00 hprio=0 irq_base=00 rr_sel=0 elcr=00 fnm=0\r\npic0: irr=00 imr=00 isr=00 hprio=0 irq_base=00 rr_sel=0 elcr=00 fnm=0\r\n",
    )).toBe(true);
    const regs = await hmp("info registers");
    expect(regs.startsWith("\r\nCPU#0\r\nEAX=00000000 EBX=00000000 ECX=00000000 EDX=00000663\r\n")).toBe(true);
    expect(regs).toContain("EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=0\r\n");
    expect(regs).toContain("CS =f000 ffff0000 0000ffff 00009b00\r\n");
    expect(await hmp("xp /4xb 0xffff0")).toBe("00000000000ffff0: 0xea 0x00 0x00 0x00\r\n");
    expect(await hmp("x /2wx 0xffff0")).toBe("000ffff0: 0x000000ea 0x000000f0\r\n");
    expect(await hmp("xp /3xg 0xffff0")).toBe("00000000000ffff0: 0x000000f0000000ea 0x0000000000000000\r\n0000000000100000: 0x0000000000000000\r\n");
    expect(await hmp("xp")).toBe('unexpected end of expression\r\nTry "help xp" for more information\r\n');
    expect(await hmp("bogus")).toBe("unknown command: 'bogus'\r\n");
    expect(await hmp("info bogus")).toBe("unknown command: 'info bogus'\r\n");
    const mtree = await hmp("info mtree");
    expect(mtree).toContain("address-space: I/O\r\n  0000000000000000-000000000000ffff (prio 0, i/o): io\r\n");
    expect(mtree).toContain("    0000000000000cf9-0000000000000cf9 (prio 1, i/o): piix3-reset-control\r\n");
    expect(mtree).toContain("address-space: cpu-memory-0\r\naddress-space: memory\r\n  0000000000000000-ffffffffffffffff (prio 0, i/o): system\r\n");
    expect(mtree).toContain("      00000000000f0000-00000000000fffff (prio 1, rom): alias isa-bios @pc.bios 0000000000000000-000000000000ffff\r\n");
    await qmp.execute("quit");
    expect(await status).toBe(0);
  });

  it("saves and loads a snapshot with savevm/loadvm (x-snapshot-dir), keeping the VM stopped", async () => {
    const snapDir = mkdtempSync(join(tmpdir(), "virtkit-snap-"));
    const { qmp, status } = await start(["-machine", `pc,x-snapshot-dir=${snapDir}`]);
    await qmp.execute("qmp_capabilities");
    const hmp = async (c: string): Promise<string> => (await qmp.execute("human-monitor-command", { "command-line": c })).return as string;
    expect(await hmp("savevm first")).toBe("");
    expect(await hmp("info snapshots")).toMatch(/^List of snapshots present on all disks:\r\nID {8}TAG {15}VM SIZE {16}DATE {5}VM CLOCK {5}ICOUNT\r\n1 {9}first /);
    // Change memory and registers' view: run the guest, then restore.
    await qmp.execute("cont");
    await new Promise((r) => setTimeout(r, 100));
    await qmp.execute("stop");
    expect(await hmp("loadvm first")).toBe("");
    expect((await qmp.execute("query-status")).return).toMatchObject({ status: "paused", running: false });
    expect(await hmp("info registers")).toContain("EIP=0000fff0");
    expect(await hmp("loadvm nope")).toBe("Error: Snapshot 'nope' does not exist in one or more devices\r\n");
    await qmp.execute("quit");
    expect(await status).toBe(0);
  });
});
