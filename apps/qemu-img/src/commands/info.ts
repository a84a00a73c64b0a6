import { type Ctx, Exit, parseOutput } from "../context.js";
import { type ImageInfo, imageInfoHuman, imageInfoJson, imageInfoListJson, queryImageInfo } from "../image-info.js";

/** qemu-img info [-f fmt] [--output=human|json] [--backing-chain] [-U] filename */
export async function cmdInfo(ctx: Ctx, args: string[]): Promise<number> {
  let fmt = null as string | null;
  let output = null as string | null;
  let chain = false as boolean;
  const { operands } = ctx.getopt(
    args,
    ":f:hU",
    [
      { name: "help", hasArg: false, val: "h" },
      { name: "format", hasArg: true, val: "f" },
      { name: "output", hasArg: true, val: "output" },
      { name: "backing-chain", hasArg: false, val: "backing-chain" },
      { name: "object", hasArg: true, val: "object" },
      { name: "image-opts", hasArg: false, val: "image-opts" },
      { name: "force-share", hasArg: false, val: "U" },
    ],
    (opt, arg) => {
      if (opt === "h") throw new Exit(ctx.help());
      if (opt === "f") fmt = arg;
      else if (opt === "output") output = arg;
      else if (opt === "backing-chain") chain = true;
      else if (opt === "object" || opt === "image-opts") ctx.errorExit(`--${opt} is not supported by this implementation`);
    },
  );
  if (operands.length !== 1) ctx.errorExit("Expecting one image file name");
  const format = parseOutput(ctx, output);
  // collect_image_info_list(): each image opened without its backing chain.
  const list: ImageInfo[] = [];
  const seen = new Set<string>();
  let filename: string | null = operands[0]!;
  while (filename !== null) {
    if (seen.has(filename)) {
      ctx.errorReport(`Backing file '${filename}' creates an infinite loop.`);
      return 1;
    }
    seen.add(filename);
    const d = await ctx.open(filename, fmt, { readOnly: true, openBacking: false });
    if (!d) return 1;
    const info = queryImageInfo(d, filename);
    await d.close();
    list.push(info);
    filename = null;
    fmt = null;
    if (chain && info.fullBackingFilename !== null) {
      filename = info.fullBackingFilename;
      fmt = info.backingFilenameFormat;
    }
  }
  if (format === "human") ctx.io.out(list.map(imageInfoHuman).join("\n"));
  else ctx.io.out(chain ? imageInfoListJson(list) : imageInfoJson(list[0]!));
  return 0;
}
