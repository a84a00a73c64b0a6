import { defineConfig } from "tsup";

export default defineConfig({
  // The kernel thread is its own script: a Worker loads it by URL (see src/threads/index.ts).
  entry: { index: "src/index.ts", threads: "src/threads/index.ts", "kernel-worker": "src/threads/kernel-worker.ts" },
  format: ["esm"],
  target: "node20",
  sourcemap: true,
  clean: true,
  dts: { entry: { index: "src/index.ts", threads: "src/threads/index.ts" }, compilerOptions: { ignoreDeprecations: "6.0" } },
});
