// Test support: private daemons and virsh runners for the golden, pty and interop tests (here and
// in apps/libvirtd, which imports this as @virtkit/virsh/testing/daemons). The real libvirtd
// (Debian 9.0) runs with its own config and socket directory and LIBVIRT_DRIVER_DIR pointing at
// an empty directory, so only its built-in test and remote drivers load; our libvirtd is
// apps/libvirtd's built CLI, started the same way in the foreground. The generic parts (config
// text, ports, readiness waits, stopping) are @virtkit/libvirt/testing/private-daemon's, shared
// with the qemu driver's daemon tests. Nothing here touches the system daemon or its sockets.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  freePort,
  privateDaemonConf,
  privateSockets,
  stopChild,
  stopPidFile,
  tcpListenConf,
  waitAccepting,
  waitForPath,
} from "@virtkit/libvirt/testing/private-daemon";

export const REAL_LIBVIRTD = "/usr/sbin/libvirtd";
export const REAL_VIRSH = "/usr/bin/virsh";
export const hasRealLibvirtd = existsSync(REAL_LIBVIRTD);
export const hasRealVirsh = existsSync(REAL_VIRSH);
export const hasPython3 = spawnSync("python3", ["-c", "import pty"], { stdio: "ignore" }).status === 0;

const here = dirname(fileURLToPath(import.meta.url));
/** This package's built CLI: tests run what users run. */
export const OUR_VIRSH = join(here, "../../dist/cli.js");
/** apps/libvirtd's built daemon. */
export const OUR_LIBVIRTD = join(here, "../../../../apps/libvirtd/dist/cli.js");

/**
 * apps/libvirtd is built by its own turbo task, which may still be running when this package's
 * tests start: wait for its output to appear (bounded), then report whether it is there.
 */
export async function waitForBuild(path: string, maxMs = 60_000): Promise<boolean> {
  const until = Date.now() + maxMs;
  while (!existsSync(path) && Date.now() < until) await new Promise((r) => setTimeout(r, 250));
  return existsSync(path);
}

/** A libvirtd (real or ours) on a private socket directory. */
export interface PrivateDaemon {
  dir: string;
  sock: string;
  sockRO: string;
  /** test+unix:///default?socket=... */
  testURI: string;
  /** The TCP port it listens on (`tcp` option), else null. */
  tcpPort: number | null;
  stop(): Promise<void>;
}

/** Options both libvirtd starters take. */
export interface LibvirtdOptions {
  /** Also listen on TCP (--listen) on 127.0.0.1 at a port from bind(0), without authentication. */
  tcp?: boolean;
  /** Write listen_tls = 0 (see privateDaemonConf). */
  noTls?: boolean;
  /** Name prefix of the temporary directory (under the system temp directory). */
  tmpPrefix?: string;
  /** How many 25 ms polls to wait for the socket (a hang guard): 800 unless given. */
  readyTries?: number;
}

const READY_TRIES = 800;

function libvirtdConf(dir: string, port: number | null, opts: LibvirtdOptions, extraConf = ""): string {
  return privateDaemonConf(dir, { noTls: opts.noTls, extra: (port !== null ? tcpListenConf(port) : "") + extraConf });
}

