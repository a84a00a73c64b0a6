// Test support: private daemons and virsh runners for the golden and pty tests. The real
// libvirtd (Debian 9.0) runs with its own config and socket directory and LIBVIRT_DRIVER_DIR
// pointing at an empty directory, so only its built-in test and remote drivers load; our
// libvirtd is apps/libvirtd's built CLI, started the same way. Nothing here touches the system
// daemon or its sockets.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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

export interface PrivateDaemon {
  dir: string;
  /** test+unix:///default?socket=... */
  testURI: string;
  stop(): Promise<void>;
}

function conf(dir: string): string {
  return `unix_sock_dir = "${dir}"
auth_unix_rw = "none"
auth_unix_ro = "none"
unix_sock_ro_perms = "0777"
unix_sock_rw_perms = "0770"
log_outputs = "3:file:${dir}/log"
`;
}

async function waitForPath(path: string, proc: ChildProcess | null, what: string): Promise<void> {
  for (let i = 0; i < 800; i++) {
    if (existsSync(path)) return;
    if (proc && proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what}: ${path} did not appear`);
}

function stopPidFile(pidFile: string): Promise<void> {
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

export async function startRealLibvirtd(): Promise<PrivateDaemon> {
  const dir = mkdtempSync(join(tmpdir(), "virsh-real-libvirtd-"));
  mkdirSync(join(dir, "drivers"));
  writeFileSync(join(dir, "libvirtd.conf"), conf(dir));
  const r = spawnSync(REAL_LIBVIRTD, ["-d", "-f", join(dir, "libvirtd.conf"), "-p", join(dir, "pid")], {
    env: { ...process.env, LIBVIRT_DRIVER_DIR: join(dir, "drivers") },
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`libvirtd failed: ${r.stderr}`);
  await waitForPath(join(dir, "libvirt-sock"), null, "libvirtd");
  return {
    dir,
    testURI: `test+unix:///default?socket=${join(dir, "libvirt-sock")}`,
    async stop() {
      await stopPidFile(join(dir, "pid"));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A node script started as a daemon (our libvirtd, or a test server); stopped with SIGTERM. */
export async function startNodeDaemon(script: string, args: (dir: string) => string[], readyFile: (dir: string) => string, uri: (dir: string) => string): Promise<PrivateDaemon & { stderr: () => string }> {
  const dir = mkdtempSync(join(tmpdir(), "virsh-our-daemon-"));
  writeFileSync(join(dir, "libvirtd.conf"), conf(dir));
  const proc = spawn(process.execPath, [script, ...args(dir)], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  proc.stderr.on("data", (b: Buffer) => { err += b.toString(); });
  await waitForPath(readyFile(dir), proc, `${script} (${err})`);
  return {
    dir,
    testURI: uri(dir),
    stderr: () => err,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill("SIGTERM");
        await new Promise((r) => proc.once("exit", r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function startOurLibvirtd(): Promise<PrivateDaemon> {
  return startNodeDaemon(
    OUR_LIBVIRTD,
    (dir) => ["-f", join(dir, "libvirtd.conf"), "-p", join(dir, "pid")],
    (dir) => join(dir, "libvirt-sock-ro"),
    (dir) => `test+unix:///default?socket=${join(dir, "libvirt-sock")}`,
  );
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
