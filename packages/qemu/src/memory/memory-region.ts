import type { AccessSize, IoDevice } from "../hw/io-device.js";
import { memoryRegionTransaction } from "./memory-transaction.js";

/*
 * QEMU's MemoryRegion (include/exec/memory.h, softmmu/memory.c): a node of the guest's physical
 * address layout. A region is RAM (backed by host memory a vCPU can map), I/O (a device's read/write
 * callbacks), a container of subregions, or an alias (a window onto part of another region).
 * Subregions overlap by priority; the highest-priority region visible at an address wins. Every
 * change re-renders the flat views of the address spaces and tells their listeners (KVM memslots).
 */

/** Access sizes a region's device accepts and implements (QEMU MemoryRegionOps.valid / .impl). */
export interface AccessConstraints {
  /** Smallest access in bytes (valid: 0/1 = any; impl: default 1). */
  min?: number;
  /** Largest access in bytes (default 4, as QEMU treats 0). */
  max?: number;
  /** Accesses not aligned to their size are allowed (valid) or handled by the device (impl). */
  unaligned?: boolean;
}

export interface MemoryRegionOps {
  /**
   * valid: accesses the bus lets through at all. An access outside these bounds is a decode error
   * (reads give 0, writes are dropped); larger accesses are first split by the dispatcher
   * (QEMU memory_access_size).
   */
  valid?: AccessConstraints & {
    /** Extra check (QEMU valid.accepts), e.g. fw_cfg's "byte reads, word selector writes". */
    accepts?: (offset: number, size: number, isWrite: boolean) => boolean;
  };
  /**
   * impl: the sizes the device's read/write can handle. The core splits wider accesses into
   * several and widens narrower ones (QEMU access_with_adjusted_size), so the device only ever sees
   * sizes in [impl.min, impl.max].
   */
  impl?: AccessConstraints;
}

/** Host memory backing guest RAM or ROM (QEMU RAMBlock): shared bytes and their host address. */
export interface RamBlock {
  readonly name: string;
  readonly size: number;
  /** The bytes, over a SharedArrayBuffer so a vCPU or a DMA worker in another thread can share them. */
  readonly bytes: Uint8Array;
  /**
   * The host (user virtual) address of the first byte, what KVM_SET_USER_MEMORY_REGION takes as
   * userspace_addr; -1 when the block is not mappable by an accelerator (plain test memory).
   */
  readonly hostAddr: number;
}

/** Allocates RAM blocks (QEMU qemu_ram_alloc); accelerators provide one that KVM can map. */
export interface RamAllocator {
  allocRam(name: string, size: number): RamBlock;
}

/** RAM from plain SharedArrayBuffers: enough for device tests and for TCG-less dispatch tests. */
export const sharedArrayRamAllocator: RamAllocator = {
  allocRam(name: string, size: number): RamBlock {
    return { name, size, bytes: new Uint8Array(new SharedArrayBuffer(size)), hostAddr: -1 };
  },
};

export type MemoryRegionKind = "container" | "ram" | "io" | "alias";

export class MemoryRegionError extends Error {}

/** Resolved ops limits, so dispatch reads plain numbers. */
export interface ResolvedOps {
  readonly device: IoDevice;
  readonly validMin: number;
  readonly validMax: number;
  readonly validUnaligned: boolean;
  readonly accepts: ((offset: number, size: number, isWrite: boolean) => boolean) | undefined;
  readonly implMin: number;
  readonly implMax: number;
}

function resolveOps(device: IoDevice, ops: MemoryRegionOps): ResolvedOps {
  const sizes = [ops.valid?.min, ops.valid?.max, ops.impl?.min, ops.impl?.max];
  for (const s of sizes) {
    if (s !== undefined && s !== 0 && s !== 1 && s !== 2 && s !== 4 && s !== 8) {
      throw new MemoryRegionError(`invalid access size ${s} in MemoryRegionOps`);
    }
  }
  return {
    device,
    validMin: ops.valid?.min ?? 0,
    validMax: ops.valid?.max !== undefined && ops.valid.max !== 0 ? ops.valid.max : 4,
    validUnaligned: ops.valid?.unaligned ?? false,
    accepts: ops.valid?.accepts,
    implMin: ops.impl?.min !== undefined && ops.impl.min !== 0 ? ops.impl.min : 1,
    implMax: ops.impl?.max !== undefined && ops.impl.max !== 0 ? ops.impl.max : 4,
  };
}

/** 2^64: the size of QEMU's UINT64_MAX containers ("system", "pci"), exactly representable. */
export const UINT64_SIZE = 2 ** 64;

let nextRegionId = 1;

export class MemoryRegion {
  /** Unique id (stable order for listeners and debugging). */
  readonly id = nextRegionId++;
  /** The parent this region is mapped into, or null. */
  container: MemoryRegion | null = null;
  /** Offset within the container (QEMU mr->addr). */
  addr = 0;
  priority = 0;
  enabled = true;
  /** Writes are refused; for RAM this makes a ROM (and a KVM_MEM_READONLY slot). */
  readonly = false;
  /** Subregions, highest priority first; among equal priorities the most recently added first. */
  readonly subregions: MemoryRegion[] = [];
  aliasOffset = 0;
  /** An object the region belongs to (QEMU owner), for `info mtree -o`. */
  owner: string | undefined;

