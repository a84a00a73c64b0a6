import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createPcFwCfg } from "./fw-cfg-pc.js";
import { I8042 } from "./i8042.js";
import { I8254 } from "./i8254.js";
import { I8259Pair } from "./i8259-pair.js";
import type { IoDevice } from "./io-device.js";
import { IsaDebugcon } from "./isa-debugcon.js";
import { Mc146818Rtc } from "./mc146818rtc.js";
import { PostCodePort } from "./post-code-port.js";
import { SystemControlPortA } from "./system-control-port-a.js";
import { SystemControlPortB } from "./system-control-port-b.js";
import { Uart16550 } from "./uart16550.js";
import { VirtualClock } from "./virtual-clock.js";

/*
 * Differential check of what a guest reads from the legacy ports right after power-on, against
 * the real QEMU: a firmware runs a script of byte port reads and writes (PIT read-back, RTC index
 * selects, PIC OCW3) and copies every value read to the debug console. The same script runs on
 * our devices mapped at QEMU's ports.
 */

const QEMU = "qemu-system-x86_64";
const hasQemu = spawnSync(QEMU, ["--version"], { stdio: "ignore" }).status === 0;
const hasNasm = spawnSync("nasm", ["-v"], { stdio: "ignore" }).status === 0;
if (!hasQemu || !hasNasm) {
  console.warn(`pc-isa-reset-vs-qemu: ${!hasQemu ? QEMU : "nasm"} not found, skipping the comparison with the real devices`);
}

/** [port, value]: value < 0 reads the port (and records it), otherwise writes it. */
const SCRIPT: [number, number][] = [
  ...[1, 2, 3, 4, 5, 6, 7].map((o): [number, number] => [0x3f8 + o, -1]), // UART registers
  [0x2f8 + 5, -1],
  [0x64, -1], // i8042 status
  [0x21, -1], [0xa1, -1], [0x20, -1], [0xa0, -1], // PIC IMR and IRR
  [0x20, 0x0b], [0x20, -1], // OCW3 read ISR
  [0x4d0, -1], [0x4d1, -1],
  [0x61, -1], [0x61, -1], // refresh toggles
  [0x92, -1], [0x80, -1], [0x43, -1], [0xe9, -1],
  [0x43, 0xe2], [0x40, -1], // read-back status of counter 0
  [0x43, 0xe8], [0x42, -1], // read-back status of counter 2 (GATE low)
  [0x70, 0x0b], [0x71, -1], [0x70, 0x0d], [0x71, -1], [0x70, 0x0c], [0x71, -1], [0x70, 0x0f], [0x71, -1],
  [0x510, -1], [0x511, -1], [0x511, -1],
];

const FIRMWARE = `
bits 16
org 0
start:
  cli
  mov ax, cs
  mov ds, ax
  mov si, table
next:
  mov dx, [si]
  cmp dx, 0xffff
  je done
  mov ax, [si+2]
  add si, 4
  cmp ax, 0xffff
  je rd
  out dx, al
  jmp next
rd:
  in al, dx
  mov dx, 0xe9
  out dx, al
  jmp next
done:
  mov dx, 0x501
  mov al, 0
  out dx, al
  hlt
table:
${SCRIPT.map(([p, v]) => `  dw 0x${p.toString(16)}, 0x${(v < 0 ? 0xffff : v).toString(16)}`).join("\n")}
  dw 0xffff
times 0xfff0 - ($-$$) db 0xff
  jmp 0xf000:start
times 0x10000 - ($-$$) db 0xff
`;

const dir = mkdtempSync(join(tmpdir(), "virtkit-isa-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Our devices at QEMU's PC ports: base port, length, device. */
function ourPorts(): (port: number) => { device: IoDevice; offset: number } {
  const clock = new VirtualClock();
  clock.advance(50e6); // QEMU has run a while before the firmware's first access
  const pic = new I8259Pair();
  const pit = new I8254(clock, { irq0: pic.irq(0) });
  pic.reset();
  const kbc = new I8042();
  const rtc = new Mc146818Rtc(clock, { irq: pic.irq(8) });
  const map: [number, number, IoDevice][] = [
    [0x20, 2, pic.master],
    [0xa0, 2, pic.slave],
    [0x4d0, 2, pic.elcrPorts],
    [0x40, 4, pit],
    [0x61, 1, new SystemControlPortB(pit)],
    [0x60, 1, kbc.dataPort],
    [0x64, 1, kbc.commandPort],
    [0x70, 2, rtc],
    [0x80, 1, new PostCodePort()],
    [0x92, 1, new SystemControlPortA()],
    [0x3f8, 8, new Uart16550(clock)],
    [0x2f8, 8, new Uart16550(clock)],
    [0xe9, 1, new IsaDebugcon()],
    [0x510, 2, createPcFwCfg({ ramSize: 128 << 20, bootCpus: 1 }).ioPort],
  ];
  return (port) => {
    for (const [base, len, device] of map) {
      if (port >= base && port < base + len) return { device, offset: port - base };
    }
    throw new Error(`no device at 0x${port.toString(16)}`);
  };
}

describe.skipIf(!hasQemu || !hasNasm)("legacy PC ports at power-on against the real QEMU", () => {
  it("reads the same values for the same port script", () => {
    writeFileSync(join(dir, "fw.asm"), FIRMWARE);
    const asm = spawnSync("nasm", ["-f", "bin", "-o", join(dir, "fw.bin"), join(dir, "fw.asm")], { encoding: "utf8" });
    expect(asm.status, asm.stderr).toBe(0);
    const out = join(dir, "out.bin");
    writeFileSync(out, "");
    const r = spawnSync(
      QEMU,
      ["-M", "pc", "-accel", "tcg", "-bios", join(dir, "fw.bin"), "-display", "none", "-nodefaults", "-m", "128",
        "-serial", "null", "-serial", "null", "-debugcon", `file:${out}`, "-device", "isa-debug-exit"],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(1);
    const theirs = Array.from(readFileSync(out));

    const at = ourPorts();
    const mine: number[] = [];
    for (const [port, value] of SCRIPT) {
      const { device, offset } = at(port);
      if (value < 0) mine.push(device.read(offset, 1) & 0xff);
      else device.write(offset, 1, value);
    }
    // QEMU's PIT runs in host time, so what depends on when the firmware's reads land (later on a busy
    // host) is masked on both sides: the counters' OUT (read-back status bit 7), IRQ 0 pending in the
    // master's IRR once counter 0 has wrapped, and port 61h's refresh toggle and OUT2 (bits 4 and 5).
    const readIndex = (n: number): number => SCRIPT.slice(0, n).filter(([, v]) => v < 0).length;
    const readsAfter = (port: number, value: number): number => readIndex(SCRIPT.findIndex(([p, v]) => p === port && v === value) + 1);
    const timeDependent = new Map<number, number>([
      [readsAfter(0x43, 0xe2), 0x80],
      [readsAfter(0x43, 0xe8), 0x80],
      [readIndex(SCRIPT.findIndex(([p, v]) => p === 0x20 && v < 0)), 0x01],
      [readIndex(SCRIPT.findIndex(([p, v]) => p === 0x61 && v < 0)), 0x30],
      [readIndex(SCRIPT.findIndex(([p, v]) => p === 0x61 && v < 0)) + 1, 0x30],
    ]);
    for (const [i, bits] of timeDependent) {
      mine[i] = mine[i]! & ~bits;
      theirs[i] = theirs[i]! & ~bits;
    }
    expect(mine).toEqual(theirs);
  });
});
