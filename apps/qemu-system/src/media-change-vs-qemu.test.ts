import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { QmpClient, qemuSystemMain } from "@virtkit/qemu";
import { describe, expect, it } from "vitest";
import { hasQemu } from "./testing/run.js";

/*
 * Removable media from the monitor against the real qemu-system-i386 7.2: the same QMP script
 * (eject, blockdev-change-medium, HMP eject / change, their errors) on both; replies and
 * DEVICE_TRAY_MOVED events must be the same once timestamps, the version and query-block's
 * "inserted" details virtkit does not model are normalised. Then a guest that opens, closes and
 * locks the tray itself (testing/tray-lock.asm): its events, and the monitor's eject refused while
 * the tray is locked, forced with force=true.
 */
const SEABIOS = "/usr/share/seabios/bios.bin";
const hasSeabios = existsSync(SEABIOS);
const hasNasm = spawnSync("nasm", ["-v"], { stdio: "ignore" }).status === 0;
if (!hasQemu) console.warn("media-change-vs-qemu: qemu-system-i386 not installed (Debian package qemu-system-x86), skipping");
if (!hasSeabios) console.warn(`media-change-vs-qemu: ${SEABIOS} not found (Debian package seabios), skipping`);
if (!hasNasm) console.warn("media-change-vs-qemu: nasm not installed, skipping the tray-locking guest");

const dir = mkdtempSync(join(tmpdir(), "virtkit-media-vs-qemu-"));
const isoA = join(dir, "a.iso");
const isoB = join(dir, "b.iso");
writeFileSync(isoA, new Uint8Array(1 << 20).fill(0xa1));
writeFileSync(isoB, new Uint8Array(2 << 20).fill(0xb2));

/** One file per emulator for writable images: QEMU locks images it opens for writing. */
function writableCopies(name: string, bytes: Uint8Array): [string, string] {
  const a = join(dir, `ours-${name}`);
  const b = join(dir, `qemu-${name}`);
  writeFileSync(a, bytes);
  copyFileSync(a, b);
  return [a, b];
}

/** Replaces what legitimately differs; query-block keeps the fields virtkit reports. */
function normalise(lines: string[], self: string): string[] {
  return lines.map((l) => {
    const t = l.replace(/"timestamp": \{"seconds": \d+, "microseconds": \d+\}/, '"timestamp": T').replaceAll(join(dir, `${self}-`), join(dir, "X-"));
    if (t.startsWith('{"QMP"')) return "GREETING";
    if (!t.startsWith('{"return": [')) return t;
    const list = (JSON.parse(t) as { return: Record<string, unknown>[] }).return;
    return JSON.stringify(
      list.map((b) => {
        const ins = b.inserted as Record<string, unknown> | undefined;
        return { ...b, inserted: ins === undefined ? undefined : { ro: ins.ro, drv: ins.drv, file: ins.file, size: (ins.image as Record<string, unknown>)["virtual-size"] } };
      }),
    );
  });
}

