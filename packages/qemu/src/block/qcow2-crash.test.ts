import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Qcow2Driver } from "./qcow2.js";
import { hasQemuImg, qemuImg, tmpDir, warnIfMissing } from "./testing/qemu-img-oracle.js";
import { patternBytes } from "./testing/pattern.js";
import { transpileBlockLayer } from "./testing/transpile.js";

warnIfMissing();

/** Kills per cluster size; CRASH_KILLS raises it for the long run (apps/qemu-img/bench/crash-soak.sh). */
const KILLS = Number(process.env.CRASH_KILLS ?? "7");
const SIZE = 16 * 1024 * 1024;

let dir: string;
let jsDir: string;
// Transpiling the block layer for the child processes takes seconds, more on a loaded CI machine:
// the bound is a hang guard, not a timing check.
beforeAll(async () => {
  dir = tmpDir("vk-crash-");
  jsDir = path.join(dir, "js");
  await transpileBlockLayer(jsDir);
}, 120_000);
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function waitExit(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => { resolve(); });
  });
}

/** Replays the child's log: bytes the child certainly wrote and flushed, and bytes still in doubt. */
function replay(logText: string, mirror: Uint8Array, cs: number): Uint8Array {
  const lines = logText.split("\n").filter((l) => l.length > 0);
  const lastDone = lines.lastIndexOf("D");
  const doubt = new Uint8Array(mirror.length);
  lines.forEach((line, i) => {
    const [op, a, b, c] = line.split(" ");
    let off = 0, data: Uint8Array | null = null;
    if (op === "W") {
      off = Number(a);
      data = patternBytes(Number(b), Number(c));
    } else if (op === "Z") {
      off = Number(a);
      data = new Uint8Array(Number(b));
    } else if (op === "C") {
      off = Number(a);
      data = patternBytes(cs, Number(b));
      for (let k = 64; k < cs; k++) data[k] = data[k % 64]!;
    }
    if (!data) return;
    if (i < lastDone) mirror.set(data, off);
    else doubt.fill(1, off, off + data.length);
  });
  return doubt;
}

describe.skipIf(!hasQemuImg)("qcow2 crash safety: SIGKILL during random writes never corrupts", () => {
  for (const cs of [512, 4096, 65536]) {
    it(`cluster_size=${cs}: ${KILLS} kills, real qemu-img check finds no corruption and flushed data survives`, async () => {
      const image = path.join(dir, `crash-${cs}.qcow2`);
      await Qcow2Driver.create(image, { size: SIZE, clusterSize: cs });
      const mirror = new Uint8Array(SIZE);
      let seed = cs;
      for (let k = 0; k < KILLS; k++) {
        const logPath = path.join(dir, `crash-${cs}.log`);
        fs.writeFileSync(logPath, "");
        seed = (seed * 1103515245 + 12345) >>> 0;
        const child = spawn(process.execPath, [path.join(jsDir, "testing", "crash-child.js"), image, logPath, String(seed)], { stdio: ["ignore", "ignore", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        // Let it get going (it logs "S" once open), then kill at a random moment.
        for (let t = 0; t < 200 && !fs.readFileSync(logPath, "utf8").startsWith("S"); t++) await new Promise((r) => setTimeout(r, 10));
        await new Promise((r) => setTimeout(r, 20 + (seed % 400)));
        child.kill("SIGKILL");
        await waitExit(child);
        expect(stderr).toBe("");
        expect(child.signalCode).toBe("SIGKILL");
        const check = qemuImg("check", image);
        expect(check.stderr).not.toMatch(/ERROR/);
        expect(check.stdout).not.toMatch(/\d+ errors were found/);
        expect([0, 3]).toContain(check.status);
        // Everything written before the last completed flush must read back.
        const doubt = replay(fs.readFileSync(logPath, "utf8"), mirror, cs);
        const d = await Qcow2Driver.open(image, { readOnly: true });
        const got = new Uint8Array(SIZE);
        await d.read(0, got);
        await d.close();
        let bad = -1;
        for (let i = 0; i < SIZE; i++) {
          if (!doubt[i] && got[i] !== mirror[i]) {
            bad = i;
            break;
          }
        }
        expect(bad).toBe(-1);
        mirror.set(got);
      }
    });
  }
});
