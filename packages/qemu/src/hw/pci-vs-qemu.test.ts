import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { I440fxHostBridge } from "./i440fx.js";
import { PciBus, pciDevfn } from "./pci-bus.js";
import { PciConfigMechanism1 } from "./pci-host.js";
import { Piix3IsaBridge } from "./piix3.js";
import { Piix3Ide } from "./ide/piix3-ide.js";

/*
 * Differential check of the power-on configuration space of 0:0.0 (i440FX), 0:1.0 (PIIX3) and
 * 0:1.1 (PIIX3 IDE)
 * against the real QEMU: a 64 KiB firmware reads every dword of devfn 0-9 through 0xCF8/0xCFC
 * (mechanism #1) before anything else runs and copies them to the debug console.
 */

const QEMU = "qemu-system-x86_64";
const hasQemu = spawnSync(QEMU, ["--version"], { stdio: "ignore" }).status === 0;
const hasNasm = spawnSync("nasm", ["-v"], { stdio: "ignore" }).status === 0;
if (!hasQemu || !hasNasm) {
  console.warn(`pci-vs-qemu: ${!hasQemu ? QEMU : "nasm"} not found, skipping the comparison with the real PCI config space`);
}

const FIRMWARE = `
bits 16
org 0
start:
  cli
  mov ebx, 0x80000000
again:
  mov eax, ebx
  mov dx, 0xcf8
  out dx, eax
  mov dx, 0xcfc
  in eax, dx
  mov dx, 0xe9
  mov cx, 4
put:
  out dx, al
  shr eax, 8
  loop put
  add ebx, 4
  cmp ebx, 0x80000a00
  jne again
  mov dx, 0x501
  mov al, 0
  out dx, al
  hlt
times 0xfff0 - ($-$$) db 0xff
  jmp 0xf000:start
times 0x10000 - ($-$$) db 0xff
`;

const dir = mkdtempSync(join(tmpdir(), "virtkit-pci-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasQemu || !hasNasm)("PCI config space against the real QEMU (-M pc)", () => {
  it("matches the i440FX, PIIX3 and PIIX3 IDE power-on configuration space byte for byte", () => {
    writeFileSync(join(dir, "fw.asm"), FIRMWARE);
    const asm = spawnSync("nasm", ["-f", "bin", "-o", join(dir, "fw.bin"), join(dir, "fw.asm")], { encoding: "utf8" });
    expect(asm.status, asm.stderr).toBe(0);
    const out = join(dir, "out.bin");
    writeFileSync(out, "");
    const r = spawnSync(
      QEMU,
      ["-M", "pc", "-accel", "tcg", "-bios", join(dir, "fw.bin"), "-display", "none", "-nodefaults", "-m", "128",
        "-debugcon", `file:${out}`, "-device", "isa-debug-exit"],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(1);
    const theirs = readFileSync(out);

    const bus = new PciBus();
    bus.attach(new I440fxHostBridge({ ramSize: 128 * 1024 * 1024 }), 0);
    bus.attach(new Piix3IsaBridge({ isaIrq: () => ({ setLevel: () => undefined }) }), 1);
    bus.attach(new Piix3Ide({ isaIrq: () => ({ setLevel: () => undefined }), dma: { read: () => false, write: () => false } }), 1, 1);
    const cfg = new PciConfigMechanism1(bus);
    const read = (devfn: number): number[] => {
      const bytes: number[] = [];
      for (let reg = 0; reg < 256; reg += 4) {
        cfg.addressPort.write(0, 4, (0x8000_0000 | (devfn << 8) | reg) >>> 0);
        const v = cfg.dataPort.read(0, 4);
        bytes.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
      }
      return bytes;
    };
    for (const devfn of [pciDevfn(0, 0), pciDevfn(1, 0), pciDevfn(1, 1)]) {
      expect(read(devfn), `devfn ${devfn}`).toEqual(Array.from(theirs.subarray(devfn * 256, devfn * 256 + 256)));
    }
    // Functions that do not exist answer all ones on both.
    expect(read(pciDevfn(0, 3))).toEqual(Array.from(theirs.subarray(3 * 256, 4 * 256)));
  });
});
