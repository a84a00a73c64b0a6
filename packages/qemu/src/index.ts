/**
 * @virtkit/qemu — the QEMU device layer: PC device models (hw/), char backends (chardev/) and the block
 * layer with raw and qcow2 images (block/).
 */
export * from "./hw/index.js";
export * from "./chardev/index.js";
export * from "./block/index.js";
export * from "./hw/virtio/index.js";
export * from "./net/index.js";
