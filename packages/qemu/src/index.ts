/**
 * @virtkit/qemu — the QEMU device layer: PC device models (hw/), char backends (chardev/), the block
 * layer with raw and qcow2 images (block/), the memory API (memory/), the accelerator interface over
 * @virtkit/kvm (accel/), the pc/isapc machines and their run loop (machine/), firmware and kernel
 * loaders (loader/), QMP and the human monitor (monitor/), snapshots and the migration stream
 * (migration/) and qemu-system's command line (cli/).
 */
export * from "./hw/index.js";
export * from "./chardev/index.js";
export * from "./block/index.js";
export * from "./memory/index.js";
export * from "./accel/index.js";
export * from "./machine/index.js";
export * from "./loader/index.js";
export * from "./monitor/index.js";
export * from "./migration/index.js";
export * from "./cli/index.js";
