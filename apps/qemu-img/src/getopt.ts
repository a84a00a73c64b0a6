/**
 * GNU getopt_long as qemu-img uses it: option strings start with ':' (errors are
 * returned, not printed), arguments are permuted so options may follow operands,
 * long options may be abbreviated to any unambiguous prefix, "--" ends options.
 */
export interface LongOption {
  name: string;
  hasArg: boolean;
  /** value returned for it: a short option letter or a symbolic name */
  val: string;
}

export type GetoptEvent =
  | { kind: "option"; opt: string; arg: string | null }
  | { kind: "missing"; /** argv[optind - 1] as qemu prints it */ option: string }
  | { kind: "unrecognized"; option: string };

export interface GetoptResult {
  events: GetoptEvent[];
  /** operands in order (after permutation) */
  operands: string[];
}

/** Parses `args` (the command's argv without argv[0]) against `shortopts`/`longopts`. */
export function getoptLong(args: readonly string[], shortopts: string, longopts: readonly LongOption[]): GetoptResult {
  const spec = shortopts.replace(/^[+:]+/, "");
  const takesArg = new Map<string, boolean>();
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i]!;
    if (c === ":") continue;
    takesArg.set(c, spec[i + 1] === ":");
  }
  const events: GetoptEvent[] = [];
  const operands: string[] = [];
  let i = 0;
  while (i < args.length) {
    const a = args[i]!;
    if (a === "--") {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (a.startsWith("--")) {
      const body = a.slice(2);
      const eq = body.indexOf("=");
      const name = eq >= 0 ? body.slice(0, eq) : body;
      let match = longopts.find((o) => o.name === name);
      if (!match) {
        const cands = longopts.filter((o) => o.name.startsWith(name));
        // getopt accepts an ambiguous prefix when all candidates are the same option
        if (cands.length === 1 || (cands.length > 1 && cands.every((c) => c.val === cands[0]!.val && c.hasArg === cands[0]!.hasArg))) match = cands[0];
      }
      i++;
      if (!match) {
        events.push({ kind: "unrecognized", option: a });
        continue;
      }
      if (match.hasArg) {
        if (eq >= 0) events.push({ kind: "option", opt: match.val, arg: body.slice(eq + 1) });
        else if (i < args.length) events.push({ kind: "option", opt: match.val, arg: args[i++]! });
        else events.push({ kind: "missing", option: a });
      } else if (eq >= 0) {
        // "option '--x' doesn't allow an argument" is reported as unrecognized by qemu-img
        events.push({ kind: "unrecognized", option: a });
      } else {
        events.push({ kind: "option", opt: match.val, arg: null });
      }
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      let j = 1;
      i++;
      while (j < a.length) {
        const c = a[j]!;
        j++;
        const has = takesArg.get(c);
        if (has === undefined) {
          // optind only moves past the argument when this was its last character
          events.push({ kind: "unrecognized", option: j >= a.length ? a : (args[i - 2] ?? a) });
          continue;
        }
        if (!has) {
          events.push({ kind: "option", opt: c, arg: null });
          continue;
        }
        if (j < a.length) {
          events.push({ kind: "option", opt: c, arg: a.slice(j) });
        } else if (i < args.length) {
          events.push({ kind: "option", opt: c, arg: args[i++]! });
        } else {
          events.push({ kind: "missing", option: a });
        }
        break;
      }
      continue;
    }
    operands.push(a);
    i++;
  }
  return { events, operands };
}
