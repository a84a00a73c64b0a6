import { KVM_MEM_READONLY, KVM_USER_MEM_SLOTS, KvmError, type VmFd } from "@virtkit/kvm";
import type { MemoryListener, MemoryRegionSection } from "../memory/address-space.js";
import { AccelError } from "./accel.js";

/*
 * QEMU's KVM memory listener (accel/kvm/kvm-all.c kvm_region_add / kvm_region_del /
 * kvm_set_phys_mem): every RAM range of the system address space becomes a memslot, page-aligned
 * inward (kvm_align_section), read-only (KVM_MEM_READONLY) when its RAM region is a ROM so guest
 * writes exit as MMIO. I/O ranges get no slot: guest accesses there exit to user space.
 */

const PAGE_SIZE = 4096;

interface Slot {
  id: number;
  gpa: number;
  size: number;
}

export class KvmMemoryListener implements MemoryListener {
  private readonly slots: (Slot | undefined)[] = new Array<Slot | undefined>(KVM_USER_MEM_SLOTS).fill(undefined);

  constructor(private readonly vm: VmFd) {}

  /** kvm_align_section: the whole pages inside the section, or undefined. */
  private align(s: MemoryRegionSection): { gpa: number; size: number; delta: number } | undefined {
    const start = Math.ceil(s.addr / PAGE_SIZE) * PAGE_SIZE;
    const end = Math.floor((s.addr + s.size) / PAGE_SIZE) * PAGE_SIZE;
    return end > start ? { gpa: start, size: end - start, delta: start - s.addr } : undefined;
  }

  regionAdd(s: MemoryRegionSection): void {
    const ram = s.mr.ram;
    if (ram === null) {
      return;
    }
    const a = this.align(s);
    if (a === undefined) {
      return;
    }
    if (ram.hostAddr < 0) {
      throw new AccelError(`memory region '${s.mr.name}' is not in mappable host memory`);
    }
    const id = this.slots.indexOf(undefined);
    if (id < 0) {
      // kvm_get_free_slot / kvm_alloc_slot
      throw new AccelError("kvm_alloc_slot: no free slot available");
    }
    // Read-only when the range is (a ROM, or RAM seen through a read-only alias): guest writes
    // then exit as MMIO and dispatch drops them, as the chipset does.
    const flags = s.readonly ? KVM_MEM_READONLY : 0;
    try {
      this.vm.setUserMemoryRegion({
        slot: id,
        flags,
        guest_phys_addr: a.gpa,
        memory_size: a.size,
        userspace_addr: ram.hostAddr + s.offsetWithinRegion + a.delta,
      });
    } catch (e) {
      if (e instanceof KvmError) {
        throw new AccelError(
          `kvm_set_user_memory_region: KVM_SET_USER_MEMORY_REGION failed, slot=${id}, start=0x${a.gpa.toString(16)}, size=0x${a.size.toString(16)}: ${e.message}`,
        );
      }
      throw e;
    }
    this.slots[id] = { id, gpa: a.gpa, size: a.size };
  }

  regionDel(s: MemoryRegionSection): void {
    if (s.mr.ram === null) {
      return;
    }
    const a = this.align(s);
    if (a === undefined) {
      return;
    }
    // kvm_lookup_matching_slot
    const slot = this.slots.find((x) => x?.gpa === a.gpa && x.size === a.size);
    if (slot === undefined) {
      return;
    }
    this.vm.setUserMemoryRegion({ slot: slot.id, flags: 0, guest_phys_addr: a.gpa, memory_size: 0, userspace_addr: 0 });
    this.slots[slot.id] = undefined;
  }

  /** The memslots currently programmed (for tests and "info kvm"-style debugging). */
  memslots(): { id: number; gpa: number; size: number }[] {
    return this.slots.filter((x): x is Slot => x !== undefined).map((x) => ({ ...x }));
  }
}
