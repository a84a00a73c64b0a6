import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { deleteDomainConfig, driverPaths, loadDomainConfigs, pickShellSafeComment, saveDomainConfig, setAutostartLink } from "./persist.js";

const root = mkdtempSync(join(tmpdir(), "persist-"));
afterAll(() => { rmSync(root, { recursive: true, force: true }); });

describe("persistent domain configuration on disk", () => {
  it("lays out qemu:///system, and qemu:///embed under its root", () => {
    expect(driverPaths("qemu", { privileged: true })).toEqual({
      configDir: "/etc/libvirt/qemu", autostartDir: "/etc/libvirt/qemu/autostart", stateDir: "/run/libvirt/qemu", libDir: "/var/lib/libvirt/qemu",
    });
    expect(driverPaths("qemu", { privileged: true, root: "/r" }).configDir).toBe("/r/etc/qemu");
  });

  it("writes <name>.xml with libvirt's warning header, mode 0600, and loads it back with autostart", () => {
    const p = driverPaths("qemu", { privileged: true, root });
    const file = saveDomainConfig(p.configDir, "vm1", "0000c0de-0000-4000-8000-000000000001", "<domain/>\n");
    expect(readFileSync(file, "utf8")).toBe(
      "<!--\nWARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE\nOVERWRITTEN AND LOST. Changes to this xml configuration should be made using:\n  virsh edit vm1\nor other application using the libvirt API.\n-->\n\n<domain/>\n",
    );
    expect(statSync(file).mode & 0o777).toBe(0o600);
    setAutostartLink(p.configDir, p.autostartDir, "vm1", true);
    expect(lstatSync(join(p.autostartDir, "vm1.xml")).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(p.autostartDir, "vm1.xml"))).toBe(file);
    expect(loadDomainConfigs(p.configDir, p.autostartDir).map((c) => [c.name, c.autostart])).toEqual([["vm1", true]]);
    deleteDomainConfig(p.configDir, p.autostartDir, "vm1");
    expect(loadDomainConfigs(p.configDir, p.autostartDir)).toEqual([]);
  });

  it("names the domain in the header only when a shell could take it", () => {
    expect(pickShellSafeComment("web-1", "u")).toBe("web-1");
    expect(pickShellSafeComment("a b", "0000c0de-0000-4000-8000-000000000001")).toBe("0000c0de-0000-4000-8000-000000000001");
    expect(pickShellSafeComment("x--y", "u")).toBe("u");
  });
});
