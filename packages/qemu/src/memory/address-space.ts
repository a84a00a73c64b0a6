import { type FlatRange, type FlatView, generateMemoryTopology } from "./flat-view.js";
import { flatViewRead, flatViewWrite } from "./memory-dispatch.js";
import type { MemoryRegion } from "./memory-region.js";
import { addTopologyObserver, removeTopologyObserver, type TopologyObserver } from "./memory-transaction.js";

/*
 * QEMU's AddressSpace (include/exec/memory.h): a root region seen by some bus master (the CPU's
 * "memory" and "I/O" spaces), its current flat view, and the MemoryListeners told about every
 * change of that view (address_space_update_topology_pass): first every range that went away or
 * changed (region_del), then every new one (region_add), inside begin()/commit().
 */

/** A piece of the flat view as listeners see it (QEMU MemoryRegionSection). */
export interface MemoryRegionSection {
  /** The RAM or I/O region answering in this range. */
  readonly mr: MemoryRegion;
  readonly offsetWithinRegion: number;
  /** Guest address of the first byte (offset_within_address_space). */
  readonly addr: number;
  readonly size: number;
  /** Mapped read-only (a ROM, or a read-only alias such as a PAM segment). */
  readonly readonly: boolean;
}

/** QEMU MemoryListener: how an accelerator (KVM memslots) follows the layout. */
export interface MemoryListener {
  begin?(): void;
  regionAdd?(section: MemoryRegionSection): void;
  regionDel?(section: MemoryRegionSection): void;
  /** A range present before and after the change, unchanged. */
  regionNop?(section: MemoryRegionSection): void;
  commit?(): void;
}

function section(fr: FlatRange): MemoryRegionSection {
  return { mr: fr.mr, offsetWithinRegion: fr.offsetInRegion, addr: fr.addr, size: fr.size, readonly: fr.readonly };
}

export class AddressSpace implements TopologyObserver {
  private view: FlatView;
  private readonly listeners: MemoryListener[] = [];
  private destroyed = false;

  constructor(
    readonly name: string,
    readonly root: MemoryRegion,
  ) {
    this.view = generateMemoryTopology(root);
    addTopologyObserver(this);
  }

  get flatView(): FlatView {
    return this.view;
  }

  /** Re-renders and tells the listeners what changed (address_space_set_flatview). */
  updateTopology(): void {
    if (this.destroyed) {
      return;
    }
    const old = this.view;
    const next = generateMemoryTopology(this.root);
    this.view = next;
    if (this.listeners.length === 0) {
      return;
    }
    for (const l of this.listeners) {
      l.begin?.();
    }
    this.updatePass(old.ranges, next.ranges, false);
    this.updatePass(old.ranges, next.ranges, true);
    for (const l of this.listeners) {
      l.commit?.();
    }
  }

  /** address_space_update_topology_pass: a merge walk of the two sorted views. */
  private updatePass(oldRanges: readonly FlatRange[], newRanges: readonly FlatRange[], adding: boolean): void {
    let iold = 0;
    let inew = 0;
    while (iold < oldRanges.length || inew < newRanges.length) {
      const frold = oldRanges[iold];
      const frnew = newRanges[inew];
      if (frold !== undefined && (frnew === undefined || frold.addr < frnew.addr || (frold.addr === frnew.addr && !frold.equals(frnew)))) {
        // In the old view only, or at the same place with different attributes.
        if (!adding) {
          for (const l of this.listeners) {
            l.regionDel?.(section(frold));
          }
        }
        iold++;
      } else if (frold !== undefined && frnew !== undefined && frold.equals(frnew)) {
        if (adding) {
          for (const l of this.listeners) {
            l.regionNop?.(section(frnew));
          }
        }
        iold++;
        inew++;
      } else {
        if (adding) {
          for (const l of this.listeners) {
            l.regionAdd?.(section(frnew!));
          }
        }
        inew++;
      }
    }
  }

  /** memory_listener_register: the listener first sees every current range added. */
  addListener(listener: MemoryListener): void {
    this.listeners.push(listener);
    listener.begin?.();
    for (const fr of this.view.ranges) {
      listener.regionAdd?.(section(fr));
    }
    listener.commit?.();
  }

  /** memory_listener_unregister: the listener sees every range removed. */
  removeListener(listener: MemoryListener): void {
    const i = this.listeners.indexOf(listener);
    if (i < 0) {
      return;
    }
    this.listeners.splice(i, 1);
    listener.begin?.();
    for (const fr of this.view.ranges) {
      listener.regionDel?.(section(fr));
    }
    listener.commit?.();
  }

  /** address_space_read: returns MEMTX_OK (0) or an error code; failed parts read as 0. */
  read(addr: number, buf: Uint8Array, off = 0, len = buf.length - off): number {
    return flatViewRead(this.view, addr, buf, off, len);
  }

  /** address_space_write. */
  write(addr: number, buf: Uint8Array, off = 0, len = buf.length - off): number {
    return flatViewWrite(this.view, addr, buf, off, len);
  }

  /** address_space_rw. */
  rw(addr: number, buf: Uint8Array, off: number, len: number, isWrite: boolean): number {
    return isWrite ? flatViewWrite(this.view, addr, buf, off, len) : flatViewRead(this.view, addr, buf, off, len);
  }

  /** The section at `addr` (QEMU memory_region_find), or undefined where nothing is mapped. */
  find(addr: number): MemoryRegionSection | undefined {
    const fr = this.view.lookup(addr);
    return fr === undefined ? undefined : section(fr);
  }

  /** address_space_destroy: stops following layout changes. */
  destroy(): void {
    this.destroyed = true;
    removeTopologyObserver(this);
  }
}


