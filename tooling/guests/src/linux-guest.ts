/**
 * A Linux guest assembled from Debian's i386 packages without installing them: `apt-get download` the pinned
 * linux-image and busybox-static .debs (sha256 checked), `dpkg-deb -x` them into a cache directory, and build
 *
 *  - vmlinuz (the bzImage as shipped) and vmlinux (its decompressed payload, see bzimage.ts),
 *  - initramfs.cpio: busybox, the virtio modules with everything they depend on (from .modinfo, see
 *    kernel-module.ts) and an /init script, written by our own newc writer (cpio-newc.ts) — reproducible,
 *  - disk.ext2: a small ext2 file system made by the host's mke2fs (e2fsprogs) for the virtio disk.
 *
 * Where apt is unavailable the packages can be given by hand (--kernel-deb/--busybox-deb), or a kernel tree
 * and busybox binary directly (--kernel-root DIR with boot/vmlinuz-* and lib/modules/*, --busybox FILE).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { extractVmlinux } from "./bzimage.js";
import { type CpioEntry, writeCpioNewc } from "./cpio-newc.js";
import { hasCommand } from "./host-tools.js";
import { linuxDomainXml } from "./linux-domain-xml.js";
import { type ModuleIndexEntry, moduleClosure, modulesDep, normalizeModuleName, readModInfo } from "./kernel-module.js";

/** The pinned packages (Debian 12 "bookworm", i386). */
export const LINUX_KERNEL_ABI = "6.1.0-50-686";
export const DEBIAN_PACKAGES = {
  kernel: {
    name: `linux-image-${LINUX_KERNEL_ABI}`,
    version: "6.1.176-1",
    file: `linux-image-${LINUX_KERNEL_ABI}_6.1.176-1_i386.deb`,
    sha256: "526c469c5148a2b61c4241c3f6575427096575e0ffef9541b6729351c600b3e4",
  },
  busybox: {
    name: "busybox-static",
    version: "1:1.35.0-4+deb12u1+b1",
    file: "busybox-static_1%3a1.35.0-4+deb12u1+b1_i386.deb",
    sha256: "725ef9e6fbac4ab79b353165b05005e8c140d6e42177ebbc202ff1e13ded8b7c",
  },
} as const;

/**
 * The modules /init loads, in this order after their dependencies: the virtio PCI transport and the four
 * device drivers, and ext4 (which serves ext2; this kernel has no separate ext2 driver) with the crc32c it
 * allocates at mount time.
 */
export const INIT_MODULES = ["virtio_pci", "virtio_blk", "virtio_net", "virtio_console", "virtio_rng", "crc32c_generic", "ext4"] as const;

/** The line /init prints once the modules are loaded (tests wait for it). */
export const INIT_MARKER = "VIRTKIT-LINUX: initramfs up, virtio modules loaded";
/** The shell prompt on the serial console (PS1). */
export const SHELL_PROMPT = "virtkit:~# ";
/** Source-date for the archive (every entry's mtime): 2024-01-01T00:00:00Z. */
export const INITRAMFS_MTIME = 1704067200;
/** The kernel command line for this guest (see README: which parameters are still needed and why). */
export const LINUX_CMDLINE = "console=ttyS0 panic=-1";

export class LinuxGuestError extends Error {}

export interface LinuxGuestPaths {
  dir: string;
  vmlinuz: string;
  vmlinux: string;
  initramfs: string;
  disk: string;
  /** A JSON record of what was built (versions, sha256 of every output, the decompressor used). */
  manifest: string;
  /** The libvirt domain XML with these paths. */
  domainXml: string;
}

export interface BuildOptions {
  /** Where the debs, the extracted trees and the outputs go (default: tooling/guests/linux/.cache). */
  cacheDir?: string;
  kernelDeb?: string;
  busyboxDeb?: string;
  kernelRoot?: string;
  busybox?: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
  /** Rebuild even when the manifest says the outputs are from the pinned packages and this builder's version. */
  force?: boolean;
}

/** Bumped whenever what the builder writes changes, so cached outputs are rebuilt. */
export const BUILDER_VERSION = 2;

