export * from "./qemu-opts.js";
export * from "./qemu-options.js";
export * from "./legacy-chardev.js";
export * from "./system-config.js";
export * from "./qemu-system.js";
