/*
 * QEMU's -chardev option syntax: a QemuOpts string (util/qemu-option.c) "backend,id=ID,key=value,..."
 * where ",," is a literal comma, the first element without "=" is the implied "backend", and a bare
 * "key" / "nokey" is the deprecated short form of key=on / key=off. The keys are the union QEMU's
 * qemu_chardev_opts accepts; each backend's parser (chardev/char-*.c qemu_chr_parse_*) reads its own.
 */

export class ChardevOptionError extends Error {}

type OptType = "string" | "bool" | "number" | "size";

/** qemu_chardev_opts.desc: every key -chardev accepts, with its QemuOpt type. */
const CHARDEV_OPTS: Readonly<Record<string, OptType>> = {
  backend: "string",
  path: "string",
  "input-path": "string",
  host: "string",
  port: "string",
  fd: "string",
  localaddr: "string",
  localport: "string",
  to: "number",
  ipv4: "bool",
  ipv6: "bool",
  wait: "bool",
  server: "bool",
  delay: "bool",
  nodelay: "bool",
  reconnect: "number",
  "reconnect-ms": "number",
  telnet: "bool",
  tn3270: "bool",
  "tls-creds": "string",
  "tls-authz": "string",
  websocket: "bool",
  width: "number",
  height: "number",
  cols: "number",
  rows: "number",
  mux: "bool",
  signal: "bool",
  name: "string",
  debug: "number",
  size: "size",
  chardev: "string",
  append: "bool",
  logfile: "string",
  logappend: "bool",
  mouse: "bool",
  clipboard: "bool",
  tight: "bool",
  abstract: "bool",
};

/** Backends QEMU registers; the ones virtkit implements are the ones createChardev accepts. */
const KNOWN_BACKENDS = new Set([
  "null",
  "socket",
  "udp",
  "file",
  "pipe",
  "stdio",
  "pty",
  "serial",
  "parallel",
  "ringbuf",
  "memory",
  "mux",
  "msmouse",
  "wctablet",
  "braille",
  "testdev",
  "spicevmc",
  "spiceport",
  "vc",
  "dbus",
  "qemu-vdagent",
]);

interface ChardevCommon {
  id: string;
  /** logfile=: every byte written is copied there. */
  logfile?: string;
  logappend: boolean;
  /** mux=on: share the backend with the monitor (not implemented by createChardev). */
  mux: boolean;
}

export type ChardevConfig = ChardevCommon &
  (
    | { backend: "null" }
    | { backend: "stdio"; signal: boolean }
    | { backend: "file"; path: string; append: boolean; inputPath?: string }
    | { backend: "ringbuf"; size: number }
    | {
        backend: "socket";
        address:
          | { type: "inet"; host: string; port: string; to?: number; ipv4?: boolean; ipv6?: boolean }
          | { type: "unix"; path: string; abstract?: boolean; tight?: boolean };
        server: boolean;
        wait: boolean;
        nodelay: boolean;
        telnet: boolean;
        websocket: boolean;
        tn3270: boolean;
        reconnectMs?: number;
        tlsCreds?: string;
      }
    | { backend: "other"; driver: string; options: Record<string, string> }
  );

export type SocketChardevConfig = Extract<ChardevConfig, { backend: "socket" }>;

export interface ParsedChardevOption {
  config: ChardevConfig;
  /** QEMU's warnings, e.g. for short-form booleans. */
  warnings: string[];
}

/** Splits "a,b=c,,d" into elements, turning ",," into a literal comma. */
function splitOpts(text: string): string[] {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === ",") {
      if (text[i + 1] === ",") {
        cur += ",";
        i++;
        continue;
      }
      parts.push(cur);
      cur = "";
      continue;
    }
    cur += ch;
  }
  parts.push(cur);
  return parts;
}

const BOOL_TRUE = new Set(["on", "yes", "true", "y"]);
const BOOL_FALSE = new Set(["off", "no", "false", "n"]);

function parseBool(name: string, value: string): boolean {
  if (BOOL_TRUE.has(value)) return true;
  if (BOOL_FALSE.has(value)) return false;
  throw new ChardevOptionError(`Parameter '${name}' expects 'on' or 'off'`);
}

function parseNumber(name: string, value: string): number {
  const v = value.trim();
  let n: number;
  if (/^0x[0-9a-f]+$/i.test(v)) n = parseInt(v.slice(2), 16);
  else if (/^0[0-7]+$/.test(v)) n = parseInt(v.slice(1), 8);
  else if (/^[0-9]+$/.test(v)) n = parseInt(v, 10);
  else throw new ChardevOptionError(`Parameter '${name}' expects a number`);
  return n;
}

