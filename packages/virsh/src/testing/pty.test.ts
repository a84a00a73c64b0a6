// The pseudo-terminal driver itself: where each step got to (marks), the live log of the
// terminal, the async form, and a step that never matches reported as such (not a hang).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type PtyStep, runOnPty, runOnPtyAsync } from "./pty.js";

const hasPython3 = spawnSync("python3", ["-c", "import pty"], { stdio: "ignore" }).status === 0;
if (!hasPython3) console.warn("pty driver tests: skipping, missing python3 (pty module)");

// A small line-oriented program: a prompt, then each line read is answered until "bye".
const SHELL = ["sh", "-c", 'printf "héllo\\n> "; while read l; do [ "$l" = bye ] && exit 3; printf "got %s\\n> " "$l"; done'];
const STEPS: PtyStep[] = [{ expect: "> " }, { send: "one\r" }, { expect: "got one\r\n> " }, { send: "bye\r" }];

describe.skipIf(!hasPython3)("pty driver", () => {
  const dir = mkdtempSync(join(tmpdir(), "pty-driver-"));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("marks where each step got to in the output, and logs the terminal as it goes", () => {
    const log = join(dir, "term.log");
    const r = runOnPty(SHELL, STEPS, process.env, { logFile: log });
    expect(r.failed).toBeNull();
    expect(r.status).toBe(3);
    // the terminal echoes what is typed (cooked mode); "é" makes characters and bytes differ
    expect(r.output).toBe("héllo\r\n> one\r\ngot one\r\n> bye\r\n");
    expect(r.marks).toHaveLength(4);
    expect(r.output.slice(0, r.marks[0])).toBe("héllo\r\n> ");
    expect(r.output.slice(r.marks[0], r.marks[2])).toBe("one\r\ngot one\r\n> ");
    expect(r.marks[1]).toBeGreaterThanOrEqual(r.marks[0]!);
    expect(r.times).toHaveLength(4);
    expect([...r.times].sort((a, b) => a - b)).toEqual(r.times);
    expect(readFileSync(log, "utf8")).toBe(r.output);
  });

  it("runs the same session without blocking the event loop", async () => {
    let ticks = 0;
    const t = setInterval(() => ticks++, 5);
    const r = await runOnPtyAsync([...SHELL.slice(0, 2), `sleep 0.3; ${SHELL[2]!}`], STEPS);
    clearInterval(t);
    expect(r.failed).toBeNull();
    expect(r.status).toBe(3);
    expect(r.output).toBe("héllo\r\n> one\r\ngot one\r\n> bye\r\n");
    expect(ticks).toBeGreaterThan(0);
  });

  it("reports a step whose text never comes, and ends the program instead of waiting for it", () => {
    const r = runOnPty(SHELL, [{ expect: "> " }, { expect: "never printed" }], process.env, { guardSeconds: 1 });
    expect(r.failed).toBe("step 1: 'never printed' not seen");
    expect(r.status).toBe(-9);
    expect(r.marks).toHaveLength(1);
  });
});
