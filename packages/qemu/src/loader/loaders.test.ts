import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { E820_RAM } from "../hw/fw-cfg-pc.js";
import { CPU_GUESTS_DIR, QEMU_GUESTS_DIR, readGuest, runGuestRom } from "../machine/testing/guest-harness.js";
import { setupDirectBoot } from "./direct-boot.js";
import { LinuxBootError, layoutLinux } from "./linux-boot.js";
import { MultibootError, findMultibootHeader, layoutMultiboot } from "./multiboot.js";
import { RomLoadError, x86BiosRomInit, RomSet } from "./rom-loader.js";
import { MemoryRegion, UINT64_SIZE, sharedArrayRamAllocator } from "../memory/memory-region.js";
import { AddressSpace } from "../memory/address-space.js";
import { GuestMemory } from "../memory/guest-memory.js";

const expected = (name: string): string => readFileSync(`${QEMU_GUESTS_DIR}expected/${name}`, "latin1");
const dir = mkdtempSync(join(tmpdir(), "virtkit-loader-"));
const hello = readGuest(CPU_GUESTS_DIR, "hello.bin");

/** Boots `kernel` directly on a pc machine with hello.bin as (unused) firmware. */
function boot(files: { kernelPath: string; initrdPath?: string; append?: string }, resetOnce = false): { out: string; status: number | undefined } {
  let status: number | undefined;
  const r = runGuestRom(hello, {
    keep: true,
    maxSteps: 0,
    setup: (pc) => {
      setupDirectBoot(pc, files, hello.length);
    },
  });
  const pc = r.pc;
  const chunks: number[] = [];
  pc.debugcons[0]!.attach({
    id: "tap", driver: "tap", connected: true,
    write: (b) => { chunks.push(...b); return b.length; },
    onData: () => () => undefined, acceptInput: () => undefined, onEvent: () => () => undefined,
    open: () => Promise.resolve(), close: () => Promise.resolve(),
  });
  pc.onExit((s) => (status = s));
  pc.vmStart();
  if (resetOnce) {
    // Run until the kernel has printed a little, reset, and let it boot again to its exit.
    pc.runSync(() => chunks.length > 40);
    pc.systemReset("guest-reset");
  }
  pc.runSync(() => pc.exited, 2_000_000);
  pc.destroy();
  return { out: String.fromCharCode(...chunks), status };
}

describe("Linux boot protocol (bzImage, 32-bit entry)", () => {
  it("fills boot_params as QEMU's x86_load_linux does and enters at code32_start with ESI = &boot_params", () => {
    const initrd = join(dir, "initrd.img");
    writeFileSync(initrd, "INITRD-CONTENTS-0123");
    const r = boot({ kernelPath: `${QEMU_GUESTS_DIR}linux-bzimage.bin`, initrdPath: initrd, append: "console=ttyS0 root=/dev/vda" });
    expect(r.out).toBe(expected("linux-bzimage.debugcon.txt"));
    expect(r.status).toBe(0x59);
  });

  it("reloads the kernel and re-enters it after a system reset", () => {
    const r = boot({ kernelPath: `${QEMU_GUESTS_DIR}linux-bzimage.bin`, append: "x" }, true);
    const first = r.out.indexOf("linux 32-bit entry");
    expect(r.out.indexOf("linux 32-bit entry", first + 1)).toBeGreaterThan(first);
    expect(r.out.endsWith("type 2\n")).toBe(true);
    expect(r.status).toBe(0x59);
  });

  it("places setup, command line and kernel by protocol version, and refuses what QEMU refuses", () => {
    const image = new Uint8Array(readGuest(QEMU_GUESTS_DIR, "linux-bzimage.bin"));
    const input = { kernel: image, kernelName: "k", cmdline: "abc", belowFourG: 128 << 20, e820: [{ address: 0, length: 128 << 20, type: E820_RAM }] };
    const recent = layoutLinux(input);
    expect([recent.protocol, recent.setupAddr, recent.cmdlineAddr, recent.kernelAddr, recent.entry]).toEqual([0x20a, 0x10000, 0x20000, 0x100000, 0x100000]);
    const ancient = image.slice();
    ancient[0x206] = 0x01;
    ancient[0x207] = 0x02;
    const a = layoutLinux({ ...input, kernel: ancient });
    expect([a.setupAddr, a.cmdlineAddr, a.kernelAddr]).toEqual([0x90000, 0x9a000 - 4, 0x100000]);
    // Old command line protocol: magic and offset at 0x20 of the zero page's source header.
    expect([a.setup[0x20], a.setup[0x21], a.setup[0x22]! | (a.setup[0x23]! << 8)]).toEqual([0x3f, 0xa3, 0x9a000 - 4 - 0x90000]);
    const low = image.slice();
    low[0x211] = 0;
    expect(layoutLinux({ ...input, kernel: low }).kernelAddr).toBe(0x10000);
    // initrd_addr_max is capped below the ACPI area: top of RAM minus 0x28000.
    const withInitrd = layoutLinux({ ...input, initrd: new Uint8Array(5000) });
    expect(withInitrd.initrdAddr).toBe(((128 << 20) - 0x28000 - 1 - 5000) & ~4095);
    expect(() => layoutLinux({ ...input, belowFourG: 0x40000, initrd: new Uint8Array(0x40000) })).toThrow(LinuxBootError);
    expect(() => layoutLinux({ ...input, kernel: image.subarray(0, 0x300) })).toThrow("qemu: invalid kernel header");
  });
});

