import { BlockError, type CreateOptions, createImage, isFormat, probeFormat, openImage } from "../block.js";
import { type Ctx, Exit, describe } from "../context.js";
import { OptsError, QemuOpts, createOptionList, hasHelpOption, isValidOptionList } from "../create-options.js";
import { cvtnum } from "../size.js";
import { fullBackingFilename } from "../image-info.js";

/** accumulate_options() */
export function accumulateOptions(ctx: Ctx, current: string | null, arg: string): string {
  if (!isValidOptionList(arg)) {
    ctx.errorReport(`Invalid option list: ${arg}`);
    throw new Exit(1);
  }
  return current === null ? arg : `${current},${arg}`;
}

/** print_block_option_help() */
export function printOptionHelp(ctx: Ctx, filename: string | null, fmt: string): number {
  const list = createOptionList(fmt);
  if (!list) {
    ctx.errorReport(`Unknown file format '${fmt}'`);
    return 1;
  }
  const shown = filename !== null ? list : list.filter((o) => !["nocow", "extent_size_hint"].includes(o.name) || fmt === "raw");
  const opts = new QemuOpts(filename !== null ? list : shown);
  ctx.io.out(filename !== null ? "Supported options:\n" : `Supported ${fmt} options:\n`);
  ctx.io.out(opts.help());
  if (filename === null) ctx.io.out("\nThe protocol level may support further options.\nSpecify the target filename to include those options.\n");
  return 0;
}

/**
 * Validates what this implementation cannot create and maps QemuOpts to the
 * driver's CreateOptions (qcow2_co_create_opts / raw_co_create_opts).
 */
export function toCreateOptions(fmt: string, opts: QemuOpts, size: number): CreateOptions {
  const co: CreateOptions = { size };
  if (opts.has("preallocation")) {
    const p = opts.get("preallocation")!;
    const allowed = fmt === "qcow2" ? ["off", "metadata", "falloc", "full"] : ["off", "falloc", "full"];
    if (!allowed.includes(p)) throw new BlockError(`Parameter 'preallocation' does not accept value '${p}'`);
    if (p !== "off") throw new BlockError(`Preallocation mode '${p}' is not supported by this implementation`, "ENOTSUP");
  }
  if (fmt !== "qcow2") return co;
  if (opts.has("compat")) {
    const c = opts.get("compat")!;
    if (!["0.10", "v2", "1.1", "v3"].includes(c)) throw new BlockError(`Parameter 'version' does not accept value '${c}'`);
    co.compat = c;
  }
  const ct = opts.get("compression_type") ?? "zlib";
  if (!["zlib", "zstd"].includes(ct)) throw new BlockError(`Parameter 'compression-type' does not accept value '${ct}'`);
  if (ct !== "zlib") throw new BlockError("Compression type 'zstd' is not supported by this implementation", "ENOTSUP");
  if (opts.getBool("extended_l2")) throw new BlockError("Extended L2 entries are not supported by this implementation", "ENOTSUP");
  if (opts.has("data_file")) throw new BlockError("External data files are not supported by this implementation", "ENOTSUP");
  if (opts.has("encrypt.format") || opts.getBool("encryption")) throw new BlockError("Encrypted images are not supported by this implementation", "ENOTSUP");
  const cs = opts.getNumber("cluster_size")!;
  co.clusterSize = cs > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(cs);
  const rb = BigInt.asIntN(64, opts.getNumber("refcount_bits")!);
  co.refcountBits = rb > 64n || rb < -1n ? 3 : Number(rb);
  co.lazyRefcounts = opts.getBool("lazy_refcounts") ?? false;
  const bf = opts.get("backing_file");
  if (bf !== undefined) co.backingFile = bf;
  const bfmt = opts.get("backing_fmt");
  if (bfmt !== undefined) co.backingFormat = bfmt;
  return co;
}

/**
 * bdrv_img_create(): option parsing, backing file checks, the "Formatting"
 * line, then the driver's create. Errors are returned as their message.
 */
