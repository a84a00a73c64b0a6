// FSTENV/FLDENV/FSAVE/FRSTOR image layouts in all four formats, byte for byte against the SDM
// figures (vol. 1 Figures 8-9 … 8-12). The protected-mode 32-bit format is also checked against
// the host FPU by the native differential test; the real-mode formats can only be checked here.

import { describe, expect, it } from "vitest";
import { FPU_ENV_SIZE_16, FPU_ENV_SIZE_32, type X87EnvironmentFields, readEnvironment, writeEnvironment } from "./x87-environment.js";

const fields: X87EnvironmentFields = { cw: 0x027f, sw: 0x3a81, tw: 0x3fff, fip: 0x5678, fcs: 0x1234, fop: 0x5a5, fdp: 0x0100, fds: 0xabcd };

function image(operandSize32: boolean, protectedMode: boolean): DataView {
  const v = new DataView(new ArrayBuffer(28));
  writeEnvironment(v, fields, operandSize32, protectedMode);
  return v;
}

function words16(v: DataView, n: number): number[] {
  return Array.from({ length: n }, (_, i) => v.getUint16(2 * i, true));
}

function words32(v: DataView, n: number): number[] {
  return Array.from({ length: n }, (_, i) => v.getUint32(4 * i, true));
}

describe("environment images", () => {
  it("32-bit protected mode (Figure 8-9): offsets, selector/FOP word, reserved halves 0xFFFF", () => {
    expect(words32(image(true, true), 7)).toEqual([0xffff027f, 0xffff3a81, 0xffff3fff, 0x5678, 0x05a51234, 0x0100, 0xffffabcd]);
  });

  it("16-bit protected mode (Figure 8-11): offset/selector pairs, no FOP", () => {
    expect(words16(image(false, true), 7)).toEqual([0x027f, 0x3a81, 0x3fff, 0x5678, 0x1234, 0x0100, 0xabcd]);
  });

  it("32-bit real mode (Figure 8-10): 32-bit linear pointers split 16/16, FOP in bits 10..0", () => {
    // FIP linear = 0x1234·16 + 0x5678 = 0x179B8; FDP linear = 0xABCD·16 + 0x100 = 0xABDD0.
    expect(words32(image(true, false), 7)).toEqual([0xffff027f, 0xffff3a81, 0xffff3fff, 0xffff79b8, (0x0001 << 12) | 0x5a5, 0xffffbdd0, 0x000a << 12]);
  });

  it("16-bit real mode (Figure 8-12): 20-bit linear pointers, FOP beside IP bits 19..16", () => {
    expect(words16(image(false, false), 7)).toEqual([0x027f, 0x3a81, 0x3fff, 0x79b8, (0x1 << 12) | 0x5a5, 0xbdd0, 0xa << 12]);
  });

  it("real-mode images read back as linear pointers that store identically", () => {
    for (const operandSize32 of [false, true]) {
      const v = image(operandSize32, false);
      const back: X87EnvironmentFields = { cw: 0, sw: 0, tw: 0, fip: 0, fcs: 0, fop: 0, fdp: 0, fds: 0 };
      readEnvironment(v, back, operandSize32, false);
      expect(back).toEqual({ ...fields, fip: 0x179b8, fcs: 0, fdp: 0xabdd0, fds: 0 });
      const again = new DataView(new ArrayBuffer(28));
      writeEnvironment(again, back, operandSize32, false);
      const n = operandSize32 ? FPU_ENV_SIZE_32 : FPU_ENV_SIZE_16;
      expect(new Uint8Array(again.buffer, 0, n)).toEqual(new Uint8Array(v.buffer, 0, n));
    }
  });

  it("protected-mode images read back unchanged", () => {
    for (const operandSize32 of [false, true]) {
      const back: X87EnvironmentFields = { cw: 0, sw: 0, tw: 0, fip: 0, fcs: 0, fop: 0, fdp: 0, fds: 0 };
      readEnvironment(image(operandSize32, true), back, operandSize32, true);
      expect(back).toEqual(operandSize32 ? fields : { ...fields, fop: 0 });
    }
  });
});
