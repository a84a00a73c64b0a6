import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RawDriver } from "../../block/raw.js";
import { GuestRam } from "./testing/virtio-driver.js";
import { VirtioBlk } from "./virtio-blk.js";
import type { VirtioDevice } from "./virtio-device.js";
import { VirtioPciProxy, type VirtioPciOptions } from "./virtio-pci.js";
import { VirtioRng } from "./virtio-rng.js";
import { VirtioSerial } from "./virtio-serial.js";
import { createVirtioNet } from "./virtio-net.js";

/*
 * Differential check against the real QEMU (-M pc, vectors=0 so that neither side has MSI-X):
 * a 64 KiB firmware dumps function 0's configuration space of slots 2-7, then for each slot
 * programs BAR0 and reads the legacy host features, and reads the modern features, queue sizes
 * and device configuration through the VIRTIO_PCI_CAP_PCI_CFG window. The same accesses are
 * replayed on our proxies.
 */

const QEMU = "qemu-system-x86_64";
const hasQemu = spawnSync(QEMU, ["--version"], { stdio: "ignore" }).status === 0;
const hasNasm = spawnSync("nasm", ["-v"], { stdio: "ignore" }).status === 0;
if (!hasQemu || !hasNasm) {
  console.warn(`virtio-pci-vs-qemu: ${!hasQemu ? QEMU : "nasm"} not found, skipping the comparison with the real virtio-pci functions`);
}

const FIRST_SLOT = 2;
const LAST_SLOT = 9;

const FIRMWARE = `
bits 16
org 0
start:
  cli
  mov si, ${FIRST_SLOT}
slot:
  xor ebx, ebx
dump:
  call cfgrd
  call put4
  add ebx, 4
  cmp ebx, 0x100
  jne dump
  mov ebx, 0x10
  mov eax, esi
  shl eax, 8
  add eax, 0xc000
  call cfgwr
  mov ebx, 0x04
  mov eax, 1
  call cfgwr
  mov dx, si
  shl dx, 8
  add dx, 0xc000
  in eax, dx
  call put4
  mov ebx, 0x88
  mov eax, 4
  call cfgwr
  mov ebx, 0x90
  mov eax, 4
  call cfgwr
  xor ebp, ebp
sel:
  mov ebx, 0x8c
  xor eax, eax
  call cfgwr
  mov ebx, 0x94
  mov eax, ebp
  call cfgwr
  mov ebx, 0x8c
  mov eax, 4
  call cfgwr
  mov ebx, 0x94
  call cfgrd
  call put4
  inc ebp
  cmp ebp, 2
  jne sel
  mov ebp, 0x2000
dc:
  mov ebx, 0x8c
  mov eax, ebp
  call cfgwr
  mov ebx, 0x94
  call cfgrd
  call put4
  add ebp, 4
  cmp ebp, 0x2040
  jne dc
  inc si
  cmp si, ${LAST_SLOT + 1}
  jne slot
  mov dx, 0x501
  mov al, 0
  out dx, al
  hlt
cfgwr:
  push eax
  mov eax, esi
  shl eax, 11
  or eax, ebx
  or eax, 0x80000000
  mov dx, 0xcf8
  out dx, eax
  pop eax
  mov dx, 0xcfc
  out dx, eax
  ret
cfgrd:
  mov eax, esi
  shl eax, 11
  or eax, ebx
  or eax, 0x80000000
  mov dx, 0xcf8
  out dx, eax
  mov dx, 0xcfc
  in eax, dx
  ret
put4:
  mov dx, 0xe9
  mov cx, 4
p:
  out dx, al
  shr eax, 8
  loop p
  ret
times 0xfff0 - ($-$$) db 0xff
  jmp 0xf000:start
times 0x10000 - ($-$$) db 0xff
`;

const WORDS_PER_SLOT = 64 + 1 + 2 + 16;

