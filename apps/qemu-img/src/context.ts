import { BlockError, type BlockDriver, isFormat, openImage, probeFormat } from "./block.js";
import { type GetoptResult, type LongOption, getoptLong } from "./getopt.js";

/** Where a command writes: stdout and stderr, as strings. */
export interface Io {
  out(s: string): void;
  err(s: string): void;
}

/** Thrown to end a command with an exit status (after its messages are printed). */
export class Exit extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}

/** What every qemu-img subcommand gets: output and qemu's error helpers. */
export class Ctx {
  constructor(readonly io: Io) {}

  /** help(): the usage text on stdout; qemu-img exits 0 after it. */
  help(): number {
    this.io.out(HELP);
    return 0;
  }

  /** error_report(): "qemu-img: MSG" on stderr */
  errorReport(msg: string): void {
    this.io.err(`qemu-img: ${msg}\n`);
  }

  /** warn_report() */
  warnReport(msg: string): void {
    this.io.err(`qemu-img: warning: ${msg}\n`);
  }

  /** error_exit(): message, the --help hint, exit 1 */
  errorExit(msg: string): never {
    this.errorReport(msg);
    this.io.err("Try 'qemu-img --help' for more information\n");
    throw new Exit(1);
  }

  /** Runs getopt_long and reports qemu's missing/unrecognized errors in order. */
  getopt(args: readonly string[], shortopts: string, longopts: readonly LongOption[], handle: (opt: string, arg: string | null) => void): GetoptResult {
    const r = getoptLong(args, shortopts, longopts);
    for (const e of r.events) {
      if (e.kind === "missing") this.errorExit(`missing argument for option '${e.option}'`);
      if (e.kind === "unrecognized") this.errorExit(`unrecognized option '${e.option}'`);
      handle(e.opt, e.arg);
    }
    return r;
  }

  /**
   * img_open(): opens an image with the given or probed format; failures print
   * "Could not open 'FILE': REASON" and return null.
   */
  async open(filename: string, fmt: string | null, opts: { readOnly: boolean; openBacking?: boolean; checkMode?: boolean; unsafeCache?: boolean }): Promise<BlockDriver | null> {
    try {
      if (fmt !== null && !isFormat(fmt)) throw new BlockError(`Unknown driver '${fmt}'`);
      const probed = fmt ?? probeFormat(filename);
      const d = await openImage(filename, {
        format: probed,
        readOnly: opts.readOnly,
        openBacking: opts.openBacking ?? true,
        checkMode: opts.checkMode ?? false,
        unsafeCache: opts.unsafeCache ?? false,
        // qemu-img is one process per command: reads on the main thread cost less than the thread pool's round trips.
        syncIo: true,
      });
      if (fmt === null && probed === "raw" && !opts.readOnly) {
        // raw-format.c raw_open(): probing raw for a writable image is flagged.
        this.io.err(
          `WARNING: Image format was not specified for '${filename}' and probing guessed raw.\n` +
            "         Automatically detecting the format is dangerous for raw images, write operations on block 0 will be restricted.\n" +
            "         Specify the 'raw' format explicitly to remove the restrictions.\n",
        );
      }
      return d;
    } catch (e) {
      this.errorReport(`Could not open '${filename}': ${describe(e)}`);
      return null;
    }
  }
}

/** The message of a block-layer error; anything else is an internal error. */
export function describe(e: unknown): string {
  if (e instanceof BlockError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}

/** --output human|json handling shared by info, check and map. */
export function parseOutput(ctx: Ctx, output: string | null): "human" | "json" {
  if (output === null || output === "human") return "human";
  if (output === "json") return "json";
  ctx.errorReport("--output must be used with human or json as argument.");
  throw new Exit(1);
}

/** -V prints the qemu-img version this tool is compatible with, and whose implementation it is. */
export const VERSION_TEXT = "qemu-img version 7.2.22 (virtkit)\nvirtkit implementation of the qemu-img command line; output formats follow QEMU 7.2\n";

const HELP = `${VERSION_TEXT}usage: qemu-img [standard options] command [command options]
QEMU disk image utility (virtkit implementation: raw and qcow2)

    '-h', '--help'       display this help and exit
    '-V', '--version'    output version information and exit

Command syntax:
  check [-q] [-f fmt] [--output=ofmt] [-r [leaks | all]] [-U] filename
  compare [-f fmt] [-F fmt] [-p] [-q] [-s] [-U] filename1 filename2
  convert [-c] [-p] [-q] [-n] [-f fmt] [-O output_fmt] [-B backing_file [-F backing_fmt]] [-o options] [-l snapshot_param] [-S sparse_size] filename [filename2 [...]] output_filename
  create [-q] [-f fmt] [-b backing_file [-F backing_fmt]] [-u] [-o options] filename [size]
  info [-f fmt] [--output=ofmt] [--backing-chain] [-U] filename
  map [-f fmt] [--output=ofmt] [--start-offset=offset] [--max-length=len] [-U] filename
  resize [-f fmt] [--shrink] [-q] filename [+ | -]size
  snapshot [-q] [-l | -a snapshot | -c snapshot | -d snapshot] [-U] filename

Supported formats: raw qcow2
`;

/** bdrv_parse_cache_mode(): returns whether flushes are dropped (cache=unsafe), or null if the mode is unknown. */
export function parseCacheMode(mode: string): { unsafe: boolean } | null {
  if (mode === "unsafe") return { unsafe: true };
  if (["off", "none", "directsync", "writeback", "writethrough"].includes(mode)) return { unsafe: false };
  return null;
}
