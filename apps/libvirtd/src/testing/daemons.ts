// Private daemons for interop tests: the real libvirtd (Debian 9.0, reference §1: its own config
// file, LIBVIRT_DRIVER_DIR pointing at an empty directory so only the built-in test and remote
// drivers load) and this package's libvirtd, each in its own temporary directory.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createConnection, createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const REAL_LIBVIRTD = "/usr/sbin/libvirtd";
export const VIRSH = "/usr/bin/virsh";
export const SYSTEM_PYTHON = "/usr/bin/python3";

export const hasRealLibvirtd = existsSync(REAL_LIBVIRTD);
export const hasVirsh = existsSync(VIRSH);
export const hasPythonLibvirt =
  existsSync(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ["-c", "import libvirt"], { stdio: "ignore" }).status === 0;

const here = dirname(fileURLToPath(import.meta.url));
/** The built daemon (tests run against dist, as users do). */
export const OUR_CLI = join(here, "../../dist/cli.js");
export const hasOurBuild = existsSync(OUR_CLI);

export interface PrivateDaemon {
  dir: string;
  sock: string;
  sockRO: string;
  /** test+unix:///default?socket=... */
  testURI: string;
  tcpPort: number | null;
  stop(): Promise<void>;
}

function conf(dir: string, extra: string): string {
  return `unix_sock_dir = "${dir}"
auth_unix_rw = "none"
auth_unix_ro = "none"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0770"
listen_tls = 0
log_outputs = "3:file:${dir}/log"
${extra}`;
}

async function waitFor(path: string, proc: ChildProcess | null, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (existsSync(path)) return;
    if (proc && proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what}: ${path} did not appear`);
}

function stopPid(pidFile: string): Promise<void> {
  if (!existsSync(pidFile)) return Promise.resolve();
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const t = setInterval(() => {
      try {
        process.kill(pid, 0);
      } catch {
        clearInterval(t);
        resolve();
      }
    }, 20);
  });
}

/** A TCP port the kernel just handed out (bound to port 0, then released): unlikely to collide. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      srv.close(() => { resolve(port); });
    });
  });
}

/**
 * Waits until a TCP connection to the daemon succeeds (CI saw "Connection refused" when the test
 * connected before the TCP listener was up, or the daemon had exited on a port already taken).
 */
async function waitAccepting(target: number, proc: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = createConnection(target, "127.0.0.1");
      c.once("connect", () => { c.destroy(); resolve(true); });
      c.once("error", () => { resolve(false); });
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what}: port ${String(target)} does not accept connections`);
}

/** Start the real libvirtd (-d, private config and socket directory). */
export async function startRealLibvirtd(opts: { tcp?: boolean } = {}): Promise<PrivateDaemon> {
  const dir = mkdtempSync(join(tmpdir(), "real-libvirtd-"));
  const drv = join(dir, "drivers");
  mkdirSync(drv);
  const port = opts.tcp ? await freePort() : null;
  writeFileSync(join(dir, "libvirtd.conf"), conf(dir, port ? `listen_tcp = 1\nlisten_addr = "127.0.0.1"\ntcp_port = "${port}"\nauth_tcp = "none"\n` : ""));
  const args = ["-d", "-f", join(dir, "libvirtd.conf"), "-p", join(dir, "pid")];
  if (port) args.push("--listen");
  const r = spawnSync(REAL_LIBVIRTD, args, { env: { ...process.env, LIBVIRT_DRIVER_DIR: drv }, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`libvirtd failed: ${r.stderr}`);
  await waitFor(join(dir, "libvirt-sock"), null, "libvirtd");
  return {
    dir,
    sock: join(dir, "libvirt-sock"),
    sockRO: join(dir, "libvirt-sock-ro"),
    testURI: `test+unix:///default?socket=${join(dir, "libvirt-sock")}`,
    tcpPort: port,
    async stop() {
      await stopPid(join(dir, "pid"));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Start this package's libvirtd from dist (foreground child, stopped with SIGTERM). `env` is its
 * environment (default: this process's), e.g. VIRTKIT_QEMU_ROOT for a qemu driver on a private root.
 */
export async function startOurLibvirtd(opts: { tcp?: boolean; extraConf?: string; env?: NodeJS.ProcessEnv } = {}): Promise<PrivateDaemon & { proc: ChildProcess; stderr: () => string }> {
  const dir = mkdtempSync(join(tmpdir(), "our-libvirtd-"));
  const port = opts.tcp ? await freePort() : null;
  writeFileSync(
    join(dir, "libvirtd.conf"),
    conf(dir, (port ? `listen_tcp = 1\nlisten_addr = "127.0.0.1"\ntcp_port = "${port}"\nauth_tcp = "none"\n` : "") + (opts.extraConf ?? "")),
  );
  const args = [OUR_CLI, "-f", join(dir, "libvirtd.conf"), "-p", join(dir, "pid")];
  if (port) args.push("--listen");
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "ignore", "pipe"], env: opts.env ?? process.env });
  let err = "";
  proc.stderr.on("data", (b: Buffer) => { err += b.toString(); });
  await waitFor(join(dir, "libvirt-sock-ro"), proc, `our libvirtd (${err})`);
  // The TCP listener comes up after the UNIX sockets. (Probing the UNIX sockets too would count
  // against max_clients, which a test checks.)
  if (port !== null) await waitAccepting(port, proc, `our libvirtd (${err})`);
  return {
    dir,
    proc,
    stderr: () => err,
    sock: join(dir, "libvirt-sock"),
    sockRO: join(dir, "libvirt-sock-ro"),
    testURI: `test+unix:///default?socket=${join(dir, "libvirt-sock")}`,
    tcpPort: port,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        await new Promise((r) => proc.once("exit", r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export function virsh(uri: string, args: readonly string[], input?: string): RunResult {
  const r = spawnSync(VIRSH, ["-c", uri, ...args], { encoding: "utf8", input, env: { ...process.env, LC_ALL: "C" }, timeout: 60_000 });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status ?? -1 };
}

/**
 * Long-running `virsh event --all --loop`; stop(until) waits for `until` to appear in its output
 * (events arrive asynchronously), then sends SIGINT and returns the output.
 */
export function virshEventLoop(uri: string): { stop: (until?: string) => Promise<RunResult> } {
  const p = spawn(VIRSH, ["-c", uri, "event", "--all", "--loop"], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
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
