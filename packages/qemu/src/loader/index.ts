export * from "./rom-loader.js";
export * from "./x86-boot-state.js";
export * from "./linux-boot.js";
export * from "./multiboot.js";
export * from "./vmlinux-boot.js";
export * from "./direct-boot.js";
export * from "./pci-irq-setup.js";
