/**
 * The qemu-system-i386 app: a thin entry over @virtkit/qemu's qemuSystemMain. Programs that embed
 * the emulator (the libvirt qemu driver) use @virtkit/qemu's QemuSystem directly.
 */
export { qemuSystemMain, QemuSystem, type QemuSystemEnv } from "@virtkit/qemu";
