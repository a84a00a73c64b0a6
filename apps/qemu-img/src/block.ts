// The block layer lives in @virtkit/qemu (packages/qemu/src/block). Until the
// package root re-exports it, the app imports the folder's index directly; tsup
// bundles it either way.
export * from "../../../packages/qemu/src/block/index.js";
