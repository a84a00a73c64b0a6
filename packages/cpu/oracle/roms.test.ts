// Every test ROM on every registered runner must print exactly the golden output recorded from
// Bochs (or the runner's own recorded difference) and end the declared way.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { findExecutable } from "./host-tools.js";
import { expectedOutputPath, GUESTS_DIR, listRoms } from "./roms.js";
import { REFERENCE_RUNNER, runners } from "./runners.js";

const roms = listRoms();

/** At most `n` emulator processes at a time (the machine has two cores). */
function limiter(n: number): <T>(job: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(job: () => Promise<T>): Promise<T> => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await job();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}
const slot = limiter(2);

describe("the ROM catalogue", () => {
  it("has a source title, a committed image and a golden output for every ROM", () => {
    expect(roms.length).toBeGreaterThan(0);
    for (const rom of roms) {
      expect(rom.title, `${rom.name}.asm needs a first comment line saying what it checks`).not.toBe("");
      expect(existsSync(rom.image), `${rom.name}.bin is not committed (run guests/build.sh)`).toBe(true);
      expect(existsSync(join(GUESTS_DIR, "expected", `${rom.name}.txt`)), `no golden output for ${rom.name} (run node oracle/update-expected.mjs ${rom.name})`).toBe(true);
    }
  });
});

const nasm = findExecutable("nasm");
if (nasm === undefined) console.warn("skipping the ROM rebuild check: nasm not found (Debian package: nasm)");
describe.skipIf(nasm === undefined)("guests/build.sh", () => {
  it("rebuilds every committed ROM image byte for byte", () => {
    const r = spawnSync("sh", [join(GUESTS_DIR, "build.sh"), "--check"], { encoding: "utf8" });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
});

for (const runner of runners.values()) {
  const why = runner.unavailableReason();
  if (why !== null) console.warn(`skipping the ${runner.name} ROM runs: ${why}`);
  const against = runner.name === REFERENCE_RUNNER ? "its recorded golden output" : `the ${REFERENCE_RUNNER} golden output`;
  describe.skipIf(why !== null)(`${runner.name} runs every test ROM and matches ${against}`, () => {
    for (const rom of roms) {
      const skip = rom.skip.get(runner.name);
      if (skip !== undefined) {
        it.skip(`${rom.name}: not run on ${runner.name}: ${skip}`, () => undefined);
        continue;
      }
      it.concurrent(`${rom.name}: ${rom.title}`, async () => {
        const result = await slot(() => runner.runRom(rom.image));
        const expected = readFileSync(expectedOutputPath(rom, runner.name), "latin1");
        const note = result.detail === undefined ? undefined : `${runner.name}: ${result.detail}`;
        expect(result.output, note).toBe(expected);
        expect(result.exit, note).toBe(rom.expectExit);
      });
    }
  });
}
