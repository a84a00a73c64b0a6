export * from "./virtio-config.js";
export * from "./virtqueue.js";
export * from "./virtio-device.js";
export * from "./virtio-pci.js";
export * from "./hd-geometry.js";
export * from "./virtio-blk.js";
export * from "./virtio-rng.js";
export * from "./virtio-serial.js";
