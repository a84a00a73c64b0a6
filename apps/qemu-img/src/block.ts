// The block layer lives in @virtkit/qemu (packages/qemu/src/block).
export * from "@virtkit/qemu";
