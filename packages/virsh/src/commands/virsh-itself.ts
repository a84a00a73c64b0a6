// Group "Virsh itself" (tools/vsh.c VSH_CMD_* and tools/virsh.c cmdConnect): help, quit/exit,
// connect, cd, pwd, echo.
import { homedir } from "node:os";
import type { CmdDef, CmdGroup } from "../shell/command-def.js";
import { commandHelp, groupHelp, groupedHelp } from "../shell/help.js";
import { exclusive } from "../shell/option-rules.js";
import type { ParsedCommand } from "../shell/parsed-command.js";
import type { Shell } from "../shell/shell.js";

/** virBufferEscapeShell */
export function escapeShell(s: string): string {
  if (s === "") return "''";
  if (!/[\r\t\n !"#$&'()*;<>?[\\\]^`{|}~]/.test(s)) return s;
  return `'${s.replace(/'/g, "'\\''")}'`;
}

/** virBufferEscapeString for XML text */
function escapeXmlText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&apos;");
}

/** vshStringToArray: split on ',' with ',,' standing for a literal comma. */
export function splitCommas(s: string): string[] {
  const parts = s.split(",");
  const out = [parts[0]!];
  let concat = false;
  for (const p of parts.slice(1)) {
    if (concat) {
      out[out.length - 1] = `${out[out.length - 1] ?? ""},${p}`;
      concat = false;
      continue;
    }
    if (p === "") concat = true;
    else out.push(p);
  }
  if (concat) out.push("");
  return out;
}

function cmdHelp(ctl: Shell, cmd: ParsedCommand): boolean {
  const name = cmd.stringQuiet("command");
  if (name === null) {
    ctl.print(groupedHelp(ctl.groups));
    return true;
  }
  const def = ctl.find(name);
  if (def) {
    ctl.print(commandHelp(def));
    return true;
  }
  const grp = ctl.findGroup(name);
  if (grp) {
    ctl.print(groupHelp(grp));
    return true;
  }
  ctl.error(`command or command group '${name}' doesn't exist`);
  return false;
}

function cmdQuit(ctl: Shell): boolean {
  ctl.imode = false;
  return true;
}

async function cmdConnect(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const ro = cmd.bool("readonly");
  const name = cmd.string(ctl, "name");
  return ctl.reconnect(name, ro, true);
}

function cmdCd(ctl: Shell, cmd: ParsedCommand): boolean {
  if (!ctl.imode) {
    ctl.error("cd: command valid only in interactive mode");
    return false;
  }
  const dir = cmd.stringQuiet("dir") ?? (ctl.env.HOME ?? (homedir() !== "" ? homedir() : "/"));
  try {
    process.chdir(dir);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const reason = err.code === "ENOENT" ? "No such file or directory" : err.code === "ENOTDIR" ? "Not a directory" : err.code === "EACCES" ? "Permission denied" : err.message;
    ctl.error(`cd: ${reason}: ${dir}`);
    return false;
  }
  return true;
}

function cmdPwd(ctl: Shell): boolean {
  ctl.print(`${process.cwd()}\n`);
  return true;
}

function cmdEcho(ctl: Shell, cmd: ParsedCommand): boolean {
  const shell = cmd.bool("shell");
  const xml = cmd.bool("xml");
  const err = cmd.bool("err");
  const split = cmd.bool("split");
  exclusive(ctl, "shell", shell, "xml", xml);
  exclusive(ctl, "shell", shell, "split", split);
  exclusive(ctl, "xml", xml, "split", split);
  let buf = "";
  for (const cur of cmd.argv("string")) {
    if (xml) buf += escapeXmlText(cur);
    else if (shell) buf += escapeShell(cur);
    else if (split) for (const p of splitCommas(cur)) buf += `${p}\n`;
    else buf += cur;
    buf += " ";
  }
  buf = buf.replace(/ +$/, "");
  if (buf !== "") {
    if (err) ctl.error(buf);
    else ctl.print(buf);
  }
  return true;
}

const commands: CmdDef[] = [
  {
    name: "cd",
    help: "change the current directory",
    desc: "Change the current directory.",
    noConnect: true,
    opts: [{ name: "dir", type: "string", help: "directory to switch to (default: home or else root)" }],
    handler: cmdCd,
  },
  {
    name: "echo",
    help: "echo arguments. Used for internal testing.",
    desc: "Echo back arguments, possibly with quoting. Used for internal testing.",
    noConnect: true,
    opts: [
      { name: "shell", type: "bool", help: "escape for shell use" },
      { name: "xml", type: "bool", help: "escape for XML use" },
      { name: "split", type: "bool", help: "split each argument on ','; ',,' is an escape sequence" },
      { name: "err", type: "bool", help: "output to stderr" },
      { name: "str", type: "alias", help: "string" },
      { name: "hi", type: "alias", help: "string=hello" },
      { name: "string", type: "argv", help: "arguments to echo" },
    ],
    handler: cmdEcho,
  },
  {
    name: "exit",
    help: "quit this interactive terminal",
    desc: "",
    noConnect: true,
    opts: [],
    handler: cmdQuit,
  },
  {
    name: "help",
    help: "print help",
    desc: "Prints global help, command specific help, or help for a\n    group of related commands",
    noConnect: true,
    opts: [{ name: "command", type: "string", help: "Prints global help, command specific help, or help for a group of related commands" }],
    handler: cmdHelp,
  },
  {
    name: "pwd",
    help: "print the current directory",
    desc: "Print the current directory.",
    noConnect: true,
    opts: [],
    handler: cmdPwd,
  },
  {
    name: "quit",
    help: "quit this interactive terminal",
    desc: "",
    noConnect: true,
    opts: [],
    handler: cmdQuit,
  },
  {
    name: "connect",
    help: "(re)connect to hypervisor",
    desc: "Connect to local hypervisor. This is built-in command after shell start up.",
    noConnect: true,
    opts: [
      { name: "name", type: "string", emptyOk: true, help: "hypervisor connection URI" },
      { name: "readonly", type: "bool", help: "read-only connection" },
    ],
    handler: cmdConnect,
  },
];

export const virshItself: CmdGroup = { name: "Virsh itself", keyword: "virsh", commands };
