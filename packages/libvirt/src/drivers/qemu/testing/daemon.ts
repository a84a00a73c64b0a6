// Our libvirtd (apps/libvirtd's built CLI) with the qemu driver on a private root, for the interop
// tests: started in the foreground so a test can kill -9 it and start it again on the same root.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { childRunning, privateDaemonConf, privateSockets, stopChild, unixSocketAccepts } from "../../../testing/private-daemon.js";
import { TEST_EMULATOR, sleep, until } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url));
export const OUR_LIBVIRTD = join(here, "../../../../../../apps/libvirtd/dist/cli.js");
export const OUR_VIRSH = join(here, "../../../../../virsh/dist/cli.js");
export const REAL_VIRSH = "/usr/bin/virsh";
export const SYSTEM_PYTHON = "/usr/bin/python3";
export const hasRealVirsh = existsSync(REAL_VIRSH);
export const hasPythonLibvirt = existsSync(SYSTEM_PYTHON) && spawnSync(SYSTEM_PYTHON, ["-c", "import libvirt"], { stdio: "ignore" }).status === 0;
export const hasScript = spawnSync("sh", ["-c", "command -v script"], { stdio: "ignore" }).status === 0;

/**
 * apps/libvirtd and packages/virsh are built by their own turbo tasks, which may still be running
 * when this package's tests start: wait (bounded) for the file, then report whether it is there.
 */
export async function waitForBuild(path: string, maxMs = 90_000): Promise<boolean> {
  const end = Date.now() + maxMs;
  while (!existsSync(path) && Date.now() < end) await sleep(250);
  return existsSync(path);
}

export class QemuDaemon {
  proc: ChildProcess | null = null;
  readonly sock: string;
  readonly sockRO: string;
  readonly uri: string;
  readonly roURI: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly dir: string,
    readonly root: string,
  ) {
    ({ sock: this.sock, sockRO: this.sockRO } = privateSockets(dir));
    this.uri = `qemu+unix:///system?socket=${this.sock}`;
    this.roURI = `qemu+unix:///system?socket=${this.sockRO}`;
    this.env = { ...process.env, LC_ALL: "C", VIRTKIT_QEMU_ROOT: root, VIRTKIT_QEMU_EMULATOR: TEST_EMULATOR, HOME: dir, XDG_CACHE_HOME: join(dir, "cache"), XDG_CONFIG_HOME: join(dir, "config") };
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "libvirtd.conf"), privateDaemonConf(dir));
  }

  /**
   * Starts the daemon and waits until its socket accepts connections (a few tries: its build may
   * be replaced under us). A daemon killed with SIGKILL leaves its socket files behind, so their
   * existence says nothing: they are removed first, and readiness is a successful connect.
   */
  async start(): Promise<void> {
    if (this.running) throw new Error("the daemon is already running");
    for (const s of [this.sock, this.sockRO]) rmSync(s, { force: true });
    for (let attempt = 0; ; attempt++) {
      const p = spawn(process.execPath, [OUR_LIBVIRTD, "-f", join(this.dir, "libvirtd.conf")], { env: this.env, stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      p.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
      this.proc = p;
      try {
        await until(async () => p.exitCode !== null || (await unixSocketAccepts(this.sock)), "the daemon's socket");
        if (p.exitCode === null) return;
      } catch {
        /* fall through to the retry */
      }
      if (attempt >= 2) throw new Error(`libvirtd did not start: ${err}`);
      await sleep(1000);
    }
  }

  /** Whether the daemon process is alive (a signal's death leaves exitCode null: check both). */
  get running(): boolean {
    return childRunning(this.proc);
  }

  /** kill -9, and wait until the process is gone. */
  kill9(): Promise<void> {
    return stopChild(this.proc, "SIGKILL");
  }

  stop(): Promise<void> {
    return stopChild(this.proc);
  }
}

/** Runs a client program; returns stdout, stderr and the exit status. */
export function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, input?: string): { out: string; err: string; status: number | null } {
  const r = spawnSync(cmd, args, { env, encoding: "utf8", input, timeout: 120_000 });
  return { out: r.stdout, err: r.stderr, status: r.status };
}

/**
 * A program on a pseudo-terminal through script(1): `expect` waits until the terminal showed the
 * text, `send` types bytes. Resolves with everything shown and the exit status.
 */
export type PtyStep = { expect: string } | { send: string } | { settle: number };

/**
 * `settle` pauses before the next step: virsh console switches the terminal to raw mode with
 * TCSAFLUSH, which drops whatever was typed before, so input waits for the session to settle.
 */
export async function onPty(command: string, env: NodeJS.ProcessEnv, steps: PtyStep[]): Promise<{ output: string; status: number | null }> {
  const p = spawn("script", ["-qfec", command, "/dev/null"], { env, stdio: ["pipe", "pipe", "pipe"] });
  let output = "";
  p.stdout.setEncoding("latin1").on("data", (d: string) => (output += d));
  p.stderr.setEncoding("latin1").on("data", (d: string) => (output += d));
  const exited = new Promise<number | null>((r) => p.once("exit", (code) => r(code)));
  let from = 0;
  for (const s of steps) {
    if ("expect" in s) {
      await until(
        () => output.includes(s.expect, from),
        () => `${JSON.stringify(s.expect)} after offset ${String(from)} (the terminal showed: ${JSON.stringify(output)})`,
      );
      from = output.indexOf(s.expect, from) + s.expect.length;
    } else if ("send" in s) p.stdin.write(s.send);
    else await sleep(s.settle);
  }
  const status = await Promise.race([exited, sleep(30_000).then(() => "hung" as const)]);
  if (status === "hung") {
    p.kill("SIGKILL");
    throw new Error(`the program on the pty did not exit; terminal: ${JSON.stringify(output)}`);
  }
  return { output, status };
}
