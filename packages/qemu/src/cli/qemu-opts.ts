/*
 * QEMU's option-string syntax (util/qemu-option.c opts_do_parse): "value,key=value,key=value" where
 * ",," is a literal comma, the first element without "=" belongs to an implied key (the "type" of
 * -machine, the "driver" of -device ...), and a bare "key" means key=on ("nokey" key=off, both
 * deprecated). Also qemu_strtosz and the boolean spellings QemuOpts accepts.
 */

export class QemuOptsError extends Error {}

export interface QemuOpts {
  /** Keys in order of appearance (the last value of a repeated key wins in `get`). */
  readonly entries: [string, string][];
  get(key: string): string | undefined;
  has(key: string): boolean;
}

/** Splits at single commas; ",," is a literal comma. */
export function splitOptString(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === ",") {
      if (text[i + 1] === ",") {
        cur += ",";
        i++;
        continue;
      }
      out.push(cur);
      cur = "";
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out;
}

/**
 * Parses an option string. `impliedKey` names the key of a leading element without "=" (only the
 * first element may be implied). `warn` receives QEMU's deprecation warnings for short booleans.
 */
export function parseQemuOpts(text: string, impliedKey?: string, warn?: (message: string) => void): QemuOpts {
  const entries: [string, string][] = [];
  const parts = splitOptString(text);
  parts.forEach((part, i) => {
    const eq = part.indexOf("=");
    if (eq >= 0) {
      entries.push([part.slice(0, eq), part.slice(eq + 1)]);
    } else if (i === 0 && impliedKey !== undefined) {
      entries.push([impliedKey, part]);
    } else if (part === "") {
      if (i !== parts.length - 1 || parts.length === 1) {
        // an empty element: QEMU reports it as an empty parameter name
        throw new QemuOptsError("Invalid parameter ''");
      }
    } else if (part.startsWith("no") && part.length > 2) {
      warn?.(`short-form boolean option '${part}' deprecated\nPlease use ${part.slice(2)}=off instead`);
      entries.push([part.slice(2), "off"]);
    } else {
      warn?.(`short-form boolean option '${part}' deprecated\nPlease use ${part}=on instead`);
      entries.push([part, "on"]);
    }
  });
  return {
    entries,
    get(key: string): string | undefined {
      for (let i = entries.length - 1; i >= 0; i--) {
        if (entries[i]![0] === key) {
          return entries[i]![1];
        }
      }
      return undefined;
    },
    has(key: string): boolean {
      return entries.some((e) => e[0] === key);
    },
  };
}

/** qapi_bool_parse: on/off, yes/no, true/false, y/n. */
export function parseBool(name: string, value: string): boolean {
  if (value === "on" || value === "yes" || value === "true" || value === "y") {
    return true;
  }
  if (value === "off" || value === "no" || value === "false" || value === "n") {
    return false;
  }
  throw new QemuOptsError(`Parameter '${name}' expects 'on' or 'off'`);
}

const SIZE_SUFFIX: Readonly<Record<string, number>> = { b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50, e: 2 ** 60 };

/**
 * qemu_strtosz with a default suffix: "128", "128M", "1.5G", "0x1000". Returns undefined for text
 * that is not a size.
 */
export function parseSize(text: string, defaultUnit = 1): number | undefined {
  const m = /^(0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]+)?)([bBkKmMgGtTpPeE]?)$/.exec(text.trim());
  if (m === null) {
    return undefined;
  }
  const hex = m[1]!.toLowerCase().startsWith("0x");
  const num = hex ? Number.parseInt(m[1]!, 16) : Number(m[1]);
  if (hex && m[2] !== "" && m[2]!.toLowerCase() !== "b") {
    // Hex with a unit suffix is rejected by qemu_strtosz (ambiguous "0x1e").
    return undefined;
  }
  const unit = m[2] === "" ? defaultUnit : SIZE_SUFFIX[m[2]!.toLowerCase()]!;
  const v = num * unit;
  if (!Number.isFinite(v) || v >= 2 ** 64 || (!Number.isInteger(num) && unit === 1)) {
    return undefined;
  }
  return Math.floor(v);
}

/** QEMU's message for a size it cannot parse. */
export function sizeError(param: string): string {
  return `Parameter '${param}' expects a non-negative number below 2^64\nOptional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.`;
}
