#!/usr/bin/env node
import { qemuImg } from "./qemu-img.js";

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
