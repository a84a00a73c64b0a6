// virCapabilitiesHostNUMAInitReal over a sysfs tree made here: cells, memory, page pools,
// distances and CPU topology as libvirt puts them in the capabilities.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatCapabilities } from "../conf/capabilities.js";
import { hostNumaCells, parseCpuList } from "./host-numa.js";

const dir = mkdtempSync(join(tmpdir(), "host-numa-"));
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

function file(path: string, text: string): void {
  mkdirSync(join(dir, path, ".."), { recursive: true });
  writeFileSync(join(dir, path), text);
}

describe("the host's NUMA cells", () => {
  it("parses kernel cpu lists", () => {
    expect(parseCpuList("0-3,8,10-11\n")).toEqual([0, 1, 2, 3, 8, 10, 11]);
  });

  it("has each node's memory, page pools, distances and CPUs with their topology", () => {
    for (const [n, cpus, total] of [[0, "0-1", 4194304], [1, "2-3", 2097152]] as const) {
      file(`node/node${n}/meminfo`, `Node ${n} MemTotal: ${total} kB\nNode ${n} MemFree: 1000 kB\n`);
      file(`node/node${n}/cpulist`, `${cpus}\n`);
      file(`node/node${n}/distance`, n === 0 ? "10 21\n" : "21 10\n");
      file(`node/node${n}/hugepages/hugepages-2048kB/nr_hugepages`, n === 0 ? "64\n" : "0\n");
    }
    for (let c = 0; c < 4; c++) {
      file(`cpu/cpu${c}/topology/physical_package_id`, `${c >> 1}\n`);
      file(`cpu/cpu${c}/topology/core_id`, "0\n");
      file(`cpu/cpu${c}/topology/thread_siblings_list`, c < 2 ? "0-1\n" : "2-3\n");
    }
    const cells = hostNumaCells({ nodeDir: join(dir, "node"), cpuDir: join(dir, "cpu") });
    expect(cells[0]).toEqual({
      id: 0,
      memory: 4194304n,
      // 4 KiB pages: what the 64 huge pages of 2 MiB leave
      pages: [{ size: 4, avail: BigInt((4194304 - 64 * 2048) / 4) }, { size: 2048, avail: 64n }],
      distances: [{ id: 0, value: 10 }, { id: 1, value: 21 }],
      cpus: [
        { id: 0, socketId: 0, dieId: 0, coreId: 0, siblings: [0, 1] },
        { id: 1, socketId: 0, dieId: 0, coreId: 0, siblings: [0, 1] },
      ],
    });
    const xml = formatCapabilities({ host: { arch: "x86_64", iommu: false, numaCells: cells }, guests: [] });
    expect(xml).toContain(
      "      <cells num='2'>\n        <cell id='0'>\n          <memory unit='KiB'>4194304</memory>\n          <pages unit='KiB' size='4'>1015808</pages>\n" +
        "          <pages unit='KiB' size='2048'>64</pages>\n          <distances>\n            <sibling id='0' value='10'/>\n            <sibling id='1' value='21'/>\n" +
        "          </distances>\n          <cpus num='2'>\n            <cpu id='0' socket_id='0' die_id='0' core_id='0' siblings='0-1'/>\n",
    );
  });
});
