// @virtkit/virsh: the virsh command-line shell over @virtkit/libvirt's public API. The generic
// shell engine (command tables, parser, help, tables, completion, interactive loop) is under
// shell/, the command groups under commands/.
export const VERSION = "0.1.0";

export { virshMain, VIRSH_VERSION, type VirshRunOptions } from "./virsh.js";
export { VIRSH_GROUPS } from "./commands/index.js";
export { Shell, type ShellOptions, VIRSH_PROMPT_RO, VIRSH_PROMPT_RW } from "./shell/shell.js";
export type { CmdDef, CmdGroup, OptDef, OptType, CompleterKind, CommandHandler } from "./shell/command-def.js";
export { ParsedCommand, CommandFailed } from "./shell/parsed-command.js";
export { VshTable } from "./shell/table.js";
export { BufferIO, processIO, type ShellIO } from "./shell/io.js";
export { commandHelp, groupHelp, groupedHelp } from "./shell/help.js";
export { complete } from "./shell/completion.js";
