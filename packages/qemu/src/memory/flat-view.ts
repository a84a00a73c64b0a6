import type { MemoryRegion } from "./memory-region.js";

/*
 * QEMU's FlatView (softmmu/memory.c generate_memory_topology / render_memory_region /
 * flatview_simplify): the region tree of an address space flattened into sorted, non-overlapping
 * ranges, each naming the terminating region (RAM or I/O) that answers there and the offset into it.
 * Dispatch and the KVM memory listener work on this view, never on the tree.
 */

export class FlatRange {
  constructor(
    /** Guest address of the first byte. */
    public addr: number,
    public size: number,
    /** The RAM or I/O region that answers (never an alias or a container). */
    readonly mr: MemoryRegion,
    /** Offset into `mr` of the first byte. */
    readonly offsetInRegion: number,
    /** Read-only through some region on the path (an alias or the target itself). */
    readonly readonly: boolean,
  ) {}

  get end(): number {
    return this.addr + this.size;
  }

  /** QEMU flatrange_equal: same region, offset, placement and attributes. */
  equals(o: FlatRange): boolean {
    return (
      this.mr === o.mr &&
      this.addr === o.addr &&
      this.size === o.size &&
      this.offsetInRegion === o.offsetInRegion &&
      this.readonly === o.readonly
    );
  }
}

export class FlatView {
  readonly ranges: readonly FlatRange[];
  /** Range starts, for the binary search. */
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  /** The last range found: consecutive accesses usually hit the same device or RAM. */
  private lastHit = -1;
  /** The last unassigned hole found, [holeStart, holeEnd): a port nothing decodes (POST codes at 80h) exits again and again. */
  private holeStart = 0;
  private holeEnd = 0;

  constructor(ranges: FlatRange[]) {
    this.ranges = ranges;
    this.starts = new Float64Array(ranges.length);
    this.ends = new Float64Array(ranges.length);
    for (let i = 0; i < ranges.length; i++) {
      this.starts[i] = ranges[i]!.addr;
      this.ends[i] = ranges[i]!.end;
    }
  }

  /** Index of the range containing `addr`, or -1 (unassigned). */
  lookupIndex(addr: number): number {
    const last = this.lastHit;
    if (last >= 0 && addr >= this.starts[last]! && addr < this.ends[last]!) {
      return last;
    }
    if (addr >= this.holeStart && addr < this.holeEnd) {
      return -1;
    }
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (addr < this.starts[mid]!) {
        hi = mid - 1;
      } else if (addr >= this.ends[mid]!) {
        lo = mid + 1;
      } else {
        this.lastHit = mid;
        return mid;
      }
    }
    // Unassigned: remember the hole, between the range before `lo` and the one at `lo`.
    this.holeStart = lo > 0 ? this.ends[lo - 1]! : 0;
    this.holeEnd = lo < this.starts.length ? this.starts[lo]! : Infinity;
    return -1;
  }

  lookup(addr: number): FlatRange | undefined {
    const i = this.lookupIndex(addr);
    return i < 0 ? undefined : this.ranges[i];
  }

  /** Start of the first range beginning after `addr` (where an unassigned hole ends), or Infinity. */
  nextStart(addr: number): number {
    if (addr >= this.holeStart && addr < this.holeEnd) {
      return this.holeEnd;
    }
    for (let i = 0; i < this.starts.length; i++) {
      if (this.starts[i]! > addr) {
        return this.starts[i]!;
      }
    }
    return Infinity;
  }
}

/**
 * Inserts `[base, base+size)` of `mr` into the sorted `view`, only into the gaps not yet covered
 * (anything already there came from a higher-priority region), as render_memory_region does.
 */
function insertGaps(view: FlatRange[], mr: MemoryRegion, base: number, size: number, offsetInRegion: number, readonly: boolean): void {
  let remain = size;
  let i = 0;
  while (i < view.length && remain > 0) {
    const r = view[i]!;
    if (base >= r.end) {
      i++;
      continue;
    }
    if (base < r.addr) {
      const now = Math.min(remain, r.addr - base);
      view.splice(i, 0, new FlatRange(base, now, mr, offsetInRegion, readonly));
      i++;
      base += now;
      offsetInRegion += now;
      remain -= now;
    }
    if (remain === 0) {
      break;
    }
    // Skip the part a higher-priority region already covers.
    const now = Math.min(remain, r.end - base);
    base += now;
    offsetInRegion += now;
    remain -= now;
    i++;
  }
  if (remain > 0) {
    view.push(new FlatRange(base, remain, mr, offsetInRegion, readonly));
  }
}

/**
 * render_memory_region: `mr` placed with its container at `base`, clipped to [clipStart, clipEnd).
 */
function render(view: FlatRange[], mr: MemoryRegion, base: number, clipStart: number, clipEnd: number, readonly: boolean): void {
  if (!mr.enabled) {
    return;
  }
  base += mr.addr;
  const start = Math.max(base, clipStart);
  const end = Math.min(base + mr.size, clipEnd);
  if (start >= end) {
    return;
  }
  readonly ||= mr.readonly;
  if (mr.alias !== null) {
    // The alias window [base, base+size) shows target offsets [aliasOffset, aliasOffset+size).
    render(view, mr.alias, base - mr.alias.addr - mr.aliasOffset, start, end, readonly);
    return;
  }
  for (const sub of mr.subregions) {
    render(view, sub, base, start, end, readonly);
  }
  if (!mr.terminates) {
    return;
  }
  insertGaps(view, mr, start, end - start, start - base, readonly);
}

/** flatview_simplify: merges neighbours that continue the same region with the same attributes. */
function simplify(view: FlatRange[]): FlatRange[] {
  const out: FlatRange[] = [];
  for (const r of view) {
    const prev = out[out.length - 1];
    if (
      prev?.mr === r.mr &&
      prev.end === r.addr &&
      prev.offsetInRegion + prev.size === r.offsetInRegion &&
      prev.readonly === r.readonly
    ) {
      prev.size += r.size;
    } else {
      out.push(new FlatRange(r.addr, r.size, r.mr, r.offsetInRegion, r.readonly));
    }
  }
  return out;
}

/** generate_memory_topology: the flat view of the tree under `root`. */
export function generateMemoryTopology(root: MemoryRegion): FlatView {
  const view: FlatRange[] = [];
  render(view, root, 0, 0, root.size, false);
  return new FlatView(simplify(view));
}
