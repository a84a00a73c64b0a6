import { strtosz } from "./size.js";

/**
 * Image creation options as qemu-img takes them with -o (util/qemu-option.c
 * QemuOpts): a format's option list plus the file protocol's, parsed from
 * "name=value,name2=value2" with ",," as an escaped comma, printed back in list
 * order by the "Formatting ..." line.
 */
export type OptType = "string" | "bool" | "number" | "size";

export interface OptDesc {
  name: string;
  type: OptType;
  help: string;
  def?: string;
}

/** The file protocol's create options (block/file-posix.c raw_create_opts). */
const FILE_OPTS: OptDesc[] = [
  { name: "size", type: "size", help: "Virtual disk size" },
  { name: "nocow", type: "bool", help: "Turn off copy-on-write (valid only on btrfs)" },
  { name: "preallocation", type: "string", help: "Preallocation mode (allowed values: off, falloc, full)" },
  { name: "extent_size_hint", type: "size", help: "Extent size hint for the image file, 0 to disable" },
];

/** qcow2_create_opts (block/qcow2.c), in qemu's order. */
const QCOW2_OPTS: OptDesc[] = [
  { name: "encryption", type: "bool", help: "Encrypt the image with format 'aes'. (Deprecated in favor of encrypt.format=aes)" },
  { name: "encrypt.format", type: "string", help: "Encrypt the image, format choices: 'aes', 'luks'" },
  { name: "encrypt.key-secret", type: "string", help: "ID of secret providing qcow AES key or LUKS passphrase" },
  { name: "encrypt.cipher-alg", type: "string", help: "Name of encryption cipher algorithm" },
  { name: "encrypt.cipher-mode", type: "string", help: "Name of encryption cipher mode" },
  { name: "encrypt.ivgen-alg", type: "string", help: "Name of IV generator algorithm" },
  { name: "encrypt.ivgen-hash-alg", type: "string", help: "Name of IV generator hash algorithm" },
  { name: "encrypt.hash-alg", type: "string", help: "Name of encryption hash algorithm" },
  { name: "encrypt.iter-time", type: "number", help: "Time to spend in PBKDF in milliseconds" },
  { name: "cluster_size", type: "size", help: "qcow2 cluster size", def: "65536" },
  { name: "extended_l2", type: "bool", help: "Extended L2 tables", def: "off" },
  { name: "preallocation", type: "string", help: "Preallocation mode (allowed values: off, metadata, falloc, full)" },
  { name: "compression_type", type: "string", help: "Compression method used for image cluster compression", def: "zlib" },
  { name: "size", type: "size", help: "Virtual disk size" },
  { name: "compat", type: "string", help: "Compatibility level (v2 [0.10] or v3 [1.1])" },
  { name: "backing_file", type: "string", help: "File name of a base image" },
  { name: "backing_fmt", type: "string", help: "Image format of the base image" },
  { name: "data_file", type: "string", help: "File name of an external data file" },
  { name: "data_file_raw", type: "bool", help: "The external data file must stay valid as a raw image" },
  { name: "lazy_refcounts", type: "bool", help: "Postpone refcount updates", def: "off" },
  { name: "refcount_bits", type: "number", help: "Width of a reference count entry in bits", def: "16" },
];

/** raw_create_opts (block/raw-format.c) */
const RAW_OPTS: OptDesc[] = [{ name: "size", type: "size", help: "Virtual disk size" }];

/** qemu_opts_append(): format list, then the protocol's options not already present. */
export function createOptionList(format: string): OptDesc[] | null {
  const base = format === "qcow2" ? QCOW2_OPTS : format === "raw" ? RAW_OPTS : null;
  if (!base) return null;
  const out = [...base];
  for (const o of FILE_OPTS) if (!out.some((x) => x.name === o.name)) out.push(o);
  return out;
}

export class OptsError extends Error {}

interface OptValue {
  str: string;
  /** parsed value for size/number options, as qemu's 64-bit unsigned */
  uint?: bigint;
}

/** A QemuOpts instance: values set so far, validated against `list`. */
export class QemuOpts {
  private readonly values = new Map<string, OptValue>();
  constructor(readonly list: OptDesc[]) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  get(name: string): string | undefined {
    return this.values.get(name)?.str;
  }

  /** qemu_opt_get_size/number: the parsed value, or the default, or undefined */
  getNumber(name: string): bigint | undefined {
    const v = this.values.get(name);
    if (v?.uint !== undefined) return v.uint;
    const d = this.list.find((o) => o.name === name)?.def;
    return d !== undefined ? BigInt(d) : undefined;
  }

