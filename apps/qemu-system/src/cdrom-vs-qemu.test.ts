import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { QmpClient, qemuSystemMain } from "@virtkit/qemu";
import { describe, expect, it } from "vitest";
import { buildElToritoIso, cdTestPattern } from "../../../packages/qemu/src/hw/ide/testing/el-torito.js";
import { QEMU_GUESTS, hasQemu, runQemu, runVirtkit, withoutCpuWarnings } from "./testing/run.js";

/*
 * ATAPI CD-ROMs against the real qemu-system-i386 7.2: SeaBIOS boots packages/qemu/guests/
 * cdrom-boot.bin from an El Torito CD with -boot d on both, through each front door (-cdrom,
 * -drive media=cdrom, -device ide-cd), with an empty CD drive beside it, and on isapc; the COM1
 * output and the exit status must be the same. Then query-block's removable-media fields, and the
 * CD-ROM command lines QEMU refuses, with its messages.
 */
const SEABIOS = "/usr/share/seabios/bios.bin";
const hasSeabios = existsSync(SEABIOS);
if (!hasQemu) console.warn("cdrom-vs-qemu: qemu-system-i386 not installed (Debian package qemu-system-x86), skipping");
if (!hasSeabios) console.warn(`cdrom-vs-qemu: ${SEABIOS} not found (Debian package seabios), skipping the boots`);

const dir = mkdtempSync(join(tmpdir(), "virtkit-cdrom-vs-qemu-"));
const iso = join(dir, "boot.iso");
writeFileSync(iso, buildElToritoIso({ bootImage: new Uint8Array(readFileSync(join(QEMU_GUESTS, "cdrom-boot.bin"))), data: { lba: 32, bytes: cdTestPattern(32, 8) } }));
const disk = join(dir, "d.img");
writeFileSync(disk, new Uint8Array(1 << 20));

const bootArgs = (machine: string, drives: string[]): string[] => [
  "-M", machine, "-m", "32", "-nodefaults", "-display", "none", "-bios", SEABIOS, "-serial", "stdio", "-device", "isa-debug-exit", "-boot", "d", ...drives,
];

describe.skipIf(!hasQemu || !hasSeabios)("cdrom-boot booted by SeaBIOS from a CD: virtkit and qemu-system-i386 print the same", () => {
  const cases: [string, string[]][] = [
    ["pc", ["-cdrom", iso]],
    ["pc", ["-drive", `file=${iso},media=cdrom,if=ide,index=2`, "-drive", "if=ide,media=cdrom,index=0", "-drive", `file=${disk},format=raw,index=1`]],
    ["pc", ["-drive", `file=${iso},format=raw,if=none,id=cd0`, "-device", "ide-cd,drive=cd0,bus=ide.1,unit=0,serial=MYCD"]],
    ["isapc", ["-cdrom", iso]],
  ];
  for (const [machine, drives] of cases) {
    it(`${machine}, ${drives.join(" ").replaceAll(dir, "DIR")}`, async () => {
      const args = bootArgs(machine, drives);
      const [a, b] = await Promise.all([runVirtkit(args), runQemu(args, 120_000)]);
      expect(a.stdout).toBe(b.stdout);
      // E0h is SeaBIOS's first CD drive; with the empty one at ide0-cd0 first, the boot CD is E1h.
      expect(a.stdout).toMatch(/^cdrom-boot: booted from the CD, dl=e[01]\n/);
      expect(a.stdout).toContain("\ndone\n");
      expect(withoutCpuWarnings(a.stderr)).toBe(withoutCpuWarnings(b.stderr));
      expect(a.status).toBe(0x63);
      expect(b.status).toBe(0x63);
    }, 180_000);
  }
});

