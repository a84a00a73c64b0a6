#!/usr/bin/env node
// Differential fuzzer: random user-level instruction sequences on the host CPU versus the runner
// under test. `node oracle/fuzz.mjs --help` for the options.
import process from "node:process";
import "./register-ts.mjs";

const { main } = await import("./fuzz-cli.ts");
process.exitCode = await main(process.argv.slice(2));
