/**
 * One instruction as the decoder leaves it (SDM vol. 2A chapter 2, "Instruction Format"): prefixes,
 * opcode, ModRM/SIB operand, displacement and immediates, all resolved once so the block interpreter
 * and the JIT never fetch or decode it again. Every field is a number or boolean set in the
 * constructor, so all instances share one shape.
 */
import type { Cpu } from "../cpu.js";

/**
 * Executes a decoded instruction. Returns EXEC_NEXT to go on with the next instruction of the block
 * (EIP is not written), EXEC_JUMPED when the instruction set EIP itself (a control transfer, or a
 * generic instruction that left EIP elsewhere) and the block must end, or EXEC_STOP when the block
 * must end after this instruction with EIP = next (something the block relies on changed).
 */
export type Exec = (cpu: Cpu, d: DecodedInsn) => number;

export const EXEC_NEXT = 0;
export const EXEC_JUMPED = 1;
export const EXEC_STOP = 2;
/** The instruction did not complete (it caused a VM exit): not counted, and everything stops. */
export const EXEC_ABORTED = 3;

/** Attribute bits. */
/** The instruction always ends its block (it transfers control, or what follows it cannot be known statically). */
export const ATTR_TERMINAL = 1;
/** A direct near branch: Jcc, JMP rel, LOOP/JCXZ (target in `imm`, taken or not). */
export const ATTR_BRANCH = 2;
/** Unconditional (JMP rel): no fall-through successor. */
export const ATTR_UNCONDITIONAL = 4;
/** Executed by the interpreter's step() (no specialised handler). */
export const ATTR_GENERIC = 8;
/** A JMP rel whose target the block continues with (the next instruction of the block is at the target). */
export const ATTR_FOLLOWED = 16;

export class DecodedInsn {
  /** EIP of the first byte (prefixes included), and of the next instruction. */
  eip = 0;
  next = 0;
  /**
   * EIP where execution continues when the instruction does not leave its block: `next`, or the target
   * of a JMP the block follows (a block is a trace through followed JMPs and not-taken branches).
   */
  after = 0;
  len = 0;
  /** Opcode: 0x000-0x0FF the one-byte map, 0x100-0x1FF the 0F map. */
  op = 0;
  /** Operand and address size after 66/67 prefixes. */
  o32 = false;
  a32 = false;
  /** Segment override prefix (ES..GS), or -1. */
  segOverride = -1;
  /** 0 none, 1 F3 (REP/REPE), 2 F2 (REPNE). */
  rep = 0;
  lock = false;
  /** The ModRM byte, or -1 when the opcode has none. */
  modrm = -1;
  reg = 0;
  rm = 0;
  /** True when the r/m operand is memory (mod != 3). */
  mem = false;
  /** Memory operand: segment (override or the default of its base), base and index registers (-1 none), scale shift, displacement. */
  seg = 3;
  base = -1;
  index = -1;
  scale = 0;
  disp = 0;
  /** Immediates: the first (also the branch target for near branches), the second (ENTER, far pointers). */
  imm = 0;
  imm2 = 0;
  attrs = 0;
  /** Operands a fast handler uses (register numbers, an immediate), and its number for the block loop's switch (0: call exec). */
  x = 0;
  y = 0;
  hid = 0;
  /** The block interpreter's handler for this form (set by selectHandler). */
  exec: Exec = execNotSelected;
}

function execNotSelected(): number {
  throw new Error("decoded instruction without a handler");
}
