import { cmdCheck } from "./commands/check.js";
import { cmdCompare } from "./commands/compare.js";
import { cmdConvert } from "./commands/convert.js";
import { cmdCreate } from "./commands/create.js";
import { cmdInfo } from "./commands/info.js";
import { cmdMap } from "./commands/map.js";
import { cmdResize } from "./commands/resize.js";
import { cmdSnapshot } from "./commands/snapshot.js";
import { Ctx, Exit, type Io, VERSION_TEXT, describe } from "./context.js";
import { getoptLong } from "./getopt.js";

type Command = (ctx: Ctx, args: string[]) => Promise<number>;

/** img_cmds[] (qemu-img-cmds.hx), the commands this implementation has. */
const COMMANDS: Readonly<Record<string, Command>> = {
  check: cmdCheck,
  compare: cmdCompare,
  convert: cmdConvert,
  create: cmdCreate,
  info: cmdInfo,
  map: cmdMap,
  resize: cmdResize,
  snapshot: cmdSnapshot,
};

/**
 * qemu-img's main(): global options (-h, -V, -T) up to the command name, then
 * the command with its own getopt. Returns the exit status.
 */
export async function qemuImg(argv: readonly string[], io: Io): Promise<number> {
  const ctx = new Ctx(io);
  try {
    if (argv.length < 1) ctx.errorExit("Not enough arguments");
    // "+:hVT:": stops at the first operand (the command name).
    let i = 0;
    while (i < argv.length && argv[i]!.startsWith("-") && argv[i] !== "-") {
      if (argv[i] === "--") {
        i++;
        break;
      }
      const one = getoptLong([argv[i]!], ":hVT:", [
        { name: "help", hasArg: false, val: "h" },
        { name: "version", hasArg: false, val: "V" },
        { name: "trace", hasArg: true, val: "T" },
      ]);
      const e = one.events[0];
      i++;
      if (!e) continue;
      if (e.kind === "unrecognized") ctx.errorExit(`unrecognized option '${e.option}'`);
      if (e.kind === "missing") {
        if (i < argv.length) {
          i++;
          continue;
        }
        ctx.errorExit(`missing argument for option '${e.option}'`);
      }
      if (e.kind === "option" && e.opt === "h") return ctx.help();
      if (e.kind === "option" && e.opt === "V") {
        io.out(VERSION_TEXT);
        return 0;
      }
    }
    if (i >= argv.length) return 0;
    const name = argv[i]!;
    const cmd = COMMANDS[name];
    if (cmd === undefined) return ctx.errorExit(`Command not found: ${name}`);
    return await cmd(ctx, argv.slice(i + 1));
  } catch (e) {
    if (e instanceof Exit) return e.status;
    ctx.errorReport(describe(e));
    return 1;
  }
}