function upToDate(paths: LinuxGuestPaths): Record<string, unknown> | undefined {
  try {
    const m = JSON.parse(readFileSync(paths.manifest, "utf8")) as { builder?: number; kernel?: { sha256?: string }; busybox?: { sha256?: string }; sha256?: Record<string, string> };
    if (m.builder !== BUILDER_VERSION || m.kernel?.sha256 !== DEBIAN_PACKAGES.kernel.sha256 || m.busybox?.sha256 !== DEBIAN_PACKAGES.busybox.sha256) return undefined;
    for (const [f, want] of Object.entries(m.sha256 ?? {})) {
      if (sha256(readFileSync(join(paths.dir, f))) !== want) return undefined;
    }
    return m;
  } catch {
    return undefined;
  }
}

/** The default cache directory (gitignored). */
export function defaultCacheDir(): string {
  return new URL("../linux/.cache", import.meta.url).pathname;
}

export function guestPaths(cacheDir = defaultCacheDir()): LinuxGuestPaths {
  const dir = join(cacheDir, "out");
  return {
    dir,
    vmlinuz: join(dir, "vmlinuz"),
    vmlinux: join(dir, "vmlinux"),
    initramfs: join(dir, "initramfs.cpio"),
    disk: join(dir, "disk.ext2"),
    manifest: join(dir, "manifest.json"),
    domainXml: join(dir, "domain.xml"),
  };
}

