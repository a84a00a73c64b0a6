export * from "./io-device.js";
export * from "./clock.js";
export * from "./virtual-clock.js";
export * from "./irq-probe.js";
export * from "./i8259.js";
export * from "./i8259-pair.js";
export * from "./i8254.js";
