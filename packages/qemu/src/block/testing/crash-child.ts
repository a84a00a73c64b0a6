import * as fs from "node:fs";
import { Qcow2Driver } from "../qcow2.js";
import { patternBytes } from "./pattern.js";

/**
 * Child process for the crash-safety test: random writes, zero writes, compressed
 * writes and flushes on a qcow2 image until it is killed. Every operation is
 * logged before it starts ("W off len seed", "Z off len", "C off seed"), and
 * "D" after each completed flush, so the parent knows what must be durable.
 * usage: node crash-child.js IMAGE LOG SEED
 */
const [image, logPath, seedArg] = process.argv.slice(2) as [string, string, string];
const log = fs.openSync(logPath, "a");
let x = Number(seedArg) | 1;
const rand = (): number => {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return (x >>> 0) / 0x100000000;
};

const d = await Qcow2Driver.open(image, { readOnly: false });
const size = d.getLength();
const cs = d.clusterSize;
fs.writeSync(log, "S\n");
for (;;) {
  const r = rand();
  if (r < 0.06) {
    await d.flush();
    fs.writeSync(log, "D\n");
  } else if (r < 0.12) {
    const off = Math.floor(rand() * (size / 512)) * 512;
    const len = Math.min(size - off, (1 + Math.floor(rand() * 64)) * 512);
    fs.writeSync(log, `Z ${off} ${len}\n`);
    await d.writeZeroes(off, len);
  } else if (r < 0.17) {
    const off = Math.floor(rand() * (size / cs)) * cs;
    const seed = 1 + Math.floor(rand() * 1e9);
    fs.writeSync(log, `C ${off} ${seed}\n`);
    const data = patternBytes(cs, seed);
    // Compressible: repeat a short random prefix.
    for (let i = 64; i < cs; i++) data[i] = data[i % 64]!;
    await d.writeCompressed(off, data);
  } else {
    const len = 1 + Math.floor(rand() * (rand() < 0.5 ? 4096 : 262144));
    const off = Math.floor(rand() * (size - len));
    const seed = 1 + Math.floor(rand() * 1e9);
    fs.writeSync(log, `W ${off} ${len} ${seed}\n`);
    await d.write(off, patternBytes(len, seed));
  }
}