export async function imgCreate(
  ctx: Ctx,
  filename: string,
  fmt: string,
  baseFilename: string | null,
  baseFmt: string | null,
  options: string | null,
  imgSize: number | null,
  noBacking: boolean,
  quiet: boolean,
): Promise<string | null> {
  const list = createOptionList(fmt);
  if (!list) return `Unknown file format '${fmt}'`;
  const opts = new QemuOpts(list);
  try {
    if (options !== null) opts.parse(options);
  } catch (e) {
    if (e instanceof OptsError) return e.message;
    throw e;
  }
  if (!opts.has("size")) {
    if (imgSize !== null) opts.setNumber("size", imgSize);
  } else if (imgSize !== null) {
    return "The image size must be specified only once";
  }
  if (baseFilename !== null) {
    if (!list.some((o) => o.name === "backing_file")) return `Backing file not supported for file format '${fmt}'`;
    opts.set("backing_file", baseFilename);
  }
  if (baseFmt !== null) {
    if (!list.some((o) => o.name === "backing_fmt")) return `Backing file format not supported for file format '${fmt}'`;
    opts.set("backing_fmt", baseFmt);
  }
  const backingFile = opts.get("backing_file");
  if (backingFile !== undefined) {
    if (backingFile === filename) return "Error: Trying to create an image with the same filename as the backing file";
    if (backingFile === "") return "Expected backing file name, got empty string";
  }
  const backingFmt = opts.get("backing_fmt");
  let size: number | null = opts.has("size") ? Number(opts.getNumber("size")) : imgSize;
  if (backingFile !== undefined && !noBacking) {
    const full = fullBackingFilename(filename, backingFile);
    let bsize: number;
    let detected: string;
    try {
      if (backingFmt !== undefined && !isFormat(backingFmt)) throw new BlockError(`Unknown driver '${backingFmt}'`);
      detected = backingFmt ?? probeFormat(full);
      const b = await openImage(full, { format: detected, readOnly: true, openBacking: false });
      bsize = b.getLength();
      await b.close();
    } catch (e) {
      return `${describe(e)}\nCould not open backing image.`;
    }
    if (backingFmt === undefined) return `Backing file specified without backing format\nDetected format of ${detected}.`;
    if (size === null) {
      size = bsize;
      opts.setNumber("size", bsize);
    }
  } else if (backingFile !== undefined && backingFmt === undefined) {
    return "Backing file specified without backing format";
  }
  if (size === null) return "Image creation needs a size parameter";
  if (!quiet) ctx.io.out(`Formatting '${filename}', fmt=${fmt} ${opts.print()}\n`);
  try {
    await createImage(fmt, filename, toCreateOptions(fmt, opts, size));
  } catch (e) {
    if (e instanceof BlockError && e.code === "EFBIG") {
      return `The image size is too large for file format '${fmt}'${opts.has("cluster_size") ? " (try using a larger cluster size)" : ""}`;
    }
    return describe(e);
  }
  return null;
}

/** qemu-img create [-f fmt] [-b backing] [-F backing_fmt] [-u] [-o options] [-q] filename [size] */
export async function cmdCreate(ctx: Ctx, args: string[]): Promise<number> {
  let fmt = "raw";
  let baseFmt = null as string | null;
  let baseFilename = null as string | null;
  let options = null as string | null;
  let quiet = false as boolean;
  let noBacking = false as boolean;
  const { operands } = ctx.getopt(args, ":F:b:f:ho:qu", [{ name: "help", hasArg: false, val: "h" }, { name: "object", hasArg: true, val: "object" }], (opt, arg) => {
    if (opt === "h") throw new Exit(ctx.help());
    if (opt === "F") baseFmt = arg;
    else if (opt === "b") baseFilename = arg;
    else if (opt === "f") fmt = arg!;
    else if (opt === "o") options = accumulateOptions(ctx, options, arg!);
    else if (opt === "q") quiet = true;
    else if (opt === "u") noBacking = true;
    else if (opt === "object") ctx.errorExit("--object is not supported by this implementation");
  });
  const filename = operands[0] ?? null;
  if (options !== null && hasHelpOption(options)) return printOptionHelp(ctx, filename, fmt);
  if (filename === null) ctx.errorExit("Expecting image file name");
  let imgSize = null as number | null;
  if (operands.length > 1) {
    const n = cvtnum("image size", operands[1]!, (m) => {
      ctx.errorReport(m);
    });
    if (n === null) return 1;
    imgSize = n;
  }
  if (operands.length > 2) ctx.errorExit(`Unexpected argument: ${operands[2]}`);
  const err = await imgCreate(ctx, filename, fmt, baseFilename, baseFmt, options, imgSize, noBacking, quiet);
  if (err !== null) {
    const [first, ...rest] = err.split("\n");
    ctx.io.err(`qemu-img: ${filename}: ${first}${rest.length ? `\n${rest.join("\n")}` : ""}`);
    // error_append_hint() text ends without a newline when it came from the hint
    if (!/\nDetected format of [^\n]*\.$/.test(err)) ctx.io.err("\n");
    return 1;
  }
  return 0;
}
