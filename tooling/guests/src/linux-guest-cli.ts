/**
 * tooling/guests/linux/build.sh: assembles the Linux guest (see linux-guest.ts) and prints where it is.
 * Exit status 0 built, 1 failed, 2 the Debian packages could not be fetched here (callers skip on 2).
 */
import { parseArgs } from "node:util";
import { LinuxGuestError, MANUAL_SUPPLY_HELP, aptUnavailableReason, buildLinuxGuest } from "./linux-guest.js";

const USAGE = `usage: build.sh [--cache DIR] [--kernel-deb FILE --busybox-deb FILE | --kernel-root DIR --busybox FILE] [--force] [--quiet]`;

function main(): number {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        cache: { type: "string" },
        "kernel-deb": { type: "string" },
        "busybox-deb": { type: "string" },
        "kernel-root": { type: "string" },
        busybox: { type: "string" },
        quiet: { type: "boolean" },
        force: { type: "boolean" },
        help: { type: "boolean" },
      },
    }));
  } catch (e) {
    process.stderr.write(`build.sh: ${(e as Error).message}\n${USAGE}\n`);
    return 1;
  }
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n\n${MANUAL_SUPPLY_HELP}\n`);
    return 0;
  }
  const byHand = values["kernel-root"] !== undefined || values["kernel-deb"] !== undefined;
  const noApt = aptUnavailableReason();
  if (!byHand && noApt !== undefined) {
    process.stderr.write(`build.sh: cannot fetch the Debian packages: ${noApt}.\n${MANUAL_SUPPLY_HELP}\n`);
    return 2;
  }
  try {
    const r = buildLinuxGuest({
      ...(values.cache !== undefined ? { cacheDir: values.cache } : {}),
      ...(values["kernel-deb"] !== undefined ? { kernelDeb: values["kernel-deb"] } : {}),
      ...(values["busybox-deb"] !== undefined ? { busyboxDeb: values["busybox-deb"] } : {}),
      ...(values["kernel-root"] !== undefined ? { kernelRoot: values["kernel-root"] } : {}),
      ...(values.busybox !== undefined ? { busybox: values.busybox } : {}),
      ...(values.force === true ? { force: true } : {}),
      ...(values.quiet === true ? {} : { log: (l: string) => process.stderr.write(`build.sh: ${l}\n`) }),
    });
    process.stdout.write(`${JSON.stringify({ vmlinuz: r.vmlinuz, vmlinux: r.vmlinux, initramfs: r.initramfs, disk: r.disk, manifest: r.manifest, domainXml: r.domainXml })}\n`);
    return 0;
  } catch (e) {
    if (e instanceof LinuxGuestError) {
      process.stderr.write(`build.sh: ${e.message}\n`);
      return /cannot fetch|does not know/.test(e.message) ? 2 : 1;
    }
    throw e;
  }
}

process.exitCode = main();
