// Private daemons for interop tests: the real libvirtd (Debian 9.0, reference §1: its own config
// file, LIBVIRT_DRIVER_DIR pointing at an empty directory so only the built-in test and remote
// drivers load) and this package's libvirtd, each in its own temporary directory. The starters
// are @virtkit/virsh/testing/daemons' (shared with virsh's golden tests); this file fixes what
// this package's tests expect of them: listen_tls = 0 in every config (the real daemon started
// with --listen would want certificates), this package's own build, readiness waits of 400 polls.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  REAL_LIBVIRTD,
  REAL_VIRSH,
  eventLoop,
  hasRealLibvirtd,
  runVirsh,
  startOurLibvirtd as startOurs,
  startRealLibvirtd as startReal,
  type OurLibvirtdOptions,
  type PrivateDaemon,
  type RunResult,
} from "@virtkit/virsh/testing/daemons";

export { REAL_LIBVIRTD, hasRealLibvirtd, type PrivateDaemon, type RunResult };
export const VIRSH = REAL_VIRSH;
export const SYSTEM_PYTHON = "/usr/bin/python3";

export const hasVirsh = existsSync(VIRSH);
export const hasPythonLibvirt =
  existsSync(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ["-c", "import libvirt"], { stdio: "ignore" }).status === 0;

const here = dirname(fileURLToPath(import.meta.url));
/** The built daemon (tests run against dist, as users do). */
export const OUR_CLI = join(here, "../../dist/cli.js");
export const hasOurBuild = existsSync(OUR_CLI);

const READY_TRIES = 400;

/** Start the real libvirtd (-d, private config and socket directory). */
export function startRealLibvirtd(opts: { tcp?: boolean } = {}): Promise<PrivateDaemon> {
  return startReal({ tcp: opts.tcp, noTls: true, tmpPrefix: "real-libvirtd-", readyTries: READY_TRIES });
}

/**
 * Start this package's libvirtd from dist (foreground child, stopped with SIGTERM). `env` is its
 * environment (default: this process's), e.g. VIRTKIT_QEMU_ROOT for a qemu driver on a private root.
 */
export function startOurLibvirtd(opts: Pick<OurLibvirtdOptions, "tcp" | "extraConf" | "env"> = {}): ReturnType<typeof startOurs> {
  return startOurs({ ...opts, cli: OUR_CLI, noTls: true, tmpPrefix: "our-libvirtd-", readyTries: READY_TRIES });
}

/** The real virsh on `uri`. */
export function virsh(uri: string, args: readonly string[], input?: string): RunResult {
  return runVirsh("real", ["-c", uri, ...args], input);
}

/**
 * Long-running `virsh event --all --loop`; stop(until) waits for `until` to appear in its output
 * (events arrive asynchronously), then sends SIGINT and returns the output.
 */
export function virshEventLoop(uri: string): { stop: (until?: string) => Promise<RunResult> } {
  return eventLoop("real", uri);
}
