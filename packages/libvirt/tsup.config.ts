import { defineConfig } from "tsup";

// testing/private-daemon: the generic half of a private libvirtd for interop tests, exported as
// @virtkit/libvirt/testing/private-daemon for packages/virsh's testing/daemons (and through it
// apps/libvirtd).
export default defineConfig({
  entry: { index: "src/index.ts", "testing/private-daemon": "src/testing/private-daemon.ts" },
  format: ["esm"],
  target: "node20",
  sourcemap: true,
  clean: true,
  dts: { compilerOptions: { ignoreDeprecations: "6.0" } },
});
