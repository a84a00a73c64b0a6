import type { MemoryRegion } from "./memory-region.js";

/*
 * HMP "info mtree" in QEMU's format (softmmu/memory.c mtree_info, mtree_print_mr): each address
 * space's region tree with 64-bit start-end, priority, type and name, aliases with their target
 * window, then every aliased region not printed on its own ("memory-region: ..."). Subregions are
 * listed by address, then by descending priority. Disabled regions are hidden unless asked for
 * (-D) but their subregions are still walked, as QEMU does.
 */

export interface MtreeOptions {
  /** -D: also print disabled regions (marked " [disabled]"). */
  disabled?: boolean;
  /** -o: print each region's owner. */
  owner?: boolean;
}

const INDENT = "  ";

function hex16(v: bigint): string {
  const s = (v & 0xffff_ffff_ffff_ffffn).toString(16);
  return s.padStart(16, "0");
}

/** QEMU memory_region_type. */
export function memoryRegionType(mr: MemoryRegion): string {
  let m = mr;
  while (m.alias !== null) {
    m = m.alias;
  }
  if (m.isRom) {
    return "rom";
  }
  return m.kind === "ram" ? "ram" : "i/o";
}

/** MR_SIZE: the inclusive end offset of a region of `size` bytes (0 for an empty one). */
function mrSize(size: number): bigint {
  return size === 0 ? 0n : BigInt(size) - 1n;
}

function printRegion(out: string[], mr: MemoryRegion, level: number, base: bigint, aliasQueue: MemoryRegion[], opts: MtreeOptions): void {
  const curStart = base + BigInt(mr.addr);
  const curEnd = curStart + mrSize(mr.size);
  if (curEnd > 0xffff_ffff_ffff_ffffn) {
    return; // wraps around: QEMU skips it
  }
  const show = mr.enabled || opts.disabled === true;
  const owner = opts.owner === true ? ` owner:{${mr.owner ?? "none"}}` : "";
  if (mr.alias !== null) {
    if (!aliasQueue.includes(mr.alias)) {
      aliasQueue.push(mr.alias);
    }
    if (show) {
      const aliasStart = BigInt(mr.aliasOffset);
      out.push(
        `${INDENT.repeat(level)}${hex16(curStart)}-${hex16(curEnd)} (prio ${mr.priority}, ${memoryRegionType(mr)}): alias ${mr.name} @${mr.alias.name} ${hex16(aliasStart)}-${hex16(aliasStart + mrSize(mr.size))}${mr.enabled ? "" : " [disabled]"}${owner}`,
      );
    }
  } else if (show) {
    out.push(
      `${INDENT.repeat(level)}${hex16(curStart)}-${hex16(curEnd)} (prio ${mr.priority}, ${memoryRegionType(mr)}): ${mr.name}${mr.enabled ? "" : " [disabled]"}${owner}`,
    );
  }
  const subs: MemoryRegion[] = [];
  for (const sub of mr.subregions) {
    let i = 0;
    while (i < subs.length && !(sub.addr < subs[i]!.addr || (sub.addr === subs[i]!.addr && sub.priority > subs[i]!.priority))) {
      i++;
    }
    subs.splice(i, 0, sub);
  }
  for (const sub of subs) {
    printRegion(out, sub, level + 1, curStart, aliasQueue, opts);
  }
}

export interface NamedAddressSpace {
  readonly name: string;
  readonly root: MemoryRegion;
}

/** The text of "info mtree" for these address spaces (each line ends in "\n"). */
export function formatMtree(spaces: readonly NamedAddressSpace[], opts: MtreeOptions = {}): string {
  const out: string[] = [];
  const aliasQueue: MemoryRegion[] = [];
  // Address spaces sharing a root are printed together, their names first.
  const groups = new Map<MemoryRegion, string[]>();
  for (const as of spaces) {
    const names = groups.get(as.root);
    if (names === undefined) {
      groups.set(as.root, [as.name]);
    } else {
      names.push(as.name);
    }
  }
  for (const [root, names] of groups) {
    for (const name of [...names].sort()) {
      out.push(`address-space: ${name}`);
    }
    printRegion(out, root, 1, 0n, aliasQueue, opts);
    out.push("");
  }
  for (let i = 0; i < aliasQueue.length; i++) {
    const mr = aliasQueue[i]!;
    out.push(`memory-region: ${mr.name}`);
    printRegion(out, mr, 1, 0n, aliasQueue, opts);
    out.push("");
  }
  return out.map((l) => `${l}\n`).join("");
}

/** An address space as "info mtree -f" needs it. */
export interface FlatViewSpace extends NamedAddressSpace {
  readonly flatView: { readonly ranges: readonly { addr: number; size: number; mr: MemoryRegion; offsetInRegion: number; readonly: boolean }[] };
}

/** "info mtree -f": each distinct flat view and the address spaces using it (QEMU mtree_print_flatview). */
export function formatFlatViews(spaces: readonly FlatViewSpace[]): string {
  const out: string[] = [];
  const groups = new Map<MemoryRegion, FlatViewSpace[]>();
  for (const as of spaces) {
    const g = groups.get(as.root);
    if (g === undefined) {
      groups.set(as.root, [as]);
    } else {
      g.push(as);
    }
  }
  let n = 0;
  for (const [root, members] of groups) {
    out.push(`FlatView #${n++}`);
    for (const as of members) {
      out.push(` AS "${as.name}", root: ${root.name}`);
    }
    out.push(` Root memory region: ${root.name}`);
    const ranges = members[0]!.flatView.ranges;
    if (ranges.length === 0) {
      out.push("  No rendered FlatView");
    }
    for (const fr of ranges) {
      const start = BigInt(fr.addr);
      const off = fr.offsetInRegion !== 0 ? ` @${hex16(BigInt(fr.offsetInRegion))}` : "";
      out.push(`  ${hex16(start)}-${hex16(start + mrSize(fr.size))} (prio ${fr.mr.priority}, ${fr.readonly ? "rom" : memoryRegionType(fr.mr)}): ${fr.mr.name}${off}`);
    }
    out.push("");
  }
  return out.map((l) => `${l}\n`).join("");
}
