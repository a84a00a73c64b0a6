// Help layouts of tools/vsh.c: `help COMMAND` / `COMMAND --help` (vshCmddefHelp), a group
// (vshCmdGrpHelp), the grouped listing of `help`, and `virsh --help` (virshUsage).
import type { CmdDef, CmdGroup } from "./command-def.js";

/** printf("%-Ns", s) */
export function padEnd(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

/** vshCmddefHelp */
export function commandHelp(def: CmdDef): string {
  let out = "  NAME\n";
  out += `    ${def.name} - ${def.help}\n`;
  out += "\n  SYNOPSIS\n";
  out += `    ${def.name}`;
  // shortopt: true once an option that can be given positionally was seen (argv is then
  // documented as "[--name] <string>" since its words may follow the option's own name).
  let shortopt = false;
  for (const o of def.opts) {
    let text: string;
    switch (o.type) {
      case "bool":
        text = `[--${o.name}]`;
        break;
      case "int":
        text = o.required ? `<${o.name}>` : `[--${o.name} <number>]`;
        if (!o.needName) shortopt = true;
        break;
      case "string":
        text = `[--${o.name} <string>]`;
        if (!o.needName) shortopt = true;
        break;
      case "data":
        text = o.required ? `<${o.name}>` : `[<${o.name}>]`;
        if (!o.needName) shortopt = true;
        break;
      case "argv":
        if (shortopt) text = o.required ? `{[--${o.name}] <string>}...` : `[[--${o.name}] <string>]...`;
        else text = o.required ? `<${o.name}>...` : `[<${o.name}>]...`;
        break;
      case "alias":
        continue;
    }
    out += ` ${text}`;
  }
  out += "\n";
  if (def.desc !== "") out += `\n  DESCRIPTION\n    ${def.desc}\n`;
  if (def.opts.length > 0) {
    out += "\n  OPTIONS\n";
    for (const o of def.opts) {
      let label: string;
      switch (o.type) {
        case "bool":
          label = `--${o.name}`;
          break;
        case "int":
          label = o.required ? `[--${o.name}] <number>` : `--${o.name} <number>`;
          break;
        case "string":
          label = `--${o.name} <string>`;
          break;
        case "data":
          label = `[--${o.name}] <string>`;
          break;
        case "argv":
          label = shortopt ? `[--${o.name}] <string>` : `<${o.name}>`;
          break;
        case "alias":
          continue;
      }
      out += `    ${padEnd(label, 15)}  ${o.help}\n`;
    }
  }
  out += "\n";
  return out;
}

function commandLines(g: CmdGroup): string {
  let out = "";
  for (const c of g.commands) {
    if (c.hidden) continue;
    out += `    ${padEnd(c.name, 30)} ${c.help}\n`;
  }
  return out;
}

/** vshCmdGrpHelp */
export function groupHelp(g: CmdGroup): string {
  return ` ${g.name} (help keyword '${g.keyword}'):\n${commandLines(g)}`;
}

/** cmdHelp without an argument. */
export function groupedHelp(groups: readonly CmdGroup[]): string {
  let out = "Grouped commands:\n\n";
  for (const g of groups) out += `${groupHelp(g)}\n`;
  return out;
}

/** virshUsage (`virsh -h`). */
export function usage(progname: string, groups: readonly CmdGroup[]): string {
  let out =
    `\n${progname} [options]... [<command_string>]` +
    `\n${progname} [options]... <command> [args...]\n\n` +
    "  options:\n" +
    "    -c | --connect=URI      hypervisor connection URI\n" +
    "    -d | --debug=NUM        debug level [0-4]\n" +
    "    -e | --escape <char>    set escape sequence for console\n" +
    "    -h | --help             this help\n" +
    "    -k | --keepalive-interval=NUM\n" +
    "                            keepalive interval in seconds, 0 for disable\n" +
    "    -K | --keepalive-count=NUM\n" +
    "                            number of possible missed keepalive messages\n" +
    "    -l | --log=FILE         output logging to file\n" +
    "    -q | --quiet            quiet mode\n" +
    "    -r | --readonly         connect readonly\n" +
    "    -t | --timing           print timing information\n" +
    "    -v                      short version\n" +
    "    -V                      long version\n" +
    "         --version[=TYPE]   version, TYPE is short or long (default short)\n" +
    "  commands (non interactive mode):\n\n";
  for (const g of groups) out += ` ${g.name} (help keyword '${g.keyword}')\n${commandLines(g)}\n`;
  out += "\n  (specify help <group> for details about the commands in the group)\n";
  out += "\n  (specify help <command> for details about the command)\n\n";
  return out;
}
