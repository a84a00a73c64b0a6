import { BlockError, Qcow2Driver } from "../block.js";
import { type Ctx, Exit, describe } from "../context.js";
import { snapshotLine } from "../image-info.js";

type Action = "list" | "apply" | "create" | "delete";

/** qemu-img snapshot [-l | -a snapshot | -c snapshot | -d snapshot] [-q] filename */
export async function cmdSnapshot(ctx: Ctx, args: string[]): Promise<number> {
  let action = null as Action | null;
  let name = "";
  const set = (a: Action, arg: string | null): void => {
    if (action) ctx.errorExit("Cannot mix '-l', '-a', '-c', '-d'");
    action = a;
    name = arg ?? "";
  };
  const { operands } = ctx.getopt(
    args,
    ":la:c:d:hqU",
    [
      { name: "help", hasArg: false, val: "h" },
      { name: "object", hasArg: true, val: "object" },
      { name: "image-opts", hasArg: false, val: "image-opts" },
      { name: "force-share", hasArg: false, val: "U" },
    ],
    (opt, arg) => {
      if (opt === "h") throw new Exit(ctx.help());
      if (opt === "l") set("list", null);
      else if (opt === "a") set("apply", arg);
      else if (opt === "c") set("create", arg);
      else if (opt === "d") set("delete", arg);
      else if (opt === "object" || opt === "image-opts") ctx.errorExit(`--${opt} is not supported by this implementation`);
    },
  );
  if (operands.length !== 1) ctx.errorExit("Expecting one image file name");
  const filename = operands[0]!;
  const act = action;
  const d = await ctx.open(filename, null, { readOnly: act === "list" });
  if (!d) return 1;
  try {
    const q = d instanceof Qcow2Driver ? d : null;
    switch (act) {
      case "list":
        // dump_snapshots(): nothing at all for formats without snapshots or none taken.
        if (q && q.snapshots.length > 0) {
          ctx.io.out(`Snapshot list:\n${snapshotLine(null)}\n${q.snapshots.map((s) => `${snapshotLine(s)}\n`).join("")}`);
        }
        return 0;
      case "create": {
        if (!q) {
          ctx.errorReport(`Could not create snapshot '${name}': -95 (Operation not supported)`);
          return 1;
        }
        try {
          await q.createSnapshot(name);
        } catch (e) {
          const code = e instanceof BlockError ? e.code : "EIO";
          ctx.errorReport(`Could not create snapshot '${name}': ${-(ERRNO[code] ?? 5)} (${describe(e)})`);
          return 1;
        }
        return 0;
      }
      case "apply":
        try {
          if (!q) throw new BlockError("Failed to load snapshot: Operation not supported", "ENOTSUP");
          if (!q.findSnapshot(name)) throw new BlockError("Failed to load snapshot: No such file or directory", "ENOENT");
          await q.applySnapshot(name);
        } catch (e) {
          ctx.errorReport(`Could not apply snapshot '${name}': ${describe(e)}`);
          return 1;
        }
        return 0;
      case "delete":
        if (!q?.findSnapshot(name)) {
          ctx.errorReport(`Could not delete snapshot '${name}': snapshot not found`);
          return 1;
        }
        try {
          await q.deleteSnapshot(name);
        } catch (e) {
          ctx.errorReport(`Could not delete snapshot '${name}': ${describe(e)}`);
          return 1;
        }
        return 0;
      default:
        return 0;
    }
  } finally {
    await d.close();
  }
}

const ERRNO: Readonly<Record<string, number>> = { EPERM: 1, ENOENT: 2, EIO: 5, EACCES: 13, EEXIST: 17, EINVAL: 22, EFBIG: 27, ENOSPC: 28, ENOTSUP: 95, ERANGE: 34 };
