import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  FW_CFG_ACPI_TABLES,
  FW_CFG_BOOT_MENU,
  FW_CFG_FILE_DIR,
  FW_CFG_HPET,
  FW_CFG_ID,
  FW_CFG_IRQ0_OVERRIDE,
  FW_CFG_MAX_CPUS,
  FW_CFG_NB_CPUS,
  FW_CFG_NOGRAPHIC,
  FW_CFG_NUMA,
  FW_CFG_RAM_SIZE,
  FW_CFG_SIGNATURE,
  FW_CFG_UUID,
  type FwCfg,
} from "./fw-cfg.js";
import { createPcFwCfg, encodeHpetFwConfig } from "./fw-cfg-pc.js";
import type { DmaMemory } from "./io-device.js";

/*
 * Differential check of the fw_cfg layout against the real QEMU: a 64 KiB firmware image (NASM)
 * reads a table of (selector, length) pairs through ports 0x510/0x511 and copies the bytes to the
 * debug console; the same reads go to createPcFwCfg configured like that QEMU command line.
 */

const QEMU = "qemu-system-x86_64";
const hasQemu = spawnSync(QEMU, ["--version"], { stdio: "ignore" }).status === 0;
const hasNasm = spawnSync("nasm", ["-v"], { stdio: "ignore" }).status === 0;
if (!hasQemu || !hasNasm) {
  console.warn(`fw-cfg-vs-qemu: ${!hasQemu ? QEMU : "nasm"} not found, skipping the comparison with the real fw_cfg`);
}

const FIRMWARE = `
bits 16
org 0
start:
  cli
  mov ax, cs
  mov ds, ax
  mov si, table
next:
  mov bx, [si]
  cmp bx, 0xffff
  je done
  mov cx, [si+2]
  add si, 4
  mov dx, 0x510
  mov ax, bx
  out dx, ax
copy:
  jcxz next
  mov dx, 0x511
  in al, dx
  mov dx, 0xe9
  out dx, al
  dec cx
  jmp copy
done:
  mov dx, 0x501
  mov al, 0
  out dx, al
  hlt
  jmp done
times 0x100 - ($-$$) db 0
table: times 1024 dw 0xffff
times 0xfff0 - ($-$$) db 0xff
  jmp 0xf000:start
times 0x10000 - ($-$$) db 0xff
`;

