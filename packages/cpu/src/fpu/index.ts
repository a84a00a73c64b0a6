// x87 FPU of @virtkit/cpu: 80-bit arithmetic and the D8–DF executor.
export * from "./x87-control-status.js";
export * from "./x87-host.js";
export * from "./x87-environment.js";
export { X87, FXSAVE_X87_END } from "./x87.js";
export { F80Context, Float80, classifyF80 } from "./float80.js";
