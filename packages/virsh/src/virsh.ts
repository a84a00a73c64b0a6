// virsh's main() (tools/virsh.c): options, then either the command(s) on the command line or
// the interactive shell; the exit status is 1 when the (last) command failed.
import type { Connect, OpenOptions } from "@virtkit/libvirt";
import { VIRSH_GROUPS } from "./commands/index.js";
import { usage } from "./shell/help.js";
import { processIO, type ShellIO } from "./shell/io.js";
import { runInteractive, type InteractiveStreams } from "./shell/interactive.js";
import { parseVirshArgs } from "./shell/options.js";
import { Shell, VSH_ERR_DEBUG, VSH_ERR_ERROR } from "./shell/shell.js";
import { INT_MAX, INT_MIN, parseSigned } from "./shell/numbers.js";

/** The libvirt release whose virsh this models. */
export const VIRSH_VERSION = "9.0.0";

export interface VirshRunOptions {
  io?: ShellIO;
  env?: NodeJS.ProcessEnv;
  /** stdin is a terminal (interactive console, raw mode) */
  istty?: boolean;
  /** streams of the interactive shell */
  interactive?: InteractiveStreams;
  open?: (uri: string | null, opts: OpenOptions) => Promise<Connect>;
}

function longVersion(): string {
  return (
    `Virsh command line tool of libvirt ${VIRSH_VERSION}\n` +
    "See web site at https://libvirt.org/\n\n" +
    "Compiled with support for:\n" +
    " Hypervisors: QEMU/KVM Test\n" +
    " Networking: Remote\n" +
    " Storage:\n" +
    " Miscellaneous: Daemon Debug Readline\n"
  );
}

/** Run virsh with `argv` (without the program name); resolves to the exit status. */
export async function virshMain(argv: readonly string[], o: VirshRunOptions = {}): Promise<number> {
  const io = o.io ?? processIO;
  const env = o.env ?? process.env;
  const parsed = parseVirshArgs(argv);
  if (parsed.kind === "exit") {
    io.stdout(parsed.stdout);
    io.stderr(parsed.stderr);
    return parsed.code;
  }
  if (parsed.kind === "help") {
    io.stdout(usage("virsh", VIRSH_GROUPS));
    return 0;
  }
  if (parsed.kind === "version") {
    io.stdout(parsed.long ? longVersion() : `${VIRSH_VERSION}\n`);
    return 0;
  }
  const a = parsed.args;
  const shell = new Shell({
    io,
    groups: VIRSH_GROUPS,
    connname: a.connname,
    readonly: a.readonly,
    quiet: a.quiet,
    timing: a.timing,
    escapeChar: a.escapeChar ?? "^]",
    keepaliveInterval: a.keepaliveInterval,
    keepaliveCount: a.keepaliveCount,
    istty: o.istty ?? false,
    env,
    ...(o.open ? { open: o.open } : {}),
  });
  // vshInitReload: VIRSH_DEBUG applies unless -d was given.
  const envDebug = env.VIRSH_DEBUG;
  if (a.debug !== null) shell.debugLevel = a.debug;
  else if (envDebug !== undefined && envDebug !== "") {
    const v = parseSigned(envDebug, INT_MIN, INT_MAX);
    if (v === null || v < BigInt(VSH_ERR_DEBUG) || v > BigInt(VSH_ERR_ERROR)) shell.error("VIRSH_DEBUG not set with a valid numeric value");
    else shell.debugLevel = Number(v);
  }
  if (a.logfile !== null && !shell.openLog(a.logfile)) return 1;
  for (const w of parsed.warnings) shell.error(w);

  // virshParseArgv: the command line is parsed before anything connects.
  let cmds = null;
  if (a.rest.length > 0) {
    if (a.rest.length === 1) {
      shell.debug(1, `commands: "${a.rest[0]!}"\n`);
      cmds = shell.parseLine(a.rest[0]!);
    } else {
      cmds = shell.parseArgv(a.rest);
    }
    if (!cmds) return 1;
    for (const c of cmds) {
      for (const opt of c.opts) {
        shell.debug(1, `${c.name}: ${opt.def.name}(${opt.def.type !== "bool" ? "optdata" : "bool"}): ${opt.def.type !== "bool" ? (opt.data ?? "") : "(none)"}\n`);
      }
    }
  }
  try {
    // virshInit: a URI given with -c must open now; the default waits for the first command.
    if (shell.connname !== null) {
      if (!(await shell.reconnect(null, false, false))) {
        shell.reportError();
        return 1;
      }
    }
    if (cmds) return (await shell.run(cmds)) ? 0 : 1;
    const streams: InteractiveStreams = o.interactive ?? { input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY };
    return await runInteractive(shell, streams);
  } finally {
    await shell.close();
    shell.closeLog();
  }
}
