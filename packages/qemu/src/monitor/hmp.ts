import { formatFlatViews, formatMtree } from "../memory/mtree.js";
import { formatCpuState, linearToPhysical } from "../machine/x86-cpu-dump.js";
import { READ_ONLY_MODES, type ReadOnlyMode, qmpBlockdevChangeMedium, qmpEject } from "./block-media.js";
import type { MonitorHost } from "./monitor-host.js";
import { QmpError } from "./qmp-commands.js";

/*
 * The human monitor (QEMU monitor/hmp.c, hmp-cmds.c, misc.c): one command line in, its text out,
 * in QEMU's wording. Used by -monitor and by QMP's human-monitor-command. Lines end in "\n" here;
 * the monitor output path turns them into "\r\n" as QEMU's monitor_puts does.
 */

interface HmpState {
  lastFormat: string;
  lastSize: number;
}

export class Hmp {
  private readonly state: HmpState = { lastFormat: "x", lastSize: 4 };

  constructor(private readonly host: MonitorHost) {}

  /** Runs `line`; resolves with its output (possibly empty). */
  async execute(line: string): Promise<string> {
    const trimmed = line.trim();
    if (trimmed === "") {
      return "";
    }
    const [cmd = "", ...rest] = trimmed.split(/\s+/);
    const args = rest.join(" ");
    const m = this.host.machine;
    switch (cmd) {
      case "info":
        return this.info(args);
      case "x":
      case "xp":
        return this.memoryDump(cmd, args);
      case "stop":
      case "s":
        m.vmStop("paused");
        return "";
      case "cont":
      case "c": {
        const err = m.cont();
        return err === undefined ? "" : `Error: ${err}\n`;
      }
      case "system_reset":
        m.resetRequest("host-qmp-system-reset");
        m.processRequests();
        return "";
      case "system_powerdown":
        m.powerdownRequest();
        m.processRequests();
        return "";
      case "quit":
      case "q":
        m.quit();
        m.processRequests();
        return "";
      case "savevm":
      case "loadvm":
      case "delvm":
        return this.snapshotCommand(cmd, args);
      case "eject":
      case "change":
        return this.mediaCommand(cmd, rest);
      case "help":
      case "?": {
        // help_cmd: with a command name, only its line
        if (args === "") return HELP_TEXT;
        const line = HELP_TEXT.split("\n").find((l) => (l.split(" ")[0] ?? "").split("|").includes(args));
        return line === undefined ? `unknown command: '${args}'\n` : `${line}\n`;
      }
      default:
        return `unknown command: '${cmd}'\n`;
    }
  }

  /**
   * hmp_eject ("force:-f,device:B") and hmp_change ("device:B,force:-f,target:F,arg:s?,
   * read-only-mode:s?"), parsed as monitor_parse_arguments does, errors as hmp_handle_error prints them.
   */
  private async mediaCommand(cmd: "eject" | "change", words: string[]): Promise<string> {
    const usage = (msg: string): string => `${cmd}: ${msg}\nTry "help ${cmd}" for more information\n`;
    const args = [...words];
    let force = false;
    const takeForce = (): string | undefined => {
      const w = args[0];
      if (w?.startsWith("-") !== true) return undefined;
      args.shift();
      if (w[1] !== "f") return usage(`unsupported option -${w.slice(1, 2)}`);
      force = true;
      return undefined;
    };
    let device: string | undefined;
    if (cmd === "eject") {
      const bad = takeForce();
      if (bad !== undefined) return bad;
      device = args.shift();
      if (device === undefined) return usage("block device name expected");
    } else {
      device = args.shift();
      if (device === undefined) return usage("block device name expected");
      const bad = takeForce();
      if (bad !== undefined) return bad;
    }
    const target = cmd === "change" ? args.shift() : undefined;
    if (cmd === "change" && target === undefined) return usage("filename expected");
    const format = cmd === "change" ? args.shift() : undefined;
    const readOnly = cmd === "change" ? args.shift() : undefined;
    if (args.length > 0) return usage("extraneous characters at the end of line");
    try {
      if (cmd === "eject") {
        await qmpEject(this.host, device, undefined, force);
        return "";
      }
      if (readOnly !== undefined && !(READ_ONLY_MODES as readonly string[]).includes(readOnly)) {
        return `Error: invalid parameter value: ${readOnly}\n`;
      }
      await qmpBlockdevChangeMedium(this.host, {
        device,
        filename: target!,
        force,
        ...(format !== undefined ? { format } : {}),
        ...(readOnly !== undefined ? { readOnlyMode: readOnly as ReadOnlyMode } : {}),
      });
      return "";
    } catch (e) {
      if (e instanceof QmpError) return `Error: ${e.desc}\n`;
      throw e;
    }
  }

