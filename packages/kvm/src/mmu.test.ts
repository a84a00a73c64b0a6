/**
 * The MMU through the KVM API: dirty logging records exactly the pages a guest wrote (including a store
 * that straddles two pages, and not the pages it only read), KVM_CLEAR_DIRTY_LOG with manual protection
 * re-arms chosen pages, and memslot moves and deletions invalidate the EPT so the guest sees the new layout.
 */
import { describe, expect, it } from "vitest";
import { KvmError } from "./api.js";
import { EINVAL, ENOENT } from "./uapi/errno.js";
import {
  KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, KVM_DIRTY_LOG_INITIALLY_SET, KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE, KVM_MEM_LOG_DIRTY_PAGES,
} from "./uapi/constants.js";
import { describe as d, load, tinyVcpu, tinyVm, type TinyVm } from "./testing/tiny-guest.js";

const errno = (f: () => unknown): number => {
  try {
    f();
  } catch (e) {
    if (e instanceof KvmError) return e.errno;
    throw e;
  }
  return 0;
};

// mov ax, 1000h; mov es, ax; mov byte [es:0], 1; mov byte [es:2000h], 2; mov word [es:5FFFh], 3;
// mov al, [es:7000h]; hlt; mov byte [es:9000h], 4; hlt
const DIRTY = [0xb8, 0x00, 0x10, 0x8e, 0xc0, 0x26, 0xc6, 0x06, 0x00, 0x00, 0x01, 0x26, 0xc6, 0x06, 0x00, 0x20, 0x02,
  0x26, 0xc7, 0x06, 0xff, 0x5f, 0x03, 0x00, 0x26, 0xa0, 0x00, 0x70, 0xf4, 0x26, 0xc6, 0x06, 0x00, 0x90, 0x04, 0xf4];
// mov ax, 2000h; mov es, ax; mov al, [es:10h]; out 0E9h, al; hlt
const READ_BYTE = [0xb8, 0x00, 0x20, 0x8e, 0xc0, 0x26, 0xa0, 0x10, 0x00, 0xe6, 0xe9, 0xf4];

/** A 16-page slot 1 at 10000h with dirty logging. */
function logged(t: TinyVm): Uint8Array {
  const m = t.kvm.mmap(16 * 4096);
  t.vm.setUserMemoryRegion({ slot: 1, flags: KVM_MEM_LOG_DIRTY_PAGES, guest_phys_addr: 0x10000, memory_size: 16 * 4096, userspace_addr: m.addr });
  return m.bytes;
}

function dirtyPages(t: TinyVm): number[] {
  const buf = t.kvm.mmap(8);
  const bits = t.vm.getDirtyLog(1, buf);
  const pages: number[] = [];
  for (let p = 0; p < 16; p++) if (bits[p >>> 3]! & (1 << (p & 7))) pages.push(p);
  return pages;
}

