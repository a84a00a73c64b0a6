export * from "./run-state.js";
export * from "./machine.js";
export * from "./vcpu-runner.js";
export * from "./pc.js";
export * from "./pci-bars.js";
export * from "./x86-cpu-model.js";
export * from "./x86-cpu-dump.js";
