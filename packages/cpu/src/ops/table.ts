/**
 * The opcode maps (SDM vol. 2D appendix A): one handler per one-byte opcode and per 0F xx opcode.
 * Each instruction-group module installs its handlers; every slot left empty is #UD.
 */
import type { Cpu } from "../cpu.js";
import { installAlu } from "./alu.js";
import { installBits } from "./bits.js";
import { installControl } from "./control.js";
import { installData } from "./data.js";
import { installIo } from "./io.js";
import { installString } from "./string.js";
import { installSystem } from "./system.js";
import { installX87 } from "./x87-escape.js";

export type Handler = (cpu: Cpu) => void;

const undefinedOpcode: Handler = (cpu) => cpu.ud();

export const OPCODES: Handler[] = new Array<Handler>(256).fill(undefinedOpcode);
export const OPCODES_0F: Handler[] = new Array<Handler>(256).fill(undefinedOpcode);

/** Prefix bytes: segment overrides, 66, 67, F0, F2, F3 (SDM vol. 2A §2.1.1). */
export const PREFIX = new Uint8Array(256);
for (const p of [0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65, 0x66, 0x67, 0xf0, 0xf2, 0xf3]) PREFIX[p] = 1;

OPCODES[0x0f] = (cpu) => {
  const op = cpu.fetch8();
  OPCODES_0F[op]!(cpu);
};

installAlu(OPCODES, OPCODES_0F);
installData(OPCODES, OPCODES_0F);
installControl(OPCODES, OPCODES_0F);
installString(OPCODES, OPCODES_0F);
installIo(OPCODES, OPCODES_0F);
installBits(OPCODES, OPCODES_0F);
installSystem(OPCODES, OPCODES_0F);
installX87(OPCODES, OPCODES_0F);