const SIZE_SUFFIX: Readonly<Record<string, number>> = { b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50, e: 2 ** 60 };

/** qemu_strtosz: a decimal (fractions allowed with a suffix) or hex number with an optional unit suffix. */
function parseSize(name: string, value: string): number {
  const m = /^\s*(0x[0-9a-f]+|[0-9]+(?:\.[0-9]+)?)([bkmgtpe]?)$/i.exec(value);
  if (m === null) {
    throw new ChardevOptionError(`Parameter '${name}' expects a non-negative number below 2^64`);
  }
  const mult = SIZE_SUFFIX[m[2]!.toLowerCase()] ?? 1;
  const base = m[1]!.toLowerCase().startsWith("0x") ? parseInt(m[1]!.slice(2), 16) : Number(m[1]);
  if (m[1]!.includes(".") && mult === 1) {
    throw new ChardevOptionError(`Parameter '${name}' expects a non-negative number below 2^64`);
  }
  const n = Math.floor(base * mult);
  if (!Number.isFinite(n) || n >= 2 ** 64) {
    throw new ChardevOptionError(`Parameter '${name}' expects a non-negative number below 2^64`);
  }
  return n;
}

const ID_RE = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/** Parses one -chardev argument the way QEMU does, with QEMU's error texts. */
export function parseChardevOption(text: string): ParsedChardevOption {
  const warnings: string[] = [];
  /** Every name=value in order (QemuOpts keeps duplicates; the last one wins on lookup). */
  const entries: [string, string][] = [];
  let id: string | undefined;
  const parts = splitOpts(text);
  parts.forEach((part, index) => {
    const eq = part.indexOf("=");
    if (eq < 0) {
      if (index === 0) {
        entries.push(["backend", part]);
        return;
      }
      if (part === "") {
        return; // a trailing comma
      }
      let name = part;
      let value = "on";
      let prefix = "";
      if (name.startsWith("no")) {
        name = name.slice(2);
        value = "off";
        prefix = "no";
      }
      warnings.push(
        `short-form boolean option '${prefix}${name}' deprecated\n` +
          (name === "delay" ? `Please use nodelay=${prefix !== "" ? "on" : "off"} instead` : `Please use ${name}=${value} instead`),
      );
      entries.push([name, value]);
      return;
    }
    const name = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (name === "id") {
      id = value;
      return;
    }
    entries.push([name, value]);
  });

  // qemu_opts_create checks the id, then opts_validate checks each option in order.
  if (id !== undefined && !ID_RE.test(id)) {
    throw new ChardevOptionError(
      "Parameter 'id' expects an identifier\nIdentifiers consist of letters, digits, '-', '.', '_', starting with a letter.",
    );
  }
  const values = new Map<string, string>();
  for (const [name, value] of entries) {
    const type = CHARDEV_OPTS[name];
    if (type === undefined) {
      throw new ChardevOptionError(`Invalid parameter '${name}'`);
    }
    if (type === "bool") parseBool(name, value);
    else if (type === "number") parseNumber(name, value);
    else if (type === "size") parseSize(name, value);
    values.set(name, value);
  }
  const str = (name: string): string | undefined => values.get(name);
  const bool = (name: string, dflt: boolean): boolean => {
    const v = values.get(name);
    return v === undefined ? dflt : parseBool(name, v);
  };
  const num = (name: string): number | undefined => {
    const v = values.get(name);
    return v === undefined ? undefined : parseNumber(name, v);
  };

  if (id === undefined) {
    throw new ChardevOptionError("chardev: no id specified");
  }
  const backend = str("backend");
  if (backend === undefined || backend === "") {
    throw new ChardevOptionError(`chardev: "${id}" missing backend`);
  }
  if (!KNOWN_BACKENDS.has(backend)) {
    throw new ChardevOptionError(`'${backend}' is not a valid char driver name`);
  }
  const common: ChardevCommon = {
    id,
    logappend: bool("logappend", false),
    mux: bool("mux", false),
    ...(str("logfile") !== undefined ? { logfile: str("logfile")! } : {}),
  };

  switch (backend) {
    case "null":
      return { config: { ...common, backend: "null" }, warnings };
    case "stdio":
      return { config: { ...common, backend: "stdio", signal: bool("signal", true) }, warnings };
    case "file": {
      const path = str("path");
      if (path === undefined) {
        throw new ChardevOptionError("chardev: file: no filename given");
      }
      const inputPath = str("input-path");
      return {
        config: { ...common, backend: "file", path, append: bool("append", false), ...(inputPath !== undefined ? { inputPath } : {}) },
        warnings,
      };
    }
    case "ringbuf":
    case "memory": {
      const raw = str("size");
      const size = raw === undefined ? 65536 : parseSize("size", raw);
      return { config: { ...common, backend: "ringbuf", size }, warnings };
    }
    case "socket":
      return { config: { ...common, ...parseSocket(values, bool, num) }, warnings };
    default: {
      const options: Record<string, string> = {};
      for (const [k, v] of values) {
        if (k !== "backend") options[k] = v;
      }
      return { config: { ...common, backend: "other", driver: backend, options }, warnings };
    }
  }
}

