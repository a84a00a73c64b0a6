// The x87 environment and state images: FSTENV/FLDENV (14 or 28 bytes), FSAVE/FRSTOR
// (94 or 108 bytes) in real-address and protected-mode formats, and the x87 part of the
// FXSAVE/FXRSTOR 512-byte image.
// Intel SDM vol. 1 §8.1.10, Figures 8-9 (32-bit protected), 8-10 (32-bit real),
// 8-11 (16-bit protected), 8-12 (16-bit real); §10.5.1 Table 10-2 (FXSAVE legacy layout).

/** Everything an environment image holds. */
export interface X87EnvironmentFields {
  cw: number;
  /** Status word including TOP. */
  sw: number;
  /** Full 2-bit-per-register tag word. */
  tw: number;
  fip: number;
  fcs: number;
  fop: number;
  fdp: number;
  fds: number;
}

export const FPU_ENV_SIZE_16 = 14;
export const FPU_ENV_SIZE_32 = 28;
export const FPU_SAVE_SIZE_16 = 94;
export const FPU_SAVE_SIZE_32 = 108;
export const FXSAVE_SIZE = 512;

export function environmentSize(operandSize32: boolean): number {
  return operandSize32 ? FPU_ENV_SIZE_32 : FPU_ENV_SIZE_16;
}

/** Real-address-mode formats store 20/32-bit linear pointers: selector·16 + offset. */
function linearPointer(selector: number, offset: number): number {
  return ((selector << 4) + offset) >>> 0;
}

/**
 * Serialises an environment into `b` at 0. Reserved halves of the 32-bit format are written as
 * 0xFFFF, as measured on hardware for the protected-mode layout.
 */
export function writeEnvironment(b: DataView, f: X87EnvironmentFields, operandSize32: boolean, protectedMode: boolean): void {
  if (operandSize32) {
    b.setUint32(0, (0xffff0000 | f.cw) >>> 0, true);
    b.setUint32(4, (0xffff0000 | f.sw) >>> 0, true);
    b.setUint32(8, (0xffff0000 | f.tw) >>> 0, true);
    if (protectedMode) {
      b.setUint32(12, f.fip >>> 0, true);
      b.setUint32(16, ((f.fop & 0x7ff) << 16) | (f.fcs & 0xffff), true);
      b.setUint32(20, f.fdp >>> 0, true);
      b.setUint32(24, (0xffff0000 | f.fds) >>> 0, true);
    } else {
      const ip = linearPointer(f.fcs, f.fip);
      const dp = linearPointer(f.fds, f.fdp);
      b.setUint32(12, (0xffff0000 | (ip & 0xffff)) >>> 0, true);
      b.setUint32(16, (((ip >>> 16) & 0xffff) << 12) | (f.fop & 0x7ff), true);
      b.setUint32(20, (0xffff0000 | (dp & 0xffff)) >>> 0, true);
      b.setUint32(24, ((dp >>> 16) & 0xffff) << 12, true);
    }
    return;
  }
  b.setUint16(0, f.cw, true);
  b.setUint16(2, f.sw, true);
  b.setUint16(4, f.tw, true);
  if (protectedMode) {
    b.setUint16(6, f.fip & 0xffff, true);
    b.setUint16(8, f.fcs & 0xffff, true);
    b.setUint16(10, f.fdp & 0xffff, true);
    b.setUint16(12, f.fds & 0xffff, true);
  } else {
    const ip = linearPointer(f.fcs, f.fip);
    const dp = linearPointer(f.fds, f.fdp);
    b.setUint16(6, ip & 0xffff, true);
    b.setUint16(8, (((ip >>> 16) & 0xf) << 12) | (f.fop & 0x7ff), true);
    b.setUint16(10, dp & 0xffff, true);
    b.setUint16(12, ((dp >>> 16) & 0xf) << 12, true);
  }
}

/** Parses an environment image at 0 of `b` into `f`. Real-mode pointers come back linear with selector 0. */
export function readEnvironment(b: DataView, f: X87EnvironmentFields, operandSize32: boolean, protectedMode: boolean): void {
  if (operandSize32) {
    f.cw = b.getUint16(0, true);
    f.sw = b.getUint16(4, true);
    f.tw = b.getUint16(8, true);
    if (protectedMode) {
      f.fip = b.getUint32(12, true);
      const w = b.getUint32(16, true);
      f.fcs = w & 0xffff;
      f.fop = (w >>> 16) & 0x7ff;
      f.fdp = b.getUint32(20, true);
      f.fds = b.getUint16(24, true);
    } else {
      const w = b.getUint32(16, true);
      f.fip = (b.getUint16(12, true) | (((w >>> 12) & 0xffff) << 16)) >>> 0;
      f.fop = w & 0x7ff;
      f.fcs = 0;
      f.fdp = (b.getUint16(20, true) | (((b.getUint32(24, true) >>> 12) & 0xffff) << 16)) >>> 0;
      f.fds = 0;
    }
    return;
  }
  f.cw = b.getUint16(0, true);
  f.sw = b.getUint16(2, true);
  f.tw = b.getUint16(4, true);
  if (protectedMode) {
    f.fip = b.getUint16(6, true);
    f.fcs = b.getUint16(8, true);
    f.fop = 0;
    f.fdp = b.getUint16(10, true);
    f.fds = b.getUint16(12, true);
  } else {
    const w = b.getUint16(8, true);
    f.fip = b.getUint16(6, true) | ((w >>> 12) << 16);
    f.fop = w & 0x7ff;
    f.fcs = 0;
    f.fdp = b.getUint16(10, true) | ((b.getUint16(12, true) >>> 12) << 16);
    f.fds = 0;
  }
}

// FXSAVE legacy area offsets (SDM vol. 1 Table 10-2).
export const FXSAVE_FCW = 0;
export const FXSAVE_FSW = 2;
export const FXSAVE_FTW = 4;
export const FXSAVE_FOP = 6;
export const FXSAVE_FIP = 8;
export const FXSAVE_FCS = 12;
export const FXSAVE_FDP = 16;
export const FXSAVE_FDS = 20;
export const FXSAVE_MXCSR = 24;
export const FXSAVE_MXCSR_MASK = 28;
export const FXSAVE_ST0 = 32;
export const FXSAVE_XMM0 = 160;