  private async snapshotCommand(cmd: string, tag: string): Promise<string> {
    const snaps = this.host.snapshots;
    if (snaps === undefined) {
      return `Error: No block device can accept snapshots\n`;
    }
    try {
      if (cmd === "savevm") {
        await snaps.save(tag === "" ? `vm-${new Date().toISOString().replace(/[-:T]/g, "").slice(0, 14)}` : tag);
      } else if (tag === "") {
        return `Parameter 'name' is missing\n`;
      } else if (cmd === "loadvm") {
        await snaps.load(tag);
      } else {
        await snaps.delete(tag);
      }
      return "";
    } catch (e) {
      return `Error: ${(e as Error).message}\n`;
    }
  }

  private async info(what: string): Promise<string> {
    const host = this.host;
    const m = host.machine;
    const [sub = "", ...flags] = what.split(/\s+/);
    switch (sub) {
      case "registers": {
        let out = "";
        for (const v of m.vcpus) {
          out += `\nCPU#${v.index}\n`;
          const fpu = v.vcpu.getFpu?.();
          const debugRegs = v.vcpu.getDebugRegs?.();
          out += formatCpuState(v.vcpu.getRegs(), v.vcpu.getSregs(), {
            halted: v.halted || v.waitForSipi,
            ...(fpu !== undefined ? { fpu } : {}),
            ...(debugRegs !== undefined ? { debugRegs } : {}),
          });
        }
        return out;
      }
      case "mtree":
        if (flags.includes("-f")) {
          return formatFlatViews([
            { name: "memory", root: m.systemMemory, flatView: m.memoryAs.flatView },
            ...m.vcpus.map((v) => ({ name: `cpu-memory-${v.index}`, root: m.systemMemory, flatView: m.memoryAs.flatView })),
            { name: "I/O", root: m.systemIo, flatView: m.ioAs.flatView },
          ]);
        }
        return formatMtree(m.addressSpacesForInfo(), { disabled: flags.includes("-D"), owner: flags.includes("-o") });
      case "pic":
        return m.infoPic();
      case "status": {
        const s = m.runState;
        const running = s === "running";
        return `VM status: ${running ? "running" : "paused"}${!running && s !== "paused" ? ` (${s})` : ""}\n`;
      }
      case "version":
        return `${host.version.major}.${host.version.minor}.${host.version.micro}${host.version.package}\n`;
      case "name":
        return m.name === undefined ? "" : `${m.name}\n`;
      case "uuid":
        return `${m.uuid ?? "00000000-0000-0000-0000-000000000000"}\n`;
      case "kvm":
        return `kvm support: ${m.accel.name === "kvm" ? "enabled" : "disabled"}\n`;
      case "cpus":
        return m.vcpus.map((v) => `${v.index === 0 ? "*" : " "} CPU #${v.index}: thread_id=${host.threadId}\n`).join("");
      case "chardev":
        return host
          .chardevs()
          .map((c) => `${c.label}: filename=${c.filename}\n`)
          .join("");
      case "block":
        return host
          .blockDevices()
          .map((b) => {
            const head = b.inserted === false ? `${b.device}: [not inserted]\n` : `${b.device}: ${b.file} (${b.format}${b.readOnly ? ", read-only" : ""})\n`;
            const tray = b.trayOpen !== undefined ? `    Removable device: ${b.locked === true ? "locked" : "not locked"}, tray ${b.trayOpen ? "open" : "closed"}\n` : "";
            return head + tray;
          })
          .join("\n");
      case "snapshots": {
        const snaps = host.snapshots;
        if (snaps === undefined) {
          return "No available block device supports snapshots\n";
        }
        const list = await snaps.list();
        if (list.length === 0) {
          return "There is no snapshot available.\n";
        }
        let out = "List of snapshots present on all disks:\nID        TAG               VM SIZE                DATE     VM CLOCK     ICOUNT\n";
        for (const s of list) {
          const d = new Date(s.dateSec * 1000);
          const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
          out += `${s.id.padEnd(10)}${s.name.padEnd(17)} ${formatSize(s.vmStateSize).padStart(7)} ${date} ${formatClock(s.vmClockNs)}\n`;
        }
        return out;
      }
      default:
        return `unknown command: 'info${what === "" ? "" : ` ${sub}`}'\n`;
    }
  }

