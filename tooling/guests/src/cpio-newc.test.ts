import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readlinkSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CpioError, type CpioEntry, S_IFCHR, S_IFDIR, S_IFLNK, S_IFREG, readCpioNewc, writeCpioNewc } from "./cpio-newc.js";
import { hasCommand } from "./host-tools.js";

const hasCpio = hasCommand("cpio");
if (!hasCpio) console.warn("skipping the GNU cpio interop checks: cpio is not installed (Debian package cpio)");

const enc = new TextEncoder();
const sample: CpioEntry[] = [
  { type: "file", path: "init", mode: 0o755, data: enc.encode("#!/bin/sh\necho hi\n") },
  { type: "dir", path: "bin", mode: 0o755 },
  { type: "symlink", path: "bin/sh", target: "busybox" },
  { type: "file", path: "bin/busybox", mode: 0o755, data: new Uint8Array(1001).map((_, i) => i & 0xff) },
  { type: "dir", path: "dev", mode: 0o755 },
  { type: "char", path: "dev/console", mode: 0o600, major: 5, minor: 1 },
  { type: "file", path: "etc/empty", mode: 0o644, data: new Uint8Array(0) },
  { type: "dir", path: "etc", mode: 0o755 },
];

describe("newc cpio writer", () => {
  it("writes the exact newc layout: 110-byte header, name and data each padded to 4 bytes, trailer last", () => {
    const a = writeCpioNewc([{ type: "file", path: "/a", mode: 0o644, data: enc.encode("xyz") }], { mtime: 0x5f5e100 });
    const text = new TextDecoder().decode(a);
    // ino 1, mode 100644, uid 0, gid 0, nlink 1, mtime, size 3, dev 0:0, rdev 0:0, namesize 2, check 0
    expect(text.slice(0, 110)).toBe("070701" + ["1", "81a4", "0", "0", "1", "5f5e100", "3", "0", "0", "0", "0", "2", "0"].map((f) => f.padStart(8, "0")).join(""));
    expect(text.slice(110, 112)).toBe("a\0");                // 110 + 2 = 112: already aligned
    expect(text.slice(112, 116)).toBe("xyz\0");              // data padded to 4
    expect(text.slice(116, 122)).toBe("070701");
    expect(text.endsWith("TRAILER!!!\0\0\0\0")).toBe(true);  // 110 + 11 = 121 → 3 pad bytes... plus the header's own
    expect(a.length % 4).toBe(0);
  });

  it("sorts entries by name so directories come before their contents, and numbers inodes in that order", () => {
    const list = readCpioNewc(writeCpioNewc(sample));
    expect(list.map((e) => e.name)).toEqual(["bin", "bin/busybox", "bin/sh", "dev", "dev/console", "etc", "etc/empty", "init"]);
    expect(list.find((e) => e.name === "bin/sh")?.mode).toBe(S_IFLNK | 0o777);
    expect(list.find((e) => e.name === "dev/console")).toMatchObject({ mode: S_IFCHR | 0o600, rdevMajor: 5, rdevMinor: 1 });
    expect(list.find((e) => e.name === "bin")?.mode).toBe(S_IFDIR | 0o755);
    expect(list.find((e) => e.name === "init")?.mode).toBe(S_IFREG | 0o755);
  });

  it("is reproducible: the same entries in any order give the same bytes (same sha256)", () => {
    const h1 = createHash("sha256").update(writeCpioNewc(sample, { mtime: 1700000000 })).digest("hex");
    const h2 = createHash("sha256").update(writeCpioNewc([...sample].reverse(), { mtime: 1700000000 })).digest("hex");
    expect(h1).toBe(h2);
    const h3 = createHash("sha256").update(writeCpioNewc(sample, { mtime: 1700000001 })).digest("hex");
    expect(h3).not.toBe(h1);
  });

  it("refuses duplicate names, '..' components, an empty symlink target and out-of-range fields with cpio-style errors", () => {
    expect(() => writeCpioNewc([{ type: "dir", path: "a", mode: 0o755 }, { type: "dir", path: "/a/", mode: 0o755 }])).toThrow("cpio: a: the archive already has an entry of that name");
    expect(() => writeCpioNewc([{ type: "dir", path: "a/../b", mode: 0o755 }])).toThrow(CpioError);
    expect(() => writeCpioNewc([{ type: "symlink", path: "l", target: "" }])).toThrow("a symbolic link needs a target");
    expect(() => writeCpioNewc([{ type: "dir", path: "/", mode: 0o755 }])).toThrow("needs a name below the archive root");
    expect(() => writeCpioNewc([{ type: "char", path: "c", mode: 0o600, major: -1, minor: 0 }])).toThrow("rdevmajor -1 does not fit");
  });

  it("reading back rejects truncated archives and foreign formats", () => {
    const a = writeCpioNewc(sample);
    expect(() => readCpioNewc(a.subarray(0, 300))).toThrow(CpioError);
    expect(() => readCpioNewc(enc.encode("070707" + "0".repeat(200)))).toThrow("not a newc archive");
  });

  describe.skipIf(!hasCpio)("GNU cpio", () => {
    it("lists the archive with the same names, modes, owners, sizes and device numbers (cpio -tv)", () => {
      const dir = mkdtempSync(join(tmpdir(), "cpio-t-"));
      const file = join(dir, "a.cpio");
      execFileSync("sh", ["-c", `cat > ${file}`], { input: writeCpioNewc(sample, { mtime: 1700000000 }) });
      const out = execFileSync("cpio", ["-t", "-v", "--numeric-uid-gid", "-F", file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TZ: "UTC", LC_ALL: "C" } });
      const rows = out.trim().split("\n").map((l) => l.split(/\s+/));
      expect(rows.map((r) => r[0])).toEqual(["drwxr-xr-x", "-rwxr-xr-x", "lrwxrwxrwx", "drwxr-xr-x", "crw-------", "drwxr-xr-x", "-rw-r--r--", "-rwxr-xr-x"]);
      // a device row has "major, minor" where a file has its size: one column more before the date
      expect(rows.map((r) => r.slice(r[0]!.startsWith("c") ? 9 : 8).join(" "))).toEqual(["bin", "bin/busybox", "bin/sh -> busybox", "dev", "dev/console", "etc", "etc/empty", "init"]);
      expect(rows[1]!.slice(2, 5)).toEqual(["0", "0", "1001"]);
      expect(rows[4]!.slice(4, 6)).toEqual(["5,", "1"]);
    });

    it("extracts the same bytes, symlinks and modes (cpio -i)", () => {
      const dir = mkdtempSync(join(tmpdir(), "cpio-i-"));
      const noDev = sample.filter((e) => e.type !== "char");
      execFileSync("cpio", ["-i", "-d", "-m", "--no-absolute-filenames", "--quiet"], { cwd: dir, input: writeCpioNewc(noDev) });
      expect(readFileSync(join(dir, "bin/busybox"))).toEqual(Buffer.from((noDev[3] as { data: Uint8Array }).data));
      expect(readlinkSync(join(dir, "bin/sh"))).toBe("busybox");
      expect(statSync(join(dir, "init")).mode & 0o7777).toBe(0o755);
      expect(statSync(join(dir, "init")).mtimeMs).toBe(0);
      expect(readFileSync(join(dir, "etc/empty")).length).toBe(0);
    });

    it("reads back an archive GNU cpio wrote (-o -H newc) with our reader", () => {
      const dir = mkdtempSync(join(tmpdir(), "cpio-o-"));
      execFileSync("sh", ["-c", "mkdir -p d && printf 'abc' > d/f && ln -s f d/l"], { cwd: dir });
      const a = execFileSync("cpio", ["-o", "-H", "newc", "--quiet"], { cwd: dir, input: "d\nd/f\nd/l\n" });
      const list = readCpioNewc(new Uint8Array(a));
      expect(list.map((e) => e.name)).toEqual(["d", "d/f", "d/l"]);
      expect(new TextDecoder().decode(list[1]!.data)).toBe("abc");
      expect(new TextDecoder().decode(list[2]!.data)).toBe("f");
    });
  });
});
