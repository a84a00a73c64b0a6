import * as fs from "node:fs";
import * as path from "node:path";

/**
 * Transpiles the block layer (and these test helpers) to plain ESM JavaScript in
 * `outDir`, so that tests can fork a real child process running the driver
 * (Node 20 cannot run .ts files). Type-only syntax is dropped; relative imports
 * already end in .js.
 */
export async function transpileBlockLayer(outDir: string): Promise<void> {
  const ts = (await import("typescript")).default;
  const blockDir = path.resolve(import.meta.dirname, "..");
  fs.mkdirSync(path.join(outDir, "testing"), { recursive: true });
  fs.writeFileSync(path.join(outDir, "package.json"), '{ "type": "module" }\n');
  for (const sub of ["", "testing"]) {
    for (const f of fs.readdirSync(path.join(blockDir, sub))) {
      if (!f.endsWith(".ts") || f.endsWith(".test.ts")) continue;
      const src = fs.readFileSync(path.join(blockDir, sub, f), "utf8");
      const out = ts.transpileModule(src, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false, isolatedModules: true },
        fileName: f,
      });
      fs.writeFileSync(path.join(outDir, sub, f.replace(/\.ts$/, ".js")), out.outputText);
    }
  }
}