  /** x / xp: QEMU's memory_dump. */
  private memoryDump(cmd: string, args: string): string {
    const m = this.host.machine;
    let rest = args.trim();
    let count = 1;
    let format = this.state.lastFormat;
    let size = this.state.lastSize;
    if (rest.startsWith("/")) {
      const fm = /^\/(\d*)([a-z]*)/.exec(rest)!;
      rest = rest.slice(fm[0].length).trim();
      if (fm[1] !== "") {
        count = Number(fm[1]);
      }
      let sizeSet = false;
      for (const c of fm[2]!) {
        if ("xduoci".includes(c)) {
          format = c;
        } else if ("bhwg".includes(c)) {
          size = { b: 1, h: 2, w: 4, g: 8 }[c as "b"];
          sizeSet = true;
        } else {
          return `invalid char in format: '${c}'\nTry "help ${cmd}" for more information\n`;
        }
      }
      if (!sizeSet && format === "c") {
        size = 1;
      }
      this.state.lastFormat = format;
      this.state.lastSize = size;
    }
    if (rest === "") {
      return `unexpected end of expression\nTry "help ${cmd}" for more information\n`;
    }
    const addr = this.expression(rest);
    if (addr === undefined) {
      return `invalid char in expression\nTry "help ${cmd}" for more information\n`;
    }
    if (format === "i") {
      return "virtkit has no disassembler: format 'i' is not supported\n";
    }
    const physical = cmd === "xp";
    const vcpu = m.vcpus[0]!.vcpu;
    const sregs = physical ? undefined : vcpu.getSregs();
    let len = size * count;
    const lineSize = size === 1 ? 8 : 16;
    const maxDigits = format === "o" ? Math.ceil((size * 8) / 3) : format === "u" || format === "d" ? Math.ceil((size * 8 * 10) / 33) : (size * 8) / 4;
    if (format === "c") {
      size = 1;
    }
    let out = "";
    let a = addr;
    const buf = new Uint8Array(16);
    while (len > 0) {
      out += physical ? `${BigInt(a).toString(16).padStart(16, "0")}:` : `${(a >>> 0).toString(16).padStart(8, "0")}:`;
      const l = Math.min(len, lineSize);
      let ok = true;
      for (let i = 0; i < l; i++) {
        const pa = sregs === undefined ? a + i : linearToPhysical(m.guestMemory, sregs, (a + i) >>> 0);
        const one = buf.subarray(i, i + 1);
        if (pa < 0 || m.memoryAs.read(pa, one, 0, 1) !== 0) {
          ok = false;
          break;
        }
      }
      if (!ok) {
        out += " Cannot access memory\n";
        break;
      }
      for (let i = 0; i < l; i += size) {
        let v = 0n;
        for (let k = size - 1; k >= 0; k--) {
          v = (v << 8n) | BigInt(buf[i + k]!);
        }
        out += " ";
        if (format === "x") {
          out += `0x${v.toString(16).padStart(maxDigits, "0")}`;
        } else if (format === "o") {
          out += (v === 0n ? "0" : `0${v.toString(8)}`).padStart(maxDigits, " ");
        } else if (format === "u") {
          out += v.toString().padStart(maxDigits, " ");
        } else if (format === "d") {
          const bits = BigInt(size * 8);
          const s = v >= 1n << (bits - 1n) ? v - (1n << bits) : v;
          out += s.toString().padStart(maxDigits, " ");
        } else {
          out += printable(Number(v));
        }
      }
      out += "\n";
      a += l;
      len -= l;
    }
    return out;
  }

