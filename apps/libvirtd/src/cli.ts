#!/usr/bin/env node
// libvirtd's command line (src/remote/remote_daemon.c daemonUsage/main): -f CONFIG, -p PIDFILE,
// -d (run as a daemon, the parent exits once the child is ready), -l/--listen, -v, -t SECS, -V.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { registerDaemonDrivers } from "./drivers.js";
import { ConfError, DEFAULT_CONFIG, loadDaemonConfig, type DaemonConfig } from "./config.js";
import { Daemon } from "./daemon.js";
import { createLogger, parseLogFilters, parseLogOutputs, LogConfigError } from "./logging.js";
import { parseArgs, type CliArgs } from "./args.js";

const USAGE = `
Usage:
  libvirtd [options]

Options:
  -h | --help            Display program help
  -v | --verbose         Verbose messages
  -d | --daemon          Run as a daemon & write PID file
  -l | --listen          Listen for TCP/IP connections
  -t | --timeout <secs>  Exit after timeout period
  -f | --config <file>   Configuration file
  -V | --version         Display version information
  -p | --pid-file <file> Change name of PID file

libvirt management daemon:

  Default paths:

    Configuration file (unless overridden by -f):
      /etc/libvirt/libvirtd.conf

    Sockets:
      /run/libvirt/libvirt-sock
      /run/libvirt/libvirt-sock-ro

    PID file (unless overridden by -p):
      /run/libvirtd.pid

`;

function stamp(): string {
  return new Date().toISOString().replace("T", " ").replace("Z", "+0000");
}

async function main(): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`libvirtd: ${(e as Error).message}\n${USAGE}`);
    return 1;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.version) {
    process.stdout.write("libvirtd (libvirt) 9.0.0\n");
    return 0;
  }
  const fail = (msg: string) => {
    process.stderr.write(`${stamp()}: ${process.pid}: error : main : ${msg}\n`);
    return 1;
  };
  let config: DaemonConfig;
  const cfgPath = args.config ?? "/etc/libvirt/libvirtd.conf";
  try {
    config = loadDaemonConfig(readFileSync(cfgPath, "utf8"), cfgPath);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ENOENT" && args.config === null) config = { ...DEFAULT_CONFIG };
    else if (err.code === "ENOENT") return fail(`Can't load config file: Failed to open file '${cfgPath}': No such file or directory: ${cfgPath}`);
    else if (e instanceof ConfError) return fail(`Can't load config file: ${e.message}: ${cfgPath}`);
    else return fail(`Can't load config file: ${err.message}: ${cfgPath}`);
  }

  if (args.daemon && process.env.VIRTKIT_LIBVIRTD_CHILD !== "1") {
    // daemonize: the parent waits for the child's readiness report, then exits.
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...process.argv.slice(2)], {
      detached: true,
      stdio: ["ignore", "ignore", "ignore", "ipc"],
      env: { ...process.env, VIRTKIT_LIBVIRTD_CHILD: "1" },
    });
    return new Promise<number>((resolve) => {
      child.once("message", (m: unknown) => {
        const msg = m as { ok: boolean; error?: string };
        if (!msg.ok) process.stderr.write(`${msg.error ?? "daemon failed to start"}\n`);
        child.disconnect();
        child.unref();
        resolve(msg.ok ? 0 : 1);
      });
      child.once("exit", (code) => { resolve(code ?? 1); });
    });
  }

  let outputs;
  let filters;
  try {
    const defaultOut = config.log_outputs === "" ? `${config.log_level}:stderr` : config.log_outputs;
    outputs = parseLogOutputs(defaultOut);
    filters = parseLogFilters(config.log_filters);
  } catch (e) {
    if (e instanceof LogConfigError) return fail(e.message);
    throw e;
  }
  const level = args.verbose ? Math.min(config.log_level, 2) : config.log_level;
  if (args.verbose) for (const o of outputs) o.level = Math.min(o.level, 2);
  const log = createLogger({ outputs, filters, defaultLevel: level }, "daemon");
  const rpcLog = createLogger({ outputs, filters, defaultLevel: level }, "rpc.server");

  registerDaemonDrivers();
  const daemon = new Daemon({ config, listen: args.listen, pidFile: args.pidFile ?? (args.daemon ? "/run/libvirtd.pid" : null), log: rpcLog });
  // Signal handlers go in before the sockets exist, so a SIGTERM that follows their creation
  // at once still gets the clean shutdown (after start has finished).
  let stopRequested: ((sig: string) => void) | null = null;
  const early: string[] = [];
  const onSignal = (sig: string) => {
    if (stopRequested) stopRequested(sig);
    else early.push(sig);
  };
  process.once("SIGTERM", () => { onSignal("SIGTERM"); });
  process.once("SIGINT", () => { onSignal("SIGINT"); });
  process.once("SIGQUIT", () => { onSignal("SIGQUIT"); });
  try {
    await daemon.start();
  } catch (e) {
    const msg = (e as Error).message;
    process.send?.({ ok: false, error: msg });
    await daemon.stop();
    return fail(msg);
  }
  log("info", "libvirt version: 9.0.0, package: virtkit", {});
  process.send?.({ ok: true });
  if (process.send) process.disconnect();

  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (sig: string) => {
      if (stopping) return;
      stopping = true;
      log("info", "received signal, shutting down", { signal: sig });
      void daemon.stop().then(() => { resolve(0); });
    };
    stopRequested = shutdown;
    if (early.length > 0) shutdown(early[0]!);
    if (args.timeout > 0) {
      // -t: exit once no client has been connected for `timeout` seconds.
      let idleSince = Date.now();
      const t = setInterval(() => {
        if (daemon.server.clients.size > 0) idleSince = Date.now();
        else if (Date.now() - idleSince >= args.timeout * 1000) {
          clearInterval(t);
          shutdown("timeout");
        }
      }, 250);
      t.unref();
    }
  });
}

main().then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`libvirtd: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
