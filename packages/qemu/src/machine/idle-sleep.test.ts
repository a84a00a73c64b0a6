// -icount sleep=on: a halted vCPU waiting for a timer waits for it in host time (QEMU's icount sleep),
// where the default (sleep=off) jumps the virtual clock to the deadline at once. The guest sees the
// same virtual time either way.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { qemuSystemMain } from "../cli/qemu-system.js";

const hasNasm = spawnSync("nasm", ["-v"], { stdio: "ignore" }).status === 0;
if (!hasNasm) console.warn("skipping the -icount sleep test: nasm is not installed (Debian package nasm)");

// PIC at vector 8 with only IRQ 0 unmasked, PIT counter 0 in mode 0 with the longest count
// (65536 / 1.193182 MHz = 54.9 ms), HLT until its interrupt, then the PIT's count on debugcon and exit.
const FIRMWARE = `
bits 16
org 0
start:
  cli
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7000
  mov word [8 * 4], irq0
  mov word [8 * 4 + 2], 0xf000
  mov al, 0x11
  out 0x20, al
  mov al, 0x08
  out 0x21, al
  mov al, 0x04
  out 0x21, al
  mov al, 0x01
  out 0x21, al
  mov al, 0xfe
  out 0x21, al
  mov al, 0x30
  out 0x43, al
  xor al, al
  out 0x40, al
  out 0x40, al
  sti
  hlt
  cli
  mov al, 'W'
  out 0xe9, al
  mov dx, 0x501
  xor al, al
  out dx, al
  hlt
irq0:
  mov al, 0x20
  out 0x20, al
  iret
times 0xfff0 - ($-$$) db 0xff
  jmp 0xf000:start
times 0x10000 - ($-$$) db 0xff
`;

const dir = mkdtempSync(join(tmpdir(), "virtkit-idle-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(icount: string[]): Promise<{ status: number; out: string; ms: number }> {
  const out = join(dir, `out-${icount.join("")}.txt`);
  const sink = new PassThrough();
  sink.resume();
  const t0 = performance.now();
  const status = await qemuSystemMain(
    ["-M", "pc,kernel_irqchip=off", "-m", "16", "-nodefaults", "-display", "none", "-bios", join(dir, "fw.bin"), "-debugcon", `file:${out}`, "-device", "isa-debug-exit", ...icount],
    { stdout: sink, stderr: sink },
  );
  return { status, out: readFileSync(out, "latin1"), ms: performance.now() - t0 };
}

describe.skipIf(!hasNasm)("-icount sleep=on", () => {
  it("waits for the PIT's 55 ms in host time while halted; sleep=off reaches the same end", async () => {
    writeFileSync(join(dir, "fw.asm"), FIRMWARE);
    const asm = spawnSync("nasm", ["-f", "bin", "-o", join(dir, "fw.bin"), join(dir, "fw.asm")], { encoding: "utf8" });
    expect(asm.status, asm.stderr).toBe(0);
    const warp = await run([]);
    const sleep = await run(["-icount", "shift=0,sleep=on"]);
    expect([warp.status, warp.out]).toEqual([1, "W"]);
    expect([sleep.status, sleep.out]).toEqual([1, "W"]);
    // a lower bound only: the wait itself is the behaviour (a loaded host only makes it longer)
    expect(sleep.ms).toBeGreaterThanOrEqual(50);
  });
});
