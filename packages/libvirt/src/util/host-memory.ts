// The host's memory per NUMA node (libvirt 9.0 src/util/virhostmem.c virHostMemGetCellsFree /
// virHostMemGetInfo over src/util/virnuma.c, which uses libnuma). libnuma reads sysfs: the nodes
// are the nodeN directories of /sys/devices/system/node (numa_max_node is the highest N), and
// numa_node_size64 reads "Node N MemTotal:" / "MemFree:" (kB) from nodeN/meminfo. A host without
// NUMA support (no such directory) gets libvirt's "fake" answers: one cell 0 whose free memory
// is sysconf(_SC_AVPHYS_PAGES) * page size, i.e. MemFree of /proc/meminfo.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { virError } from "../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../errors/virterror.js";

export const SYSFS_NODE_DIR = "/sys/devices/system/node";
export const PROC_MEMINFO = "/proc/meminfo";

export interface HostMemorySources {
  /** /sys/devices/system/node */
  nodeDir?: string;
  /** /proc/meminfo */
  meminfo?: string;
}

function internal(msg: string): Error {
  return virError(VirErrorDomain.VIR_FROM_NONE, VirErrorNumber.VIR_ERR_INTERNAL_ERROR, msg);
}

/** The node numbers present (numa_nodes_ptr), ascending; null when NUMA is not available. */
export function numaNodes(src: HostMemorySources = {}): number[] | null {
  const dir = src.nodeDir ?? SYSFS_NODE_DIR;
  if (!existsSync(dir)) return null;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return null;
  }
  const nodes = names.flatMap((n) => (/^node\d+$/.test(n) ? [Number(n.slice(4))] : [])).sort((a, b) => a - b);
  return nodes.length > 0 ? nodes : null;
}

/** A "Key: N kB" line of a meminfo file, in bytes; null when absent. */
function meminfoBytes(text: string, key: string): number | null {
  const m = new RegExp(`(?:^|\\n)(?:Node \\d+ )?${key}:\\s+(\\d+) kB`).exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

/** numa_node_size64: total and free bytes of a node; 0/0 when its meminfo cannot be read (virNumaGetNodeMemory). */
export function numaNodeMemory(node: number, src: HostMemorySources = {}): { total: number; free: number } {
  try {
    const text = readFileSync(join(src.nodeDir ?? SYSFS_NODE_DIR, `node${node}`, "meminfo"), "utf8");
    return { total: meminfoBytes(text, "MemTotal") ?? 0, free: meminfoBytes(text, "MemFree") ?? 0 };
  } catch {
    return { total: 0, free: 0 };
  }
}

/** virHostMemGetAvailable on Linux: free physical pages times the page size (MemFree). */
function availableBytes(src: HostMemorySources): number {
  try {
    return meminfoBytes(readFileSync(src.meminfo ?? PROC_MEMINFO, "utf8"), "MemFree") ?? 0;
  } catch {
    return 0;
  }
}

/**
 * virHostMemGetCellsFree: free bytes of cells startCell..startCell + maxCells - 1 that exist
 * (up to the highest node); a startCell past it is an error.
 */
export function hostCellsFreeMemory(startCell: number, maxCells: number, src: HostMemorySources = {}): number[] {
  const nodes = numaNodes(src);
  if (nodes === null) {
    // virHostMemGetCellsFreeFake
    if (startCell !== 0) throw internal(`start cell ${startCell} out of range (0-0)`);
    const free = availableBytes(src);
    if (free === 0) throw virError(VirErrorDomain.VIR_FROM_NONE, VirErrorNumber.VIR_ERR_SYSTEM_ERROR, "Unable to query memory available");
    return [free];
  }
  const maxCell = nodes[nodes.length - 1]!;
  if (startCell > maxCell) throw internal(`start cell ${startCell} out of range (0-${maxCell})`);
  const lastCell = Math.min(startCell + maxCells - 1, maxCell);
  const out: number[] = [];
  for (let n = startCell; n <= lastCell; n++) out.push(numaNodeMemory(n, src).free);
  return out;
}

/** virHostMemGetInfo's free memory: the sum over the nodes present, or the fake cell's. */
export function hostFreeMemory(src: HostMemorySources = {}): number {
  const nodes = numaNodes(src);
  if (nodes === null) return availableBytes(src);
  let free = 0;
  for (const n of nodes) free += numaNodeMemory(n, src).free;
  return free;
}
