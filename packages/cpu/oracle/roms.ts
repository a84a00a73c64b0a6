// The catalogue of test ROMs: guests/<name>.asm with its committed guests/<name>.bin, the
// golden output guests/expected/<name>.txt (recorded from Bochs), and optional
// guests/expected/<name>.<runner>.txt where another runner legitimately differs.
//
// Header lines at the top of a ROM source carry its metadata:
//   ; expect-exit: shutdown          how the run ends (default halt)
//   ; differs-qemu: <why>            QEMU's output differs from Bochs' for this reason
//   ; skip-qemu: <why>               QEMU cannot run this ROM to the end (e.g. it hangs)
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RomExit } from "./rom-runner.js";

export const GUESTS_DIR = join(import.meta.dirname, "..", "guests");
export const EXPECTED_DIR = join(GUESTS_DIR, "expected");

export interface RomInfo {
  name: string;
  source: string;
  image: string;
  /** First comment line: what the ROM checks. */
  title: string;
  expectExit: RomExit;
  /** runner name -> why its output differs from the reference */
  differs: Map<string, string>;
  /** runner name -> why the runner cannot run this ROM */
  skip: Map<string, string>;
}

const EXITS: readonly RomExit[] = ["halt", "shutdown", "timeout"];

export function parseRomHeader(name: string, text: string): Omit<RomInfo, "source" | "image"> {
  let title = "";
  let expectExit: RomExit = "halt";
  const differs = new Map<string, string>();
  const skip = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line.startsWith(";")) break;
    const body = line.slice(1).trim();
    if (title === "") title = body.startsWith(`${name}:`) ? body.slice(name.length + 1).trim() : body;
    const m = /^([a-z-]+):\s*(.*)$/.exec(body);
    if (m === null) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === "expect-exit") {
      const exit = EXITS.find((e) => e === value);
      if (exit === undefined) throw new Error(`${name}.asm: expect-exit must be one of ${EXITS.join(", ")}, not "${value}"`);
      expectExit = exit;
    } else if (key.startsWith("differs-")) {
      differs.set(key.slice("differs-".length), value);
    } else if (key.startsWith("skip-")) {
      skip.set(key.slice("skip-".length), value);
    }
  }
  return { name, title, expectExit, differs, skip };
}

export function listRoms(): RomInfo[] {
  return readdirSync(GUESTS_DIR)
    .filter((f) => f.endsWith(".asm"))
    .sort()
    .map((f) => {
      const name = f.slice(0, -4);
      const source = join(GUESTS_DIR, f);
      return { ...parseRomHeader(name, readFileSync(source, "utf8")), source, image: join(GUESTS_DIR, `${name}.bin`) };
    });
}

/** The golden output a runner must produce: its own recorded difference, else the reference. */
export function expectedOutputPath(rom: RomInfo, runner: string): string {
  const own = join(EXPECTED_DIR, `${rom.name}.${runner}.txt`);
  return rom.differs.has(runner) && existsSync(own) ? own : join(EXPECTED_DIR, `${rom.name}.txt`);
}