  /** A number (hex with 0x, octal with 0, decimal) or $register, with + and - (QEMU's expr subset). */
  private expression(text: string): number | undefined {
    const terms = text.replace(/\s+/g, "").split(/(?=[+-])/);
    let total = 0;
    for (const t of terms) {
      const neg = t.startsWith("-");
      const body = t.replace(/^[+-]/, "");
      let v: number;
      if (body.startsWith("$")) {
        const regs = this.host.machine.vcpus[0]!.vcpu.getRegs() as unknown as Record<string, number>;
        const name = body.slice(1).replace(/^e/, "r");
        const r = regs[name === "pc" ? "rip" : name];
        if (r === undefined) {
          return undefined;
        }
        v = r;
      } else if (/^0x[0-9a-f]+$/i.test(body)) {
        v = Number.parseInt(body.slice(2), 16);
      } else if (/^0[0-7]*$/.test(body)) {
        v = Number.parseInt(body, 8);
      } else if (/^[0-9]+$/.test(body)) {
        v = Number(body);
      } else {
        return undefined;
      }
      total += neg ? -v : v;
    }
    return total;
  }
}

function printable(c: number): string {
  // monitor_printc
  if (c === 0x27) return "'\\''";
  if (c === 0x5c) return "'\\\\'";
  if (c === 0x0a) return "'\\n'";
  if (c === 0x0d) return "'\\r'";
  if (c >= 32 && c <= 126) return `'${String.fromCharCode(c)}'`;
  return `'\\x${c.toString(16).padStart(2, "0")}'`;
}

function pad2(n: number): string {
  return n.toString().padStart(2, "0");
}

function formatSize(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} ${units[u]}` : `${v.toFixed(v < 10 ? 3 : v < 100 ? 2 : 1).replace(/\.?0+$/, "")} ${units[u]}`;
}

function formatClock(ns: number): string {
  const secs = Math.floor(ns / 1e9);
  const ms = Math.floor((ns % 1e9) / 1e6);
  return `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}.${ms.toString().padStart(3, "0")}`;
}

const HELP_TEXT = [
  "c|cont  -- resume emulation",
  "change device [-f] filename [format [read-only-mode]] -- change a removable medium, optional format, use -f to force the operation",
  "delvm tag -- delete a VM snapshot from its tag",
  "eject [-f] device -- eject a removable medium (use -f to force it)",
  "help|? [cmd] -- show the help",
  "info [subcommand] -- show various information about the system state",
  "loadvm tag -- restore a VM snapshot from its tag",
  "q|quit  -- quit the emulator",
  "savevm [tag] -- save a VM snapshot. If no tag is provided, a new snapshot is created",
  "stop|s  -- stop emulation",
  "system_powerdown  -- send system power down event",
  "system_reset  -- reset the system",
  "x /fmt addr -- virtual memory dump starting at 'addr'",
  "xp /fmt addr -- physical memory dump starting at 'addr'",
  "",
].join("\n");