/** qemu_chr_parse_socket + qmp_chardev_validate_socket. */
function parseSocket(
  values: Map<string, string>,
  bool: (name: string, dflt: boolean) => boolean,
  num: (name: string) => number | undefined,
): Omit<SocketChardevConfig, keyof ChardevCommon> {
  const path = values.get("path");
  const host = values.get("host");
  const port = values.get("port");
  const fd = values.get("fd");
  // qemu_chr_parse_socket (QEMU 6.2+): at most one address kind; none means an fd given later.
  if ((path !== undefined ? 1 : 0) + (fd !== undefined ? 1 : 0) + (host !== undefined ? 1 : 0) > 1) {
    throw new ChardevOptionError("None or one of 'path', 'fd' or 'host' option required.");
  }
  if (host !== undefined && port === undefined) {
    throw new ChardevOptionError("chardev: socket: no port given");
  }
  if (values.has("delay") && values.has("nodelay")) {
    throw new ChardevOptionError("'delay' and 'nodelay' are mutually exclusive");
  }
  const server = bool("server", false);
  const telnet = bool("telnet", false);
  const tn3270 = bool("tn3270", false);
  const websocket = bool("websocket", false);
  const wait = server && bool("wait", true);
  const nodelay = values.has("nodelay") ? bool("nodelay", false) : !bool("delay", true);
  const reconnect = num("reconnect");
  const reconnectMsOpt = num("reconnect-ms");
  // qmp_chardev_validate_socket
  if (values.has("wait") && !server) {
    throw new ChardevOptionError("'wait' option is incompatible with socket in client connect mode");
  }
  if ((reconnect !== undefined || reconnectMsOpt !== undefined) && server) {
    throw new ChardevOptionError("'reconnect' option is incompatible with socket in server listen mode");
  }
  if (reconnect !== undefined && reconnectMsOpt !== undefined) {
    throw new ChardevOptionError("'reconnect' and 'reconnect-ms' are mutually exclusive");
  }
  if (websocket && !server) {
    throw new ChardevOptionError("Websocket client is not implemented");
  }
  if (fd !== undefined) {
    throw new ChardevOptionError("chardev: socket: fd= is not supported by virtkit (no inherited descriptors)");
  }
  if (path === undefined && host === undefined) {
    // No address: QEMU takes it as an (empty) fd and fails parsing it (monitor_fd_param).
    throw new ChardevOptionError("Unable to parse FD number ");
  }
  const reconnectMs = reconnectMsOpt ?? (reconnect !== undefined && reconnect > 0 ? reconnect * 1000 : undefined);
  const tlsCreds = values.get("tls-creds");
  let address: SocketChardevConfig["address"];
  if (path !== undefined) {
    address = {
      type: "unix",
      path,
      ...(values.has("abstract") ? { abstract: bool("abstract", false) } : {}),
      ...(values.has("tight") ? { tight: bool("tight", true) } : {}),
    };
  } else {
    const to = num("to");
    address = {
      type: "inet",
      host: host!,
      port: port!,
      ...(to !== undefined ? { to } : {}),
      ...(values.has("ipv4") ? { ipv4: bool("ipv4", false) } : {}),
      ...(values.has("ipv6") ? { ipv6: bool("ipv6", false) } : {}),
    };
  }
  return {
    backend: "socket",
    address,
    server,
    wait,
    nodelay,
    telnet,
    websocket,
    tn3270,
    ...(reconnectMs !== undefined ? { reconnectMs } : {}),
    ...(tlsCreds !== undefined ? { tlsCreds } : {}),
  };
}
