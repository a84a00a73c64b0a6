/**
 * The 8042 keyboard controller's scan code translation (IBM PC AT Technical Reference, keyboard
 * controller "scan code conversion"; the AT's controller firmware table): with command byte bit 6
 * (XLATE) set, every byte from a set-2 keyboard is mapped to its set-1 (XT) equivalent, and the
 * set-2 break prefix F0 is folded into bit 7 of the following byte.
 *
 * Rows of the first half (set-2 codes 00-7F); codes 80-FF map to themselves except 83 (F7 key) -> 41
 * and 84 (SysRq) -> 54, so command responses (FA, AA, EE, FE) and the ID byte AB pass unchanged.
 */
const XLATE_LOW =
  "ff 43 41 3f 3d 3b 3c 58 64 44 42 40 3e 0f 29 59" +
  " 65 38 2a 70 1d 10 02 5a 66 71 2c 1f 1e 11 03 5b" +
  " 67 2e 2d 20 12 05 04 5c 68 39 2f 21 14 13 06 5d" +
  " 69 31 30 23 22 15 07 5e 6a 72 32 24 16 08 09 5f" +
  " 6b 33 25 17 18 0b 0a 60 6c 34 35 26 27 19 0c 61" +
  " 6d 73 28 74 1a 0d 62 6e 3a 36 1c 1b 75 2b 63 76" +
  " 55 56 77 78 79 7a 0e 7b 7c 4f 7d 4b 47 7e 7f 6f" +
  " 52 53 50 4c 4d 48 01 45 57 4e 51 4a 37 49 46 54";

/** Set-2 code -> set-1 code, indexed by the byte from the keyboard. */
export const SET2_TO_SET1: Uint8Array = (() => {
  const table = new Uint8Array(256);
  const low = XLATE_LOW.split(" ");
  for (let i = 0; i < 256; i++) {
    table[i] = i < 0x80 ? parseInt(low[i]!, 16) : i;
  }
  table[0x83] = 0x41;
  table[0x84] = 0x54;
  return table;
})();

/** The set-2 break prefix the controller absorbs while translating. */
export const SET2_BREAK_PREFIX = 0xf0;
