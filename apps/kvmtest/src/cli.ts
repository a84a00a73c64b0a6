#!/usr/bin/env node
/** kvmtest [--trace]: the "Using the KVM API" example on @virtkit/kvm. */
import { KvmTestError, runKvmTest } from "./kvmtest.js";
import { traceKvmWorkflow } from "./trace-printer.js";

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== "--trace" && a !== "--help" && a !== "-h");
if (args.includes("--help") || args.includes("-h") || unknown.length > 0) {
  const out = unknown.length > 0 ? process.stderr : process.stdout;
  if (unknown.length > 0) out.write(`kvmtest: unrecognized option '${unknown[0]!}'\n`);
  out.write("Usage: kvmtest [--trace]\n  --trace  print each transition of the KVM workflow from the kernel's trace points\n");
  process.exit(unknown.length > 0 ? 2 : 0);
}
const tracing = args.includes("--trace");
if (tracing) traceKvmWorkflow((line) => process.stdout.write(`${line}\n`));
try {
  process.exitCode = runKvmTest({
    // With the trace on, each byte the example putchar()s gets a line of its own so it stands out.
    putchar: (c) => process.stdout.write(tracing ? `user    putchar(${JSON.stringify(String.fromCharCode(c))})\n` : String.fromCharCode(c)),
    log: (line) => process.stdout.write(`${line}\n`),
  });
} catch (e) {
  if (e instanceof KvmTestError) {
    process.stderr.write(`kvmtest: ${e.message}\n`);
    process.exitCode = 1;
  } else {
    throw e;
  }
}