describe("dirty logging", () => {
  it("KVM_GET_DIRTY_LOG reports exactly the pages written (a straddling store marks both), then only new writes", () => {
    const t = tinyVm();
    const mem = logged(t);
    load(t, 0x1000, DIRTY);
    const vcpu = tinyVcpu(t);
    expect(vcpu.runExit().reason).toBe("hlt");
    expect(dirtyPages(t)).toEqual([0, 2, 5, 6]);
    expect([mem[0], mem[0x2000], mem[0x5fff], mem[0x6000]]).toEqual([1, 2, 3, 0]);
    // The log was cleared and the pages write-protected again: only the next write shows.
    expect(vcpu.runExit().reason).toBe("hlt");
    expect(dirtyPages(t)).toEqual([9]);
    expect(dirtyPages(t)).toEqual([]);
    // Written again from the start: all of them come back.
    vcpu.setRegs({ ...vcpu.getRegs(), rip: 0x1000 });
    expect(vcpu.runExit().reason).toBe("hlt");
    expect(dirtyPages(t)).toEqual([0, 2, 5, 6]);
  });

  it("with manual protection the log persists until KVM_CLEAR_DIRTY_LOG clears and re-protects chosen pages", () => {
    const t = tinyVm((vm) => vm.enableCap(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, [KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE]));
    logged(t);
    load(t, 0x1000, DIRTY);
    const vcpu = tinyVcpu(t);
    expect(vcpu.runExit().reason).toBe("hlt");
    expect(dirtyPages(t)).toEqual([0, 2, 5, 6]);
    expect(dirtyPages(t)).toEqual([0, 2, 5, 6]);
    const mask = t.kvm.mmap(8);
    mask.bytes.fill(0);
    mask.bytes[0] = (1 << 0) | (1 << 5);
    t.vm.clearDirtyLog(1, 0, 16, mask);
    expect(dirtyPages(t)).toEqual([2, 6]);
    vcpu.setRegs({ ...vcpu.getRegs(), rip: 0x1000 });
    expect(vcpu.runExit().reason).toBe("hlt");
    expect(dirtyPages(t)).toEqual([0, 2, 5, 6]);
    // Errors: first_page not a multiple of 64, a range past the slot, a slot without logging.
    expect(errno(() => t.vm.clearDirtyLog(1, 1, 15, mask))).toBe(EINVAL);
    expect(errno(() => t.vm.clearDirtyLog(1, 0, 17, mask))).toBe(EINVAL);
    expect(errno(() => t.vm.clearDirtyLog(0, 0, 16, mask))).toBe(ENOENT);
  });

  it("KVM_DIRTY_LOG_INITIALLY_SET starts every page dirty; INITIALLY_SET alone is EINVAL", () => {
    const t = tinyVm((vm) => vm.enableCap(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, [KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE | KVM_DIRTY_LOG_INITIALLY_SET]));
    logged(t);
    expect(dirtyPages(t)).toEqual([...Array(16).keys()]);
    const t2 = tinyVm();
    expect(errno(() => t2.vm.enableCap(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, [KVM_DIRTY_LOG_INITIALLY_SET]))).toBe(EINVAL);
    expect(errno(() => t2.vm.enableCap(9999))).toBe(EINVAL);
  });
});

describe("memslot changes", () => {
  it("after a slot moves and another takes its place the guest reads the new memory; after deletion it is MMIO", () => {
    const t = tinyVm();
    load(t, 0x1000, READ_BYTE);
    const a = t.kvm.mmap(0x1000), b = t.kvm.mmap(0x1000);
    a.bytes[0x10] = 0xaa;
    b.bytes[0x10] = 0xbb;
    t.vm.setUserMemoryRegion({ slot: 1, flags: 0, guest_phys_addr: 0x20000, memory_size: 0x1000, userspace_addr: a.addr });
    const vcpu = tinyVcpu(t);
    expect(d(vcpu.runExit())).toBe("io-out e9 aa");
    expect(vcpu.runExit().reason).toBe("hlt");
    t.vm.setUserMemoryRegion({ slot: 1, flags: 0, guest_phys_addr: 0x30000, memory_size: 0x1000, userspace_addr: a.addr });
    t.vm.setUserMemoryRegion({ slot: 2, flags: 0, guest_phys_addr: 0x20000, memory_size: 0x1000, userspace_addr: b.addr });
    vcpu.setRegs({ ...vcpu.getRegs(), rip: 0x1000 });
    expect(d(vcpu.runExit())).toBe("io-out e9 bb");
    expect(vcpu.runExit().reason).toBe("hlt");
    t.vm.setUserMemoryRegion({ slot: 2, flags: 0, guest_phys_addr: 0x20000, memory_size: 0, userspace_addr: b.addr });
    vcpu.setRegs({ ...vcpu.getRegs(), rip: 0x1000 });
    expect(d(vcpu.runExit())).toBe("mmio-read 20010 len 1");
    expect(t.vm.stats().memslot_changes).toBe(5);
  });
});