const TABLE_OFFSET = 0x100;
const dir = mkdtempSync(join(tmpdir(), "virtkit-fwcfg-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function assemble(): Uint8Array {
  writeFileSync(join(dir, "fw.asm"), FIRMWARE);
  const r = spawnSync("nasm", ["-f", "bin", "-o", join(dir, "fw.bin"), join(dir, "fw.asm")], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`nasm failed: ${r.stderr}`);
  return readFileSync(join(dir, "fw.bin"));
}

/** Runs QEMU with the firmware reading `reads`; returns the concatenated bytes. */
function qemuRead(image: Uint8Array, reads: [number, number][]): Uint8Array {
  const img = Uint8Array.from(image);
  const view = new DataView(img.buffer);
  reads.forEach(([sel, len], i) => {
    view.setUint16(TABLE_OFFSET + i * 4, sel, true);
    view.setUint16(TABLE_OFFSET + i * 4 + 2, len, true);
  });
  writeFileSync(join(dir, "run.bin"), img);
  const out = join(dir, "out.bin");
  writeFileSync(out, "");
  // -M pc with TCG: the default qemu64 CPU is AMD with 40 physical address bits.
  const r = spawnSync(
    QEMU,
    ["-M", "pc", "-accel", "tcg", "-bios", join(dir, "run.bin"), "-display", "none", "-nodefaults", "-m", "128", "-smp", "2",
      "-debugcon", `file:${out}`, "-device", "isa-debug-exit"],
    { encoding: "utf8", timeout: 60_000 },
  );
  if (r.status !== 1) throw new Error(`QEMU exited with ${r.status}: ${r.stderr}`);
  return readFileSync(out);
}

function ourRead(fw: FwCfg, reads: [number, number][]): Uint8Array {
  const out: number[] = [];
  for (const [sel, len] of reads) {
    fw.ioPort.write(0, 2, sel);
    for (let i = 0; i < len; i++) out.push(fw.ioPort.read(1, 1));
  }
  return Uint8Array.from(out);
}

function parseDir(bytes: Uint8Array): Map<string, { size: number; select: number }> {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const files = new Map<string, { size: number; select: number }>();
  const count = view.getUint32(0);
  for (let i = 0; i < count; i++) {
    const at = 4 + i * 64;
    const nameBytes = bytes.subarray(at + 8, at + 64);
    const name = new TextDecoder().decode(nameBytes.subarray(0, nameBytes.indexOf(0)));
    files.set(name, { size: view.getUint32(at), select: view.getUint16(at + 4) });
  }
  return files;
}

describe.skipIf(!hasQemu || !hasNasm)("fw_cfg against the real QEMU (-M pc -m 128 -smp 2)", () => {
  const noDma: DmaMemory = { read: () => false, write: () => false };
  const ours = createPcFwCfg({
    ramSize: 128 * 1024 * 1024,
    bootCpus: 2,
    dma: noDma, // QEMU's pc enables the DMA interface: FW_CFG_ID reads 3
    amdHtHole: true,
    // QEMU's default HPET at 0xFED00000 (capabilities low dword 0x8086a201)
    hpet: encodeHpetFwConfig([{ eventTimerBlockId: 0x8086a201, address: 0xfed00000, minTick: 0, pageProt: 0 }]),
  });

  it("serves the same bytes for the well-known selectors", () => {
    const image = assemble();
    const selectors = [
      FW_CFG_SIGNATURE,
      FW_CFG_ID,
      FW_CFG_UUID,
      FW_CFG_RAM_SIZE,
      FW_CFG_NOGRAPHIC,
      FW_CFG_NB_CPUS,
      FW_CFG_BOOT_MENU,
      FW_CFG_MAX_CPUS,
      FW_CFG_NUMA,
      FW_CFG_ACPI_TABLES,
      FW_CFG_IRQ0_OVERRIDE,
      FW_CFG_HPET,
    ];
    // Read 8 bytes past each of our items: QEMU must also have nothing (zeros) there.
    const reads = selectors.map((s): [number, number] => [s, ours.item(s)!.length + 8]);
    const theirs = qemuRead(image, reads);
    const mine = ourRead(ours, reads);
    let at = 0;
    for (const [sel, len] of reads) {
      expect(Array.from(mine.subarray(at, at + len)), `selector 0x${sel.toString(16)}`).toEqual(Array.from(theirs.subarray(at, at + len)));
      at += len;
    }
  });

  it("lays out the files both have identically, in a name-sorted directory", () => {
    const image = assemble();
    const dirLen = 4 + 64 * 0x20;
    const theirDir = parseDir(qemuRead(image, [[FW_CFG_FILE_DIR, dirLen]]));
    const myDir = parseDir(ourRead(ours, [[FW_CFG_FILE_DIR, dirLen]]));
    const theirNames = [...theirDir.keys()];
    expect(theirNames).toEqual([...theirNames].sort());
    for (const [name, mine] of myDir) {
      const theirs = theirDir.get(name);
      expect(theirs, `QEMU has ${name}`).toBeDefined();
      expect(theirs!.size, `${name} size`).toBe(mine.size);
    }
    const files = [...myDir.entries()].filter(([, f]) => f.size > 0);
    const theirBytes = qemuRead(image, files.map(([name, f]) => [theirDir.get(name)!.select, f.size]));
    const myBytes = ourRead(ours, files.map(([, f]) => [f.select, f.size]));
    expect(Array.from(myBytes)).toEqual(Array.from(theirBytes));
  });
});
