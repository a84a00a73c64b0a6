// Test support: the generic half of a private libvirtd for interop tests (the real one or ours),
// shared by the qemu driver's daemon tests here, packages/virsh's testing/daemons (which builds the
// real/our libvirtd starters on it) and, through those, apps/libvirtd. It lives in this package
// because virsh and apps/libvirtd depend on @virtkit/libvirt, never the other way round. Exported
// as @virtkit/libvirt/testing/private-daemon; nothing here touches the system daemon or its sockets.
import type { ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { connect, createConnection, createServer } from "node:net";
import { join } from "node:path";

export interface PrivateConfOptions {
  /**
   * Writes `listen_tls = 0` (libvirtd.conf): a daemon started with --listen would otherwise want
   * TLS certificates, which a private test daemon has none of.
   */
  noTls?: boolean;
  /** Further libvirtd.conf lines, appended as given (each ending in a newline). */
  extra?: string;
}

/**
 * libvirtd.conf for a daemon whose sockets, log and state all sit in `dir`: no authentication on
 * the UNIX sockets (the test user owns them), the read-only socket open to everyone as the system
 * daemon's is, and the log at level 3 (warnings) in `dir`/log.
 */
export function privateDaemonConf(dir: string, opts: PrivateConfOptions = {}): string {
  return `unix_sock_dir = "${dir}"
auth_unix_rw = "none"
auth_unix_ro = "none"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0770"
${opts.noTls ? "listen_tls = 0\n" : ""}log_outputs = "3:file:${dir}/log"
${opts.extra ?? ""}`;
}

/** libvirtd.conf lines for a plain TCP listener on 127.0.0.1:`port` without authentication. */
export function tcpListenConf(port: number): string {
  return `listen_tcp = 1\nlisten_addr = "127.0.0.1"\ntcp_port = "${String(port)}"\nauth_tcp = "none"\n`;
}

/** The socket paths libvirtd creates in its unix_sock_dir. */
export function privateSockets(dir: string): { sock: string; sockRO: string } {
  return { sock: join(dir, "libvirt-sock"), sockRO: join(dir, "libvirt-sock-ro") };
}

/** A TCP port the kernel just handed out (bound to port 0, then released): unlikely to collide. */
export async function freePort(): Promise<number> {
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
 * Waits (at most `tries` polls 25 ms apart: a hang guard, not a timing check) until `path` exists;
 * fails at once when `proc`, the daemon started in the foreground, has exited meanwhile.
 */
export async function waitForPath(path: string, proc: ChildProcess | null, what: string, tries: number): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (existsSync(path)) return;
    if (proc && proc.exitCode !== null) throw new Error(`${what} exited with ${String(proc.exitCode)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what}: ${path} did not appear`);
}

/** Whether a TCP connection to 127.0.0.1:`port` succeeds now (it is closed again at once). */
function tcpAccepts(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const c = createConnection(port, "127.0.0.1");
    c.once("connect", () => { c.destroy(); resolve(true); });
    c.once("error", () => { resolve(false); });
  });
}

/**
 * Waits until a TCP connection to the daemon succeeds (CI saw "Connection refused" when the test
 * connected before the TCP listener was up, or the daemon had exited on a port already taken).
 */
export async function waitAccepting(port: number, proc: ChildProcess, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with ${String(proc.exitCode)}`);
    if (await tcpAccepts(port)) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what}: port ${String(port)} does not accept connections`);
}

/** Whether a UNIX socket accepts a connection now (a missing file is "no", not an error). */
export function unixSocketAccepts(path: string): Promise<boolean> {
  if (!existsSync(path)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const c = connect(path);
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => {
      resolve(false);
    });
  });
}

/** Whether a child process is alive (a signal's death leaves exitCode null: check both). */
export function childRunning(proc: ChildProcess | null): proc is ChildProcess {
  return proc !== null && proc.exitCode === null && proc.signalCode === null;
}

/** Sends `signal` to a foreground daemon and waits until it has exited; nothing if it is gone. */
export async function stopChild(proc: ChildProcess | null, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (!childRunning(proc)) return;
  const gone = new Promise((r) => proc.once("exit", r));
  proc.kill(signal);
  await gone;
}

/**
 * Stops a daemon that forked itself into the background (libvirtd -d): SIGTERM to the pid its
 * pid file names, then waits until that pid is gone. No pid file, or no such process: nothing.
 */
export function stopPidFile(pidFile: string): Promise<void> {
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
