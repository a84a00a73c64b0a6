/* global process, console, URL */
// Builds the Node-API addon with node-gyp against the Node headers installed on this machine
// (--nodedir: no download). Where node-gyp, a C compiler or the headers are missing it says so and
// succeeds: the package then reports the addon as unavailable and its tests skip.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";

const here = dirname(new URL(import.meta.url).pathname);
const pkg = join(here, "..", "native");
const nodedir = [process.env.npm_config_nodedir, "/usr", dirname(dirname(process.execPath))]
  .find((d) => d && existsSync(join(d, "include", "node", "node_api.h")));
const cc = spawnSync("cc", ["--version"]).status === 0;
let gyp = null;
try {
  gyp = createRequire(join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "package.json")).resolve("node-gyp/bin/node-gyp.js");
} catch {
  for (const p of ["/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js", "/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js"]) {
    if (existsSync(p)) gyp = p;
  }
}
if (!gyp || !cc || !nodedir) {
  console.warn(`@virtkit/kvm-native: not building the addon (missing: ${[!gyp && "node-gyp", !cc && "a C compiler", !nodedir && "Node headers"].filter(Boolean).join(", ")})`);
  process.exit(0);
}
try {
  execFileSync(process.execPath, [gyp, "rebuild", "--loglevel=error", `--nodedir=${nodedir}`], { cwd: pkg, stdio: "pipe" });
} catch (e) {
  console.warn(`@virtkit/kvm-native: node-gyp failed; the addon is unavailable and its tests skip\n${String(e.stderr ?? e)}`);
}
