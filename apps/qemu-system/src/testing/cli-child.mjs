/* global process, URL */
// The qemu-system-i386 entry for tests that need a separate process (-daemonize, signals), run
// from the built @virtkit/qemu so it works before this app is built.
import { qemuSystemMain } from "@virtkit/qemu";

const status = await qemuSystemMain(process.argv.slice(2), { handleSignals: true, script: new URL(import.meta.url).pathname });
process.stdout.write("", () => process.exit(status & 0xff));
