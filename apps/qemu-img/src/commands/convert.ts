import { type BlockDriver, BlockError, Qcow2Driver, type Qcow2Snapshot, createImage, strerror } from "../block.js";
import { chainStatus } from "../chain-status.js";
import { type Ctx, Exit, describe, parseCacheMode } from "../context.js";
import { OptsError, QemuOpts, createOptionList, hasHelpOption } from "../create-options.js";
import { Progress } from "../progress.js";
import { cvtnum } from "../size.js";
import { accumulateOptions, printOptionHelp, toCreateOptions } from "./create.js";

/** 2 MiB, qemu-img's default convert buffer (buf_sectors = 4096). */
const BUF_SIZE = 2 * 1024 * 1024;
const MAX_BUF_SECTORS = 32768;
const SECTOR = 512;

/** A source to copy: an image, or one internal snapshot of it (-l). */
interface Source {
  driver: BlockDriver;
  size: number;
  snapshot: Qcow2Snapshot | null;
}

async function readSource(src: Source, offset: number, buf: Uint8Array): Promise<void> {
  if (src.snapshot && src.driver instanceof Qcow2Driver) await src.driver.readSnapshot(src.snapshot, offset, buf);
  else await src.driver.read(offset, buf);
}

const ZERO = Buffer.alloc(BUF_SIZE);

/** buffer_is_zero(): a native memcmp against a zero page, no allocation per call. */
function isZero(buf: Uint8Array, start = 0, end = buf.length): boolean {
  return ZERO.compare(buf, start, end, 0, end - start) === 0;
}

/**
 * isZero() for one block of a chunk that is known to hold data somewhere: a block of data almost
 * always has a nonzero first word, and reading it costs less than a native call per block (a
 * 1 MiB chunk has 256 blocks of the default 4 KiB).
 */
function blockIsZero(buf: Uint8Array, words: Int32Array | null, start: number, end: number): boolean {
  const w = start >>> 2;
  if (words !== null && w < words.length && words[w] !== 0) return false;
  return isZero(buf, start, end);
}

