// libvirtd.conf as virConf reads it (src/util/virconf.c): `key = value` lines, # comments,
// values that are "strings" ('single' quotes too), integers, or [ lists, of, strings ]. Only the
// keys this daemon implements are accepted with their types; unknown keys are ignored, as
// libvirtd ignores keys of features it was built without.

export type ConfValue = string | number | string[];

export class ConfError extends Error {
  override readonly name = "ConfError";
}

/** virConfParse: returns the keys in file order (later duplicates win). */
export function parseConf(text: string, filename: string): Map<string, ConfValue> {
  const out = new Map<string, ConfValue>();
  let i = 0;
  let line = 1;
  const n = text.length;
  const fail = (msg: string): never => {
    throw new ConfError(`configuration file syntax error: ${filename}:${line}: ${msg}`);
  };
  const skipBlanks = (newlines: boolean) => {
    while (i < n) {
      const c = text[i]!;
      if (c === "#") {
        while (i < n && text[i] !== "\n") i++;
      } else if (c === " " || c === "\t" || c === "\r") i++;
      else if (c === "\n" && newlines) {
        line++;
        i++;
      } else break;
    }
  };
  const readString = (): string => {
    const q = text[i]!;
    i++;
    let s = "";
    if (q === '"' && text.startsWith('""', i)) {
      // """triple quoted""" strings may span lines
      i += 2;
      const end = text.indexOf('"""', i);
      if (end < 0) fail("unterminated string");
      s = text.slice(i, end);
      for (const ch of s) if (ch === "\n") line++;
      i = end + 3;
      return s;
    }
    while (i < n && text[i] !== q) {
      if (text[i] === "\n") fail("unterminated string");
      s += text.charAt(i);
      i++;
    }
    if (i >= n) fail("unterminated string");
    i++;
    return s;
  };
  const readValue = (): ConfValue => {
    const c = text[i];
    if (c === '"' || c === "'") return readString();
    if (c === "[") {
      i++;
      const list: string[] = [];
      skipBlanks(true);
      if (text[i] === "]") {
        i++;
        return list;
      }
      for (;;) {
        skipBlanks(true);
        const v = readValue();
        if (typeof v !== "string") fail("expecting a string in a list");
        list.push(v as string);
        skipBlanks(true);
        if (text[i] === ",") {
          i++;
          skipBlanks(true);
          if (text[i] === "]") {
            i++;
            return list;
          }
          continue;
        }
        if (text[i] === "]") {
          i++;
          return list;
        }
        fail("expecting a separator in list");
      }
    }
    const m = /^-?\d+/.exec(text.slice(i, i + 32));
    if (!m) fail("expecting a value");
    i += m![0].length;
    return Number(m![0]);
  };
  for (;;) {
    skipBlanks(true);
    if (i >= n) break;
    const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(text.slice(i, i + 256));
    if (!m) fail("expecting a name");
    const key = m![0];
    i += key.length;
    skipBlanks(false);
    if (text[i] !== "=") fail("expecting an assignment");
    i++;
    skipBlanks(false);
    out.set(key, readValue());
    skipBlanks(false);
    if (i < n && text[i] !== "\n" && text[i] !== ";") fail("expecting a separator");
    if (text[i] === ";") i++;
  }
  return out;
}

/** The daemon settings this implementation honours (libvirtd.conf key names). */
export interface DaemonConfig {
  unix_sock_dir: string;
  unix_sock_group: string | null;
  unix_sock_ro_perms: number;
  unix_sock_rw_perms: number;
  unix_sock_admin_perms: number;
  auth_unix_rw: string;
  auth_unix_ro: string;
  listen_tls: number;
  listen_tcp: number;
  listen_addr: string;
  tcp_port: number;
  auth_tcp: string;
  keepalive_interval: number;
  keepalive_count: number;
  max_clients: number;
  log_level: number;
  log_outputs: string;
  log_filters: string;
}

export const DEFAULT_CONFIG: DaemonConfig = {
  unix_sock_dir: "/run/libvirt",
  unix_sock_group: null,
  unix_sock_ro_perms: 0o777,
  unix_sock_rw_perms: 0o700,
  unix_sock_admin_perms: 0o700,
  auth_unix_rw: "none",
  auth_unix_ro: "none",
  listen_tls: 1,
  listen_tcp: 0,
  listen_addr: "",
  tcp_port: 16509,
  auth_tcp: "sasl",
  keepalive_interval: 5,
  keepalive_count: 5,
  max_clients: 5000,
  log_level: 3,
  log_outputs: "",
  log_filters: "",
};

const INT_KEYS = ["listen_tls", "listen_tcp", "keepalive_interval", "keepalive_count", "max_clients", "log_level"] as const;
const STRING_KEYS = ["unix_sock_dir", "auth_unix_rw", "auth_unix_ro", "listen_addr", "auth_tcp", "log_outputs", "log_filters"] as const;
const PERM_KEYS = ["unix_sock_ro_perms", "unix_sock_rw_perms", "unix_sock_admin_perms"] as const;

/** daemonConfigLoadOptions: typed keys with libvirtd's messages for mistyped values. */
export function loadDaemonConfig(text: string, filename: string): DaemonConfig {
  const raw = parseConf(text, filename);
  const cfg: DaemonConfig = { ...DEFAULT_CONFIG };
  const typeErr = (key: string, want: string) => new ConfError(`${filename}: ${key}: expected ${want}`);
  for (const k of INT_KEYS) {
    const v = raw.get(k);
    if (v === undefined) continue;
    if (typeof v !== "number") throw typeErr(k, "a number");
    cfg[k] = v;
  }
  for (const k of STRING_KEYS) {
    const v = raw.get(k);
    if (v === undefined) continue;
    if (typeof v !== "string") throw typeErr(k, "a string");
    cfg[k] = v;
  }
  for (const k of PERM_KEYS) {
    const v = raw.get(k);
    if (v === undefined) continue;
    if (typeof v !== "string" || !/^[0-7]{1,4}$/.test(v)) throw new ConfError(`Failed to parse mode '${String(v)}'`);
    cfg[k] = parseInt(v, 8);
  }
  const tcpPort = raw.get("tcp_port");
  if (tcpPort !== undefined) {
    const p = typeof tcpPort === "string" ? Number(tcpPort) : tcpPort;
    if (typeof p !== "number" || !Number.isInteger(p) || p < 0 || p > 65535) throw typeErr("tcp_port", "a port number");
    cfg.tcp_port = p;
  }
  const group = raw.get("unix_sock_group");
  if (typeof group === "string") cfg.unix_sock_group = group;
  for (const k of ["auth_unix_rw", "auth_unix_ro", "auth_tcp"] as const) {
    if (cfg[k] !== "none" && !(k === "auth_tcp" && raw.get(k) === undefined)) {
      throw new ConfError(`${filename}: ${k}: unsupported auth ${cfg[k]} (only "none" is implemented)`);
    }
  }
  return cfg;
}
