// The PC platform the test ROMs expect, as a model a CPU-level ROM runner (virtkit's) can sit on:
// the physical address map, the A20 gate, and the few I/O ports the ROMs touch. Bochs and QEMU
// provide the same things; nothing else of a PC is used by guests/*.asm.
//
//   RAM          0 .. memoryMiB (32 MiB by default), zero at power-on
//   ROM          the image at [1 MiB - size, 1 MiB) and at [4 GiB - size, 4 GiB); writes ignored
//   A20          physical address bit 20 forced to 0 while the gate is off (on at reset), controlled
//                by port 0x92 bit 1 ("fast A20") and by the 8042 output port (command D1h on 0x64,
//                then data on 0x60, bit 1)
//   port 0xE9    debug console: each byte written is guest output (Bochs port_e9_hack, QEMU debugcon)
//   port 0x501   isa-debug-exit: a write ends the run (QEMU exits with status (value << 1) | 1)
//   0x20/0x21/0xA0/0xA1 (PIC) accept writes (the ROMs only mask IRQs); reads return 0
//   0x64         8042 status: always ready (bit 1 input-buffer-full clear); 0x60 reads 0
// Unmapped physical memory reads as FFh; other ports read FFh and ignore writes.
import { cutAtMarker, ROM_END_MARKER, type RomExit, type RomResult } from "./rom-runner.js";

export const ROM_PLATFORM_RAM_MIB = 32;
export const PORT_DEBUGCON = 0xe9;
export const PORT_DEBUG_EXIT = 0x501;
export const PORT_SYSTEM_CONTROL_A = 0x92;
export const PORT_KBC_DATA = 0x60;
export const PORT_KBC_STATUS = 0x64;
/** 8042 command "write output port" (next byte on port 0x60). */
export const KBC_WRITE_OUTPUT_PORT = 0xd1;

const FOUR_GIB = 0x100000000;
const ONE_MIB = 0x100000;

export class RomPlatform {
  readonly ram: Uint8Array;
  readonly rom: Uint8Array;
  /** A20 gate: true = physical addresses are not masked. */
  a20 = true;
  private fastA20 = true;
  private kbcA20 = true;
  private kbcExpectOutputPort = false;
  private text = "";
  private lineStart = 0;
  private markerSeen = false;
  private exitWritten = false;

  constructor(romImage: Uint8Array, memoryMiB = ROM_PLATFORM_RAM_MIB) {
    if (romImage.length !== 0x10000 && romImage.length !== 0x20000) {
      throw new Error(`a test ROM is 64 KiB or 128 KiB, not ${romImage.length} bytes`);
    }
    if (!Number.isInteger(memoryMiB) || memoryMiB < 2 || memoryMiB > 3072) {
      throw new Error(`guest RAM must be 2 to 3072 MiB, not ${memoryMiB}`);
    }
    this.rom = romImage;
    this.ram = new Uint8Array(memoryMiB * ONE_MIB);
  }

  /** The physical address after the A20 gate. */
  gate(phys: number): number {
    return this.a20 ? phys : phys & ~ONE_MIB;
  }

  /** Offset into the ROM image for a (gated) physical address, or -1. */
  private romOffset(p: number): number {
    const size = this.rom.length;
    if (p >= ONE_MIB - size && p < ONE_MIB) return p - (ONE_MIB - size);
    if (p >= FOUR_GIB - size && p < FOUR_GIB) return p - (FOUR_GIB - size);
    return -1;
  }

  readByte(phys: number): number {
    const p = this.gate(phys >>> 0);
    const r = this.romOffset(p);
    if (r >= 0) return this.rom[r] ?? 0xff;
    return p < this.ram.length ? (this.ram[p] ?? 0xff) : 0xff;
  }

  writeByte(phys: number, value: number): void {
    const p = this.gate(phys >>> 0);
    if (this.romOffset(p) >= 0) return;
    if (p < this.ram.length) this.ram[p] = value & 0xff;
  }

  portIn(port: number, _size: 1 | 2 | 4): number {
    switch (port) {
      case PORT_SYSTEM_CONTROL_A:
        return this.fastA20 ? 0x02 : 0x00;
      case PORT_KBC_STATUS:
        return 0x00;
      case PORT_KBC_DATA:
      case 0x20:
      case 0x21:
      case 0xa0:
      case 0xa1:
        return 0x00;
      default:
        return 0xff;
    }
  }

  portOut(port: number, size: 1 | 2 | 4, value: number): void {
    const v = value & 0xff;
    switch (port) {
      case PORT_DEBUGCON:
        for (let i = 0; i < size; i++) this.debugconByte((value >>> (8 * i)) & 0xff);
        return;
      case PORT_DEBUG_EXIT:
        this.exitWritten = true;
        return;
      case PORT_SYSTEM_CONTROL_A:
        // bit 0 would pulse a CPU reset; the ROMs never set it
        this.fastA20 = (v & 2) !== 0;
        break;
      case PORT_KBC_STATUS:
        this.kbcExpectOutputPort = v === KBC_WRITE_OUTPUT_PORT;
        return;
      case PORT_KBC_DATA:
        if (this.kbcExpectOutputPort) this.kbcA20 = (v & 2) !== 0;
        this.kbcExpectOutputPort = false;
        break;
      default:
        return;
    }
    this.a20 = this.fastA20 && this.kbcA20;
  }

  private debugconByte(b: number): void {
    this.text += String.fromCharCode(b);
    if (b !== 0x0a) return;
    if (this.text.slice(this.lineStart, -1) === ROM_END_MARKER) this.markerSeen = true;
    this.lineStart = this.text.length;
  }

  /** Everything written to port 0xE9 so far (latin1). */
  get output(): string {
    return this.text;
  }

  /** True once the ROM printed its end-marker line or wrote isa-debug-exit: the runner may stop. */
  get finished(): boolean {
    return this.exitWritten || this.markerSeen;
  }

  /** The RomResult for a run that ended with `exit` (the output is cut after the marker line). */
  result(exit: RomExit): RomResult {
    const all = this.output;
    return { output: cutAtMarker(all) ?? all, exit };
  }
}
