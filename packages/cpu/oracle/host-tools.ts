// Finding the host tools the oracles use, so tests can skip with a message naming what is missing.
import { spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

/** Absolute path of an executable on PATH, or undefined. */
export function findExecutable(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const p = join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

let ccM32: string | null | undefined;

/**
 * null when `cc -m32` can build and run a 32-bit program (gcc-multilib), otherwise the reason.
 * Checked once per process.
 */
export function ccM32UnavailableReason(): string | null {
  if (ccM32 !== undefined) return ccM32;
  const cc = findExecutable("cc");
  if (cc === undefined) return (ccM32 = "cc not found (Debian packages: gcc gcc-multilib)");
  const dir = mkdtempSync(join(tmpdir(), "virtkit-ccm32-"));
  try {
    writeFileSync(join(dir, "t.c"), "int main(void) { return sizeof(void *) == 4 ? 0 : 1; }\n");
    const build = spawnSync(cc, ["-m32", "-o", join(dir, "t"), join(dir, "t.c")], { encoding: "utf8" });
    if (build.status !== 0) {
      return (ccM32 = `cc -m32 cannot build 32-bit programs (Debian package: gcc-multilib): ${build.stderr.trim()}`);
    }
    const run = spawnSync(join(dir, "t"));
    if (run.status !== 0) return (ccM32 = "a cc -m32 program does not run here (no 32-bit execution support)");
    return (ccM32 = null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function toolMissing(name: string, debianPackage: string): string | null {
  return findExecutable(name) === undefined ? `${name} not found (Debian package: ${debianPackage})` : null;
}
