// `import "./register-ts.mjs"` first in a script, then `await import("./something.ts")`.
import { register } from "node:module";

register("./ts-hooks.mjs", import.meta.url);