/** qemu-img convert [-c] [-p] [-q] [-n] [-f fmt] [-O fmt] [-B backing [-F fmt]] [-o options] [-l snapshot] [-S sparse] src... dst */
export async function cmdConvert(ctx: Ctx, args: string[]): Promise<number> {
  let fmt = null as string | null;
  let outFmt = null as string | null;
  let outBase = null as string | null;
  let backingFmt = null as string | null;
  let options = null as string | null;
  let snapshotName = null as string | null;
  let compressed = false as boolean, progress = false as boolean, quiet = false as boolean, skipCreate = false as boolean, targetIsZero = false as boolean;
  let minSparse = 8; // sectors
  let cache = "unsafe";
  let srcCache = "writeback";
  const { operands } = ctx.getopt(
    args,
    ":hf:O:B:CcF:o:l:S:pt:T:qnm:WUr:",
    [
      { name: "help", hasArg: false, val: "h" },
      { name: "object", hasArg: true, val: "object" },
      { name: "image-opts", hasArg: false, val: "image-opts" },
      { name: "force-share", hasArg: false, val: "U" },
      { name: "target-image-opts", hasArg: false, val: "target-image-opts" },
      { name: "salvage", hasArg: false, val: "salvage" },
      { name: "target-is-zero", hasArg: false, val: "target-is-zero" },
      { name: "bitmaps", hasArg: false, val: "bitmaps" },
      { name: "skip-broken-bitmaps", hasArg: false, val: "skip-broken-bitmaps" },
    ],
    (opt, arg) => {
      const report = (m: string): void => {
        ctx.errorReport(m);
      };
      switch (opt) {
        case "h":
          throw new Exit(ctx.help());
        case "f":
          fmt = arg;
          break;
        case "O":
          outFmt = arg;
          break;
        case "B":
          outBase = arg;
          break;
        case "c":
          compressed = true;
          break;
        case "F":
          backingFmt = arg;
          break;
        case "o":
          options = accumulateOptions(ctx, options, arg!);
          break;
        case "l":
          snapshotName = arg!.startsWith("snapshot.") ? parseSnapshotParam(ctx, arg!) : arg;
          break;
        case "S": {
          const v = cvtnum("buffer size for sparse output", arg!, report);
          if (v === null) throw new Exit(1);
          if (v % SECTOR !== 0 || v / SECTOR > MAX_BUF_SECTORS) {
            report(
              `Invalid buffer size for sparse output specified. Valid sizes are multiples of ${SECTOR} up to ${MAX_BUF_SECTORS * SECTOR}. Select 0 to disable sparse detection (fully allocates output).`,
            );
            throw new Exit(1);
          }
          minSparse = v / SECTOR;
          break;
        }
        case "p":
          progress = true;
          break;
        case "q":
          quiet = true;
          break;
        case "n":
          skipCreate = true;
          break;
        case "m": {
          const n = Number(arg);
          if (!/^\s*[+-]?\d+$/.test(arg!) || n < 1 || n > 16) {
            report("Invalid number of coroutines. Allowed number of coroutines is between 1 and 16");
            throw new Exit(1);
          }
          break;
        }
        case "t":
          cache = arg!;
          break;
        case "T":
          srcCache = arg!;
          break;
        case "target-is-zero":
          targetIsZero = true;
          break;
        case "C":
        case "object":
        case "image-opts":
        case "target-image-opts":
        case "bitmaps":
        case "skip-broken-bitmaps":
        case "salvage":
          ctx.errorExit(`${opt.length === 1 ? `-${opt}` : `--${opt}`} is not supported by this implementation`);
          break;
        default:
          break; // -W, -U, -r: ordering, locking and rate options without effect here
      }
    },
  );
  if (skipCreate && options !== null) {
    ctx.errorReport("-o has no effect when skipping image creation");
    return 1;
  }
  if (targetIsZero && !skipCreate) {
    ctx.errorReport("--target-is-zero requires use of -n flag");
    return 1;
  }
  const outFormat: string = outFmt ?? "raw";
  if (options !== null && hasHelpOption(options)) return printOptionHelp(ctx, operands.length > 0 ? operands[operands.length - 1]! : null, outFormat);
  if (operands.length < 2) {
    ctx.errorReport("Must specify image file name");
    return 1;
  }
  if (parseCacheMode(srcCache) === null) {
    ctx.errorReport(`Invalid source cache option: ${srcCache}`);
    return 1;
  }
  if (quiet) progress = false;
  const prog = new Progress(ctx.io, progress, 1.0);
  prog.print(0, 100);
  const sources: Source[] = [];
  let target = null as BlockDriver | null;
  const outFilename = operands[operands.length - 1]!;
  try {
    for (const name of operands.slice(0, -1)) {
      const d = await ctx.open(name, fmt, { readOnly: true });
      if (!d) return 1;
      sources.push({ driver: d, size: d.getLength(), snapshot: null });
    }
    if (snapshotName !== null) {
      if (sources.length > 1) {
        ctx.errorReport("No support for concatenating multiple snapshot");
        return 1;
      }
      const src = sources[0]!;
      const sn = src.driver instanceof Qcow2Driver ? src.driver.findSnapshot(snapshotName) : undefined;
      if (!sn) {
        ctx.errorReport(`Failed to load snapshot: ${src.driver instanceof Qcow2Driver ? "Can't find the snapshot" : "Operation not supported"}`);
        return 1;
      }
      src.snapshot = sn;
      src.size = sn.diskSize;
    }
    const totalSize = sources.reduce((a, s) => a + s.size, 0);
    let targetHasBacking = outBase !== null;
    if (!skipCreate) {
      const list = createOptionList(outFormat);
      if (!list) {
        ctx.errorReport(`Unknown file format '${outFormat}'`);
        return 1;
      }
      const opts = new QemuOpts(list);
      try {
        if (options !== null) opts.parse(options);
        opts.setNumber("size", Math.ceil(totalSize / SECTOR) * SECTOR);
        // add_old_style_options()
        if (outBase !== null) opts.set("backing_file", outBase);
        if (backingFmt !== null) opts.set("backing_fmt", backingFmt);
      } catch (e) {
        if (e instanceof OptsError) {
          ctx.errorReport(e.message);
          return 1;
        }
        throw e;
      }
      const bp = opts.get("backing_file");
      if (bp !== undefined) outBase = bp;
      targetHasBacking = outBase !== null;
      if (sources.length > 1 && outBase !== null) {
        ctx.errorReport("Having a backing file for the target makes no sense when concatenating multiple input images");
        return 1;
      }
      if (bp !== undefined && opts.get("backing_fmt") === undefined) {
        ctx.errorReport("Use of backing file requires explicit backing format");
        return 1;
      }
      if (compressed && outFormat !== "qcow2") {
        ctx.errorReport("Compression not supported for this file format");
        return 1;
      }
      if (compressed && opts.has("preallocation") && opts.get("preallocation") !== "off") {
        ctx.errorReport("Compression and preallocation not supported at the same time");
        return 1;
      }
      try {
        await createImage(outFormat, outFilename, toCreateOptions(outFormat, opts, Number(opts.getNumber("size"))));
      } catch (e) {
        ctx.errorReport(`${outFilename}: error while converting ${outFormat}: ${describe(e)}`);
        return 1;
      }
    }
    const cacheMode = parseCacheMode(cache);
    if (cacheMode === null) {
      ctx.errorReport(`Invalid cache option: ${cache}`);
      return 1;
    }
    target = await ctx.open(outFilename, outFormat, { readOnly: false, unsafeCache: cacheMode.unsafe });
    if (!target) return 1;
    if (compressed && !(target instanceof Qcow2Driver)) {
      ctx.errorReport("Compression not supported for this file format");
      return 1;
    }
    if (skipCreate && target.getLength() < totalSize) {
      ctx.errorReport("output file is smaller than input file");
      return 1;
    }
    // A fresh image without a backing file reads as zeroes: zero areas need no write.
    const zeroInit = (!skipCreate && !targetHasBacking) || targetIsZero;
    try {
      await copyAll(sources, target, { compressed, minSparse, zeroInit, prog });
    } catch (e) {
      ctx.errorReport(e instanceof CopyError ? e.qemuMessage() : `error while writing at byte 0: ${describe(e)}`);
      return 1;
    }
    try {
      await target.flush();
    } catch (e) {
      ctx.errorReport(`error while writing at byte 0: ${describe(e)}`);
      return 1;
    }
    prog.print(100, 0);
    return 0;
  } finally {
    prog.end();
    if (target) await target.close();
    for (const s of sources) await s.driver.close();
  }
}

