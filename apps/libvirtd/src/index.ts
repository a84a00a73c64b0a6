export { Daemon, DaemonError, type DaemonOptions } from "./daemon.js";
export { parseConf, loadDaemonConfig, DEFAULT_CONFIG, ConfError, type DaemonConfig, type ConfValue } from "./config.js";
export { createLogger, parseLogOutputs, parseLogFilters, LogConfigError, type LogOutput, type LogFilter } from "./logging.js";
export { registerDaemonDrivers } from "./drivers.js";
export { parseArgs, type CliArgs } from "./args.js";
