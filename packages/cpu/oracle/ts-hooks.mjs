// Node module hooks that let the oracle's command-line scripts import the TypeScript sources
// directly (Node 20 cannot strip types itself): `./x.js` falls back to `./x.ts`, and `.ts` files are
// transpiled with the workspace's TypeScript (types are erased, nothing is checked here;
// `pnpm typecheck` does that).
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const ts = require("typescript");

export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    if (err?.code === "ERR_MODULE_NOT_FOUND" && specifier.endsWith(".js") && (specifier.startsWith(".") || specifier.startsWith("/"))) {
      return next(specifier.slice(0, -3) + ".ts", context);
    }
    throw err;
  }
}

export async function load(url, context, next) {
  if (!url.endsWith(".ts")) return next(url, context);
  const source = await readFile(fileURLToPath(url), "utf8");
  const out = ts.transpileModule(source, {
    fileName: fileURLToPath(url),
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      sourceMap: false,
      inlineSourceMap: true,
      verbatimModuleSyntax: true,
    },
  });
  return { format: "module", source: out.outputText, shortCircuit: true };
}
