#!/usr/bin/env node
import { setFlagsFromString } from "node:v8";

// A qemu-img run is short: with V8's default budget (67584 bytes of bytecode run between profiler
// ticks) its copy and check loops get TurboFan-compiled, and deoptimized and compiled again, within
// the first few hundred milliseconds, on a background thread competing with the copy for the CPU.
// Ten times that budget keeps short runs in the baseline tiers (~30 ms of CPU less for a 1 GiB
// convert, ~10 ms for a check) and still optimizes the loops of long ones. The flag has to be set
// before the tool's code is compiled, hence the dynamic import.
setFlagsFromString("--interrupt-budget=675840");
const { qemuImg } = await import("./qemu-img.js");

const out: string[] = [];
let outLen = 0;
const flushOut = (): void => {
  if (out.length) {
    process.stdout.write(out.join(""));
    out.length = 0;
    outLen = 0;
  }
};
const status = await qemuImg(process.argv.slice(2), {
  out(s) {
    // Progress lines go out at once; bulk output is batched.
    if (s.endsWith("\r")) {
      flushOut();
      process.stdout.write(s);
      return;
    }
    out.push(s);
    outLen += s.length;
    if (outLen > 1 << 16) flushOut();
  },
  err(s) {
    flushOut();
    process.stderr.write(s);
  },
});
flushOut();
process.exitCode = status;
