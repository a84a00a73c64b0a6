// The Linux guest as a domain of this daemon, driven by our virsh: a private directory (daemon
// config, the qemu driver's root, a copy of the guest's disk, virsh's home), our libvirtd on it,
// the domain XML written, and a teardown that leaves no guest running even when a test failed.
// Shared by the Linux tests through virsh (one vCPU with reboot, two vCPUs with the in-kernel irqchip).
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LinuxDomainOptions, type LinuxGuestPaths, VIRTKIT_QEMU_CLI, hasCommand, linuxDomainXml, tryBuildLinuxGuest } from "@virtkit/guests";
import { type PrivateDaemon, hasOurBuild, OUR_CLI, startOurLibvirtd } from "./daemons.js";

/** Our virsh, built (packages/virsh/dist). */
export const OUR_VIRSH = fileURLToPath(new URL("../../../../packages/virsh/dist/cli.js", import.meta.url));

/** The guest, or why these tests cannot run here (each reason names what is missing). */
export function linuxVirshPrerequisites(): { guest: LinuxGuestPaths | undefined; missing: string[] } {
  const guest = tryBuildLinuxGuest();
  const missing = [
    guest.paths === undefined && `the Debian guest, which cannot be assembled here: ${guest.why ?? ""}`,
    !existsSync(VIRTKIT_QEMU_CLI) && `virtkit's qemu-system (${VIRTKIT_QEMU_CLI}: build apps/qemu-system)`,
    !hasOurBuild && `our libvirtd (${OUR_CLI}: build this package)`,
    !existsSync(OUR_VIRSH) && `our virsh (${OUR_VIRSH}: build packages/virsh)`,
    !hasCommand("python3") && "python3 (its pty module drives the console)",
    !hasCommand("debugfs") && "debugfs (Debian e2fsprogs)",
  ].filter((m): m is string => typeof m === "string");
  return { guest: guest.paths, missing };
}

export interface VirshResult {
  out: string;
  err: string;
  status: number | null;
}

export class LinuxVirshDomain {
  readonly dir = mkdtempSync(join(tmpdir(), "vk-linux-virsh-"));
  readonly root = join(this.dir, "root");
  /** The guest's disk: a copy, so the built image stays as made. */
  readonly disk = join(this.dir, "disk.ext2");
  readonly xmlFile: string;
  readonly consoleLog = join(this.dir, "console.log");
  /** virsh and the daemon keep their files (history, caches) here, not in the user's home. */
  readonly env: NodeJS.ProcessEnv;
  uri = "";
  private daemon: PrivateDaemon | undefined;

  constructor(
    readonly name: string,
    private readonly guest: LinuxGuestPaths,
    private readonly domain: LinuxDomainOptions,
  ) {
    this.xmlFile = join(this.dir, `${name}.xml`);
    const d = this.dir;
    this.env = { ...process.env, LC_ALL: "C", HOME: d, XDG_CACHE_HOME: join(d, "cache"), XDG_CONFIG_HOME: join(d, "config"), XDG_RUNTIME_DIR: join(d, "runtime") };
  }

  /** The disk copy, the domain XML (the uncompressed vmlinux: the kernel's own decompression would add to every boot in CI) and the daemon. */
  async setUp(): Promise<void> {
    mkdirSync(this.root);
    copyFileSync(this.guest.disk, this.disk);
    writeFileSync(this.xmlFile, linuxDomainXml({ ...this.guest, disk: this.disk }, { name: this.name, kernel: this.guest.vmlinux, emulator: VIRTKIT_QEMU_CLI, ...this.domain }));
    this.daemon = await startOurLibvirtd({ env: { ...this.env, VIRTKIT_QEMU_ROOT: this.root } });
    this.uri = `qemu+unix:///system?socket=${this.daemon.sock}`;
  }

  virsh(...args: string[]): VirshResult {
    const r = spawnSync(process.execPath, [OUR_VIRSH, "-c", this.uri, ...args], { env: this.env, encoding: "utf8" });
    return { out: r.stdout, err: r.stderr, status: r.status };
  }

  /** `virsh console NAME` as argv, for the pty driver. */
  consoleArgv(): string[] {
    return [process.execPath, OUR_VIRSH, "-c", this.uri, "console", this.name];
  }

  /** The emulator's pid from the driver's status file (libvirt's <domstatus pid='N'>), 0 when there is none. */
  emulatorPid(): number {
    const status = join(this.root, "run/qemu", `${this.name}.xml`);
    return existsSync(status) ? Number(/pid='(\d+)'/.exec(readFileSync(status, "utf8"))?.[1] ?? "0") : 0;
  }

  /** The end of the domain's emulator log, for failure reports. */
  emulatorLogTail(chars = 3000): string {
    const file = join(this.root, "log/qemu", `${this.name}.log`);
    return existsSync(file) ? readFileSync(file, "latin1").slice(-chars) : `(no ${file})`;
  }

  /** libvirtd leaves running domains alone when it stops: a failed test must not leave a guest spinning. */
  async tearDown(): Promise<void> {
    if (this.daemon !== undefined) {
      if (this.emulatorPid() > 0) this.virsh("destroy", this.name);
      this.virsh("undefine", this.name);
      const pid = this.emulatorPid();
      if (pid > 0) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          /* already gone */
        }
      }
      await this.daemon.stop();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
