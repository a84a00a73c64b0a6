export * from "./virterror.js";
export * from "./virerror-messages.js";
export * from "./vir-error.js";
export * from "./system-error.js";
