/**
 * The two libvirt daemons the --mgmt figures compare, each started privately (its own libvirtd.conf, socket
 * directory and log, nothing of the system daemon touched) by the suite's own starters in
 * @virtkit/virsh/testing/daemons: our libvirtd (apps/libvirtd's build, a foreground Node process) and
 * Debian's libvirtd 9.0 (`-d`, LIBVIRT_DRIVER_DIR on an empty directory, so its built-in test and remote
 * drivers serve). Both get the same configuration text and the libvirtd.conf defaults for workers and
 * per-client request limits.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { REAL_LIBVIRTD, hasRealLibvirtd, startOurLibvirtd, startRealLibvirtd } from "@virtkit/virsh/testing/daemons";

export type DaemonKind = "ours" | "real";

export interface BenchDaemon {
  kind: DaemonKind;
  /** The daemon's pid (ours: the Node process; real: from its pid file after -d forked it). */
  pid: number;
  /** Its read-write socket. */
  sock: string;
  dir: string;
  stop(): Promise<void>;
}

/** apps/libvirtd's built CLI, found through the workspace dependency, or null when it is not built. */
export function ourLibvirtdCli(): string | null {
  try {
    const cli = join(fileURLToPath(import.meta.resolve("libvirtd")), "..", "cli.js");
    return existsSync(cli) ? cli : null;
  } catch {
    return null;
  }
}

/** Why this kind of daemon cannot run here, or null. */
export function daemonUnavailable(kind: DaemonKind): string | null {
  if (kind === "ours") return ourLibvirtdCli() === null ? "apps/libvirtd is not built (pnpm turbo run build --filter=bench...)" : null;
  return hasRealLibvirtd ? null : `${REAL_LIBVIRTD} not found (Debian package: libvirt-daemon)`;
}

export const DAEMON_NAMES: Record<DaemonKind, string> = {
  ours: "our libvirtd (apps/libvirtd)",
  real: "Debian libvirtd 9.0",
};

/** Starts a private daemon of that kind; `env` goes to ours (e.g. VIRTKIT_QEMU_ROOT for its qemu driver). */
export async function startDaemon(kind: DaemonKind, env?: NodeJS.ProcessEnv): Promise<BenchDaemon> {
  if (kind === "ours") {
    const cli = ourLibvirtdCli();
    if (cli === null) throw new Error(daemonUnavailable("ours") ?? "");
    const d = await startOurLibvirtd({ cli, noTls: true, tmpPrefix: "bench-our-libvirtd-", ...(env === undefined ? {} : { env }) });
    if (d.proc.pid === undefined) throw new Error("our libvirtd has no pid");
    return { kind, pid: d.proc.pid, sock: d.sock, dir: d.dir, stop: () => d.stop() };
  }
  const d = await startRealLibvirtd({ noTls: true, tmpPrefix: "bench-real-libvirtd-" });
  const pid = Number(readFileSync(join(d.dir, "pid"), "utf8").trim());
  if (!(pid > 0)) throw new Error(`Debian libvirtd wrote no pid to ${join(d.dir, "pid")}`);
  return { kind, pid, sock: d.sock, dir: d.dir, stop: () => d.stop() };
}

/** The test driver's default connection through the daemon (test+unix:///default?socket=...). */
export function testUri(d: BenchDaemon): string {
  return `test+unix:///default?socket=${d.sock}`;
}
