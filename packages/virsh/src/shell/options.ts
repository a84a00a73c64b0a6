// virsh's own command-line options (tools/virsh.c virshParseArgv): getopt_long with
// "+:c:d:e:hk:K:l:qrtvV" — option parsing stops at the first word that is not an option, short
// options may be bundled (-qr) and take their argument attached or as the next word, long
// options may be abbreviated to a unique prefix.
import { INT_MAX, INT_MIN, parseSigned, strToSigned } from "./numbers.js";
import { VSH_ERR_DEBUG, VSH_ERR_ERROR } from "./shell.js";

export interface VirshArgs {
  connname: string | null;
  debug: number | null;
  escapeChar: string | null;
  keepaliveInterval: number;
  keepaliveCount: number;
  logfile: string | null;
  quiet: boolean;
  readonly: boolean;
  timing: boolean;
  /** the words after the options: a command string (one word) or a command and its arguments */
  rest: string[];
}

export type ArgsOutcome =
  | { kind: "run"; args: VirshArgs; warnings: string[] }
  | { kind: "exit"; code: number; stdout: string; stderr: string }
  | { kind: "help" }
  | { kind: "version"; long: boolean };

interface LongOpt {
  name: string;
  arg: "none" | "required" | "optional";
  short: string;
}

const LONG: LongOpt[] = [
  { name: "connect", arg: "required", short: "c" },
  { name: "debug", arg: "required", short: "d" },
  { name: "escape", arg: "required", short: "e" },
  { name: "help", arg: "none", short: "h" },
  { name: "keepalive-interval", arg: "required", short: "k" },
  { name: "keepalive-count", arg: "required", short: "K" },
  { name: "log", arg: "required", short: "l" },
  { name: "quiet", arg: "none", short: "q" },
  { name: "readonly", arg: "none", short: "r" },
  { name: "timing", arg: "none", short: "t" },
  { name: "version", arg: "optional", short: "v" },
];
const SHORT_WITH_ARG = new Set(["c", "d", "e", "k", "K", "l"]);
const SHORT_FLAGS = new Set(["h", "q", "r", "t", "v", "V"]);

/** virshAllowedEscapeChar: a-z A-Z @ [ \ ] ^ _ */
function allowedEscapeChar(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "@" && c <= "_");
}

export function parseVirshArgs(argv: readonly string[]): ArgsOutcome {
  const a: VirshArgs = {
    connname: null,
    debug: null,
    escapeChar: null,
    keepaliveInterval: -1,
    keepaliveCount: -1,
    logfile: null,
    quiet: false,
    readonly: false,
    timing: false,
    rest: [],
  };
  const warnings: string[] = [];
  const fail = (msg: string): ArgsOutcome => ({ kind: "exit", code: 1, stdout: "", stderr: `error: ${msg}\n` });

  /** Apply one option; returns an outcome to stop with, or null to go on. */
  const apply = (short: string, value: string | null, long: boolean): ArgsOutcome | null => {
    switch (short) {
      case "c":
        a.connname = value;
        return null;
      case "d": {
        const v = parseSigned(value ?? "", INT_MIN, INT_MAX);
        if (v === null) return fail(`option ${long ? "--debug" : "-d"} takes a numeric argument`);
        const n = Number(v);
        if (n < VSH_ERR_DEBUG || n > VSH_ERR_ERROR) warnings.push(`ignoring debug level ${n} out of range [${VSH_ERR_DEBUG}-${VSH_ERR_ERROR}]`);
        else a.debug = n;
        return null;
      }
      case "e": {
        const s = value ?? "";
        if ((s.length === 2 && s.startsWith("^") && allowedEscapeChar(s[1]!)) || (s.length === 1 && s !== "^")) a.escapeChar = s;
        else return fail(`Invalid string '${s}' for escape sequence`);
        return null;
      }
      case "h":
        return { kind: "help" };
      case "k":
      case "K": {
        const name = short === "k" ? (long ? "--keepalive-interval" : "-k") : long ? "--keepalive-count" : "-K";
        const r = strToSigned(value ?? "", INT_MIN, INT_MAX, 0);
        if (r?.rest !== "") return fail(`Invalid value for option ${name}`);
        if (r.value < 0n) return fail(`option ${name} requires a positive integer argument`);
        if (short === "k") a.keepaliveInterval = Number(r.value);
        else a.keepaliveCount = Number(r.value);
        return null;
      }
      case "l":
        a.logfile = value;
        return null;
      case "q":
        a.quiet = true;
        return null;
      case "r":
        a.readonly = true;
        return null;
      case "t":
        a.timing = true;
        return null;
      case "v":
        return { kind: "version", long: value === "long" };
      case "V":
        return { kind: "version", long: true };
    }
    return fail("unknown option");
  };

  let i = 0;
  while (i < argv.length) {
    const w = argv[i]!;
    if (w === "--") {
      i++;
      break;
    }
    if (w.startsWith("--")) {
      const eq = w.indexOf("=");
      const name = eq >= 0 ? w.slice(2, eq) : w.slice(2);
      const exact = LONG.find((o) => o.name === name);
      const prefixed = LONG.filter((o) => o.name.startsWith(name));
      const opt = exact ?? (prefixed.length === 1 ? prefixed[0] : undefined);
      if (!opt) return fail(`unsupported option '${w}'. See --help.`);
      i++;
      let value: string | null = eq >= 0 ? w.slice(eq + 1) : null;
      if (opt.arg === "none" && value !== null) return fail(`unsupported option '${w}'. See --help.`);
      if (opt.arg === "required" && value === null) {
        if (i >= argv.length) return fail(`option '-${opt.short}'/'--${opt.name}' requires an argument`);
        value = argv[i++]!;
      }
      const r = apply(opt.short, value, true);
      if (r) return r;
      continue;
    }
    if (w.startsWith("-") && w.length > 1) {
      i++;
      for (let j = 1; j < w.length; j++) {
        const ch = w[j]!;
        if (SHORT_WITH_ARG.has(ch)) {
          let value: string;
          if (j + 1 < w.length) value = w.slice(j + 1);
          else if (i < argv.length) value = argv[i++]!;
          else {
            const lo = LONG.find((o) => o.short === ch);
            return fail(lo ? `option '-${ch}'/'--${lo.name}' requires an argument` : `option '-${ch}' requires an argument`);
          }
          const r = apply(ch, value, false);
          if (r) return r;
          break;
        }
        if (SHORT_FLAGS.has(ch)) {
          const r = apply(ch, null, false);
          if (r) return r;
          continue;
        }
        return fail(`unsupported option '-${ch}'. See --help.`);
      }
      continue;
    }
    break;
  }
  a.rest = argv.slice(i);
  return { kind: "run", args: a, warnings };
}
