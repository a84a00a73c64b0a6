import type { BlockDriver } from "../block.js";
import { chainStatus } from "../chain-status.js";
import { type Ctx, Exit, describe } from "../context.js";
import { Progress } from "../progress.js";

const IO_BUF_SIZE = 2 * 1024 * 1024;
const SECTOR = 512;

/** First 512-byte sector (offset within buf) that is not all zero, or -1 (find_nonzero). */
function firstNonZeroSector(buf: Uint8Array): number {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  for (let i = 0; i < b.length; i += SECTOR) {
    const end = Math.min(i + SECTOR, b.length);
    for (let j = i; j < end; j++) if (b[j] !== 0) return i;
  }
  return -1;
}

/** compare_buffers(): sector-granular position of the first difference, or -1. */
function firstDifferentSector(a: Uint8Array, b: Uint8Array): number {
  const ba = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const bb = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (ba.equals(bb)) return -1;
  for (let i = 0; i < a.length; i += SECTOR) {
    const end = Math.min(i + SECTOR, a.length);
    if (!ba.subarray(i, end).equals(bb.subarray(i, end))) return i;
  }
  return -1;
}

/** qemu-img compare [-f fmt] [-F fmt] [-p] [-q] [-s] file1 file2; exit 0 same, 1 differ, 2 open error, 3/4 I/O */
export async function cmdCompare(ctx: Ctx, args: string[]): Promise<number> {
  let fmt1 = null as string | null, fmt2 = null as string | null;
  let progress = false as boolean, quiet = false as boolean, strict = false as boolean;
  const { operands } = ctx.getopt(
    args,
    ":hf:F:T:pqsU",
    [
      { name: "help", hasArg: false, val: "h" },
      { name: "object", hasArg: true, val: "object" },
      { name: "image-opts", hasArg: false, val: "image-opts" },
      { name: "force-share", hasArg: false, val: "U" },
    ],
    (opt, arg) => {
      if (opt === "h") throw new Exit(ctx.help());
      if (opt === "f") fmt1 = arg;
      else if (opt === "F") fmt2 = arg;
      else if (opt === "p") progress = true;
      else if (opt === "q") quiet = true;
      else if (opt === "s") strict = true;
      else if (opt === "object" || opt === "image-opts") ctx.errorExit(`--${opt} is not supported by this implementation`);
    },
  );
  if (quiet) progress = false;
  if (operands.length !== 2) ctx.errorExit("Expecting two image file names");
  const [file1, file2] = operands as [string, string];
  const prog = new Progress(ctx.io, progress, 2.0);
  const say = (s: string): void => {
    if (!quiet) ctx.io.out(s);
  };
  const d1 = await ctx.open(file1, fmt1, { readOnly: true });
  if (!d1) {
    prog.end();
    return 2;
  }
  const d2 = await ctx.open(file2, fmt2, { readOnly: true });
  if (!d2) {
    await d1.close();
    prog.end();
    return 2;
  }
  try {
    return await compareImages(ctx, d1, d2, file1, file2, strict, say, prog);
  } finally {
    prog.end();
    await d1.close();
    await d2.close();
  }
}

async function compareImages(
  ctx: Ctx,
  d1: BlockDriver,
  d2: BlockDriver,
  file1: string,
  file2: string,
  strict: boolean,
  say: (s: string) => void,
  prog: Progress,
): Promise<number> {
  const size1 = d1.getLength(), size2 = d2.getLength();
  const total = Math.min(size1, size2);
  const base = Math.max(size1, size2);
  const buf1 = new Uint8Array(IO_BUF_SIZE), buf2 = new Uint8Array(IO_BUF_SIZE);
  prog.print(0, 100);
  if (strict && size1 !== size2) {
    say("Strict mode: Image size mismatch!\n");
    return 1;
  }
  const read = async (d: BlockDriver, off: number, b: Uint8Array, name: string): Promise<boolean> => {
    try {
      await d.read(off, b);
      return true;
    } catch (e) {
      ctx.errorReport(`Error while reading offset ${off} of ${name}: ${describe(e)}`);
      return false;
    }
  };
  const checkEmpty = async (d: BlockDriver, off: number, len: number, name: string): Promise<number> => {
    const b = buf1.subarray(0, len);
    if (!(await read(d, off, b, name))) return 4;
    const idx = firstNonZeroSector(b);
    if (idx >= 0) {
      say(`Content mismatch at offset ${off + idx}!\n`);
      return 1;
    }
    return 0;
  };
  let offset = 0;
  while (offset < total) {
    const s1 = await chainStatus(d1, offset, size1 - offset);
    const s2 = await chainStatus(d2, offset, size2 - offset);
    let chunk = Math.min(s1.length, s2.length);
    if (strict && (s1.data !== s2.data || s1.zero !== s2.zero || s1.present !== s2.present || (s1.offset >= 0) !== (s2.offset >= 0))) {
      say(`Strict mode: Offset ${offset} block status mismatch!\n`);
      return 1;
    }
    if (s1.zero && s2.zero) {
      // nothing to compare
    } else if (s1.present === s2.present) {
      if (s1.present) {
        chunk = Math.min(chunk, IO_BUF_SIZE);
        const a = buf1.subarray(0, chunk), b = buf2.subarray(0, chunk);
        if (!(await read(d1, offset, a, file1)) || !(await read(d2, offset, b, file2))) return 4;
        const idx = firstDifferentSector(a, b);
        if (idx >= 0) {
          say(`Content mismatch at offset ${offset + idx}!\n`);
          return 1;
        }
      }
    } else {
      chunk = Math.min(chunk, IO_BUF_SIZE);
      const r = s1.present ? await checkEmpty(d1, offset, chunk, file1) : await checkEmpty(d2, offset, chunk, file2);
      if (r) return r;
    }
    offset += chunk;
    prog.print((chunk / base) * 100, 100);
  }
  if (size1 !== size2) {
    say("Warning: Image size mismatch!\n");
    const [over, name] = size1 > size2 ? [d1, file1] : [d2, file2];
    while (offset < base) {
      const st = await chainStatus(over, offset, base - offset);
      let chunk = st.length;
      if (st.present && !st.zero) {
        chunk = Math.min(chunk, IO_BUF_SIZE);
        const r = await checkEmpty(over, offset, chunk, name);
        if (r) return r;
      }
      offset += chunk;
      prog.print((chunk / base) * 100, 100);
    }
  }
  say("Images are identical.\n");
  return 0;
}
