#!/usr/bin/env node
import { basename } from "node:path";
import { qemuSystemMain } from "@virtkit/qemu";

/*
 * qemu-system-i386: QEMU's PC emulator command line over virtkit's kvm module. The exit status is
 * QEMU's: 0 after a shutdown or "quit", 1 for a configuration error, (value << 1) | 1 when the
 * guest writes value to isa-debug-exit.
 */
const status = await qemuSystemMain(process.argv.slice(2), {
  prog: basename(process.argv[1] ?? "qemu-system-i386").replace(/\.js$/, "") === "cli" ? "qemu-system-i386" : basename(process.argv[1] ?? "qemu-system-i386"),
  handleSignals: true,
});
// Let buffered console output drain before leaving (QEMU's exit() flushes stdio).
process.stdout.write("", () => {
  process.exit(status & 0xff);
});