describe("multiboot v1", () => {
  it("hands over the magic, the info structure, command lines and page-aligned modules (QEMU's layout)", () => {
    const m1 = join(dir, "mod1.txt");
    const m2 = join(dir, "mod2.txt");
    writeFileSync(m1, "MODULE-ONE-CONTENT");
    writeFileSync(m2, "second module");
    const r = boot({ kernelPath: `${QEMU_GUESTS_DIR}multiboot-kernel.bin`, initrdPath: `${m1} first arg,${m2}`, append: "console=debug x=1" });
    const want = expected("multiboot-kernel.debugcon.txt").replaceAll("GUESTS/", QEMU_GUESTS_DIR).replace("'mod1.txt first arg'", `'${m1} first arg'`).replace("'mod2.txt'", `'${m2}'`);
    expect(r.out).toBe(want);
    expect(r.status).toBe(0x57);
  });

  it("finds the header by magic and checksum, and checks the a.out addresses as QEMU does", () => {
    const k = new Uint8Array(readGuest(QEMU_GUESTS_DIR, "multiboot-kernel.bin"));
    expect(findMultibootHeader(k)).toBe(0);
    const bad = k.slice();
    new DataView(bad.buffer).setUint32(16, 0x200000, true); // load_addr above header_addr
    const input = { kernel: bad, kernelName: "k", cmdline: "", modules: [], e820: [] };
    expect(() => layoutMultiboot(input)).toThrow(new MultibootError("invalid load_addr address"));
    const elf64 = new Uint8Array(8192);
    elf64.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
    elf64[18] = 62;
    const h = new DataView(elf64.buffer);
    h.setUint32(64, 0x1badb002, true);
    h.setUint32(68, 0, true);
    h.setUint32(72, -0x1badb002 >>> 0, true);
    expect(() => layoutMultiboot({ ...input, kernel: elf64 })).toThrow("Cannot load x86-64 image, give a 32bit one.");
    expect(layoutMultiboot({ ...input, kernel: new Uint8Array(9000) })).toBeUndefined();
  });

  it("loads a 32-bit ELF multiboot kernel at its physical addresses", () => {
    // ELF32 with one PT_LOAD of 16 bytes at 0x200000 (entry 0x200004) and a multiboot header at 0x60.
    const f = new Uint8Array(0x200);
    const dv = new DataView(f.buffer);
    f.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
    dv.setUint16(18, 3, true);
    dv.setUint32(24, 0x200004, true);
    dv.setUint32(28, 0x34, true);
    dv.setUint16(42, 32, true);
    dv.setUint16(44, 1, true);
    dv.setUint32(0x34, 1, true); // PT_LOAD
    dv.setUint32(0x38, 0x100, true); // offset
    dv.setUint32(0x40, 0x200000, true); // paddr
    dv.setUint32(0x44, 16, true); // filesz
    dv.setUint32(0x48, 32, true); // memsz
    dv.setUint32(0x60, 0x1badb002, true);
    dv.setUint32(0x68, -0x1badb002 >>> 0, true);
    f.set([1, 2, 3, 4], 0x100);
    const l = layoutMultiboot({ kernel: f, kernelName: "elf", cmdline: "", modules: [], e820: [] })!;
    expect(l.bufPhys).toBe(0x200000);
    expect(l.entry).toBe(0x200004);
    expect([...l.buf.subarray(0, 4)]).toEqual([1, 2, 3, 4]);
  });
});

describe("BIOS images", () => {
  it("maps the image at the top of 4 GiB and its last 128 KiB below 1 MiB, and refuses odd sizes", () => {
    const system = MemoryRegion.container("system", UINT64_SIZE);
    const as = new AddressSpace("memory", system);
    const mem = new GuestMemory(as);
    const image = new Uint8Array(0x40000);
    image[0x3fff0] = 0xea;
    image[0x20000] = 0x5a;
    const { bios, isaBios } = x86BiosRomInit(sharedArrayRamAllocator, system, new RomSet(mem), image, "bios-256k.bin", false);
    expect(bios.readonly && isaBios.readonly).toBe(true);
    expect(mem.readU8(0xfffffff0)).toBe(0xea);
    expect(mem.readU8(0xffff0)).toBe(0xea);
    expect(mem.readU8(0xe0000)).toBe(0x5a);
    expect(() => x86BiosRomInit(sharedArrayRamAllocator, system, new RomSet(mem), new Uint8Array(1000), "x.bin", false)).toThrow(
      new RomLoadError("qemu: could not load PC BIOS 'x.bin'"),
    );
    as.destroy();
  });
});
