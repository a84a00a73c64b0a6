/*
 * JSON as QMP speaks it (QEMU qobject/json-lexer.c, json-streamer.c, json-parser.c, qjson.c):
 *
 *  - input is a stream of top-level values, split as they complete (braces and brackets balanced);
 *    strings may use single quotes (a QEMU extension); each value is one request;
 *  - parse errors are reported per value with QEMU's texts ("JSON parse error, expecting value",
 *    "... invalid keyword 'x'", "... stray '@'", ...);
 *  - output is QEMU's compact form: `{"a": 1, "b": [1, 2]}` (": " and ", "), non-ASCII escaped as
 *    \uXXXX, keys in the order they were added.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export class JsonParseError extends Error {}

type Token =
  | { t: "{" | "}" | "[" | "]" | ":" | "," }
  | { t: "str"; v: string }
  | { t: "num"; v: number }
  | { t: "kw"; v: string }
  | { t: "err"; v: string };

/** The lexer for one complete top-level value's text. */
function lex(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if ("{}[]:,".includes(c)) {
      out.push({ t: c as "{" });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      let s = "";
      i++;
      let closed = false;
      while (i < text.length) {
        const d = text[i]!;
        if (d === c) {
          closed = true;
          i++;
          break;
        }
        if (d === "\\") {
          const e = text[i + 1];
          const simple: Record<string, string> = { '"': '"', "'": "'", "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
          if (e !== undefined && simple[e] !== undefined) {
            s += simple[e];
            i += 2;
            continue;
          }
          if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            s += String.fromCharCode(Number.parseInt(text.slice(i + 2, i + 6), 16));
            i += 6;
            continue;
          }
          out.push({ t: "err", v: text.slice(i, i + 2) });
          return out;
        }
        s += d;
        i++;
      }
      if (!closed) {
        out.push({ t: "err", v: text.slice(i) });
        return out;
      }
      out.push({ t: "str", v: s });
      continue;
    }
    const num = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(text.slice(i));
    if (num !== null && (c === "-" || (c >= "0" && c <= "9"))) {
      out.push({ t: "num", v: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    const kw = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(text.slice(i));
    if (kw !== null) {
      out.push({ t: "kw", v: kw[0] });
      i += kw[0].length;
      continue;
    }
    out.push({ t: "err", v: c });
    return out;
  }
  return out;
}

class Parser {
  private pos = 0;
  constructor(private readonly toks: Token[]) {}

  private fail(msg: string): never {
    throw new JsonParseError(`JSON parse error, ${msg}`);
  }

  private peek(): Token | undefined {
    return this.toks[this.pos];
  }

  value(): JsonValue {
    const tok = this.toks[this.pos++];
    if (tok === undefined) {
      this.fail("expecting value");
    }
    switch (tok.t) {
      case "{":
        return this.object();
      case "[":
        return this.array();
      case "str":
        return tok.v;
      case "num":
        return tok.v;
      case "kw":
        if (tok.v === "true") return true;
        if (tok.v === "false") return false;
        if (tok.v === "null") return null;
        return this.fail(`invalid keyword '${tok.v}'`);
      case "err":
        return this.fail(`stray '${tok.v}'`);
      default:
        return this.fail("expecting value");
    }
  }

  private object(): Record<string, JsonValue> {
    const obj: Record<string, JsonValue> = {};
    if (this.peek()?.t === "}") {
      this.pos++;
      return obj;
    }
    for (;;) {
      // parse_pair: the key is parsed as any value first, so "{...,}" reports "expecting value".
      const key = this.value();
      if (typeof key !== "string") this.fail("key is not a string in object");
      if (this.toks[this.pos++]?.t !== ":") this.fail("missing : in object pair");
      obj[key] = this.value();
      const sep = this.toks[this.pos++];
      if (sep?.t === "}") return obj;
      if (sep?.t !== ",") this.fail("expected separator in dict");
    }
  }

  private array(): JsonValue[] {
    const arr: JsonValue[] = [];
    if (this.peek()?.t === "]") {
      this.pos++;
      return arr;
    }
    for (;;) {
      arr.push(this.value());
      const sep = this.toks[this.pos++];
      if (sep?.t === "]") return arr;
      if (sep?.t !== ",") this.fail("expected separator in list");
    }
  }

  done(): boolean {
    return this.pos >= this.toks.length;
  }
}

/** Parses one complete value's text, throwing JsonParseError with QEMU's message. */
export function parseQmpJson(text: string): JsonValue {
  const p = new Parser(lex(text));
  const v = p.value();
  if (!p.done()) {
    throw new JsonParseError("JSON parse error, expecting value");
  }
  return v;
}

/**
 * The json-streamer: feeds bytes, calls `onValue` with the text of each complete top-level value
 * (or a lone bad token). Brace/bracket depth decides completeness, as QEMU's streamer does.
 */
export class JsonStreamer {
  private buf = "";
  private depth = 0;
  private inString: string | null = null;
  private escape = false;
  private start = -1;

  constructor(private readonly onValue: (text: string) => void) {}

  feed(chunk: string): void {
    for (const c of chunk) {
      this.buf += c;
      if (this.inString !== null) {
        if (this.escape) {
          this.escape = false;
        } else if (c === "\\") {
          this.escape = true;
        } else if (c === this.inString) {
          this.inString = null;
          if (this.depth === 0) this.emit();
        }
        continue;
      }
      if (c === '"' || c === "'") {
        this.inString = c;
        if (this.start < 0) this.start = this.buf.length - 1;
        continue;
      }
      if (c === "{" || c === "[") {
        if (this.start < 0) this.start = this.buf.length - 1;
        this.depth++;
        continue;
      }
      if (c === "}" || c === "]") {
        if (this.start < 0) this.start = this.buf.length - 1;
        this.depth--;
        if (this.depth <= 0) {
          this.depth = 0;
          this.emit();
        }
        continue;
      }
      if (this.depth === 0) {
        if (c === " " || c === "\t" || c === "\r" || c === "\n") {
          if (this.start >= 0) this.emit(this.buf.length - 1);
          else this.buf = "";
          continue;
        }
        if (this.start < 0) this.start = this.buf.length - 1;
        if (!/[A-Za-z0-9_.+-]/.test(c)) {
          this.emit();
        }
      }
    }
  }

  private emit(end = this.buf.length): void {
    const text = this.buf.slice(Math.max(this.start, 0), end);
    this.buf = "";
    this.start = -1;
    if (text.trim() !== "") {
      this.onValue(text);
    }
  }

  /** Drops any partial value (the peer disconnected). */
  reset(): void {
    this.buf = "";
    this.depth = 0;
    this.inString = null;
    this.escape = false;
    this.start = -1;
  }
}

function quote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
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
        if (c < 0x20 || c === 0x7f) {
          out += `\\u${c.toString(16).padStart(4, "0")}`;
        } else if (c > 0x7f) {
          // QEMU escapes everything outside ASCII, as UTF-16 code units.
          for (let i = 0; i < ch.length; i++) {
            out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, "0")}`;
          }
        } else {
          out += ch;
        }
    }
  }
  return `${out}"`;
}

/** qobject_to_json: QEMU's compact output. */
export function formatQmpJson(v: JsonValue): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") return Number.isInteger(v) ? v.toString() : String(v);
  if (typeof v === "string") return quote(v);
  if (Array.isArray(v)) return `[${v.map(formatQmpJson).join(", ")}]`;
  return `{${Object.entries(v).map(([k, x]) => `${quote(k)}: ${formatQmpJson(x)}`).join(", ")}}`;
}