function parseSnapshotParam(ctx: Ctx, arg: string): string {
  const m = /^snapshot\.(id|name)=(.*)$/.exec(arg);
  if (!m) {
    ctx.errorReport(`Failed in parsing snapshot param '${arg}'`);
    throw new Exit(1);
  }
  return m[2]!;
}

interface CopyOptions {
  compressed: boolean;
  /** sparse detection granularity in sectors, 0 = write everything */
  minSparse: number;
  zeroInit: boolean;
  prog: Progress;
}

/**
 * A failed step of the copy, with the guest byte offset qemu-img names in its message
 * (convert_iteration_sectors / convert_co_read / convert_co_write).
 */
export class CopyError extends Error {
  constructor(
    readonly step: "status" | "read" | "write",
    readonly at: number,
    readonly reason: unknown,
  ) {
    super(`${step} failed at ${at}`);
  }

  /** The message qemu-img prints: strerror(-ret) of the failed request. */
  qemuMessage(): string {
    const why = this.reason instanceof BlockError ? strerror(this.reason.code) : describe(this.reason);
    if (this.step === "status") return `error while reading block status at offset ${this.at}: ${why}`;
    return `error while ${this.step === "read" ? "reading" : "writing"} at byte ${this.at}: ${why}`;
  }
}

/** Runs one step of the copy, turning its failure into a CopyError for `at`. */
async function step<T>(kind: CopyError["step"], at: number, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    throw new CopyError(kind, at, e);
  }
}

/**
 * convert_do_copy(): walks the sources' allocation, copying data and skipping or zeroing holes.
 * A pipeline of two buffers: chunk N+1 is read (on this thread, see FileProtocol.syncIo) while
 * chunk N is written; writes stay in guest order, one at a time, as qemu-img's without -W.
 */
