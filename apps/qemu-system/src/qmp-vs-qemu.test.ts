import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { QmpClient, qemuSystemMain } from "@virtkit/qemu";
import { describe, expect, it } from "vitest";
import { CPU_GUESTS, hasQemu } from "./testing/run.js";

/*
 * A scripted QMP session against virtkit's qemu-system-i386 and the real one with the same
 * options: the transcripts (greeting, replies, errors, events, their order) must be the same once
 * what legitimately differs is normalised: timestamps, the version and package strings, thread
 * ids and the socket path.
 */
if (!hasQemu) console.warn("skipping the QMP comparison: qemu-system-i386 is not installed (Debian package qemu-system-x86)");

const SCRIPT = [
  '{"execute":"query-status"}',
  '{"execute":"qmp_capabilities"}',
  '{"execute":"qmp_capabilities"}',
  '{"execute":"query-status"}',
  '{"execute":"query-version"}',
  '{"execute":"query-name"}',
  '{"execute":"query-uuid"}',
  // Before the guest first runs: the power-on state is the same on both.
  '{"execute":"human-monitor-command","arguments":{"command-line":"info registers"}}',
  '{"execute":"human-monitor-command","arguments":{"command-line":"xp /8xb 0xffff0"}}',
  '{"execute":"human-monitor-command","arguments":{"command-line":"info pic"}}',
  '{"execute":"stop"}',
  '{"execute":"cont"}',
  '{"execute":"query-status"}',
  '{"execute":"cont","id":{"a":[1,2]}}',
  '{"execute":"stop"}',
  '{"execute":"query-status","id":"x1"}',
  '{"execute":"bogus"}',
  '{"exec":1}',
  "garbage",
  '{"execute":"query-status",}',
  "[]",
  '{"execute": 1}',
  '{"execute":"stop","arguments":[]}',
  '{"execute":"query-status","arguments":{"a":1}}',
  '{"execute":"human-monitor-command"}',
  '{"execute":"human-monitor-command","arguments":{"command-line":"info status"}}',
  '{"execute":"human-monitor-command","arguments":{"command-line":"info name"}}',
  '{"execute":"human-monitor-command","arguments":{"command-line":"bogus"}}',
  '{"execute":"query-cpus-fast"}',
  '{"execute":"query-block"}',
  '{"execute":"query-chardev"}',
  '{"execute":"system_reset"}',
  '{"execute":"query-status"}',
  '{"execute":"cont"}',
  '{"execute":"system_powerdown"}',
  '{"execute":"quit"}',
];

function normalise(lines: string[]): string[] {
  return lines.map((l) =>
    l
      .replace(/"timestamp": \{"seconds": \d+, "microseconds": \d+\}/, '"timestamp": T')
      .replace(/\{"qemu": \{"micro": \d+, "minor": \d+, "major": \d+\}, "package": "[^"]*"\}/, "VERSION")
      .replace(/"thread-id": \d{2,}/, '"thread-id": TID')
      .replace(/unix:[^,"]*qmp\.sock/, "unix:SOCK")
      // the IOAPIC's version: 0x20 for TCG's ioapic, 0x11 for the kvm module's (kvm_ioapic_realize)
      .replace(/ioapic0: ver=0x(?:20|11) /, "ioapic0: ver=V "),
  );
}

async function session(addr: string): Promise<string[]> {
  let qmp: QmpClient | undefined;
  for (let i = 0; i < 400 && qmp === undefined; i++) {
    try {
      qmp = await QmpClient.connect({ path: addr });
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  if (qmp === undefined) throw new Error(`no QMP socket at ${addr}`);
  for (const line of SCRIPT) {
    await qmp.send(line);
  }
  await qmp.closed();
  return normalise(qmp.transcript);
}

const args = (sock: string): string[] => [
  "-M", "pc", "-m", "32", "-nodefaults", "-display", "none", "-S", "-bios", `${CPU_GUESTS}hello.bin`,
  "-name", "guest1", "-uuid", "12345678-1234-1234-1234-123456789abc", "-qmp", `unix:${sock},server=on,wait=off`,
];

describe.skipIf(!hasQemu)("QMP session", () => {
  // QEMU sends replies from its monitor thread: under load an event can rarely overtake or trail
  // a reply, so a mismatch is retried before it counts.
  it("has the shape real QEMU gives: greeting, negotiation, errors, events before returns, quit", { retry: 2 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), "virtkit-qmp-vs-"));
    const oursSock = join(dir, "ours", "qmp.sock");
    const qemuSock = join(dir, "qemu", "qmp.sock");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(dir, "ours"));
    mkdirSync(join(dir, "qemu"));
    const sink = new PassThrough();
    sink.resume();
    const ours = qemuSystemMain(args(oursSock), { stdout: sink, stderr: sink });
    const child: ChildProcess = spawn("qemu-system-i386", ["-accel", "tcg", ...args(qemuSock)], { stdio: "ignore" });
    // listened for from the start: QEMU may have exited (quit) before the session's promise resolves
    const exited = new Promise((r) => child.once("exit", r));
    const [a, b] = await Promise.all([session(oursSock), session(qemuSock)]);
    expect(await ours).toBe(0);
    await exited;
    expect(a).toEqual(b);
    // And the transcript is what it should be, not two empty lists.
    expect(a[0]).toBe('{"QMP": {"version": VERSION, "capabilities": ["oob"]}}');
    expect(a.at(-2)).toBe('{"timestamp": T, "event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}');
    expect(a.at(-1)).toBe('{"return": {}}');
  });
});
