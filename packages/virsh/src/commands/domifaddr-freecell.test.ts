// virsh domifaddr and freecell on test:///default: the test driver's addresses and NUMA cells in
// virsh's layouts (the values a real libvirtd 9.0 test driver gives).
import { describe, expect, it } from "vitest";
import { BufferIO } from "../shell/io.js";
import { virshMain } from "../virsh.js";

async function virsh(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = new BufferIO();
  const code = await virshMain(["-c", "test:///default", ...args], { io, env: { LC_ALL: "C" } });
  return { code, stdout: io.out, stderr: io.err };
}

const HEAD = " Name       MAC address          Protocol     Address\n-------------------------------------------------------------------------------\n";

describe("virsh domifaddr", () => {
  it("prints each interface's address for every source", async () => {
    for (const src of [[], ["--source", "lease"], ["--source", "agent"], ["--source", "arp"], ["--full"]]) {
      expect(await virsh("domifaddr", "test", ...src)).toEqual({ code: 0, stdout: `${HEAD} testnet0   aa:bb:cc:dd:ee:ff    ipv4         192.168.122.3/24\n\n`, stderr: "" });
    }
    expect((await virsh("domifaddr", "test", "--interface", "nosuch")).stdout).toBe(`${HEAD}\n`);
    expect(await virsh("domifaddr", "test", "--source", "bogus")).toEqual({ code: 1, stdout: "\n", stderr: "error: Unknown data source 'bogus'\n" });
  });

  it("fails with virsh's line for an inactive domain", async () => {
    expect((await virsh("destroy test; domifaddr test")).stderr).toBe("error: Failed to query for interfaces addresses\nerror: Requested operation is not valid: domain is not running\n");
  });
});

describe("virsh freecell", () => {
  it("prints the free total, one cell, every cell, and the driver's range error", async () => {
    expect((await virsh("freecell")).stdout).toBe("Total: 3072 KiB\n\n");
    expect((await virsh("freecell", "--cellno", "1")).stdout).toBe("1: 4096 KiB\n\n");
    expect((await virsh("freecell", "--all")).stdout).toBe("    0:       2048 KiB\n    1:       4096 KiB\n--------------------\nTotal:       6144 KiB\n\n");
    expect(await virsh("freecell", "--cellno", "2")).toEqual({ code: 1, stdout: "\n", stderr: "error: invalid argument: Range exceeds available cells\n" });
    expect((await virsh("freecell", "--cellno", "-1")).stderr).toBe("error: startCell in virNodeGetCellsFreeMemory must be zero or greater\n");
  });
});
