// The host's NUMA topology for the capabilities document (libvirt 9.0 src/conf/capabilities.c
// virCapabilitiesHostNUMAInitReal with src/util/virnuma.c and virhostcpu.c): per node of
// /sys/devices/system/node its memory (KiB), its page pools (the system page size with what is
// left after the huge pages, then each hugepages-NkB pool: virNumaGetPages), the distances to
// the other nodes (nodeN/distance, as numa_distance reads it) and its CPUs with socket, die,
// core and thread siblings (/sys/devices/system/cpu/cpuN/topology). Without NUMA support
// libvirt builds one fake cell from the node info (virCapabilitiesHostNUMAInitFake).
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { cpus as osCpus, totalmem } from "node:os";
import { join } from "node:path";
import type { CapsNumaCell, CapsNumaCellCpu } from "../conf/capabilities.js";
import { numaNodeMemory, numaNodes, SYSFS_NODE_DIR, type HostMemorySources } from "./host-memory.js";

export const SYSFS_CPU_DIR = "/sys/devices/system/cpu";
/** getpagesize() of the x86 hosts this models, in KiB (virGetSystemPageSizeKB). */
const SYSTEM_PAGE_KIB = 4;

export interface HostNumaSources extends HostMemorySources {
  /** /sys/devices/system/cpu */
  cpuDir?: string;
}

function read(path: string): string | null {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return null;
  }
}

/** A kernel cpulist ("0-3,8,10-11") as numbers. */
export function parseCpuList(text: string): number[] {
  const out: number[] = [];
  for (const part of text.split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b; i++) out.push(i);
  }
  return out;
}

/** virCapabilitiesFillCPUInfo: topology ids default to 0 where the kernel has no file (die_id on old kernels). */
function cpuInfo(id: number, cpuDir: string): CapsNumaCellCpu {
  const topo = join(cpuDir, `cpu${id}`, "topology");
  const num = (f: string): number => Number(read(join(topo, f)) ?? "0") || 0;
  const siblings = read(join(topo, "thread_siblings_list"));
  return { id, socketId: num("physical_package_id"), dieId: num("die_id"), coreId: num("core_id"), siblings: siblings === null ? [id] : parseCpuList(siblings) };
}

/** virNumaGetPages: the system page pool (memory not in huge pages) and each huge page pool, by size. */
function pages(node: number, nodeDir: string, totalBytes: number): { size: number; avail: bigint }[] {
  const dir = join(nodeDir, `node${node}`, "hugepages");
  const out: { size: number; avail: bigint }[] = [];
  let hugeBytes = 0;
  if (existsSync(dir)) {
    for (const name of readdirSync(dir)) {
      const m = /^hugepages-(\d+)kB$/i.exec(name);
      if (!m) continue;
      const size = Number(m[1]);
      const avail = Number(read(join(dir, name, "nr_hugepages")) ?? "0") || 0;
      out.push({ size, avail: BigInt(avail) });
      hugeBytes += 1024 * size * avail;
    }
  }
  out.push({ size: SYSTEM_PAGE_KIB, avail: BigInt(Math.max(0, Math.floor((totalBytes - hugeBytes) / (SYSTEM_PAGE_KIB * 1024)))) });
  return out.sort((a, b) => a.size - b.size);
}

/** The host's <topology><cells> as virCapabilitiesHostNUMAInit* builds them. */
export function hostNumaCells(src: HostNumaSources = {}): CapsNumaCell[] {
  const nodeDir = src.nodeDir ?? SYSFS_NODE_DIR;
  const cpuDir = src.cpuDir ?? SYSFS_CPU_DIR;
  const nodes = numaNodes(src);
  if (nodes === null) {
    // virCapabilitiesHostNUMAInitFake: one cell, every CPU, the node's memory in KiB
    const n = osCpus().length;
    return [{ id: 0, memory: BigInt(Math.floor(totalmem() / 1024)), cpus: Array.from({ length: n }, (_v, i) => cpuInfo(i, cpuDir)) }];
  }
  const cells: CapsNumaCell[] = [];
  for (const n of nodes) {
    const list = read(join(nodeDir, `node${n}`, "cpulist"));
    // virNumaGetNodeCPUs: -2 for a node that is not there, skipped
    if (list === null) continue;
    const mem = numaNodeMemory(n, src);
    const dist = (read(join(nodeDir, `node${n}`, "distance")) ?? "").split(/\s+/).filter(Boolean).map(Number);
    cells.push({
      id: n,
      memory: BigInt(Math.floor(mem.total / 1024)),
      pages: pages(n, nodeDir, mem.total),
      // numa_distance(node, i) for i = 0..max_node; the distance file lists the nodes present in order
      distances: dist.map((value, i) => ({ id: nodes[i] ?? i, value })),
      cpus: parseCpuList(list).map((c) => cpuInfo(c, cpuDir)),
    });
  }
  return cells;
}
