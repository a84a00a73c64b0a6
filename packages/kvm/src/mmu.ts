/**
 * The MMU for two-dimensional paging (arch/x86/kvm/mmu): one set of EPT tables per VM, built lazily —
 * an EPT violation on a guest-physical page inside a memslot installs the mapping and the guest
 * re-enters; a violation outside every slot (or a write to a read-only slot) is MMIO for user space.
 * Dirty logging maps pages read-only until the first write, then records it in the slot's bitmap.
 */
import { PAGE_SIZE, VMX_EPT_EXECUTABLE_MASK, VMX_EPT_READABLE_MASK, VMX_EPT_WRITABLE_MASK, type PhysicalMemory } from "@virtkit/cpu";
import type { HostMachine } from "./host/host-machine.js";
import { KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY } from "./uapi/constants.js";
import type { Memslot, MemslotChange, Memslots } from "./memslots.js";

/** Memory type WB (6) in bits 5:3 of a leaf EPT entry (SDM vol. 3C §29.3.7). */
const EPT_MT_WB = 6 << 3;
const EPT_RWX = VMX_EPT_READABLE_MASK | VMX_EPT_WRITABLE_MASK | VMX_EPT_EXECUTABLE_MASK;

export const FAULT_MAPPED = 0;
export const FAULT_MMIO = 1;

export class EptMmu {
  /** Physical address of the PML4 table (the EPTP root). */
  readonly root: number;
  private readonly mem: PhysicalMemory;
  private readonly tables: number[] = [];
  /** Incremented when mappings are removed or write-protected: vCPUs must INVEPT before re-entering. */
  flushGeneration = 0;

  constructor(private readonly host: HostMachine, private readonly slots: Memslots) {
    this.mem = host.mem;
    this.root = this.newTable();
  }

  private newTable(): number {
    const t = this.host.allocKernelPage();
    this.tables.push(t);
    return t;
  }

  /** EPT pointer value: WB memory type, 4-level walk (SDM vol. 3C §24.6.11). */
  get eptp(): number {
    return this.root | 6 | (3 << 3);
  }

  /** Returns the address of the PTE for `gpa`, creating intermediate tables (PML4 → PDPT → PD → PT). */
  private pte(gpa: number, create: boolean): number {
    let table = this.root;
    for (let level = 4; level > 1; level--) {
      const shift = 12 + 9 * (level - 1);
      const idx = level === 4 ? 0 : Math.floor(gpa / 2 ** shift) & 0x1ff;
      const entry = table + idx * 8;
      const lo = this.mem.read32(entry);
      if ((lo & EPT_RWX) === 0) {
        if (!create) return -1;
        const next = this.newTable();
        this.mem.write32(entry, next | EPT_RWX);
        this.mem.write32(entry + 4, 0);
        table = next;
      } else {
        table = (lo & 0xfffff000) >>> 0;
      }
    }
    return table + ((gpa >>> 12) & 0x1ff) * 8;
  }

  /**
   * Handles an EPT violation at `gpa`. Returns FAULT_MAPPED when a mapping was installed (re-enter the
   * guest), FAULT_MMIO when the access is to no RAM (or writes read-only RAM) and must be emulated.
   */
  handleFault(gpa: number, write: boolean): number {
    const slot = this.slots.find(gpa);
    if (!slot) return FAULT_MMIO;
    if (write && slot.flags & KVM_MEM_READONLY) return FAULT_MMIO;
    const page = Math.floor((gpa - slot.gpa) / PAGE_SIZE);
    const hpa = slot.userspaceAddr + page * PAGE_SIZE;
    let perm = EPT_RWX;
    if (slot.flags & KVM_MEM_READONLY) perm &= ~VMX_EPT_WRITABLE_MASK;
    if (slot.flags & KVM_MEM_LOG_DIRTY_PAGES && slot.dirtyBitmap) {
      if (write) slot.dirtyBitmap[page >>> 3]! |= 1 << (page & 7);
      else perm &= ~VMX_EPT_WRITABLE_MASK;
    }
    const pte = this.pte(gpa, true);
    this.mem.write32(pte, (hpa & 0xfffff000) | EPT_MT_WB | perm);
    this.mem.write32(pte + 4, 0);
    return FAULT_MAPPED;
  }

  /** Removes the mappings of [gpa, gpa+size) (slot deletion, move, dirty-log protection). */
  zap(gpa: number, size: number): void {
    for (let a = gpa; a < gpa + size; a += PAGE_SIZE) {
      const pte = this.pte(a, false);
      if (pte >= 0) {
        this.mem.write32(pte, 0);
        this.mem.write32(pte + 4, 0);
      }
    }
    this.flushGeneration++;
  }

  /**
   * Applies a memslot change to the tables (kvm_arch_commit_memory_region). With manual dirty-log protection
   * and KVM_DIRTY_LOG_INITIALLY_SET a newly logged slot starts all dirty and unprotected.
   */
  commit(change: MemslotChange, manualProtect = 0): void {
    if ((change.kind === "create" || change.kind === "flags") && change.slot.dirtyBitmap && manualProtect & 2) {
      const pages = change.slot.size / PAGE_SIZE;
      change.slot.dirtyBitmap.fill(0xff);
      if (pages % 8) change.slot.dirtyBitmap[change.slot.dirtyBitmap.length - 1] = (1 << (pages % 8)) - 1;
      return;
    }
    switch (change.kind) {
      case "create":
        return;
      case "delete":
        this.zap(change.old.gpa, change.old.size);
        return;
      case "move":
        this.zap(change.old.gpa, change.old.size);
        return;
      case "flags":
        // Turning dirty logging on write-protects the slot so the first write to each page is seen.
        if (change.slot.flags & KVM_MEM_LOG_DIRTY_PAGES) this.zap(change.slot.gpa, change.slot.size);
        return;
    }
  }

  /** KVM_GET_DIRTY_LOG: returns the slot's bitmap, clears it and write-protects the dirtied pages again. */
  takeDirtyLog(slot: Memslot): Uint8Array {
    const bitmap = slot.dirtyBitmap!;
    const out = bitmap.slice();
    for (let page = 0; page < slot.size / PAGE_SIZE; page++) {
      if (bitmap[page >>> 3]! & (1 << (page & 7))) this.zap(slot.gpa + page * PAGE_SIZE, PAGE_SIZE);
    }
    bitmap.fill(0);
    return out;
  }

  /**
   * KVM_CLEAR_DIRTY_LOG: for each bit set in `mask` (64-bit words, page `first` + i), the page's dirty bit is
   * cleared and the page write-protected again, so its next write is logged.
   */
  clearDirtyLog(slot: Memslot, first: number, count: number, mask: Uint8Array): void {
    const bitmap = slot.dirtyBitmap!;
    for (let i = 0; i < count; i++) {
      if ((mask[i >>> 3]! & (1 << (i & 7))) === 0) continue;
      const page = first + i;
      if ((bitmap[page >>> 3]! & (1 << (page & 7))) === 0) continue;
      bitmap[page >>> 3] = bitmap[page >>> 3]! & ~(1 << (page & 7));
      this.zap(slot.gpa + page * PAGE_SIZE, PAGE_SIZE);
    }
  }

  /** Frees every table page (VM destruction). */
  destroy(): void {
    for (const t of this.tables) this.host.freeKernelPage(t);
    this.tables.length = 0;
  }
}
