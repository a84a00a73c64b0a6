// Commands whose libvirt entry point @virtkit/libvirt does not expose yet: without it they fail
// with libvirt's NO_SUPPORT error after virsh's own line; once the library object has the
// method, the command calls it with virsh's arguments and prints virsh's output.
import { Connect, Domain } from "@virtkit/libvirt";
import { afterEach, describe, expect, it } from "vitest";
import { BufferIO } from "../shell/io.js";
import { virshMain } from "../virsh.js";

async function virsh(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = new BufferIO();
  const code = await virshMain(["-c", "test:///default", ...args], { io, env: { LC_ALL: "C" } });
  return { code, stdout: io.out, stderr: io.err };
}

type Patchable = Record<string, unknown>;
const patched: [Patchable, string][] = [];
function patch(proto: object, name: string, fn: (...a: never[]) => unknown): void {
  (proto as Patchable)[name] = fn;
  patched.push([proto as Patchable, name]);
}
afterEach(() => {
  for (const [p, n] of patched.splice(0)) Reflect.deleteProperty(p, n);
});

describe("entry points missing from the library", () => {
  it("fail with virsh's line and libvirt's NO_SUPPORT error", async () => {
    expect(await virsh("save", "test", "/tmp/x.save")).toEqual({
      code: 1,
      stdout: "\n",
      stderr: "error: Failed to save domain 'test' to /tmp/x.save\nerror: this function is not supported by the connection driver: virDomainSaveFlags\n",
    });
    expect(await virsh("restore", "/tmp/x.save")).toEqual({
      code: 1,
      stdout: "\n",
      stderr: "error: Failed to restore domain from /tmp/x.save\nerror: this function is not supported by the connection driver: virDomainRestoreFlags\n",
    });
    expect((await virsh("domifaddr", "test")).stderr).toBe(
      "error: Failed to query for interfaces addresses\nerror: this function is not supported by the connection driver: virDomainInterfaceAddresses\n",
    );
  });

  it("save and restore call the library with virsh's flags and print virsh's lines", async () => {
    const calls: unknown[] = [];
    patch(Domain.prototype, "saveFlags", (to: string, dxml: string | null, flags: number) => {
      calls.push(["save", to, dxml, flags]);
      return Promise.resolve();
    });
    patch(Connect.prototype, "restoreFlags", (from: string, dxml: string | null, flags: number) => {
      calls.push(["restore", from, dxml, flags]);
      return Promise.resolve();
    });
    expect(await virsh("save", "--verbose", "--paused", "test", "/tmp/t.save")).toEqual({ code: 0, stdout: "\nDomain 'test' saved to /tmp/t.save\n\n", stderr: "\rSave: [100 %]" });
    expect(await virsh("restore", "--running", "/tmp/t.save")).toEqual({ code: 0, stdout: "Domain restored from /tmp/t.save\n\n", stderr: "" });
    // VIR_DOMAIN_SAVE_PAUSED = 4, VIR_DOMAIN_SAVE_RUNNING = 2
    expect(calls).toEqual([
      ["save", "/tmp/t.save", null, 4],
      ["restore", "/tmp/t.save", null, 2],
    ]);
  });

  it("domifaddr prints virsh's address table", async () => {
    patch(Domain.prototype, "interfaceAddresses", () =>
      Promise.resolve([
        { name: "vnet0", hwaddr: "52:54:00:11:22:33", addrs: [{ type: 0, addr: "192.168.122.3", prefix: 24 }, { type: 1, addr: "fe80::1", prefix: 64 }] },
        { name: "vnet1", hwaddr: null, addrs: [] },
      ]),
    );
    const r = await virsh("domifaddr", "test");
    expect(r.stdout).toBe(
      " Name       MAC address          Protocol     Address\n" +
        "-------------------------------------------------------------------------------\n" +
        " vnet0      52:54:00:11:22:33    ipv4         192.168.122.3/24\n" +
        " -          -                    ipv6         fe80::1/64\n" +
        " vnet1      N/A                  N/A          N/A\n\n",
    );
  });

  it("freecell --all sums the cells of the capabilities' NUMA topology", async () => {
    patch(Connect.prototype, "getCellsFreeMemory", (start: number) => Promise.resolve([(start + 1) * 2048 * 1024]));
    expect((await virsh("freecell", "--all")).stdout).toBe("    0:       2048 KiB\n    1:       4096 KiB\n--------------------\nTotal:       6144 KiB\n\n");
    expect((await virsh("freecell", "--cellno", "1")).stdout).toBe("1: 4096 KiB\n\n");
  });
});
