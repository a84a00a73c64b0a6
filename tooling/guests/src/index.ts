/**
 * Guest programs built from this repository's sources, located on disk for tests and demos.
 * Each binary is committed next to its source with a script that rebuilds it byte-identically.
 */
import { fileURLToPath } from "node:url";

/** The multiboot v1 demo kernel: serial console, virtio-blk, a small command shell (virtkit-demo/demo.asm). */
export const DEMO_KERNEL = fileURLToPath(new URL("../virtkit-demo/demo.bin", import.meta.url));
export const DEMO_SOURCE = fileURLToPath(new URL("../virtkit-demo/demo.asm", import.meta.url));

export * from "./cpio-newc.js";
export * from "./bzimage.js";
export * from "./kernel-module.js";
export * from "./linux-guest.js";
export { hasCommand } from "./host-tools.js";
export * from "./serial-session.js";
export * from "./linux-boot-session.js";
export * from "./linux-domain-xml.js";
