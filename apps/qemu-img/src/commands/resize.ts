import { type Ctx, Exit, describe } from "../context.js";
import { strtosz } from "../size.js";

/** qemu-img resize [-f fmt] [--shrink] [-q] filename [+|-]size */
export async function cmdResize(ctx: Ctx, argsIn: string[]): Promise<number> {
  // The size is taken off the end first so that "-1G" is not read as an option.
  if (argsIn.length < 2) ctx.errorExit("Not enough arguments");
  const args = argsIn.slice(0, -1);
  let size = argsIn[argsIn.length - 1]!;
  let fmt = null as string | null;
  let quiet = false as boolean, shrink = false as boolean;
  const { operands } = ctx.getopt(
    args,
    ":f:hq",
    [
      { name: "help", hasArg: false, val: "h" },
      { name: "object", hasArg: true, val: "object" },
      { name: "image-opts", hasArg: false, val: "image-opts" },
      { name: "preallocation", hasArg: true, val: "preallocation" },
      { name: "shrink", hasArg: false, val: "shrink" },
    ],
    (opt, arg) => {
      if (opt === "h") throw new Exit(ctx.help());
      if (opt === "f") fmt = arg;
      else if (opt === "q") quiet = true;
      else if (opt === "shrink") shrink = true;
      else if (opt === "preallocation") {
        if (!["off", "metadata", "falloc", "full"].includes(arg!)) {
          ctx.errorReport(`Invalid preallocation mode '${arg}'`);
          throw new Exit(1);
        }
        if (arg !== "off") ctx.errorExit(`Preallocation mode '${arg}' is not supported by this implementation`);
      } else if (opt === "object" || opt === "image-opts") ctx.errorExit(`--${opt} is not supported by this implementation`);
    },
  );
  if (operands.length !== 1) ctx.errorExit("Expecting image file name and size");
  const filename = operands[0]!;
  let relative = 0;
  if (size.startsWith("+")) {
    relative = 1;
    size = size.slice(1);
  } else if (size.startsWith("-")) {
    relative = -1;
    size = size.slice(1);
  }
  const parsed = /^\s*-/.test(size) ? "EINVAL" : strtosz(size);
  if (typeof parsed !== "bigint") {
    ctx.errorReport("Parameter 'size' expects a non-negative number below 2^64\nOptional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.");
    return 1;
  }
  const n = Number(parsed);
  const d = await ctx.open(filename, fmt, { readOnly: false });
  if (!d) return 1;
  try {
    const current = d.getLength();
    const total = relative ? current + n * relative : n;
    if (total <= 0) {
      ctx.errorReport("New image size must be positive");
      return 1;
    }
    if (total < current && !shrink) {
      ctx.errorReport("Use the --shrink option to perform a shrink operation.");
      ctx.warnReport("Shrinking an image will delete all data beyond the shrunken image's end. Before performing such an operation, make sure there is no important data there.");
      return 1;
    }
    try {
      await d.truncate(total);
    } catch (e) {
      ctx.errorReport(describe(e));
      return 1;
    }
    if (!quiet) ctx.io.out("Image resized.\n");
    return 0;
  } finally {
    await d.close();
  }
}
