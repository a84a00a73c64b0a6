// virsh save / restore on test:///default (one virsh session, as the test driver's state lives
// as long as a connection): virsh's lines, the domain's states, libvirt's errors.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BufferIO } from "../shell/io.js";
import { virshMain } from "../virsh.js";

const dir = mkdtempSync(join(tmpdir(), "virsh-save-"));
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

async function virsh(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = new BufferIO();
  const code = await virshMain(["-c", "test:///default", ...args], { io, env: { LC_ALL: "C" } });
  return { code, stdout: io.out, stderr: io.err };
}

describe("virsh save / restore", () => {
  it("saves the domain into the test driver's image, shows it shut off (saved), restores it running (restored)", async () => {
    const f = join(dir, "t.save");
    const r = await virsh(`save test ${f}; domstate --reason test; restore ${f}; domstate --reason test; list`);
    expect(r).toEqual({
      code: 0,
      stdout:
        `\nDomain 'test' saved to ${f}\n\nshut off (saved)\n\nDomain restored from ${f}\n\nrunning (restored)\n\n` +
        " Id   Name   State\n----------------------\n 2    test   running\n\n",
      stderr: "",
    });
    expect(readFileSync(f).subarray(0, 15).toString("latin1")).toBe("TestGuestMagic\0");
  });

  it("prints virsh's lines and libvirt's errors for a second save, bad flags and a missing image", async () => {
    const f = join(dir, "e.save");
    const r = await virsh(`save test ${f}; save test ${join(dir, "e2.save")}`);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`error: Failed to save domain 'test' to ${join(dir, "e2.save")}\nerror: Requested operation is not valid: domain is not running\n`);
    expect(existsSync(join(dir, "e2.save"))).toBe(false);
    expect((await virsh("save", "--paused", "test", f)).stderr).toBe(`error: Failed to save domain 'test' to ${f}\nerror: unsupported flags (0x4) in function testDomainSaveFlags\n`);
    expect((await virsh("save", "--paused", "--running", "test", f)).stderr).toBe(
      `error: Failed to save domain 'test' to ${f}\nerror: Flags 'VIR_DOMAIN_SAVE_RUNNING' and 'VIR_DOMAIN_SAVE_PAUSED' are mutually exclusive\n`,
    );
    const missing = join(dir, "nosuch.save");
    expect(await virsh("restore", missing)).toEqual({
      code: 1,
      stdout: "\n",
      stderr: `error: Failed to restore domain from ${missing}\nerror: cannot read domain image '${missing}': No such file or directory\n`,
    });
  });
});
