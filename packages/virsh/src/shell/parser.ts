// vshCommandParse (tools/vsh.c): words to commands. Options are matched by name (--opt value,
// --opt=value, aliases), remaining words fill the positional options in table order, `--` makes
// every following word data, `--help` turns the command into `help <command>`, and missing
// required options are reported. Any error discards the whole line, as virsh does.
import { HELP_OPT, type CmdDef, type OptDef } from "./command-def.js";
import { ParsedCommand, type ParsedOpt } from "./parsed-command.js";
import type { TokenSource } from "./tokenizer.js";

export interface CommandLookup {
  find(name: string): CmdDef | undefined;
}

/** Is the option filled by positional words (opts_need_arg in vsh.c)? */
function takesPositional(o: OptDef): boolean {
  return o.type !== "bool" && o.type !== "alias" && !o.needName;
}

interface OptMatch {
  opt: OptDef;
  index: number;
  /** value carried by "--opt=value" or by a "target=value" alias */
  value: string | null;
}

/**
 * vshCmddefGetOption: resolve --name (following aliases) or report why not. `seen` has a bit per
 * option index already given.
 */
function getOption(cmd: CmdDef, name: string, value: string | null, seen: Set<number>, report: (m: string) => void): OptMatch | null {
  if (name === HELP_OPT.name) return { opt: HELP_OPT, index: -1, value };
  let cur = name;
  let val = value;
  for (let hops = 0; hops <= cmd.opts.length; hops++) {
    const index = cmd.opts.findIndex((o) => o.name === cur);
    if (index < 0) break;
    const opt = cmd.opts[index]!;
    if (opt.type === "alias") {
      const eq = opt.help.indexOf("=");
      if (eq >= 0) {
        if (val !== null) {
          report(`invalid '=' after option --${opt.name}`);
          return null;
        }
        val = opt.help.slice(eq + 1);
        cur = opt.help.slice(0, eq);
      } else {
        cur = opt.help;
      }
      continue;
    }
    if (seen.has(index) && opt.type !== "argv") {
      report(`option --${cur} already seen`);
      return null;
    }
    seen.add(index);
    return { opt, index, value: val };
  }
  if (cmd.name !== "help") report(`command '${cmd.name}' doesn't support option --${cur}`);
  return null;
}

/** Parse every command of a line; null (after reporting) on any syntax error. */
export function parseCommands(src: TokenSource, lookup: CommandLookup, report: (msg: string) => void): ParsedCommand[] | null {
  const out: ParsedCommand[] = [];
  for (;;) {
    let cmd: CmdDef | null = null;
    const opts: ParsedOpt[] = [];
    const seen = new Set<number>();
    let positional: number[] = [];
    let dataOnly = false;
    let last: "end" | "end-cmd";

    for (;;) {
      const tk = src.next();
      if (tk.kind === "error") {
        report(tk.message);
        return null;
      }
      if (tk.kind !== "arg") {
        last = tk.kind;
        break;
      }
      const word = tk.data;
      if (cmd === null) {
        if (word.startsWith("#")) {
          // A comment: the rest of this command's words are ignored.
          let t = src.next();
          while (t.kind === "arg") t = src.next();
          if (t.kind === "error") {
            report(t.message);
            return null;
          }
          last = t.kind;
          break;
        }
        const def = lookup.find(word);
        if (!def) {
          report(`unknown command: '${word}'`);
          return null;
        }
        cmd = def;
        positional = def.opts.map((o, i) => (takesPositional(o) ? i : -1)).filter((i) => i >= 0);
        continue;
      }
      if (!dataOnly && word.startsWith("--") && word.length > 2 && /^[A-Za-z0-9]$/.test(word[2]!)) {
        const eq = word.indexOf("=", 2);
        const name = eq >= 0 ? word.slice(2, eq) : word.slice(2);
        const inline = eq >= 0 ? word.slice(eq + 1) : null;
        const m = getOption(cmd, name, inline, seen, report);
        if (!m) {
          if (cmd.name === "help") continue;
          return null;
        }
        if (m.opt.type !== "bool") {
          let value = m.value;
          if (value === null) {
            const t = src.next();
            if (t.kind === "error") {
              report(t.message);
              return null;
            }
            if (t.kind !== "arg") {
              report(`expected syntax: --${m.opt.name} <${m.opt.type === "int" ? "number" : "string"}>`);
              return null;
            }
            value = t.data;
          }
          if (m.opt.type !== "argv") positional = positional.filter((i) => i !== m.index);
          opts.push({ def: m.opt, data: value });
        } else {
          if (m.value !== null) {
            report(`invalid '=' after option --${m.opt.name}`);
            return null;
          }
          opts.push({ def: m.opt, data: null });
        }
        continue;
      }
      if (!dataOnly && word === "--") {
        dataOnly = true;
        continue;
      }
      // vshCmddefGetData: the lowest positional option still open takes the word.
      const idx = positional[0];
      if (idx === undefined) {
        if (cmd.name === "help") continue;
        report(`unexpected data '${word}'`);
        return null;
      }
      const opt = cmd.opts[idx]!;
      if (opt.type !== "argv") positional.shift();
      seen.add(idx);
      opts.push({ def: opt, data: word });
    }

    if (cmd) {
      if (opts.some((o) => o.def === HELP_OPT)) {
        const help = lookup.find("help");
        if (help?.opts[0]) out.push(new ParsedCommand(help, [{ def: help.opts[0], data: cmd.name }]));
      } else {
        let missing = false;
        for (const [i, o] of cmd.opts.entries()) {
          if (o.required && o.type !== "alias" && !seen.has(i)) {
            missing = true;
            report(o.type === "data" || o.type === "argv" ? `command '${cmd.name}' requires <${o.name}> option` : `command '${cmd.name}' requires --${o.name} option`);
          }
        }
        if (missing) return null;
        out.push(new ParsedCommand(cmd, opts));
      }
    }
    if (last === "end") return out;
  }
}
