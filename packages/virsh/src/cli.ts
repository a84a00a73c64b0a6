#!/usr/bin/env node
// The virsh executable: virshMain over the process's argv, stdio and environment.
import { virshMain } from "./virsh.js";

virshMain(process.argv.slice(2), { istty: process.stdin.isTTY }).then(
  (code) => { process.exit(code); },
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
