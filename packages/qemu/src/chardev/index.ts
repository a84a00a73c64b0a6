export * from "./chardev.js";
export * from "./chardev-null.js";
export * from "./chardev-ringbuf.js";
