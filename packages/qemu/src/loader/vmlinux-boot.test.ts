/**
 * The uncompressed-kernel path (-kernel vmlinux): a Linux ELF is entered like the bzImage decompressor
 * enters startup_32, with loader-built boot_params; what is not Linux gets QEMU's PVH refusal.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { E820_RAM } from "../hw/fw-cfg-pc.js";
import { CPU_GUESTS_DIR, readGuest, runGuestRom } from "../machine/testing/guest-harness.js";
import { setupDirectBoot } from "./direct-boot.js";
import { LinuxBootError } from "./linux-boot.js";
import { layoutVmlinux, parseElfKernel } from "./vmlinux-boot.js";

const dir = mkdtempSync(join(tmpdir(), "virtkit-vmlinux-"));
const hello = readGuest(CPU_GUESTS_DIR, "hello.bin");

// 32-bit code run at the entry (ESI = &boot_params): print the command line (cmd_line_ptr), the E820 count as a
// digit, the initrd's first byte (ramdisk_image), the first bss byte after the code, then isa-debug-exit 0x2c.
//   mov ebx,[esi+228h]; mov dx,0E9h; L: mov al,[ebx]; test al,al; jz D; out dx,al; inc ebx; jmp L
//   D: mov al,[esi+1E8h]; add al,'0'; out dx,al; mov eax,[esi+218h]; mov al,[eax]; out dx,al
//   mov al,[BSS]; add al,'A'; out dx,al; mov byte [BSS],1; mov al,'!'; out dx,al; mov dx,501h; mov al,2Ch; out dx,al; hlt
const CODE_ADDR = 0x100000;
function code(bss: number): number[] {
  const b = [bss & 0xff, (bss >>> 8) & 0xff, (bss >>> 16) & 0xff, bss >>> 24];
  return [
    0x8b, 0x9e, 0x28, 0x02, 0, 0, 0x66, 0xba, 0xe9, 0x00,
    0x8a, 0x03, 0x84, 0xc0, 0x74, 0x04, 0xee, 0x43, 0xeb, 0xf6,
    0x8a, 0x86, 0xe8, 0x01, 0, 0, 0x04, 0x30, 0xee, 0x8b, 0x86, 0x18, 0x02, 0, 0, 0x8a, 0x00, 0xee,
    0xa0, ...b, 0x04, 0x41, 0xee, 0xc6, 0x05, ...b, 0x01, 0xb0, 0x21, 0xee,
    0x66, 0xba, 0x01, 0x05, 0xb0, 0x2c, 0xee, 0xf4,
  ];
}

/** An ELF32 i386 executable: one PT_LOAD (code at 0x100 in the file, physical CODE_ADDR, 4 KiB of bss), one PT_NOTE. */
function elf(opts: { owner?: string; pvhEntry?: number; machine?: number; cls?: number } = {}): Uint8Array {
  const f = new Uint8Array(0x200);
  const dv = new DataView(f.buffer);
  f.set([0x7f, 0x45, 0x4c, 0x46, opts.cls ?? 1, 1, 1], 0);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, opts.machine ?? 3, true);
  dv.setUint32(24, CODE_ADDR, true);
  dv.setUint32(28, 0x34, true);
  dv.setUint16(42, 32, true);
  dv.setUint16(44, 2, true);
  const c = code(CODE_ADDR + 0x100);
  dv.setUint32(0x34, 1, true); // PT_LOAD
  dv.setUint32(0x38, 0x100, true);
  dv.setUint32(0x3c, 0xc0000000 + CODE_ADDR, true); // vaddr: a kernel links high
  dv.setUint32(0x40, CODE_ADDR, true);
  dv.setUint32(0x44, c.length, true);
  dv.setUint32(0x48, 0x1100, true);
  dv.setUint32(0x50, 0x1000, true); // p_align (QEMU's load_elf divides by it)
  f.set(c, 0x100);
  // PT_NOTE at 0x80: owner (namesz includes the NUL), 4-byte desc
  const owner = opts.owner ?? "Linux";
  dv.setUint32(0x54, 4, true);
  dv.setUint32(0x58, 0x80, true);
  dv.setUint32(0x64, 12 + ((owner.length + 4) & ~3) + 4, true);
  dv.setUint32(0x70, 4, true);
  dv.setUint32(0x80, owner.length + 1, true);
  dv.setUint32(0x84, 4, true);
  dv.setUint32(0x88, opts.pvhEntry !== undefined ? 18 : 6, true);
  f.set(new TextEncoder().encode(owner), 0x8c);
  dv.setUint32(0x8c + ((owner.length + 4) & ~3), opts.pvhEntry ?? 0, true);
  return f;
}