/** Replays the firmware's accesses on one of our functions. */
function probe(proxy: VirtioPciProxy, slot: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < 0x100; r += 4) out.push(proxy.configRead(r, 4));
  proxy.configWrite(0x10, 4, 0xc000 + (slot << 8));
  proxy.configWrite(0x04, 4, 1);
  out.push(proxy.legacyIo?.read(0, 4) ?? 0xffffffff);
  proxy.configWrite(0x88, 4, 4);
  proxy.configWrite(0x90, 4, 4);
  for (let sel = 0; sel < 2; sel++) {
    proxy.configWrite(0x8c, 4, 0);
    proxy.configWrite(0x94, 4, sel);
    proxy.configWrite(0x8c, 4, 4);
    out.push(proxy.configRead(0x94, 4));
  }
  for (let off = 0x2000; off < 0x2040; off += 4) {
    proxy.configWrite(0x8c, 4, off);
    out.push(proxy.configRead(0x94, 4));
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), "virtkit-virtio-pci-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(!hasQemu || !hasNasm)("virtio-pci functions against the real QEMU (-M pc)", () => {
  it("match configuration space, offered features and device configuration word for word", async () => {
    writeFileSync(join(dir, "fw.asm"), FIRMWARE);
    const asm = spawnSync("nasm", ["-f", "bin", "-o", join(dir, "fw.bin"), join(dir, "fw.asm")], { encoding: "utf8" });
    expect(asm.status, asm.stderr).toBe(0);
    const disk = join(dir, "d.raw");
    writeFileSync(disk, "");
    spawnSync("truncate", ["-s", "64M", disk]);
    const disk2 = join(dir, "d2.raw");
    writeFileSync(disk2, "");
    spawnSync("truncate", ["-s", "64M", disk2]);
    const out = join(dir, "out.bin");
    writeFileSync(out, "");
    const r = spawnSync(
      QEMU,
      [
        "-M", "pc", "-accel", "tcg", "-bios", join(dir, "fw.bin"), "-display", "none", "-nodefaults", "-m", "128",
        "-debugcon", `file:${out}`, "-device", "isa-debug-exit",
        "-drive", `if=none,id=d0,file=${disk},format=raw`,
        "-device", "virtio-blk-pci,drive=d0,vectors=0,addr=2",
        "-netdev", "user,id=n0,restrict=on",
        "-device", "virtio-net-pci,netdev=n0,vectors=0,addr=3,mac=52:54:00:12:34:56",
        "-device", "virtio-serial-pci,vectors=0,addr=4",
        "-device", "virtio-rng-pci,vectors=0,addr=5",
        "-device", "virtio-rng-pci,vectors=0,addr=6,disable-legacy=on",
        "-device", "virtio-serial-pci,vectors=0,addr=7,disable-modern=on,max_ports=1",
        "-drive", `if=none,id=d1,file=${disk2},format=raw,readonly=on`,
        "-device", "virtio-blk-pci,drive=d1,addr=8",
        "-device", "virtio-net-pci,netdev=n1,addr=9,mac=52:54:00:12:34:57",
        "-netdev", "user,id=n1,restrict=on",
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    // isa-debug-exit with 0 exits 1; a startup error exits 1 too, with a message.
    expect(r.stderr).toBe("");
    expect(r.status, r.stderr).toBe(1);
    const bytes = readFileSync(out);
    const theirs = Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readUInt32LE(i * 4));
    expect(theirs).toHaveLength(WORDS_PER_SLOT * (LAST_SLOT - FIRST_SLOT + 1));

    const ram = new GuestRam(1 << 20);
    const opts: VirtioPciOptions = { dma: ram };
    const drive = RawDriver.open(disk, false, false);
    const devices: [VirtioDevice, VirtioPciOptions][] = [
      [new VirtioBlk({ drive }), opts],
      [createVirtioNet({ mac: "52:54:00:12:34:56" }), opts],
      [new VirtioSerial(), opts],
      [new VirtioRng(), opts],
      [new VirtioRng(), { ...opts, disableLegacy: "on" }],
      [new VirtioSerial({ maxPorts: 1 }), { ...opts, disableModern: true }],
      // With QEMU's default vectors: MSI-X capability and BAR1, the legacy block sized for it.
      [new VirtioBlk({ drive: RawDriver.open(disk2, true) }), { ...opts, msi: () => undefined }],
      [createVirtioNet({ mac: "52:54:00:12:34:57" }), { ...opts, msi: () => undefined }],
    ];
    devices.forEach(([dev, o], i) => {
      const slot = FIRST_SLOT + i;
      const proxy = new VirtioPciProxy(dev, o);
      proxy.realize();
      const ours = probe(proxy, slot);
      const expected = theirs.slice(i * WORDS_PER_SLOT, (i + 1) * WORDS_PER_SLOT);
      const hex = (a: number[]) => a.map((v) => (v >>> 0).toString(16).padStart(8, "0"));
      expect({ slot, words: hex(ours) }).toEqual({ slot, words: hex(expected) });
    });
    await drive.close();
  });
});
