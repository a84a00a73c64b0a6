/*
 * memory_region_transaction_begin/commit (softmmu/memory.c): layout changes made inside a
 * transaction are rendered once, at the outermost commit, so that listeners (KVM memslots) never
 * see the intermediate layouts (a PAM register moving 13 aliases is one update, not 13).
 */

/** Something that re-renders when the layout changes (an AddressSpace). */
export interface TopologyObserver {
  updateTopology(): void;
}

const observers = new Set<TopologyObserver>();
let depth = 0;
let pending = false;

/** Registers an address space for re-rendering on commits (QEMU's address_spaces list). */
export function addTopologyObserver(o: TopologyObserver): void {
  observers.add(o);
}

export function removeTopologyObserver(o: TopologyObserver): void {
  observers.delete(o);
}

export function memoryRegionTransactionBegin(): void {
  depth++;
}

export function memoryRegionTransactionCommit(): void {
  if (depth === 0) {
    throw new Error("memory_region_transaction_commit without begin");
  }
  depth--;
  if (depth === 0 && pending) {
    pending = false;
    for (const o of [...observers]) {
      o.updateTopology();
    }
  }
}

/** Marks the layout changed; it is rendered at the end of the outermost transaction. */
export function memoryTopologyChanged(): void {
  pending = true;
}

/** Runs `fn` as one transaction whose changes are committed together. */
export function memoryRegionTransaction(fn: () => void): void {
  memoryRegionTransactionBegin();
  try {
    memoryTopologyChanged();
    fn();
  } finally {
    memoryRegionTransactionCommit();
  }
}
