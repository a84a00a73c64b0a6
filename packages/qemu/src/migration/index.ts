export * from "./vmstate.js";
export * from "./snapshot-store.js";