  private constructor(
    readonly kind: MemoryRegionKind,
    readonly name: string,
    public size: number,
    readonly ram: RamBlock | null,
    readonly ops: ResolvedOps | null,
    readonly alias: MemoryRegion | null,
  ) {
    if (!(size >= 0) || !Number.isFinite(size) || size > UINT64_SIZE) {
      throw new MemoryRegionError(`memory region '${name}': invalid size ${size}`);
    }
  }

  /** memory_region_init: a container with no content of its own (its holes are unassigned). */
  static container(name: string, size: number): MemoryRegion {
    return new MemoryRegion("container", name, size, null, null, null);
  }

  /** memory_region_init_ram over a block. */
  static ram(name: string, block: RamBlock): MemoryRegion {
    return new MemoryRegion("ram", name, block.size, block, null, null);
  }

  /** memory_region_init_rom: RAM the guest cannot write. */
  static rom(name: string, block: RamBlock): MemoryRegion {
    const mr = new MemoryRegion("ram", name, block.size, block, null, null);
    mr.readonly = true;
    return mr;
  }

  /**
   * memory_region_init_io: a device's registers. Subregions may be added on top; where none covers
   * an address the device itself answers (as QEMU's "io" root answers unassigned ports).
   */
  static io(name: string, size: number, device: IoDevice, ops: MemoryRegionOps = {}): MemoryRegion {
    return new MemoryRegion("io", name, size, null, resolveOps(device, ops), null);
  }

  /** memory_region_init_alias: `size` bytes of `target` starting at `offset`. */
  static alias(name: string, target: MemoryRegion, offset: number, size: number): MemoryRegion {
    const mr = new MemoryRegion("alias", name, size, null, null, target);
    mr.aliasOffset = offset;
    return mr;
  }

  /** Whether the region has content of its own (QEMU mr->terminates). */
  get terminates(): boolean {
    return this.kind === "ram" || this.kind === "io";
  }

  /** QEMU memory_region_is_rom: RAM that is read-only. */
  get isRom(): boolean {
    return this.kind === "ram" && this.readonly;
  }

  /**
   * memory_region_add_subregion_overlap: maps `sub` at `addr` with `priority`. Overlaps are allowed
   * and resolved by priority (QEMU only warns about unprioritised overlaps).
   */
  addSubregion(addr: number, sub: MemoryRegion, priority = 0): void {
    if (sub.container !== null) {
      throw new MemoryRegionError(`memory region '${sub.name}' is already mapped in '${sub.container.name}'`);
    }
    if (!Number.isFinite(addr) || addr < 0) {
      throw new MemoryRegionError(`memory region '${sub.name}': invalid address ${addr}`);
    }
    memoryRegionTransaction(() => {
      sub.container = this;
      sub.addr = addr;
      sub.priority = priority;
      this.insertByPriority(sub);
    });
  }

  private insertByPriority(sub: MemoryRegion): void {
    // memory_region_update_container_subregions: before the first one it beats or ties.
    let i = 0;
    while (i < this.subregions.length && sub.priority < this.subregions[i]!.priority) {
      i++;
    }
    this.subregions.splice(i, 0, sub);
  }

  /** memory_region_del_subregion. */
  removeSubregion(sub: MemoryRegion): void {
    const i = this.subregions.indexOf(sub);
    if (i < 0) {
      throw new MemoryRegionError(`memory region '${sub.name}' is not a subregion of '${this.name}'`);
    }
    memoryRegionTransaction(() => {
      this.subregions.splice(i, 1);
      sub.container = null;
    });
  }

  /** memory_region_set_enabled. */
  setEnabled(enabled: boolean): void {
    if (enabled !== this.enabled) {
      memoryRegionTransaction(() => {
        this.enabled = enabled;
      });
    }
  }

  /** memory_region_set_readonly. */
  setReadonly(readonly: boolean): void {
    if (readonly !== this.readonly) {
      memoryRegionTransaction(() => {
        this.readonly = readonly;
      });
    }
  }

  /** memory_region_set_address: moves the region within its container. */
  setAddress(addr: number): void {
    if (addr !== this.addr) {
      memoryRegionTransaction(() => {
        this.addr = addr;
      });
    }
  }

  /** memory_region_set_alias_offset. */
  setAliasOffset(offset: number): void {
    if (this.kind !== "alias") {
      throw new MemoryRegionError(`memory region '${this.name}' is not an alias`);
    }
    if (offset !== this.aliasOffset) {
      memoryRegionTransaction(() => {
        this.aliasOffset = offset;
      });
    }
  }

  /** memory_region_set_size. */
  setSize(size: number): void {
    if (size !== this.size) {
      memoryRegionTransaction(() => {
        this.size = size;
      });
    }
  }

  /** Changes the priority of a mapped region (QEMU re-adds it). */
  setPriority(priority: number): void {
    const parent = this.container;
    if (parent === null) {
      this.priority = priority;
      return;
    }
    memoryRegionTransaction(() => {
      parent.subregions.splice(parent.subregions.indexOf(this), 1);
      this.priority = priority;
      parent.insertByPriority(this);
    });
  }

  /** The RAM block and offset behind this region's `offset`, following aliases (for DMA and loaders). */
  ramAt(offset: number): { block: RamBlock; offset: number } | undefined {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    let mr: MemoryRegion = this;
    while (mr.alias !== null) {
      offset += mr.aliasOffset;
      mr = mr.alias;
    }
    return mr.ram !== null && offset < mr.size ? { block: mr.ram, offset } : undefined;
  }
}

export type { AccessSize };
