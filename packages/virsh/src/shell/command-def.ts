// Command and option tables of the generic shell (tools/vsh.h: vshCmdOptDef, vshCmdDef,
// vshCmdGrp). A command is data (name, help, description, options) plus a handler; the parser,
// the help printer and the completer all work from these tables alone.
import type { ParsedCommand } from "./parsed-command.js";
import type { Shell } from "./shell.js";

/**
 * vshCmdOptType: `bool` (--flag), `string` (--opt value, or positional unless needName),
 * `int` (the same with a number), `data` (positional string, may also be given as --opt value),
 * `argv` (all remaining positional words), `alias` (another spelling; help holds the target,
 * "target=value" makes a boolean alias of a valued option).
 */
export type OptType = "bool" | "string" | "int" | "data" | "argv" | "alias";

/** What an option's value completes to in the interactive shell. */
export type CompleterKind = "domain" | "pool" | "network" | "volume" | "snapshot";

export interface OptDef {
  readonly name: string;
  readonly type: OptType;
  /** VSH_OFLAG_REQ */
  readonly required?: boolean;
  /** VSH_OFLAG_REQ_OPT: the value is only accepted after --name, never positionally. */
  readonly needName?: boolean;
  /** VSH_OFLAG_EMPTY_OK */
  readonly emptyOk?: boolean;
  readonly help: string;
  readonly complete?: CompleterKind;
  /** Completer filter (virConnectListAll*Flags) as virsh's completer_flags. */
  readonly completeFlags?: number;
}

/** A handler returns true on success; a thrown VirError is a failure reported as libvirt's error. */
export type CommandHandler = (ctl: Shell, cmd: ParsedCommand) => Promise<boolean> | boolean;

export interface CmdDef {
  readonly name: string;
  /** info "help": the one-line summary. */
  readonly help: string;
  /** info "desc": the DESCRIPTION paragraph (may be empty). */
  readonly desc: string;
  readonly opts: readonly OptDef[];
  readonly handler: CommandHandler;
  /** VSH_CMD_FLAG_NOCONNECT: runs without opening the connection first. */
  readonly noConnect?: boolean;
  /** VSH_CMD_FLAG_HIDDEN */
  readonly hidden?: boolean;
}

export interface CmdGroup {
  /** "Domain Management" */
  readonly name: string;
  /** help keyword: "domain" */
  readonly keyword: string;
  readonly commands: readonly CmdDef[];
}

/** vshCmdOptDef helpopt: every command accepts --help. */
export const HELP_OPT: OptDef = { name: "help", type: "bool", help: "print help for this function" };

/** 64 option bits as in vsh.c (uint64_t masks): a table larger than that is a programming error. */
export const MAX_OPTS = 64;
