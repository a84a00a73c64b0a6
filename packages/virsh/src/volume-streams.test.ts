// vol-upload and vol-download end to end: our virsh streams a volume's bytes through the RPC
// protocol to and from a private daemon (testing/streams-daemon.mjs). The bytes must arrive
// unchanged, --offset/--length must place them, --sparse downloads must leave holes in the file,
// and on a terminal the transfer shows virsh's progress line.
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OUR_VIRSH, hasPython3, runVirsh, startNodeDaemon, type NodeDaemon } from "./testing/daemons.js";
import { runOnPty } from "./testing/pty.js";

const STREAMS_DAEMON = join(dirname(fileURLToPath(import.meta.url)), "testing/streams-daemon.mjs");
const MiB = 1 << 20;

describe.skipIf(!existsSync(OUR_VIRSH))("vol-upload / vol-download through RPC streams", () => {
  let d: NodeDaemon;
  const dir = mkdtempSync(join(tmpdir(), "virsh-vol-streams-"));
  const virsh = (...args: string[]) => runVirsh("ours", ["-c", d.testURI, ...args]);
  beforeAll(async () => {
    d = await startNodeDaemon(
      STREAMS_DAEMON,
      (dd) => [join(dd, "sock")],
      (dd) => join(dd, "sock"),
      (dd) => `streams+unix:///default?socket=${join(dd, "sock")}`,
    );
  });
  afterAll(async () => {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("uploads a file and downloads the same bytes", () => {
    const data = randomBytes(MiB + 12345);
    writeFileSync(join(dir, "in.bin"), data);
    expect(virsh("vol-upload", "--pool", "pool0", "disk.img", join(dir, "in.bin"))).toEqual({ code: 0, stdout: "\n", stderr: "" });
    expect(virsh("vol-download", "/pools/pool0/disk.img", join(dir, "out.bin")).code).toBe(0);
    const out = readFileSync(join(dir, "out.bin"));
    expect(out.length).toBe(4 * MiB);
    expect(out.subarray(0, data.length).equals(data)).toBe(true);
    expect(out.subarray(data.length).every((b) => b === 0)).toBe(true);
  });

  it("--offset and --length place and bound the transfer", () => {
    writeFileSync(join(dir, "ab.bin"), Buffer.from("ABCDEFGH"));
    expect(virsh("vol-upload", "--pool", "pool0", "disk.img", join(dir, "ab.bin"), "--offset", String(3 * MiB), "--length", "4").code).toBe(0);
    expect(virsh("vol-download", "--pool", "pool0", "disk.img", join(dir, "part.bin"), "--offset", String(3 * MiB - 2), "--length", "8").code).toBe(0);
    expect(readFileSync(join(dir, "part.bin")).toString("latin1")).toBe("\0\0ABCD\0\0");
  });

  it("--sparse downloads keep the holes as holes", () => {
    writeFileSync(join(dir, "small.bin"), Buffer.alloc(4096, 0x5a));
    expect(virsh("vol-upload", "--pool", "pool0", "disk.img", join(dir, "small.bin")).code).toBe(0);
    // the rest of the volume after 1 MiB + 12345 stays as the first test left it; zero it first
    writeFileSync(join(dir, "zeros.bin"), Buffer.alloc(4 * MiB - 4096));
    expect(virsh("vol-upload", "--sparse", "--pool", "pool0", "disk.img", join(dir, "zeros.bin"), "--offset", "4096").code).toBe(0);
    expect(virsh("vol-download", "--sparse", "--pool", "pool0", "disk.img", join(dir, "sparse.bin")).code).toBe(0);
    const st = statSync(join(dir, "sparse.bin"));
    expect(st.size).toBe(4 * MiB);
    const out = readFileSync(join(dir, "sparse.bin"));
    expect(out.subarray(0, 4096).every((b) => b === 0x5a)).toBe(true);
    expect(out.subarray(4096).every((b) => b === 0)).toBe(true);
    // 4 MiB of length, a few blocks of data: the file system holds a hole
    expect(st.blocks * 512).toBeLessThan(MiB);
  });

  it("reports virsh's errors for a missing file and a missing volume", () => {
    expect(virsh("vol-upload", "--pool", "pool0", "disk.img", "/nonexistent/file")).toEqual({ code: 1, stdout: "\n", stderr: "error: cannot read /nonexistent/file\n" });
    expect(virsh("vol-download", "--pool", "pool0", "nope.img", join(dir, "x.bin"))).toEqual({
      code: 1,
      stdout: "\n",
      stderr: "error: failed to get vol 'nope.img'\nerror: Storage volume not found: no storage vol with matching path 'nope.img'\n",
    });
    expect(existsSync(join(dir, "x.bin"))).toBe(false);
  });

  it.skipIf(!hasPython3)("shows progress on a terminal", () => {
    writeFileSync(join(dir, "big.bin"), randomBytes(2 * MiB));
    const r = runOnPty([process.execPath, OUR_VIRSH, "-c", d.testURI, "vol-upload", "--pool", "pool0", "disk.img", join(dir, "big.bin")], []);
    expect(r.status).toBe(0);
    expect(r.output).toContain("\rUpload: [100 %]\r\n");
  });
});