async function connect(sock: string): Promise<QmpClient> {
  for (let i = 0; i < 400; i++) {
    try {
      return await QmpClient.connect({ path: sock });
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`no QMP socket at ${sock}`);
}

const hmp = (line: string): string => JSON.stringify({ execute: "human-monitor-command", arguments: { "command-line": line } });
const qmp = (execute: string, args?: Record<string, unknown>): string => JSON.stringify(args === undefined ? { execute } : { execute, arguments: args });

/**
 * Runs `script` on virtkit and on QEMU with `args(who)` (who: "ours" | "qemu"); `ready` waits for
 * the guest before the script. Returns both normalised transcripts.
 */
async function compare(args: (who: string) => string[], script: string[], ready?: { before: string[]; wait: (who: string) => Promise<void> }): Promise<[string[], string[]]> {
  const sink = new PassThrough();
  sink.resume();
  const socks = ["ours", "qemu"].map((w) => {
    mkdirSync(join(dir, `${w}-${script.length}-${args(w).length}`), { recursive: true });
    return join(dir, `${w}-${script.length}-${args(w).length}`, "qmp.sock");
  });
  const full = (who: string, sock: string): string[] => ["-M", "pc", "-m", "32", "-nodefaults", "-display", "none", "-bios", SEABIOS, "-qmp", `unix:${sock},server=on,wait=off`, ...args(who)];
  const ours = qemuSystemMain(full("ours", socks[0]!), { stdout: sink, stderr: sink });
  const child: ChildProcess = spawn("qemu-system-i386", ["-accel", "tcg", ...full("qemu", socks[1]!)], { stdio: "ignore" });
  const exited = new Promise((r) => child.once("exit", r));
  const session = async (who: string, sock: string): Promise<string[]> => {
    const c = await connect(sock);
    await c.send(qmp("qmp_capabilities"));
    if (ready !== undefined) {
      for (const line of ready.before) await c.send(line);
      await ready.wait(who);
    }
    for (const line of [...script, qmp("quit")]) await c.send(line);
    await c.closed();
    return normalise(c.transcript, who);
  };
  const [a, b] = await Promise.all([session("ours", socks[0]!), session("qemu", socks[1]!)]);
  expect(await ours).toBe(0);
  await exited;
  return [a, b];
}

describe.skipIf(!hasQemu || !hasSeabios)("eject and blockdev-change-medium: virtkit answers as qemu-system-i386 does", () => {
  it("QMP and HMP on -cdrom, an ide-cd with id=, an IDE disk and an if=none drive: replies, errors, DEVICE_TRAY_MOVED", async () => {
    const [oursDisk, qemuDisk] = writableCopies("disk.img", new Uint8Array(2 << 20));
    const [oursNd, qemuNd] = writableCopies("nd.img", new Uint8Array(1 << 20));
    const args = (who: string): string[] => [
      "-S", "-cdrom", isoA, "-device", "ide-cd,id=mycd,bus=ide.0,unit=0",
      "-drive", `file=${who === "ours" ? oursDisk : qemuDisk},format=raw,index=1`,
      "-drive", `if=none,id=nd,file=${who === "ours" ? oursNd : qemuNd},format=raw`,
    ];
    const script = [
      qmp("eject", { device: "nope" }),
      qmp("eject", { id: "nope" }),
      qmp("eject"),
      qmp("eject", { device: "ide1-cd0", id: "mycd" }),
      qmp("eject", { device: "ide1-cd0", force: "yes" }),
      qmp("eject", { device: "ide1-cd0" }),
      qmp("eject", { device: "ide1-cd0" }),
      qmp("query-block"),
      qmp("blockdev-change-medium", { device: "ide1-cd0", filename: isoB }),
      qmp("blockdev-change-medium", { device: "ide1-cd0", filename: join(dir, "nonexistent.iso") }),
      qmp("blockdev-change-medium", { device: "ide1-cd0", filename: isoB, format: "qcow2" }),
      qmp("blockdev-change-medium", { device: "ide1-cd0", filename: isoB, format: "bogusfmt" }),
      qmp("blockdev-change-medium", { device: "ide1-cd0", filename: isoA, format: "raw", "read-only-mode": "read-only" }),
      qmp("blockdev-change-medium", { device: "ide1-cd0", filename: isoA, format: "raw", "read-only-mode": "bogus" }),
      qmp("blockdev-change-medium", { device: "ide1-cd0" }),
      qmp("blockdev-change-medium", { device: "ide1-cd0", filename: 5 }),
      qmp("query-block"),
      qmp("blockdev-change-medium", { id: "mycd", filename: isoA, force: true }),
      qmp("eject", { id: "mycd" }),
      qmp("eject", { device: "ide0-hd1" }),
      qmp("blockdev-change-medium", { device: "ide0-hd1", filename: isoA, format: "raw" }),
      qmp("eject", { device: "nd" }),
      qmp("eject", { device: "nd" }),
      qmp("query-block"),
      qmp("blockdev-change-medium", { device: "nd", filename: isoA, format: "raw" }),
      hmp("help eject"),
      hmp("help change"),
      hmp("eject"),
      hmp("eject -x ide1-cd0"),
      hmp("eject -f nope"),
      hmp("eject -f ide1-cd0"),
      hmp("eject ide1-cd0 extra"),
      hmp("change"),
      hmp("change ide1-cd0"),
      hmp(`change ide1-cd0 ${isoA}`),
      hmp(`change ide1-cd0 -f ${isoB} raw read-only`),
      hmp(`change ide1-cd0 ${isoA} raw bogus`),
      hmp(`change ide1-cd0 ${isoA} raw retain extra`),
      hmp(`change nope ${isoA}`),
      qmp("query-block"),
    ];
    const [a, b] = await compare(args, script);
    expect(a).toEqual(b);
    // Not two empty lists: the events and errors are there.
    expect(a.filter((l) => l.includes('"DEVICE_TRAY_MOVED"')).length).toBeGreaterThanOrEqual(10);
    expect(a).toContain('{"error": {"class": "DeviceNotFound", "desc": "Device \'nope\' not found"}}');
    expect(a).toContain('{"error": {"class": "GenericError", "desc": "Device \'ide0-hd1\' is not removable"}}');
  }, 60_000);
});

const TRAY_LOCK_ASM = fileURLToPath(new URL("./testing/tray-lock.asm", import.meta.url));

describe.skipIf(!hasQemu || !hasSeabios || !hasNasm)("a guest that locks the tray: virtkit and qemu-system-i386 agree", () => {
  it("the guest's own tray moves are events; eject is refused while locked, then forced; change closes it", async () => {
    const bin = join(dir, "tray-lock.bin");
    const asm = spawnSync("nasm", ["-f", "bin", "-o", bin, TRAY_LOCK_ASM], { encoding: "utf8" });
    expect(asm.status, asm.stderr).toBe(0);
    const disk = new Uint8Array(1 << 20);
    disk.set(new Uint8Array(readFileSync(bin)));
    const [oursDisk, qemuDisk] = writableCopies("tray-lock.img", disk);
    const serial = (who: string): string => join(dir, `${who}-tray-lock.serial`);
    const args = (who: string): string[] => ["-S", "-drive", `file=${who === "ours" ? oursDisk : qemuDisk},format=raw,index=0`, "-cdrom", isoA, "-serial", `file:${serial(who)}`];
    // Started stopped, so that the guest's events come after negotiation, on both.
    const wait = async (who: string): Promise<void> => {
      // The guest prints "locked" once its three packet commands are done.
      while (!(existsSync(serial(who)) && readFileSync(serial(who), "latin1").includes("locked\n"))) {
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const script = [
      qmp("query-block"),
      qmp("eject", { device: "ide1-cd0" }),
      qmp("blockdev-change-medium", { device: "ide1-cd0", filename: isoB, format: "raw" }),
      hmp("eject ide1-cd0"),
      hmp("info status"),
      qmp("eject", { device: "ide1-cd0", force: true }),
      qmp("query-block"),
      hmp(`change ide1-cd0 ${isoB} raw`),
      qmp("query-block"),
    ];
    const [a, b] = await compare(args, script, { before: [qmp("cont")], wait });
    expect(a).toEqual(b);
    expect(a).toContain(
      `{"error": {"class": "GenericError", "desc": "Device 'ide1-cd0' is locked and force was not specified, wait for tray to open and try again"}}`,
    );
    const moved = a.filter((l) => l.includes("DEVICE_TRAY_MOVED"));
    // open + close by the guest, open by the forced eject, close by change
    expect(moved.map((l) => /"tray-open": (\w+)/.exec(l)?.[1])).toEqual(["true", "false", "true", "false"]);
  }, 120_000);
});
