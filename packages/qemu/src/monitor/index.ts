export * from "./monitor-host.js";
export * from "./qmp-json.js";
export * from "./qmp-commands.js";
export * from "./qmp-monitor.js";
export * from "./hmp.js";
export * from "./hmp-monitor.js";
export * from "./qmp-client.js";
export * from "./block-media.js";
