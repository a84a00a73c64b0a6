import { type CheckResult, Qcow2Driver, checkQcow2 } from "../block.js";
import { type Ctx, Exit, describe, parseOutput } from "../context.js";
import { QDict, toJson } from "../qdict.js";
import { formatFixed } from "../size.js";

/** dump_human_image_check() */
export function checkHuman(r: CheckResult): string {
  let s = "";
  if (!(r.corruptions || r.leaks || r.checkErrors)) {
    s += "No errors were found on the image.\n";
  } else {
    if (r.corruptions) s += `\n${r.corruptions} errors were found on the image.\nData may be corrupted, or further writes to the image may corrupt it.\n`;
    if (r.leaks) s += `\n${r.leaks} leaked clusters were found on the image.\nThis means waste of disk space, but no harm to data.\n`;
    if (r.checkErrors) s += `\n${r.checkErrors} internal errors have occurred during the check.\n`;
  }
  if (r.totalClusters !== 0 && r.allocatedClusters !== 0) {
    const a = r.allocatedClusters;
    s += `${a}/${r.totalClusters} = ${formatFixed((a * 100) / r.totalClusters, 2)}% allocated, ${formatFixed((r.fragmentedClusters * 100) / a, 2)}% fragmented, ${formatFixed((r.compressedClusters * 100) / a, 2)}% compressed clusters\n`;
  }
  if (r.imageEndOffset) s += `Image end offset: ${r.imageEndOffset}\n`;
  return s;
}

/** dump_json_image_check(): ImageCheck in QAPI field order, optional fields when non-zero. */
export function checkJson(r: CheckResult, filename: string, format: string): string {
  const q = new QDict();
  q.put("filename", filename);
  q.put("format", format);
  q.put("check-errors", r.checkErrors);
  if (r.imageEndOffset) q.put("image-end-offset", r.imageEndOffset);
  if (r.corruptions) q.put("corruptions", r.corruptions);
  if (r.leaks) q.put("leaks", r.leaks);
  if (r.corruptionsFixed) q.put("corruptions-fixed", r.corruptionsFixed);
  if (r.leaksFixed) q.put("leaks-fixed", r.leaksFixed);
  if (r.totalClusters) q.put("total-clusters", r.totalClusters);
  if (r.allocatedClusters) q.put("allocated-clusters", r.allocatedClusters);
  if (r.fragmentedClusters) q.put("fragmented-clusters", r.fragmentedClusters);
  if (r.compressedClusters) q.put("compressed-clusters", r.compressedClusters);
  return `${toJson(q)}\n`;
}

/** qemu-img check [-f fmt] [--output=human|json] [-r leaks|all] [-q] filename; exit 0/1/2/3/63 */
export async function cmdCheck(ctx: Ctx, args: string[]): Promise<number> {
  let fmt = null as string | null;
  let output = null as string | null;
  let fixLeaks = false as boolean, fixErrors = false as boolean, quiet = false as boolean;
  const { operands } = ctx.getopt(
    args,
    ":hf:r:T:qU",
    [
      { name: "help", hasArg: false, val: "h" },
      { name: "format", hasArg: true, val: "f" },
      { name: "repair", hasArg: true, val: "r" },
      { name: "output", hasArg: true, val: "output" },
      { name: "object", hasArg: true, val: "object" },
      { name: "image-opts", hasArg: false, val: "image-opts" },
      { name: "force-share", hasArg: false, val: "U" },
    ],
    (opt, arg) => {
      if (opt === "h") throw new Exit(ctx.help());
      if (opt === "f") fmt = arg;
      else if (opt === "r") {
        if (arg === "leaks") fixLeaks = true;
        else if (arg === "all") fixLeaks = fixErrors = true;
        else ctx.errorExit(`Unknown option value for -r (expecting 'leaks' or 'all'): ${arg}`);
      } else if (opt === "output") output = arg;
      else if (opt === "q") quiet = true;
      else if (opt === "object" || opt === "image-opts") ctx.errorExit(`--${opt} is not supported by this implementation`);
    },
  );
  if (operands.length !== 1) ctx.errorExit("Expecting one image file name");
  const filename = operands[0]!;
  const format = parseOutput(ctx, output);
  const repair = fixLeaks || fixErrors;
  const d = await ctx.open(filename, fmt, { readOnly: !repair, checkMode: true });
  if (!d) return 1;
  try {
    if (!(d instanceof Qcow2Driver)) {
      ctx.errorReport("This image format does not support checks");
      return 63;
    }
    const log = (line: string): void => {
      ctx.io.err(`${line}\n`);
    };
    let r: CheckResult;
    try {
      r = await checkQcow2(d, { fixLeaks, fixErrors }, log);
      if (r.corruptionsFixed || r.leaksFixed) {
        if (format === "human" && !quiet) {
          ctx.io.out(
            `The following inconsistencies were found and repaired:\n\n    ${r.leaksFixed} leaked clusters\n    ${r.corruptionsFixed} corruptions\n\nDouble checking the fixed image now...\n`,
          );
        }
        const again = await checkQcow2(d, { fixLeaks: false, fixErrors: false }, log);
        again.leaksFixed = r.leaksFixed;
        again.corruptionsFixed = r.corruptionsFixed;
        r = again;
      }
    } catch (e) {
      ctx.errorReport(`Check failed: ${describe(e)}`);
      return 1;
    }
    if (!quiet) ctx.io.out(format === "human" ? checkHuman(r) : checkJson(r, filename, "qcow2"));
    if (r.checkErrors) {
      ctx.errorReport("Check failed");
      return 1;
    }
    return r.corruptions ? 2 : r.leaks ? 3 : 0;
  } finally {
    await d.close();
  }
}