/** Start the real libvirtd (-d, private config and socket directory), stopped through its pid file. */
export async function startRealLibvirtd(opts: LibvirtdOptions = {}): Promise<PrivateDaemon> {
  const dir = mkdtempSync(join(tmpdir(), opts.tmpPrefix ?? "virsh-real-libvirtd-"));
  const drv = join(dir, "drivers");
  mkdirSync(drv);
  const port = opts.tcp ? await freePort() : null;
  writeFileSync(join(dir, "libvirtd.conf"), libvirtdConf(dir, port, opts));
  const args = ["-d", "-f", join(dir, "libvirtd.conf"), "-p", join(dir, "pid")];
  if (port !== null) args.push("--listen");
  const r = spawnSync(REAL_LIBVIRTD, args, { env: { ...process.env, LIBVIRT_DRIVER_DIR: drv }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`libvirtd failed: ${r.stderr}`);
  const { sock, sockRO } = privateSockets(dir);
  await waitForPath(sock, null, "libvirtd", opts.readyTries ?? READY_TRIES);
  return {
    dir,
    sock,
    sockRO,
    testURI: `test+unix:///default?socket=${sock}`,
    tcpPort: port,
    async stop() {
      await stopPidFile(join(dir, "pid"));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A node script started as a foreground daemon (our libvirtd, or a test server). */
export interface NodeDaemon {
  dir: string;
  testURI: string;
  proc: ChildProcess;
  /** What it wrote to stderr so far. */
  stderr: () => string;
  /** SIGTERM, wait for its exit, remove its directory. */
  stop(): Promise<void>;
}

export interface NodeDaemonOptions {
  tmpPrefix?: string;
  /** libvirtd.conf written into its directory first: privateDaemonConf(dir) unless given. */
  conf?: (dir: string) => string;
  env?: NodeJS.ProcessEnv;
  /** Names it in errors: the script's path unless given. */
  what?: string;
  readyTries?: number;
}

/**
 * Starts `script` with `args(dir)` in a fresh temporary directory and waits until `readyFile(dir)`
 * exists (failing at once if the script exits first).
 */
export async function startNodeDaemon(
  script: string,
  args: (dir: string) => string[],
  readyFile: (dir: string) => string,
  uri: (dir: string) => string,
  opts: NodeDaemonOptions = {},
): Promise<NodeDaemon> {
  const dir = mkdtempSync(join(tmpdir(), opts.tmpPrefix ?? "virsh-our-daemon-"));
  writeFileSync(join(dir, "libvirtd.conf"), (opts.conf ?? privateDaemonConf)(dir));
  const proc = spawn(process.execPath, [script, ...args(dir)], { stdio: ["ignore", "ignore", "pipe"], env: opts.env ?? process.env });
  let err = "";
  proc.stderr.on("data", (b: Buffer) => { err += b.toString(); });
  await waitForPath(readyFile(dir), proc, `${opts.what ?? script} (${err})`, opts.readyTries ?? READY_TRIES);
  return {
    dir,
    testURI: uri(dir),
    proc,
    stderr: () => err,
    async stop() {
      await stopChild(proc);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface OurLibvirtdOptions extends LibvirtdOptions {
  /** The daemon's CLI: apps/libvirtd's build unless given. */
  cli?: string;
  /** Further libvirtd.conf lines. */
  extraConf?: string;
  /** Its environment (default: this process's), e.g. VIRTKIT_QEMU_ROOT for a qemu driver on a private root. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Start our libvirtd from dist (foreground child, stopped with SIGTERM). It counts as started once
 * its read-only socket exists and, with `tcp`, once its TCP listener accepts a connection.
 */
export async function startOurLibvirtd(opts: OurLibvirtdOptions = {}): Promise<PrivateDaemon & { proc: ChildProcess; stderr: () => string }> {
  const port = opts.tcp ? await freePort() : null;
  const d = await startNodeDaemon(
    opts.cli ?? OUR_LIBVIRTD,
    (dir) => ["-f", join(dir, "libvirtd.conf"), "-p", join(dir, "pid"), ...(port !== null ? ["--listen"] : [])],
    (dir) => privateSockets(dir).sockRO,
    (dir) => `test+unix:///default?socket=${privateSockets(dir).sock}`,
    {
      tmpPrefix: opts.tmpPrefix,
      conf: (dir) => libvirtdConf(dir, port, opts, opts.extraConf),
      env: opts.env,
      what: "our libvirtd",
      readyTries: opts.readyTries,
    },
  );
  // The TCP listener comes up after the UNIX sockets. (Probing the UNIX sockets too would count
  // against max_clients, which a test checks.)
  if (port !== null) await waitAccepting(port, d.proc, `our libvirtd (${d.stderr()})`);
  return { ...d, ...privateSockets(d.dir), tcpPort: port };
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

const ENV = { ...process.env, LC_ALL: "C", LANG: "C" };

/** Run a virsh binary (real, or ours through node) with `args`. */
export function runVirsh(which: "real" | "ours", args: readonly string[], input?: string): RunResult {
  const [cmd, argv] = which === "real" ? [REAL_VIRSH, [...args]] : [process.execPath, [OUR_VIRSH, ...args]];
  const r = spawnSync(cmd, argv, { encoding: "utf8", input: input ?? "", env: ENV, timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status ?? -1 };
}

/** runVirsh without blocking: several sequences can run side by side. */
export function runVirshAsync(which: "real" | "ours", args: readonly string[], input?: string): Promise<RunResult> {
  const [cmd, argv] = which === "real" ? [REAL_VIRSH, [...args]] : [process.execPath, [OUR_VIRSH, ...args]];
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { env: ENV, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout?.on("data", (b: Buffer) => { stdout += b.toString(); });
    p.stderr?.on("data", (b: Buffer) => { stderr += b.toString(); });
    p.on("error", reject);
    p.on("close", (code) => { resolve({ stdout, stderr, code: code ?? -1 }); });
    if (input !== undefined && p.stdin) {
      // a program that exits without reading its input closes the pipe: not an error here
      p.stdin.on("error", () => undefined);
      p.stdin.end(input);
    }
  });
}

/**
 * A long-running `virsh event --all --loop` (keeps test:///default alive between invocations:
 * its state resets when the last client leaves); stop(until) waits for `until` in its output,
 * then interrupts it as Ctrl-C would.
 */
export function eventLoop(which: "real" | "ours", uri: string): { stop: (until?: string) => Promise<RunResult> } {
  const [cmd, argv] = which === "real" ? [REAL_VIRSH, [] as string[]] : [process.execPath, [OUR_VIRSH]];
  const p = spawn(cmd, [...argv, "-c", uri, "event", "--all", "--loop"], { stdio: ["ignore", "pipe", "pipe"], env: ENV });
  let out = "";
  let err = "";
  p.stdout.on("data", (b: Buffer) => { out += b.toString(); });
  p.stderr.on("data", (b: Buffer) => { err += b.toString(); });
  return {
    stop: async (until?: string) => {
      while (until !== undefined && !out.includes(until) && p.exitCode === null) {
        await new Promise<void>((r) => {
          p.stdout.once("data", () => { r(); });
          p.once("exit", () => { r(); });
        });
      }
      return new Promise((resolve) => {
        p.once("exit", (code) => { resolve({ stdout: out, stderr: err, code: code ?? -1 }); });
        p.kill("SIGINT");
      });
    },
  };
}

/** What may differ between runs: generated UUIDs and times derived from the clock. */
const FIXED_UUIDS = new Set(["6695eb01-f6a4-8304-79aa-97f2502e193f", "dd8fe884-6c02-601e-7551-cca97df1c5df", "dfe224cb-28fb-8dd0-c4b2-64eb3f0f4566"]);
export function normalize(s: string): string {
  return s
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (u) => (FIXED_UUIDS.has(u) ? u : "<UUID>"))
    .replace(/(CPU time:\s+)\d+(\.\d+)?s/g, "$1<TIME>s")
    .replace(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}/g, "<DATE>")
    .replace(/<creationTime>\d+<\/creationTime>/g, "<creationTime>T</creationTime>")
    .replace(/(cpu\.time=)\d+/g, "$1<T>")
    .replace(/(vcpu\.\d+\.time=)\d+/g, "$1<T>")
    // the test driver derives block statistics from the clock
    .replace(/^(.*(?:rd_req|rd_bytes|wr_req|wr_bytes|errs|operations:|read:|written:|count:)\s+)\d+$/gm, "$1<N>");
}
