#!/usr/bin/env node
// Records golden outputs: runs each ROM on Bochs (the reference) and writes
// guests/expected/<name>.txt; runs it on QEMU too and writes guests/expected/<name>.qemu.txt when
// QEMU differs and the ROM declares `; differs-qemu: <why>` (an undeclared difference is an error
// to investigate, not something to record).
// Usage: node oracle/update-expected.mjs [rom-name...]
import process from "node:process";
import "./register-ts.mjs";

const { updateExpected } = await import("./update-expected-cli.ts");
process.exitCode = await updateExpected(process.argv.slice(2));