async function copyAll(sources: Source[], target: BlockDriver, o: CopyOptions): Promise<void> {
  // First pass: how many bytes hold data, for the progress meter (convert_iteration_sectors).
  let allocated = 0;
  let first = 0;
  for (const s of o.prog.enabled ? sources : []) {
    for (let off = 0; off < s.size; ) {
      const st = s.snapshot ? { length: s.size - off, zero: false } : await step("status", first + off, chainStatus(s.driver, off, s.size - off));
      if (!st.zero) allocated += st.length;
      off += st.length;
    }
    first += s.size;
  }
  let done = 0;
  const report = (n: number): void => {
    done += n;
    if (allocated > 0) o.prog.print((100 * done) / allocated, 0);
  };
  const bufs = [new Uint8Array(BUF_SIZE), new Uint8Array(BUF_SIZE)];
  let which = 0;
  /** The write in flight; it never rejects (its failure is kept in `failed.write`). */
  let inflight: Promise<void> = Promise.resolve();
  const failed: { write: CopyError | null } = { write: null };
  const startWrite = (at: number, w: () => Promise<void>): void => {
    inflight = step("write", at, w()).catch((e: unknown) => {
      failed.write = e instanceof CopyError ? e : new CopyError("write", at, e);
    });
  };
  /** Waits for the write in flight; its failure ends the copy. */
  const settle = async (): Promise<void> => {
    await inflight;
    if (failed.write) throw failed.write;
  };
  let base = 0;
  const clusterSize = target instanceof Qcow2Driver ? target.clusterSize : 0;
  try {
    for (const s of sources) {
      if (o.compressed && target instanceof Qcow2Driver) {
        await settle();
        await copyCompressed(s, target, base, clusterSize, bufs[0]!, report);
        base += s.size;
        continue;
      }
      for (let off = 0; off < s.size; ) {
        const want = Math.min(BUF_SIZE, s.size - off);
        const st = s.snapshot ? { length: want, zero: false } : await step("status", base + off, chainStatus(s.driver, off, want));
        const len = Math.min(st.length, BUF_SIZE);
        const at = base + off;
        if (st.zero) {
          if (!o.zeroInit) {
            await settle();
            startWrite(at, () => target.writeZeroes(at, len));
          }
          off += len;
          continue;
        }
        const chunk = bufs[which]!.subarray(0, len);
        which ^= 1;
        await step("read", at, readSource(s, off, chunk));
        const runs = sparseRuns(chunk, o);
        await settle();
        startWrite(at, () => writeRuns(target, at, chunk, runs, o));
        report(len);
        off += len;
      }
      base += s.size;
    }
  } catch (e) {
    // A failed read or status ends the copy, but the write in flight is waited for (and its
    // error, being the earlier request, is the one reported).
    await inflight;
    throw failed.write ?? e;
  }
  await settle();
}

/**
 * The write plan of `chunk`: [start, end, zero] triples, the zero ones for runs of min_sparse
 * sectors that need no data write (only writeZeroes when the target does not read as zero). It is
 * worked out while the previous chunk's write is still in flight, off the write's critical path.
 */
function sparseRuns(chunk: Uint8Array, o: CopyOptions): number[] {
  if (o.minSparse === 0) return [0, chunk.length, 0];
  if (isZero(chunk)) return [0, chunk.length, 1];
  const gran = o.minSparse * SECTOR;
  const runs: number[] = [];
  let runStart = -1;
  const words = chunk.byteOffset % 4 === 0 ? new Int32Array(chunk.buffer, chunk.byteOffset, chunk.length >>> 2) : null;
  for (let i = 0; i < chunk.length; i += gran) {
    const end = Math.min(i + gran, chunk.length);
    if (!blockIsZero(chunk, words, i, end)) {
      if (runStart < 0) runStart = i;
      continue;
    }
    if (runStart >= 0) {
      runs.push(runStart, i, 0);
      runStart = -1;
    }
    runs.push(i, end, 1);
  }
  if (runStart >= 0) runs.push(runStart, chunk.length, 0);
  return runs;
}

/** Writes `chunk` as sparseRuns() planned it, leaving out zero runs when the target reads as zero already. */
async function writeRuns(target: BlockDriver, offset: number, chunk: Uint8Array, runs: readonly number[], o: CopyOptions): Promise<void> {
  for (let r = 0; r < runs.length; r += 3) {
    const start = runs[r]!, end = runs[r + 1]!;
    if (runs[r + 2] === 0) await target.write(offset + start, start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end));
    else if (!o.zeroInit) await target.writeZeroes(offset + start, end - start);
  }
}

/** Compressed output: cluster by cluster, zero clusters skipped (convert_co_write with compression). */
async function copyCompressed(s: Source, target: Qcow2Driver, base: number, cs: number, buf: Uint8Array, report: (n: number) => void): Promise<void> {
  if (base % cs !== 0) throw new BlockError("Compressed output needs each source to start on a cluster boundary", "EINVAL");
  const cluster = buf.subarray(0, cs);
  for (let off = 0; off < s.size; off += cs) {
    const len = Math.min(cs, s.size - off);
    if (!s.snapshot) {
      const st = await step("status", base + off, chainStatus(s.driver, off, len));
      if (st.zero && st.length >= len) continue;
    }
    const piece = cluster.subarray(0, len);
    await step("read", base + off, readSource(s, off, piece));
    report(len);
    if (isZero(piece)) continue;
    if (base + off + len === target.getLength() || len === cs) await step("write", base + off, target.writeCompressed(base + off, piece));
    else await step("write", base + off, target.write(base + off, piece));
  }
}
