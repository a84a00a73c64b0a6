import { defineConfig } from "tsup";

export default defineConfig([
  {
    entry: ["src/index.ts"],
    format: ["esm"],
    target: "node20",
    sourcemap: true,
    clean: true,
    dts: { compilerOptions: { ignoreDeprecations: "6.0" } },
  },
  {
    // The command-line tool is one process per command, so Node's start-up is part of every
    // qemu-img run: it bundles only the block layer (packages/qemu/src/block, which imports nothing
    // but node: built-ins) instead of loading all of @virtkit/qemu (its devices, machines and
    // @virtkit/kvm), about 40 ms less to load and compile. One file (no splitting): the ESM loader
    // reads each module through the thread pool, a few round trips per file.
    entry: ["src/cli.ts"],
    format: ["esm"],
    target: "node20",
    sourcemap: true,
    clean: false,
    splitting: false,
    noExternal: ["@virtkit/qemu"],
    esbuildOptions(o) {
      o.alias = { "@virtkit/qemu": "../../packages/qemu/src/block/index.ts" };
    },
  },
]);
