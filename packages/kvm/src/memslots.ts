/**
 * Guest memory slots (virt/kvm/kvm_main.c __kvm_set_memory_region): the guest-physical ranges backed by
 * user memory, with the validation and errno results of KVM_SET_USER_MEMORY_REGION.
 */
import { PAGE_SIZE } from "@virtkit/cpu";
import { EEXIST, EFAULT, EINVAL } from "./uapi/errno.js";
import { KVM_MEM_LOG_DIRTY_PAGES, KVM_MEM_READONLY, KVM_USER_MEM_SLOTS } from "./uapi/constants.js";
import type { KvmUserspaceMemoryRegion } from "./uapi/structs.js";

export interface Memslot {
  readonly id: number;
  readonly asId: number;
  flags: number;
  /** First guest-physical address (page aligned). */
  gpa: number;
  readonly size: number;
  readonly userspaceAddr: number;
  /** One bit per page, set when the guest writes the page while dirty logging is on. */
  dirtyBitmap: Uint8Array | null;
}

/** What a successful update did, so the MMU can invalidate the right mappings. */
export type MemslotChange =
  | { kind: "create"; slot: Memslot }
  | { kind: "delete"; old: Memslot }
  | { kind: "move"; old: { gpa: number; size: number }; slot: Memslot }
  | { kind: "flags"; slot: Memslot; oldFlags: number };

/** Address spaces on x86: 0 normal, 1 SMM (KVM_CAP_MULTI_ADDRESS_SPACE); SMM is not modelled. */
const KVM_ADDRESS_SPACE_NUM = 1;
const VALID_FLAGS = KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY;

export class Memslots {
  private readonly slots = new Map<number, Memslot>();
  /** Slots sorted by gpa for lookups from the MMU. */
  private sorted: Memslot[] = [];

  constructor(private readonly isUserRange: (addr: number, length: number) => boolean) {}

  all(): readonly Memslot[] {
    return this.sorted;
  }

  get(id: number): Memslot | undefined {
    return this.slots.get(id);
  }

  /** The slot containing guest-physical `gpa`, if any. */
  find(gpa: number): Memslot | undefined {
    const s = this.sorted;
    let lo = 0, hi = s.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = s[mid]!;
      if (gpa < m.gpa) hi = mid - 1;
      else if (gpa >= m.gpa + m.size) lo = mid + 1;
      else return m;
    }
    return undefined;
  }

  private overlaps(gpa: number, size: number, except: number): boolean {
    for (const m of this.sorted) {
      if (m.id === except) continue;
      if (gpa < m.gpa + m.size && m.gpa < gpa + size) return true;
    }
    return false;
  }

  /** KVM_SET_USER_MEMORY_REGION. Returns the change, or a negative errno. */
  set(r: KvmUserspaceMemoryRegion): MemslotChange | number {
    const asId = r.slot >>> 16;
    const id = r.slot & 0xffff;
    if ((r.flags & ~VALID_FLAGS) !== 0) return -EINVAL;
    if (asId >= KVM_ADDRESS_SPACE_NUM || id >= KVM_USER_MEM_SLOTS) return -EINVAL;
    if (r.memory_size % PAGE_SIZE !== 0 || r.guest_phys_addr % PAGE_SIZE !== 0) return -EINVAL;
    if (r.userspace_addr % PAGE_SIZE !== 0) return -EINVAL;
    // This processor's guest-physical space is 32 bits wide (EPT maps no more).
    if (r.guest_phys_addr + r.memory_size > 2 ** 32) return -EINVAL;
    const old = this.slots.get(id);
    if (r.memory_size === 0) {
      if (!old) return -EINVAL;
      this.slots.delete(id);
      this.resort();
      return { kind: "delete", old };
    }
    if (!this.isUserRange(r.userspace_addr, r.memory_size)) return -EFAULT;
    if (!old) {
      if (this.overlaps(r.guest_phys_addr, r.memory_size, -1)) return -EEXIST;
      const slot: Memslot = {
        id, asId, flags: r.flags, gpa: r.guest_phys_addr, size: r.memory_size, userspaceAddr: r.userspace_addr,
        dirtyBitmap: r.flags & KVM_MEM_LOG_DIRTY_PAGES ? new Uint8Array(Math.ceil(r.memory_size / PAGE_SIZE / 8)) : null,
      };
      this.slots.set(id, slot);
      this.resort();
      return { kind: "create", slot };
    }
    // An existing slot can move or change flags, but not change size or backing (EINVAL).
    if (r.memory_size !== old.size || r.userspace_addr !== old.userspaceAddr) return -EINVAL;
    if ((r.flags ^ old.flags) & KVM_MEM_READONLY) return -EINVAL;
    if (r.guest_phys_addr !== old.gpa) {
      if (r.flags !== old.flags) return -EINVAL;
      if (this.overlaps(r.guest_phys_addr, r.memory_size, id)) return -EEXIST;
      const from = { gpa: old.gpa, size: old.size };
      old.gpa = r.guest_phys_addr;
      this.resort();
      return { kind: "move", old: from, slot: old };
    }
    const oldFlags = old.flags;
    old.flags = r.flags;
    old.dirtyBitmap = r.flags & KVM_MEM_LOG_DIRTY_PAGES ? new Uint8Array(Math.ceil(old.size / PAGE_SIZE / 8)) : null;
    return { kind: "flags", slot: old, oldFlags };
  }

  private resort(): void {
    this.sorted = [...this.slots.values()].sort((a, b) => a.gpa - b.gpa);
  }
}
