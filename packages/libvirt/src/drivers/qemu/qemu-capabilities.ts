// What an emulator binary can do, found by asking it (libvirt 9.0 src/qemu/qemu_capabilities.c:
// virQEMUCapsNewForBinary probes each binary and caches the answer per path and mtime). libvirt
// probes over QMP (query-machines, qom-list-types); virtkit asks the binary's -version,
// -machine help and -device help, which QEMU and virtkit's qemu-system-i386 both answer.
import { spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { basename } from "node:path";
import type { QemuEmulatorCaps } from "../../conf/domain-hooks-qemu.js";

export interface QemuBinaryCaps {
  /** absolute path as the domain XML's <emulator> names it */
  emulator: string;
  version: string;
  /** "virtkit" when the binary is virtkit's qemu-system-i386 */
  flavour: "virtkit" | "qemu";
  arch: "i686" | "x86_64";
  machines: string[];
  /** alias -> canonical machine name */
  aliases: Record<string, string>;
  defaultMachine: string;
  /** -device help names */
  devices: Set<string>;
  cpuModels: string[];
  /** <domain type> values it runs: virtkit has only the kvm accelerator (no TCG) */
  virtTypes: string[];
}

/** How to execute an emulator: a .js/.mjs program runs under this node, anything else directly. */
export function emulatorCommand(emulator: string): { file: string; args: string[] } {
  return /\.(c|m)?js$/.test(emulator) ? { file: process.execPath, args: [emulator] } : { file: emulator, args: [] };
}

function run(emulator: string, args: string[]): Promise<string> {
  const cmd = emulatorCommand(emulator);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd.file, [...cmd.args, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${emulator} ${args.join(" ")} exited with status ${code ?? "?"}: ${err.trim()}`));
    });
  });
}

/** Parses "-machine help": "NAME  DESC (alias of X) (default)". */
export function parseMachineHelp(text: string): { machines: string[]; aliases: Record<string, string>; defaultMachine: string } {
  const machines: string[] = [];
  const aliases: Record<string, string> = {};
  let defaultMachine = "";
  for (const line of text.split("\n")) {
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m || line.startsWith("Supported machines")) continue;
    const name = m[1]!;
    const rest = m[2]!;
    if (name === "none") continue;
    machines.push(name);
    const alias = /\(alias of ([^)]+)\)/.exec(rest);
    if (alias) aliases[name] = alias[1]!;
    if (rest.includes("(default)")) defaultMachine = name;
  }
  return { machines, aliases, defaultMachine };
}

/** Parses "-device help": every `name "X"` line. */
export function parseDeviceHelp(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/^name "([^"]+)"/gm)) out.add(m[1]!);
  return out;
}

const cache = new Map<string, { mtimeMs: number; caps: Promise<QemuBinaryCaps> }>();

/** virQEMUCapsCacheLookup: probe once per binary (again when its mtime changes). */
export function probeEmulator(emulator: string): Promise<QemuBinaryCaps> {
  let mtimeMs: number;
  try {
    mtimeMs = statSync(emulator).mtimeMs;
  } catch {
    return Promise.reject(new Error(`Cannot check QEMU binary ${emulator}: No such file or directory`));
  }
  const hit = cache.get(emulator);
  if (hit?.mtimeMs === mtimeMs) return hit.caps;
  const caps = (async (): Promise<QemuBinaryCaps> => {
    const [version, machineHelp, deviceHelp, cpuHelp] = await Promise.all([
      run(emulator, ["-version"]),
      run(emulator, ["-machine", "help"]),
      run(emulator, ["-device", "help"]),
      run(emulator, ["-cpu", "help"]),
    ]);
    const flavour = version.includes("virtkit") ? "virtkit" : "qemu";
    const m = parseMachineHelp(machineHelp);
    const arch = basename(emulator).includes("x86_64") ? "x86_64" : "i686";
    const virtTypes = flavour === "virtkit" ? ["kvm"] : existsSync("/dev/kvm") ? ["qemu", "kvm"] : ["qemu"];
    const cpuModels = [...cpuHelp.matchAll(/^x86 (\S+)/gm)].map((x) => x[1]!);
    return {
      emulator,
      version: /version (\S+)/.exec(version)?.[1] ?? "",
      flavour,
      arch,
      machines: m.machines,
      aliases: m.aliases,
      defaultMachine: m.defaultMachine || (m.machines[0] ?? "pc"),
      devices: parseDeviceHelp(deviceHelp),
      cpuModels,
      virtTypes,
    };
  })();
  cache.set(emulator, { mtimeMs, caps });
  caps.catch(() => cache.delete(emulator));
  return caps;
}

/** The conf layer's view of a probed binary (QemuEmulatorCaps for qemuDriverPostParse). */
export function toEmulatorCaps(c: QemuBinaryCaps): QemuEmulatorCaps {
  return {
    arch: c.arch,
    emulator: c.emulator,
    machines: c.machines,
    aliases: c.aliases,
    preferredMachine: c.aliases[c.defaultMachine] ?? c.defaultMachine,
    defaultCpu: (machine) => (machine === "isapc" ? "486" : c.arch === "i686" ? "qemu32" : "qemu64"),
    virtTypes: c.virtTypes,
  };
}