function sha256(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

function run(argv: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", ...opts });
  if (r.error !== undefined) {
    throw new LinuxGuestError(`${argv[0]!}: ${r.error.message}`);
  }
  if (r.status !== 0) {
    throw new LinuxGuestError(`${argv.join(" ")} failed (exit ${String(r.status)}): ${(r.stderr || r.stdout).trim()}`);
  }
  return r.stdout;
}

/** Why the Debian packages cannot be fetched here, or undefined when apt can try. */
export function aptUnavailableReason(): string | undefined {
  for (const tool of ["apt-get", "dpkg", "dpkg-deb"]) {
    if (!hasCommand(tool)) {
      return `${tool} is not installed (this is not a Debian system)`;
    }
  }
  return undefined;
}

export const MANUAL_SUPPLY_HELP = `Supply the packages by hand instead:
  --kernel-deb ${DEBIAN_PACKAGES.kernel.file}  --busybox-deb ${DEBIAN_PACKAGES.busybox.file}
(from any Debian mirror: pool/main/l/linux/ and pool/main/b/busybox/, sha256 as in tooling/guests/linux/README),
or an extracted kernel and a static i386 busybox:
  --kernel-root DIR (with DIR/boot/vmlinuz-${LINUX_KERNEL_ABI} and DIR/lib/modules/${LINUX_KERNEL_ABI}/)  --busybox FILE`;

/** `apt-get download` the pinned i386 packages into `debDir` (adding the i386 architecture first if needed). */
export function downloadDebs(debDir: string, log: (l: string) => void = () => undefined): { kernel: string; busybox: string } {
  const why = aptUnavailableReason();
  if (why !== undefined) {
    throw new LinuxGuestError(`cannot fetch the Debian packages: ${why}.\n${MANUAL_SUPPLY_HELP}`);
  }
  mkdirSync(debDir, { recursive: true });
  const want = [DEBIAN_PACKAGES.kernel, DEBIAN_PACKAGES.busybox];
  const missing = want.filter((p) => !(existsSync(join(debDir, p.file)) && sha256(readFileSync(join(debDir, p.file))) === p.sha256));
  if (missing.length > 0) {
    const foreign = run(["dpkg", "--print-foreign-architectures"]).split(/\s+/);
    const known = (): boolean => {
      const r = spawnSync("apt-cache", ["show", `${DEBIAN_PACKAGES.kernel.name}:i386=${DEBIAN_PACKAGES.kernel.version}`], { encoding: "utf8" });
      return r.status === 0 && r.stdout.includes("Package:");
    };
    if (!foreign.includes("i386") || !known()) {
      log("dpkg --add-architecture i386 && apt-get update");
      run(["dpkg", "--add-architecture", "i386"]);
      // A mirror in mid-sync fails some index files; what matters is whether our packages are known afterwards.
      spawnSync("apt-get", ["update"], { stdio: "ignore" });
      if (!known()) {
        throw new LinuxGuestError(`apt does not know ${DEBIAN_PACKAGES.kernel.name}:i386=${DEBIAN_PACKAGES.kernel.version} (no network, or the version left the archive).\n${MANUAL_SUPPLY_HELP}`);
      }
    }
    for (const p of missing) {
      log(`apt-get download ${p.name}:i386=${p.version}`);
      run(["apt-get", "download", `${p.name}:i386=${p.version}`], { cwd: debDir });
    }
  }
  for (const p of want) {
    const got = sha256(readFileSync(join(debDir, p.file)));
    if (got !== p.sha256) {
      throw new LinuxGuestError(`${p.file}: sha256 ${got} is not the pinned ${p.sha256}`);
    }
  }
  return { kernel: join(debDir, DEBIAN_PACKAGES.kernel.file), busybox: join(debDir, DEBIAN_PACKAGES.busybox.file) };
}

function extractDeb(deb: string, into: string): void {
  rmSync(into, { recursive: true, force: true });
  mkdirSync(into, { recursive: true });
  run(["dpkg-deb", "-x", deb, into]);
}

function walk(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
  return out;
}

/** The kernel's modules by normalised name; .modinfo is read only for the ones a closure reaches. */
export function moduleIndex(modulesRoot: string): Map<string, ModuleIndexEntry> {
  const files = walk(join(modulesRoot, "kernel")).filter((f) => f.endsWith(".ko"));
  const index = new Map<string, ModuleIndexEntry>();
  for (const f of files) {
    const name = normalizeModuleName(f.replace(/^.*\//, "").replace(/\.ko$/, ""));
    const path = relative(modulesRoot, f);
    let cached: ReturnType<typeof readModInfo> | undefined;
    index.set(name, {
      path,
      get info() {
        cached ??= readModInfo(new Uint8Array(readFileSync(f)), path);
        return cached;
      },
    });
  }
  return index;
}

/** The /init script: busybox applets, the pseudo file systems, the modules, the marker, a shell on ttyS0. */
export function initScript(modulePaths: readonly string[]): string {
  return `#!/bin/busybox sh
# virtkit Linux guest: generated by tooling/guests (src/linux-guest.ts)
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts
for m in ${modulePaths.map((p) => `/lib/modules/${LINUX_KERNEL_ABI}/${p}`).join(" \\\n         ")}; do
  insmod "$m" || echo "init: insmod $m failed"
done
echo "${INIT_MARKER}"
hostname -F /etc/hostname
# kernel messages go to dmesg from here on, not over what is typed at the shell
dmesg -n 1
export HOME=/root PS1='virtkit:\\w# '
cd /root
# respawn the shell on the serial console, with it as the controlling terminal (job control, ^C)
while true; do
  setsid -c sh -l </dev/ttyS0 >/dev/ttyS0 2>&1
done
`;
}

/** Entries for the initramfs (everything except the kernel's files is made up here). */
export function initramfsEntries(busybox: Uint8Array, modules: readonly { path: string; data: Uint8Array }[], dep: string): CpioEntry[] {
  const enc = new TextEncoder();
  const dirs = new Set(["bin", "sbin", "usr", "usr/bin", "usr/sbin", "dev", "proc", "sys", "tmp", "mnt", "root", "etc", "lib", "lib/modules", `lib/modules/${LINUX_KERNEL_ABI}`]);
  for (const m of modules) {
    const parts = `lib/modules/${LINUX_KERNEL_ABI}/${m.path}`.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  const entries: CpioEntry[] = [...dirs].map((path) => ({ type: "dir" as const, path, mode: path === "tmp" ? 0o1777 : path === "root" ? 0o700 : 0o755 }));
  entries.push(
    { type: "file", path: "init", mode: 0o755, data: enc.encode(initScript(modules.map((m) => m.path))) },
    { type: "file", path: "bin/busybox", mode: 0o755, data: busybox },
    { type: "symlink", path: "bin/sh", target: "busybox" },
    // The kernel opens /dev/console for init before devtmpfs is mounted (init/main.c console_on_rootfs).
    { type: "char", path: "dev/console", mode: 0o600, major: 5, minor: 1 },
    { type: "file", path: "etc/passwd", mode: 0o644, data: enc.encode("root:x:0:0:root:/root:/bin/sh\n") },
    { type: "file", path: "etc/group", mode: 0o644, data: enc.encode("root:x:0:\n") },
    { type: "file", path: "etc/hostname", mode: 0o644, data: enc.encode("virtkit\n") },
    { type: "file", path: `lib/modules/${LINUX_KERNEL_ABI}/modules.dep`, mode: 0o644, data: enc.encode(dep) },
  );
  for (const m of modules) {
    entries.push({ type: "file", path: `lib/modules/${LINUX_KERNEL_ABI}/${m.path}`, mode: 0o644, data: m.data });
  }
  return entries;
}

/** The text the virtio disk's ext2 file system starts with (the boot test reads it back). */
export const DISK_HELLO = "hello from the virtio disk (ext2 made by mke2fs on the host)\n";

/** A 16 MiB ext2 image with /hello.txt, made by the host's mke2fs (-d populates it from a directory). */
export function makeExt2(path: string, workDir: string): string {
  if (!hasCommand("mke2fs")) {
    throw new LinuxGuestError("mke2fs is not installed (Debian package e2fsprogs): cannot make the ext2 disk image");
  }
  const src = join(workDir, "disk-root");
  rmSync(src, { recursive: true, force: true });
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, "hello.txt"), DISK_HELLO);
  // mke2fs -d copies the source files' times: pin them too.
  utimesSync(join(src, "hello.txt"), INITRAMFS_MTIME, INITRAMFS_MTIME);
  utimesSync(src, INITRAMFS_MTIME, INITRAMFS_MTIME);
  rmSync(path, { force: true });
  // Fixed UUID, hash seed and time make the image the same bytes on every run (E2FSPROGS_FAKE_TIME: e2fsprogs' test hook).
  run(
    ["mke2fs", "-q", "-F", "-t", "ext2", "-b", "1024", "-L", "virtkit", "-U", "5eed0000-0000-4000-8000-000000000001", "-E", "hash_seed=5eed0000-0000-4000-8000-000000000002,root_owner=0:0", "-d", src, path, "16M"],
    { env: { ...process.env, E2FSPROGS_FAKE_TIME: String(INITRAMFS_MTIME), SOURCE_DATE_EPOCH: String(INITRAMFS_MTIME) } },
  );
  // mke2fs -V prints its version on stderr.
  const v = spawnSync("mke2fs", ["-V"], { encoding: "utf8" });
  const first = (v.stderr === "" ? v.stdout : v.stderr).split("\n")[0]?.trim() ?? "";
  return first === "" ? "mke2fs" : first;
}

/** The guest built (or found up to date) for tests, or the first line of why it cannot be here (no apt, no packages). */
export function tryBuildLinuxGuest(): { paths?: ReturnType<typeof buildLinuxGuest>; why?: string } {
  const noApt = aptUnavailableReason();
  if (noApt !== undefined) return { why: noApt };
  try {
    return { paths: buildLinuxGuest() };
  } catch (e) {
    if (e instanceof LinuxGuestError) return { why: e.message.split("\n")[0] };
    throw e;
  }
}

/** Builds (or rebuilds) the guest: returns where everything is. */
export function buildLinuxGuest(opts: BuildOptions = {}): LinuxGuestPaths & { manifestData: Record<string, unknown> } {
  const cache = opts.cacheDir ?? defaultCacheDir();
  mkdirSync(cache, { recursive: true });
  // Test files in several processes build the guest at once on a fresh checkout: one builds, the others
  // wait and then find it up to date (a half-written vmlinux must never be read).
  return withBuildLock(cache, () => buildLocked(cache, opts));
}

/** A lock older than this belongs to a builder that died (a build takes well under a minute). */
const STALE_LOCK_MS = 20 * 60_000;

function lockAge(lock: string): number | undefined {
  try {
    return Date.now() - statSync(lock).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Runs `build` holding the cache's build lock (a directory: mkdir is atomic), waiting while another process holds it. */
export function withBuildLock<T>(cache: string, build: () => T): T {
  const lock = join(cache, ".build-lock");
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const age = lockAge(lock);
      if (age === undefined) continue; // released meanwhile
      if (age > STALE_LOCK_MS) rmSync(lock, { recursive: true, force: true });
      else Atomics.wait(pause, 0, 0, 250);
    }
  }
  try {
    return build();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function buildLocked(cache: string, opts: BuildOptions): LinuxGuestPaths & { manifestData: Record<string, unknown> } {
  const log = opts.log ?? ((): void => undefined);
  const paths = guestPaths(cache);
  mkdirSync(paths.dir, { recursive: true });
  const byHand = opts.kernelRoot !== undefined || opts.busybox !== undefined || opts.kernelDeb !== undefined;
  const cached = opts.force === true || byHand ? undefined : upToDate(paths);
  if (cached !== undefined) {
    log(`up to date: ${paths.dir}`);
    return { ...paths, manifestData: cached };
  }
  let kernelRoot = opts.kernelRoot;
  let busyboxPath = opts.busybox;
  const sources: Record<string, string> = {};
  if (kernelRoot === undefined || busyboxPath === undefined) {
    const debs = opts.kernelDeb !== undefined && opts.busyboxDeb !== undefined ? { kernel: opts.kernelDeb, busybox: opts.busyboxDeb } : downloadDebs(join(cache, "debs"), log);
    for (const [k, deb] of Object.entries(debs)) sources[k] = `${deb} sha256 ${sha256(readFileSync(deb))}`;
    if (kernelRoot === undefined) {
      kernelRoot = join(cache, "root-kernel");
      log(`dpkg-deb -x ${debs.kernel}`);
      extractDeb(debs.kernel, kernelRoot);
    }
    if (busyboxPath === undefined) {
      const bbRoot = join(cache, "root-busybox");
      log(`dpkg-deb -x ${debs.busybox}`);
      extractDeb(debs.busybox, bbRoot);
      busyboxPath = join(bbRoot, "bin", "busybox");
    }
  }
  const vmlinuzSrc = join(kernelRoot, "boot", `vmlinuz-${LINUX_KERNEL_ABI}`);
  const modulesRoot = join(kernelRoot, "lib", "modules", LINUX_KERNEL_ABI);
  if (!existsSync(vmlinuzSrc) || !existsSync(modulesRoot)) {
    throw new LinuxGuestError(`${kernelRoot}: expected boot/vmlinuz-${LINUX_KERNEL_ABI} and lib/modules/${LINUX_KERNEL_ABI}/`);
  }
  const vmlinuz = new Uint8Array(readFileSync(vmlinuzSrc));
  writeFileSync(paths.vmlinuz, vmlinuz);
  log("extracting vmlinux from the bzImage payload");
  const { vmlinux, compression, tool } = extractVmlinux(vmlinuz);
  writeFileSync(paths.vmlinux, vmlinux);

  const index = moduleIndex(modulesRoot);
  const closure = moduleClosure(index, INIT_MODULES);
  const modules = closure.map((m) => ({ path: m.path, data: new Uint8Array(readFileSync(join(modulesRoot, m.path))) }));
  const busybox = new Uint8Array(readFileSync(busyboxPath));
  const initramfs = writeCpioNewc(initramfsEntries(busybox, modules, modulesDep(index, closure)), { mtime: INITRAMFS_MTIME });
  writeFileSync(paths.initramfs, initramfs);
  log(`initramfs: ${String(modules.length)} modules, ${String(initramfs.length)} bytes`);
  const mke2fs = makeExt2(paths.disk, cache);

  writeFileSync(paths.domainXml, linuxDomainXml(paths));
  const manifestData = {
    builder: BUILDER_VERSION,
    kernel: DEBIAN_PACKAGES.kernel,
    busybox: DEBIAN_PACKAGES.busybox,
    sources,
    cmdline: LINUX_CMDLINE,
    payloadCompression: compression,
    decompressor: tool,
    ext2: mke2fs,
    modules: closure.map((m) => m.path),
    sha256: {
      vmlinuz: sha256(vmlinuz),
      vmlinux: sha256(vmlinux),
      "initramfs.cpio": sha256(initramfs),
      "disk.ext2": sha256(readFileSync(paths.disk)),
      "domain.xml": sha256(readFileSync(paths.domainXml)),
    },
  };
  writeFileSync(paths.manifest, JSON.stringify(manifestData, null, 2) + "\n");
  return { ...paths, manifestData };
}
