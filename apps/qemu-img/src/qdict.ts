/**
 * qemu's QDict iteration order and its two printers. QDict is a 512-bucket hash
 * table (qobject/qdict.c, tdb_hash); iteration walks the buckets in order and
 * each bucket newest-first. Both `--output=json` (qobject/json-writer.c) and the
 * human "Format specific information" dump (block/qapi.c dump_qdict) print keys
 * in that order, so reproducing it is what makes the output byte-identical.
 */
export type QValue = number | bigint | string | boolean | QDict | QValue[];

const QDICT_BUCKET_MAX = 512;

/** tdb_hash() on the key's bytes, in 32-bit unsigned arithmetic. */
export function tdbHash(key: string): number {
  const bytes = new TextEncoder().encode(key);
  let value = Math.imul(0x238f13af, bytes.length) >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    value = (value + ((bytes[i]! << ((i * 5) % 24)) >>> 0)) >>> 0;
  }
  return (Math.imul(1103515243, value) + 12345) >>> 0;
}

export class QDict {
  private readonly entries: { key: string; value: QValue; seq: number }[] = [];
  private seq = 0;

  /** qdict_put(): replaces in place or inserts at the head of the key's bucket. */
  put(key: string, value: QValue): this {
    const e = this.entries.find((x) => x.key === key);
    if (e) e.value = value;
    else this.entries.push({ key, value, seq: this.seq++ });
    return this;
  }

  get(key: string): QValue | undefined {
    return this.entries.find((x) => x.key === key)?.value;
  }

  /** Entries in qdict_first()/qdict_next() order. */
  ordered(): [string, QValue][] {
    return this.entries
      .map((e) => ({ ...e, bucket: tdbHash(e.key) % QDICT_BUCKET_MAX }))
      .sort((a, b) => a.bucket - b.bucket || b.seq - a.seq)
      .map((e) => [e.key, e.value]);
  }
}

/** json-writer.c quoted_str() */
function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    switch (ch) {
      case '"':
        out += '\\"';
        break;
      case "\\":
        out += "\\\\";
        break;
      case "\b":
        out += "\\b";
        break;
      case "\f":
        out += "\\f";
        break;
      case "\n":
        out += "\\n";
        break;
      case "\r":
        out += "\\r";
        break;
      case "\t":
        out += "\\t";
        break;
      default:
        if (cp > 0xffff) {
          const hi = 0xd800 + ((cp - 0x10000) >> 10), lo = 0xdc00 + ((cp - 0x10000) & 0x3ff);
          out += `\\u${hi.toString(16).toUpperCase().padStart(4, "0")}\\u${lo.toString(16).toUpperCase().padStart(4, "0")}`;
        } else if (cp < 0x20 || cp >= 0x7f) {
          out += `\\u${cp.toString(16).toUpperCase().padStart(4, "0")}`;
        } else out += ch;
    }
  }
  return `${out}"`;
}

/** qobject_to_json_pretty(obj, pretty) with json-writer.c's exact spacing. */
export function toJson(value: QValue, pretty = true): string {
  let out = "";
  const stack: boolean[] = []; // true = array
  let needComma = false;
  const newline = (): void => {
    if (pretty) out += `\n${" ".repeat(stack.length * 4)}`;
  };
  const newlineOrSpace = (): void => {
    if (pretty) newline();
    else out += " ";
  };
  const commaName = (name: string | null): void => {
    if (needComma) {
      out += ",";
      newlineOrSpace();
    } else {
      if (out.length) newline();
      needComma = true;
    }
    if (stack.length && !stack[stack.length - 1] && name !== null) out += `${quote(name)}: `;
  };
  const emit = (name: string | null, v: QValue): void => {
    if (v instanceof QDict) {
      commaName(name);
      out += "{";
      stack.push(false);
      needComma = false;
      for (const [k, x] of v.ordered()) emit(k, x);
      stack.pop();
      needComma = true;
      newline();
      out += "}";
    } else if (Array.isArray(v)) {
      commaName(name);
      out += "[";
      stack.push(true);
      needComma = false;
      for (const x of v) emit(null, x);
      stack.pop();
      needComma = true;
      newline();
      out += "]";
    } else {
      commaName(name);
      if (typeof v === "string") out += quote(v);
      else if (typeof v === "boolean") out += v ? "true" : "false";
      else out += String(v);
    }
  };
  emit(null, value);
  return out;
}

/** block/qapi.c dump_qdict()/dump_qlist(): "key: value" lines, dashes shown as spaces. */
export function dumpHuman(value: QValue, indentation: number): string {
  let out = "";
  const scalar = (v: QValue): string => {
    if (typeof v === "boolean") return v ? "true" : "false";
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "bigint") return v.toString();
    return "";
  };
  if (value instanceof QDict) {
    for (const [k, v] of value.ordered()) {
      const composite = v instanceof QDict || Array.isArray(v);
      out += `${" ".repeat(indentation * 4)}${k.replace(/-/g, " ")}:${composite ? "\n" : " "}`;
      out += composite ? dumpHuman(v, indentation + 1) : `${scalar(v)}\n`;
    }
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      const composite = v instanceof QDict || Array.isArray(v);
      out += `${" ".repeat(indentation * 4)}[${i}]:${composite ? "\n" : " "}`;
      out += composite ? dumpHuman(v, indentation + 1) : `${scalar(v)}\n`;
    });
  } else {
    out += scalar(value);
  }
  return out;
}
