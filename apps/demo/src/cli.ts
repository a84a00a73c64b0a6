#!/usr/bin/env node
// virtkit-demo [--root DIR] [--scripted]: the main demo (see demo.ts and README.md).
import { writeSync } from "node:fs";
import { type DemoGuest, runDemo } from "./demo.js";

const USAGE = `Usage: virtkit-demo [--guest auto|linux|bundled] [--root DIR] [--scripted] [--type LINE]...
Boots a guest through virsh on the embedded qemu driver and shows its console.
  --guest G    linux: Debian's i386 Linux from tooling/guests/linux (built from Debian's
               packages on first use, where apt works); bundled: the small guest from this
               repository's NASM sources; auto (the default, or VIRTKIT_DEMO_GUEST): Linux
               when it is available, else the bundled guest
  --root DIR   keep the driver's files (domain XML, disk, logs) under DIR instead of a
               temporary directory that is removed afterwards
  --scripted   type the demo's commands into the console even when stdin is a terminal
               (the default without a terminal)
  --type LINE  type LINE instead of the default script (Linux: uname -a, the CPU model and
               count, the disk's hello.txt; bundled: help, info, disk, write
               hello-from-the-demo, read); repeat for more lines
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
  guest: DemoGuest;
}

const GUESTS: readonly DemoGuest[] = ["auto", "linux", "bundled"];

function parse(argv: readonly string[], env: NodeJS.ProcessEnv): CliOptions | string {
  const fromEnv = env.VIRTKIT_DEMO_GUEST;
  if (fromEnv !== undefined && fromEnv !== "" && !GUESTS.includes(fromEnv as DemoGuest)) return `VIRTKIT_DEMO_GUEST must be auto, linux or bundled, not '${fromEnv}'`;
  const o: CliOptions = { scripted: false, lines: [], guest: fromEnv === undefined || fromEnv === "" ? "auto" : (fromEnv as DemoGuest) };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--scripted") o.scripted = true;
    else if (a === "--guest" || a.startsWith("--guest=")) {
      const v = a === "--guest" ? argv[++i] : a.slice("--guest=".length);
      if (v === undefined || !GUESTS.includes(v as DemoGuest)) return `option '--guest' needs auto, linux or bundled`;
      o.guest = v as DemoGuest;
    } else if (a === "--root" || a.startsWith("--root=")) {
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
const opts = parse(args, process.env);
if (typeof opts === "string") {
  process.stderr.write(`virtkit-demo: ${opts}\n${USAGE}`);
  process.exit(2);
}
const interactive = process.stdin.isTTY && !opts.scripted && opts.lines.length === 0;
runDemo({
  guest: opts.guest,
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
