export * from "./memory-region.js";
export * from "./memory-transaction.js";
export * from "./flat-view.js";
export * from "./memory-dispatch.js";
export * from "./address-space.js";
export * from "./guest-memory.js";
export * from "./mtree.js";
