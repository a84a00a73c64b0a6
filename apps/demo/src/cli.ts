#!/usr/bin/env node
// virtkit-demo [--root DIR] [--scripted]: the main demo (see demo.ts and README.md).
import { writeSync } from "node:fs";
import { runDemo } from "./demo.js";

const USAGE = `Usage: virtkit-demo [--root DIR] [--scripted] [--type LINE]...
Boots the bundled guest through virsh on the embedded qemu driver and shows its console.
  --root DIR   keep the driver's files (domain XML, disk, logs) under DIR instead of a
               temporary directory that is removed afterwards
  --scripted   type the demo's commands into the console even when stdin is a terminal
               (the default without a terminal)
  --type LINE  type LINE instead of the default script (help, info, disk,
               write hello-from-the-demo, read); repeat for more lines
`;

/** Synchronous writes keep the demo's lines in order with virsh's own (also synchronous) output. */
function write(text: string | Uint8Array): void {
  let buf = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  while (buf.length > 0) {
    try {
      buf = buf.subarray(writeSync(1, buf));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
    }
  }
}

interface CliOptions {
  root?: string;
  scripted: boolean;
  lines: string[];
}

function parse(argv: readonly string[]): CliOptions | string {
  const o: CliOptions = { scripted: false, lines: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--scripted") o.scripted = true;
    else if (a === "--root" || a.startsWith("--root=")) {
      const v = a === "--root" ? argv[++i] : a.slice("--root=".length);
      if (v === undefined || v === "") return "option '--root' needs a directory";
      o.root = v;
    } else if (a === "--type") {
      const v = argv[++i];
      if (v === undefined) return "option '--type' needs a line to type";
      o.lines.push(v);
    } else return `unrecognized option '${a}'`;
  }
  return o;
}

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  write(USAGE);
  process.exit(0);
}
const opts = parse(args);
if (typeof opts === "string") {
  process.stderr.write(`virtkit-demo: ${opts}\n${USAGE}`);
  process.exit(2);
}
const interactive = process.stdin.isTTY && !opts.scripted && opts.lines.length === 0;
runDemo({
  ...(opts.root !== undefined ? { root: opts.root } : {}),
  ...(opts.lines.length > 0 ? { script: opts.lines } : {}),
  interactive,
  write,
}).then(
  (r) => {
    process.exit(r.status);
  },
  (e: unknown) => {
    process.stderr.write(`virtkit-demo: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
