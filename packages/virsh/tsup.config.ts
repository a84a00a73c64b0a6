import { copyFileSync } from "node:fs";
import { defineConfig } from "tsup";

// testing/pty: the pseudo-terminal driver, exported as @virtkit/virsh/testing/pty for other
// packages' console tests (apps/libvirtd boots a Linux guest behind `virsh console`); its python
// half is copied beside the built module, where pty.ts looks for it. testing/daemons: the private
// real/our libvirtd starters and virsh runners, exported as @virtkit/virsh/testing/daemons for
// apps/libvirtd's interop tests. testing/golden-sequence: the golden suite's domain and network
// definitions, which apps/libvirtd's interop sequence defines too.
export default defineConfig({
  entry: { index: "src/index.ts", cli: "src/cli.ts", "testing/pty": "src/testing/pty.ts", "testing/daemons": "src/testing/daemons.ts", "testing/golden-sequence": "src/testing/golden-sequence.ts" },
  format: ["esm"],
  target: "node20",
  sourcemap: true,
  clean: true,
  dts: { entry: { index: "src/index.ts", "testing/pty": "src/testing/pty.ts", "testing/daemons": "src/testing/daemons.ts", "testing/golden-sequence": "src/testing/golden-sequence.ts" }, compilerOptions: { ignoreDeprecations: "6.0" } },
  onSuccess: () => {
    copyFileSync("src/testing/pty-driver.py", "dist/testing/pty-driver.py");
    return Promise.resolve();
  },
});
