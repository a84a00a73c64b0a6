/** Host tools on PATH (the peers are Debian packages: qemu-system-x86, bochs). */
import { accessSync, constants } from "node:fs";
import { delimiter, join, sep } from "node:path";

/** The first executable `name` on PATH; skipNodeModules passes over node_modules/.bin (workspace bins). */
export function findExecutable(name: string, opts: { skipNodeModules?: boolean } = {}): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "" || (opts.skipNodeModules === true && dir.split(sep).includes("node_modules"))) continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}
