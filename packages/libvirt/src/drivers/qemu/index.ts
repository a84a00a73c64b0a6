export { qemuConnectDriver } from "./qemu-connect-driver.js";
export { QemuDriver } from "./qemu-driver.js";
export { QemuConnection } from "./qemu-connection.js";
export { qemuDriverPaths, defaultEmulator, type QemuDriverPaths } from "./qemu-conf.js";
export { buildCommandLine, chardevArg, formatCommandForLog, type CommandContext } from "./qemu-command.js";
export { probeEmulator, parseDeviceHelp, parseMachineHelp, type QemuBinaryCaps } from "./qemu-capabilities.js";
export { formatDomainStatus, parseDomainStatus, type DomainStatus } from "./qemu-status.js";
export { QEMU_SAVE_MAGIC, QEMU_SAVE_PARTIAL, QEMU_SAVE_HEADER_SIZE, QEMU_SAVE_XML_PADDING, encodeSaveImageData, readSaveImage, writeSaveImageHeader, finishSaveImage, type SaveImage, type SaveImageHeader } from "./qemu-saveimage.js";
