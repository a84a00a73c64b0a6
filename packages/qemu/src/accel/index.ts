export * from "./accel.js";
export * from "./kvm-accel.js";
export * from "./kvm-memory-listener.js";
export * from "./irqchip.js";
