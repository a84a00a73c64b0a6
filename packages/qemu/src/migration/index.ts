export * from "./vmstate.js";
export * from "./snapshot-store.js";
export * from "./file-migration.js";
