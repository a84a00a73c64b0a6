import { type ChainStatus, chainStatus } from "../chain-status.js";
import { type Ctx, Exit, parseOutput } from "../context.js";
import { cvtnum } from "../size.js";

/** entry_mergeable() */
function mergeable(a: ChainStatus, b: ChainStatus): boolean {
  if (a.length === 0) return false;
  if (a.zero !== b.zero || a.data !== b.data || a.depth !== b.depth || a.present !== b.present) return false;
  if ((a.filename !== null) !== (b.filename !== null) || (a.offset >= 0) !== (b.offset >= 0)) return false;
  if (a.filename !== null && a.filename !== b.filename) return false;
  if (a.offset >= 0 && a.offset + a.length !== b.offset) return false;
  return true;
}

const hexAlt16 = (n: number): string => (n === 0 ? "0" : `0x${n.toString(16)}`).padEnd(16);

/** qemu-img map [-f fmt] [--output=human|json] [-s start] [-l length] filename */
export async function cmdMap(ctx: Ctx, args: string[]): Promise<number> {
  let fmt = null as string | null;
  let output = null as string | null;
  let start = 0;
  let maxLength = -1;
  const { operands } = ctx.getopt(
    args,
    ":f:s:l:hU",
    [
      { name: "help", hasArg: false, val: "h" },
      { name: "format", hasArg: true, val: "f" },
      { name: "output", hasArg: true, val: "output" },
      { name: "object", hasArg: true, val: "object" },
      { name: "image-opts", hasArg: false, val: "image-opts" },
      { name: "force-share", hasArg: false, val: "U" },
      { name: "start-offset", hasArg: true, val: "s" },
      { name: "max-length", hasArg: true, val: "l" },
    ],
    (opt, arg) => {
      const report = (m: string): void => {
        ctx.errorReport(m);
      };
      if (opt === "h") throw new Exit(ctx.help());
      if (opt === "f") fmt = arg;
      else if (opt === "output") output = arg;
      else if (opt === "s") {
        const v = cvtnum("start offset", arg!, report);
        if (v === null) throw new Exit(1);
        start = v;
      } else if (opt === "l") {
        const v = cvtnum("max length", arg!, report);
        if (v === null) throw new Exit(1);
        maxLength = v;
      } else if (opt === "object" || opt === "image-opts") ctx.errorExit(`--${opt} is not supported by this implementation`);
    },
  );
  if (operands.length !== 1) ctx.errorExit("Expecting one image file name");
  const filename = operands[0]!;
  const format = parseOutput(ctx, output);
  const d = await ctx.open(filename, fmt, { readOnly: true });
  if (!d) return 1;
  try {
    const out: string[] = [];
    if (format === "human") out.push(`${"Offset".padEnd(16)}${"Length".padEnd(16)}${"Mapped to".padEnd(16)}File\n`);
    else out.push("[");
    let length = d.getLength();
    if (maxLength !== -1) length = Math.min(start + maxLength, length);
    const dump = (e: ChainStatus, next: ChainStatus | null): boolean => {
      if (format === "human") {
        if (e.data && e.offset < 0) {
          ctx.io.out(out.join(""));
          out.length = 0;
          ctx.errorReport("File contains external, encrypted or compressed clusters.");
          return false;
        }
        if (e.data && !e.zero) out.push(`${hexAlt16(e.start)}${hexAlt16(e.length)}${hexAlt16(e.offset >= 0 ? e.offset : 0)}${e.filename ?? ""}\n`);
        if (next && (!next.data || next.zero)) {
          next.data = false;
          next.zero = true;
        }
      } else {
        let s = `{ "start": ${e.start}, "length": ${e.length}, "depth": ${e.depth}, "present": ${e.present}, "zero": ${e.zero}, "data": ${e.data}`;
        if (e.offset >= 0) s += `, "offset": ${e.offset}`;
        s += "}";
        if (next) s += ",\n";
        out.push(s);
      }
      return true;
    };
    let curr: ChainStatus = { start, length: 0, data: false, zero: false, present: false, depth: 0, offset: -1, filename: null };
    while (curr.start + curr.length < length) {
      const off = curr.start + curr.length;
      const next = await chainStatus(d, off, length - off);
      if (mergeable(curr, next)) {
        curr.length += next.length;
        continue;
      }
      if (curr.length > 0 && !dump(curr, next)) return 1;
      curr = next;
      if (out.length > 4096) {
        ctx.io.out(out.join(""));
        out.length = 0;
      }
    }
    const ok = dump(curr, null);
    if (format === "json") out.push("]\n");
    ctx.io.out(out.join(""));
    return ok ? 0 : 1;
  } finally {
    await d.close();
  }
}