/** The removable-media fields of query-block (virtkit reports a subset of QEMU's "inserted" object). */
async function queryBlock(sock: string): Promise<unknown[]> {
  let qmp: QmpClient | undefined;
  for (let i = 0; i < 400 && qmp === undefined; i++) {
    try {
      qmp = await QmpClient.connect({ path: sock });
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  if (qmp === undefined) throw new Error(`no QMP socket at ${sock}`);
  await qmp.send('{"execute":"qmp_capabilities"}');
  await qmp.send('{"execute":"query-block"}');
  await qmp.send('{"execute":"quit"}');
  await qmp.closed();
  const reply = qmp.transcript.find((l) => l.startsWith('{"return": [')) ?? "";
  const list = (JSON.parse(reply) as { return: Record<string, unknown>[] }).return;
  return list.map((b) => {
    const ins = b.inserted as Record<string, unknown> | undefined;
    return {
      device: b.device,
      removable: b.removable,
      locked: b.locked,
      tray_open: b.tray_open,
      "io-status": b["io-status"],
      inserted: ins === undefined ? undefined : { ro: ins.ro, drv: ins.drv, file: ins.file, size: (ins.image as Record<string, unknown>)["virtual-size"] },
    };
  });
}

describe.skipIf(!hasQemu)("query-block for CD-ROM drives", () => {
  const configs: [string, string[], number][] = [
    ["-cdrom, a disk and an empty media=cdrom drive", ["-cdrom", iso, "-drive", `file=${disk},format=raw,index=0`, "-drive", "if=ide,media=cdrom,index=1"], 3],
    ["-device ide-cd on a writable if=none drive, and one without drive=", ["-drive", `if=none,id=cd0,file=${iso},format=raw`, "-device", "ide-cd,drive=cd0", "-device", "ide-cd"], 2],
    ['-cdrom "" (an empty drive, as libvirt passes one)', ["-cdrom", ""], 1],
  ];
  configs.forEach(([name, drives, count], n) => {
    it(`${name}: as QEMU lists them (removable, locked, tray_open, inserted, ro)`, async () => {
      const args = (sock: string): string[] => [
        "-M", "pc", "-m", "32", "-nodefaults", "-display", "none", "-S", "-bios", SEABIOS, "-qmp", `unix:${sock},server=on,wait=off`, ...drives,
      ];
      const oursSock = join(dir, `ours${n}`, "qmp.sock");
      const qemuSock = join(dir, `qemu${n}`, "qmp.sock");
      mkdirSync(join(dir, `ours${n}`));
      mkdirSync(join(dir, `qemu${n}`));
      const sink = new PassThrough();
      sink.resume();
      const ours = qemuSystemMain(args(oursSock), { stdout: sink, stderr: sink });
      const child: ChildProcess = spawn("qemu-system-i386", ["-accel", "tcg", ...args(qemuSock)], { stdio: "ignore" });
      // Listened for at once: QEMU may be gone before the comparison ends.
      const exited = new Promise((r) => child.once("exit", r));
      const [a, b] = await Promise.all([queryBlock(oursSock), queryBlock(qemuSock)]);
      expect(await ours).toBe(0);
      await exited;
      expect(a).toEqual(b);
      expect(a).toHaveLength(count);
      expect(a[0]).toMatchObject({ removable: true, locked: false, tray_open: false });
    }, 60_000);
  });
});

/** CD-ROM command lines QEMU refuses, with its exact message and status. */
const BAD_CD_LINES: string[][] = [
  // (-hdc without format= would print QEMU's raw-probing warning before the error: virtkit checks placement first)
  ["-drive", `file=${disk},format=raw,index=2`, "-cdrom", iso],
  ["-cdrom", iso, "-hdc", disk],
  ["-drive", `file=${iso},media=cdrom,index=4`],
  ["-drive", `file=${iso},media=foo`],
  ["-drive", `if=none,id=c1,file=${iso},format=raw`, "-device", "ide-cd,drive=c1", "-device", "ide-cd,drive=c1"],
  ["-device", "ide-cd", "-device", "ide-cd", "-device", "ide-cd"],
  ["-device", "ide-cd,drive=nope"],
  ["-drive", `if=none,id=c1,file=${iso},format=raw,media=cdrom`, "-device", "ide-hd,drive=c1"],
  ["-drive", "if=none,id=c1,media=cdrom", "-device", "ide-hd,drive=c1"],
  ["-cdrom", iso, "-device", "ide-cd,drive=ide1-cd0"],
  ["-device", "ide-cd,bus=ide.1,unit=0", "-cdrom", iso],
  ["-cdrom", join(dir, "nonexistent.iso")],
  ["-device", "ide-cd,unit=2"],
  ["-device", "ide-cd,bus=ide.2"],
  ["-device", "ide-cd,foo=1"],
];

describe.skipIf(!hasQemu)("refused CD-ROM command lines: QEMU's error text and exit status", () => {
  for (const bad of BAD_CD_LINES) {
    it(bad.join(" ").replaceAll(dir, "DIR"), async () => {
      const args = ["-display", "none", "-nodefaults", "-bios", SEABIOS, "-S", ...bad];
      const [ours, qemu] = await Promise.all([runVirtkit(args), runQemu(args, 10_000)]);
      expect(withoutCpuWarnings(ours.stderr)).toBe(withoutCpuWarnings(qemu.stderr));
      expect(ours.status).toBe(qemu.status);
    });
  }
});