  getBool(name: string): boolean | undefined {
    const s = this.values.get(name)?.str ?? this.list.find((o) => o.name === name)?.def;
    if (s === undefined) return undefined;
    return parseBool(s) ?? undefined;
  }

  /** qemu_opt_set(): validates against the descriptor and parses the value. */
  set(name: string, str: string): void {
    const desc = this.list.find((o) => o.name === name);
    if (!desc) throw new OptsError(`Invalid parameter '${name}'`);
    const v: OptValue = { str };
    if (desc.type === "bool") {
      if (parseBool(str) === null) throw new OptsError(`Parameter '${name}' expects 'on' or 'off'`);
    } else if (desc.type === "size") {
      const r = /^\s*-/.test(str) ? "EINVAL" : strtosz(str);
      if (typeof r !== "bigint") {
        throw new OptsError(
          `Parameter '${name}' expects a non-negative number below 2^64\nOptional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.`,
        );
      }
      v.uint = r;
    } else if (desc.type === "number") {
      const n = parseU64(str);
      if (n === null) throw new OptsError(`Parameter '${name}' expects a number`);
      v.uint = n;
    }
    this.values.set(name, v);
  }

  setNumber(name: string, n: number): void {
    this.values.set(name, { str: String(n), uint: BigInt(n) });
  }

  /** qemu_opts_do_parse(): "a=b,c" with ",," escaping; a bare name means "on". */
  parse(params: string): void {
    let i = 0;
    while (i < params.length) {
      let name = "";
      while (i < params.length && params[i] !== "=" && params[i] !== ",") name += params[i++]!;
      let value: string;
      if (params[i] === "=") {
        i++;
        value = "";
        while (i < params.length) {
          if (params[i] === ",") {
            if (params[i + 1] === ",") {
              value += ",";
              i += 2;
              continue;
            }
            break;
          }
          value += params[i++]!;
        }
      } else {
        value = name.startsWith("no") && this.list.some((o) => o.name === name.slice(2)) ? "off" : "on";
        if (value === "off") name = name.slice(2);
      }
      if (params[i] === ",") i++;
      this.set(name, value);
    }
  }

  /** qemu_opts_print(opts, " ") */
  print(): string {
    const parts: string[] = [];
    for (const d of this.list) {
      const v = this.values.get(d.name);
      const value = v ? v.str : d.def;
      if (value === undefined) continue;
      if (d.type === "string") parts.push(`${d.name}=${value.replace(/,/g, ",,")}`);
      else if ((d.type === "size" || d.type === "number") && v?.uint !== undefined) parts.push(`${d.name}=${BigInt.asIntN(64, v.uint)}`);
      else parts.push(`${d.name}=${value}`);
    }
    return parts.join(" ");
  }

  /** qemu_opts_print_help(list, false): sorted, names padded to 24 columns. */
  help(): string {
    const typeName: Record<OptType, string> = { string: "str", bool: "bool (on/off)", number: "num", size: "size" };
    return [...this.list]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((d) => `  ${`${d.name}=<${typeName[d.type]}>`.padEnd(22)} - ${d.help}\n`)
      .join("");
  }
}

/** qapi_bool_parse() */
export function parseBool(s: string): boolean | null {
  if (["on", "yes", "true", "y"].includes(s)) return true;
  if (["off", "no", "false", "n"].includes(s)) return false;
  return null;
}

/** qemu_strtou64(s, NULL, 0): base prefix allowed, negative wraps as in C. */
function parseU64(s: string): bigint | null {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return null;
  const t = m[2]!;
  let v = /^0[xX]/.test(t) ? BigInt(t) : t.length > 1 && t.startsWith("0") ? BigInt(`0o${t.slice(1)}`) : BigInt(t);
  if (v >= 1n << 64n) return null;
  if (m[1] === "-") v = BigInt.asUintN(64, -v);
  return v;
}

/** is_valid_option_list() in qemu-img.c: no empty elements, ",," escapes allowed. */
export function isValidOptionList(s: string): boolean {
  if (s === "" || s.startsWith(",")) return false;
  let i = 0;
  while (i < s.length) {
    if (s[i] === ",") {
      if (s[i + 1] === ",") {
        i += 2;
        continue;
      }
      if (i + 1 >= s.length) return false;
    }
    i++;
  }
  return true;
}

/** has_help_option() */
export function hasHelpOption(s: string): boolean {
  return s.split(",").some((p) => p === "help" || p === "?");
}
