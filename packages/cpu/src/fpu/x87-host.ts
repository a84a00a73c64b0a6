// What the x87 needs from the integer core. The FPU never reaches into the CPU: memory goes
// through linear addresses the core translates (segmentation was applied by the core when it
// formed the effective address), faults are raised by the core's own mechanism.

/** Exception vectors the FPU raises (SDM vol. 3A Table 6-1). */
export const X87_VECTOR_UD = 6; // #UD invalid opcode (undefined x87 encodings)
export const X87_VECTOR_NM = 7; // #NM device not available (CR0.EM / CR0.TS)
export const X87_VECTOR_MF = 16; // #MF x87 floating-point error (CR0.NE = 1)

/** CR0 bits the FPU reads (SDM vol. 3A §2.5). */
export const CR0_MP = 1 << 1;
export const CR0_EM = 1 << 2;
export const CR0_TS = 1 << 3;
export const CR0_NE = 1 << 5;

/** EFLAGS bits written by FCOMI/FUCOMI and read by FCMOVcc (SDM vol. 1 §3.4.3). */
export const EFLAGS_CF = 1 << 0;
export const EFLAGS_PF = 1 << 2;
export const EFLAGS_AF = 1 << 4;
export const EFLAGS_ZF = 1 << 6;
export const EFLAGS_SF = 1 << 7;
export const EFLAGS_OF = 1 << 11;

export interface X87Host {
  /**
   * Little-endian loads at a linear address. Each may raise a fault by calling the core's
   * fault path (which throws); the FPU performs every load of an instruction before it changes
   * any state, so a fault leaves the FPU untouched.
   */
  read8(linear: number): number;
  read16(linear: number): number;
  read32(linear: number): number;
  /**
   * Little-endian stores. A single call must be atomic with respect to faults (a store that
   * crosses a page checks both pages first). Multi-part stores are preceded by probeWrite.
   */
  write8(linear: number, value: number): void;
  write16(linear: number, value: number): void;
  write32(linear: number, value: number): void;
  /**
   * Raises the fault that a store of `length` bytes at `linear` would raise (segment limit,
   * page not present, write protection), without storing. Called before the FPU starts a store
   * of more than 4 bytes (m64, m80, FSTENV, FSAVE, FXSAVE), so nothing is half-written.
   */
  probeWrite(linear: number, length: number): void;
  /** EFLAGS (FCMOVcc reads CF/ZF/PF; FCOMI/FUCOMI write ZF/PF/CF and clear OF/SF/AF). */
  getEflags(): number;
  setEflags(value: number): void;
  /** FNSTSW AX writes AX (bits 15..0 of EAX; the upper half is preserved by the core). */
  setAx(value: number): void;
  /** Current CR0; the FPU reads MP, EM, TS and NE. */
  getCr0(): number;
  /**
   * Delivers exception `vector` (X87_VECTOR_*) as a fault on the current instruction. Must not
   * return: the core throws its fault object (the FPU never catches it).
   */
  raiseException(vector: number): never;
  /**
   * Asserts FERR# for the MS-DOS compatible error path (CR0.NE = 0): the platform routes it to
   * IRQ13 (SDM vol. 1 §8.7, vol. 3A §22.?). Instruction execution continues.
   */
  signalFerr(): void;
}

/** Model choices that differ between processor generations. */
export interface X87Options {
  /**
   * CPUID.(EAX=07H,ECX=0):EBX[6] FDP_EXCPTN_ONLY: FDP/FDS are updated only by x87
   * instructions that incur an unmasked exception (SDM vol. 1 §8.1.8).
   */
  fdpOnUnmaskedExceptionOnly?: boolean;
  /**
   * FOP is updated only by instructions that incur an unmasked exception (SDM vol. 1 §8.1.9,
   * processors without FOP code compatibility).
   */
  fopOnUnmaskedExceptionOnly?: boolean;
  /** CPUID.(EAX=07H,ECX=0):EBX[13]: FCS and FDS are deprecated and always saved as 0000H. */
  fcsFdsDeprecated?: boolean;
  /** SSE3 present: FISTTP (DB /1, DD /1, DF /1) is decoded; without it these raise #UD. */
  sse3?: boolean;
}
