export { qemuImg } from "./qemu-img.js";
export type { Io } from "./context.js";
export { strtosz, sizeToStr, formatG } from "./size.js";
export { QDict, toJson, tdbHash } from "./qdict.js";
