// Body of update-expected.mjs (see there).
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bochsRunner } from "./bochs.js";
import { qemuRunner } from "./qemu.js";
import { EXPECTED_DIR, listRoms } from "./roms.js";

/** The first lines where two outputs disagree, for messages. */
export function firstDifferences(expected: string, actual: string, max = 6): string {
  const a = expected.split("\n");
  const b = actual.split("\n");
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length) && out.length < max * 2; i++) {
    if (a[i] !== b[i]) out.push(`line ${i + 1}: - ${a[i] ?? "(none)"}`, `line ${i + 1}: + ${b[i] ?? "(none)"}`);
  }
  return out.join("\n");
}

export async function updateExpected(names: string[]): Promise<number> {
  for (const r of [bochsRunner, qemuRunner]) {
    const why = r.unavailableReason();
    if (why !== null) {
      console.error(`update-expected: ${why}`);
      return 2;
    }
  }
  const roms = listRoms().filter((r) => names.length === 0 || names.includes(r.name));
  const unknown = names.filter((n) => !roms.some((r) => r.name === n));
  if (unknown.length > 0) {
    console.error(`update-expected: no ROM named ${unknown.join(", ")}`);
    return 2;
  }
  let status = 0;
  for (const rom of roms) {
    const ref = await bochsRunner.runRom(rom.image);
    if (ref.exit !== rom.expectExit) {
      console.error(`${rom.name}: bochs ended with ${ref.exit}, the ROM declares ${rom.expectExit}${ref.detail ? ` (${ref.detail})` : ""}`);
      status = 1;
      continue;
    }
    writeFileSync(join(EXPECTED_DIR, `${rom.name}.txt`), ref.output, "latin1");
    const skip = rom.skip.get("qemu");
    if (skip !== undefined) {
      console.log(`${rom.name}: recorded, not run on qemu: ${skip}`);
      continue;
    }
    const q = await qemuRunner.runRom(rom.image);
    const qemuFile = join(EXPECTED_DIR, `${rom.name}.qemu.txt`);
    if (q.output === ref.output && q.exit === ref.exit) {
      rmSync(qemuFile, { force: true });
      console.log(`${rom.name}: recorded (qemu agrees)`);
    } else if (rom.differs.has("qemu")) {
      writeFileSync(qemuFile, q.output, "latin1");
      console.log(`${rom.name}: recorded, qemu differs as declared: ${rom.differs.get("qemu") ?? ""}`);
    } else {
      rmSync(qemuFile, { force: true });
      console.error(`${rom.name}: qemu (${q.exit}) differs from bochs (${ref.exit}) and the ROM declares no differs-qemu:\n${firstDifferences(ref.output, q.output)}`);
      status = 1;
    }
  }
  return status;
}
