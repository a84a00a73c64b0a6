// The daemon: libvirtd's main (src/remote/remote_daemon.c) minus what this implementation leaves
// out (TLS, SASL/polkit auth, the admin socket). It creates `libvirt-sock` (read-write) and
// `libvirt-sock-ro` (clients forced to VIR_CONNECT_RO) in unix_sock_dir, listens on TCP with
// --listen and listen_tcp = 1, and opens drivers inside the daemon (remote URIs declined).
import { existsSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { VirNetServer, type Logger } from "@virtkit/libvirt";
import type { DaemonConfig } from "./config.js";

export interface DaemonOptions {
  config: DaemonConfig;
  /** --listen */
  listen: boolean;
  /** --pid-file */
  pidFile: string | null;
  log: Logger;
}

export class DaemonError extends Error {
  override readonly name = "DaemonError";
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class Daemon {
  readonly server: VirNetServer;
  private stopped = false;
  tcpPort: number | null = null;
  readonly sockets: { rw: string; ro: string };

  constructor(private readonly opts: DaemonOptions) {
    const c = opts.config;
    this.server = new VirNetServer({
      keepaliveInterval: c.keepalive_interval,
      keepaliveCount: c.keepalive_count,
      maxClients: c.max_clients,
      log: opts.log,
    });
    this.sockets = { rw: join(c.unix_sock_dir, "libvirt-sock"), ro: join(c.unix_sock_dir, "libvirt-sock-ro") };
  }

  /** virPidFileAcquirePath: refuse to run twice on one pid file. */
  private acquirePidFile(): void {
    const p = this.opts.pidFile;
    if (!p) return;
    if (existsSync(p)) {
      const pid = Number(readFileSync(p, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new DaemonError(`Failed to acquire pid file '${p}': Resource temporarily unavailable`);
      }
    }
    writeFileSync(p, `${process.pid}\n`);
  }

  async start(): Promise<void> {
    const c = this.opts.config;
    this.acquirePidFile();
    try {
      mkdirSync(c.unix_sock_dir, { recursive: true });
    } catch (e) {
      throw new DaemonError(`Cannot create directory '${c.unix_sock_dir}': ${(e as Error).message}`);
    }
    await this.server.listenUnix(this.sockets.rw, { readOnly: false, mode: c.unix_sock_rw_perms });
    await this.server.listenUnix(this.sockets.ro, { readOnly: true, mode: c.unix_sock_ro_perms });
    if (this.opts.listen && c.listen_tcp) {
      this.tcpPort = await this.server.listenTcp(c.listen_addr || "0.0.0.0", c.tcp_port);
    }
    this.opts.log("info", "daemon started", { sock: this.sockets.rw, sock_ro: this.sockets.ro, tcp_port: this.tcpPort ?? "none" });
  }

  /** Clean shutdown: stop listening, close clients (their connections and streams), drop the pid file. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.opts.log("info", "daemon shutting down", {});
    await this.server.close();
    const p = this.opts.pidFile;
    if (p && existsSync(p)) {
      try {
        if (Number(readFileSync(p, "utf8").trim()) === process.pid) unlinkSync(p);
      } catch {
        /* already gone */
      }
    }
  }
}