function boot(kernelPath: string, initrdPath: string, append: string, resetOnce = false): { out: string; status: number | undefined } {
  let status: number | undefined;
  const r = runGuestRom(hello, { keep: true, maxSteps: 0, setup: (pc) => void setupDirectBoot(pc, { kernelPath, initrdPath, append }, hello.length) });
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
    // Reset once the first run has written its bss byte (it prints "!" right after).
    pc.runSync(() => chunks.includes(0x21));
    pc.systemReset("guest-reset");
  }
  pc.runSync(() => pc.exited, 2_000_000);
  pc.destroy();
  return { out: String.fromCharCode(...chunks), status };
}

describe("uncompressed Linux kernel (ELF vmlinux)", () => {
  it("enters e_entry in 32-bit protected mode with ESI = boot_params: command line, E820 map, initrd, zeroed bss", () => {
    const k = join(dir, "vmlinux");
    const i = join(dir, "initrd");
    writeFileSync(k, elf());
    writeFileSync(i, "Zinitrd");
    const r = boot(k, i, "console=ttyS0 root=/dev/vda");
    // 7 E820 entries from firmwareE820 (low RAM, EBDA, BIOS segment, RAM, KVM's reserved pages, BIOS ROM at 4 GiB - size)
    expect(r.out).toMatch(/^console=ttyS0 root=\/dev\/vda\dZA!$/);
    expect(r.status).toBe(0x59);
  });

  it("reloads the image after a reset: the bss the first run wrote is zero again", () => {
    const k = join(dir, "vmlinux-reset");
    const i = join(dir, "initrd-reset");
    writeFileSync(k, elf());
    writeFileSync(i, "Q");
    const r = boot(k, i, "x", true);
    expect(r.out).toMatch(/^x\dQA!x\dQA!$/);
  });

  it("synthesizes a boot-protocol 2.15 setup header and puts the initrd page-aligned at the top of low RAM", () => {
    const input = { kernel: elf(), kernelName: "k", cmdline: "abc", belowFourG: 128 << 20, e820: [{ address: 0, length: 128 << 20, type: E820_RAM }], initrd: new Uint8Array(5000) };
    const l = layoutVmlinux(input);
    const dv = new DataView(l.bootParams.buffer);
    expect(dv.getUint32(0x202, true)).toBe(0x53726448);
    expect(dv.getUint16(0x206, true)).toBe(0x20f);
    expect(l.bootParams[0x210]).toBe(0xb0);
    expect(dv.getUint32(0x228, true)).toBe(0x20000);
    expect(dv.getUint32(0x218, true)).toBe(((128 << 20) - 0x28000 - 1 - 5000) & ~4095);
    expect(dv.getUint32(0x21c, true)).toBe(5000);
    expect(l.bootParams[0x1e8]).toBe(1);
    expect(l.elf.image.length).toBe(0x1100);
  });

  it("refuses what is not a bootable 32-bit Linux ELF with QEMU's messages", () => {
    const base = { kernelName: "k", cmdline: "", belowFourG: 128 << 20, e820: [] };
    expect(() => layoutVmlinux({ ...base, kernel: elf({ owner: "Other" }) })).toThrow(new LinuxBootError("qemu: Error loading uncompressed kernel without PVH ELF Note"));
    expect(() => layoutVmlinux({ ...base, kernel: elf({ owner: "Xen", pvhEntry: CODE_ADDR }) })).toThrow("PVH boot (hvm_start_info) of non-Linux ELF kernels is not supported");
    expect(parseElfKernel(elf({ owner: "Xen", pvhEntry: 0x123456 }), "k").pvhEntry).toBe(0x123456);
    expect(() => layoutVmlinux({ ...base, kernel: elf({ machine: 62, cls: 2 }) })).toThrow("Cannot load x86-64 image, give a 32bit one.");
    expect(() => layoutVmlinux({ ...base, kernel: elf().subarray(0, 0x60) })).toThrow(LinuxBootError);
    expect(() => layoutVmlinux({ ...base, belowFourG: 0x100800, kernel: elf() })).toThrow("does not fit in RAM");
  });

  it.skipIf(!hasQemu())("QEMU refuses the same non-Linux ELF with the same message", () => {
    const k = join(dir, "not-linux.elf");
    writeFileSync(k, elf({ owner: "Other" }));
    let err = "";
    try {
      execFileSync("qemu-system-i386", ["-M", "pc", "-display", "none", "-nodefaults", "-kernel", k], { stdio: ["ignore", "ignore", "pipe"], timeout: 30_000 });
    } catch (e) {
      err = String((e as { stderr: Buffer }).stderr);
    }
    expect(err.trim()).toBe("qemu-system-i386: Error loading uncompressed kernel without PVH ELF Note");
  });
});

function hasQemu(): boolean {
  try {
    execFileSync("sh", ["-c", "command -v qemu-system-i386"], { stdio: "ignore" });
    return true;
  } catch {
    console.warn("skipping the QEMU comparison: qemu-system-i386 is not installed (Debian package qemu-system-x86)");
    return false;
  }
}
