#!/usr/bin/env node
/* global console, process, Buffer, performance, URL */
// Measures our qemu-img against the real one (Debian qemu-utils) on a 1 GiB image:
// convert raw -> qcow2, convert qcow2 -> raw, convert -c, and check.
// usage: pnpm --filter qemu-img build && node apps/qemu-img/bench/bench.mjs [size-MiB]
import { spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const here = path.dirname(new URL(import.meta.url).pathname);
const ours = path.join(here, "..", "dist", "cli.js");
if (!fs.existsSync(ours)) {
  console.error("build first: pnpm --filter qemu-img build");
  process.exit(1);
}
if (spawnSync("qemu-img", ["--version"]).status !== 0) {
  console.error("qemu-img not found (Debian package qemu-utils)");
  process.exit(1);
}
const sizeMiB = Number(process.argv[2] ?? "1024");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "vk-bench-"));
const src = path.join(dir, "src.raw");

// Source: 60% random 2 MiB chunks, the rest zero (left sparse), like a used disk.
{
  const fd = fs.openSync(src, "w");
  fs.ftruncateSync(fd, sizeMiB << 20);
  const chunk = Buffer.alloc(2 << 20);
  let x = 12345;
  for (let off = 0; off < sizeMiB << 20; off += chunk.length) {
    x = (x * 1103515245 + 12345) >>> 0;
    if (x % 10 < 6) {
      randomFillSync(chunk);
      // Make part of it compressible, as real disks are.
      chunk.fill(x & 0xff, 0, 1 << 20);
      fs.writeSync(fd, chunk, 0, chunk.length, off);
    }
  }
  fs.closeSync(fd);
}

const hasTime = spawnSync("/usr/bin/time", ["-f", "%U", "true"]).status === 0;

/** Wall-clock ms, and user+sys CPU ms via /usr/bin/time when present (the machine is shared). */
function time(cmd, args) {
  const t0 = performance.now();
  const r = hasTime ? spawnSync("/usr/bin/time", ["-f", "@@%U %S", cmd, ...args], { encoding: "utf8" }) : spawnSync(cmd, args, { encoding: "utf8" });
  const ms = performance.now() - t0;
  if (r.status !== 0 && !(args[0] === "check" && r.status === 3) && !(args.includes("check") && r.status === 3)) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}`);
  }
  const m = /@@([\d.]+) ([\d.]+)/.exec(r.stderr ?? "");
  return { ms, cpu: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN };
}

const runs = [
  ["convert raw->qcow2", (t, o) => [t, ["convert", "-f", "raw", "-O", "qcow2", src, o]]],
  ["convert qcow2->raw", (t, o) => [t, ["convert", "-f", "qcow2", "-O", "raw", path.join(dir, `${t === "qemu-img" ? "real" : "ours"}-0.qcow2`), o]]],
  ["convert -c raw->qcow2", (t, o) => [t, ["convert", "-c", "-f", "raw", "-O", "qcow2", src, o]]],
  ["check qcow2", (t) => [t, ["check", path.join(dir, `${t === "qemu-img" ? "real" : "ours"}-0.qcow2`)]]],
];

console.log(`image: ${sizeMiB} MiB raw, 60% data (${dir})`);
console.log(`${"operation".padEnd(24)}${"qemu-img ms".padStart(12)}${"ours ms".padStart(12)}${"ratio".padStart(8)}${"qemu cpu".padStart(10)}${"our cpu".padStart(10)}${"ratio".padStart(8)}`);
runs.forEach(([name, mk], i) => {
  const ext = name.includes("->raw") ? "raw" : "qcow2";
  const real = [];
  const mine = [];
  for (let rep = 0; rep < 3; rep++) {
    const [c1, a1] = mk("qemu-img", path.join(dir, `real-${i}.${ext}`));
    real.push(time(c1, a1));
    const [, a2] = mk("node", path.join(dir, `ours-${i}.${ext}`));
    mine.push(time("node", [ours, ...a2]));
  }
  const best = (xs, k) => Math.min(...xs.map((x) => x[k]));
  const r = best(real, "ms"), m = best(mine, "ms"), rc = best(real, "cpu"), mc = best(mine, "cpu");
  console.log(
    `${name.padEnd(24)}${r.toFixed(0).padStart(12)}${m.toFixed(0).padStart(12)}${(m / r).toFixed(2).padStart(8)}${rc.toFixed(0).padStart(10)}${mc.toFixed(0).padStart(10)}${(mc / rc).toFixed(2).padStart(8)}`,
  );
});
// The outputs must be valid and equal to the source.
const chk = spawnSync("qemu-img", ["check", path.join(dir, "ours-0.qcow2")], { encoding: "utf8" });
const cmp = spawnSync("qemu-img", ["compare", src, path.join(dir, "ours-2.qcow2")], { encoding: "utf8" });
console.log(`real check of our qcow2: ${chk.stdout.split("\n")[0]}; compare of our -c output: ${cmp.stdout.trim()}`);
fs.rmSync(dir, { recursive: true, force: true });
