// x87 FPU of @virtkit/cpu: 80-bit arithmetic in software and the D8–DF executor.
// The integer core implements X87Host and drives an X87 (see x87-host.ts for the contract).
export * from "./x87-control-status.js";
export * from "./x87-host.js";
export * from "./x87-environment.js";
export { X87, FXSAVE_X87_END } from "./x87.js";
export { F80Context, classifyF80 } from "./float80.js";
