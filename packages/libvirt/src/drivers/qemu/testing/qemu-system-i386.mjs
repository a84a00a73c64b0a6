#!/usr/bin/env node
// virtkit's qemu-system-i386 for this package's tests: the same qemuSystemMain that
// apps/qemu-system/dist/cli.js runs, taken from @virtkit/qemu (built before this package's tests,
// unlike the app, whose build may still be running when they start).
import process from "node:process";
import { qemuSystemMain } from "@virtkit/qemu";

const status = await qemuSystemMain(process.argv.slice(2), { prog: "qemu-system-i386", handleSignals: true });
process.stdout.write("", () => {
  process.exit(status & 0xff);
});
