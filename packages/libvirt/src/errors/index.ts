export * from "./virterror.js";
export * from "./virerror-messages.js";
export * from "./vir-error.js";
