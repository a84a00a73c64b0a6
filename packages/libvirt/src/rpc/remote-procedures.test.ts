import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import * as P from "./remote-procedures.js";
import { remoteProcs } from "./remote-protocol.js";

// The reference table lives in shared/reference beside the repository (or VIRTKIT_SHARED).
const here = dirname(fileURLToPath(import.meta.url));
const candidates = [
  process.env.VIRTKIT_SHARED ? join(process.env.VIRTKIT_SHARED, "reference") : "",
  join(here, "../../../../../shared/reference"),
  "/work/shared/reference",
].filter((p) => p !== "");
const tsvPath = candidates.map((d) => join(d, "libvirt-remote-procedures-9.0.tsv")).find((p) => existsSync(p));
if (!tsvPath) console.warn("remote-procedures.test: shared/reference/libvirt-remote-procedures-9.0.tsv not found; skipping the table check");

describe.skipIf(!tsvPath)("procedure numbers match libvirt 9.0 (reference tsv)", () => {
  const rows = readFileSync(tsvPath ?? "/dev/null", "utf8")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => l.split("\t"));
  const table = P as unknown as Record<string, number | undefined>;

  it("defines every non-admin procedure with its number", () => {
    let n = 0;
    for (const [prog, , proc, name] of rows) {
      if (prog === "ADMIN_PROGRAM") continue;
      expect(table[name!], name).toBe(Number(proc));
      n++;
    }
    expect(n).toBe(443 + 7 + 1 + 2);
  });

  it("gives every implemented procedure codecs only where the .x has structs", () => {
    const remote = new Map(rows.filter((r) => r[0] === "REMOTE_PROGRAM").map((r) => [Number(r[2]), r[4]!.split(",")]));
    for (const key of Object.keys(remoteProcs)) {
      const proc = Number(key);
      const payload = remote.get(proc);
      expect(payload, `procedure ${proc}`).toBeDefined();
      const info = P.REMOTE_PROCEDURE_INFO.get(proc)!;
      expect(info.args).toBe(payload!.includes("args"));
      expect(info.ret).toBe(payload!.includes("ret"));
    }
  });

  it("carries the program numbers", () => {
    expect(P.REMOTE_PROGRAM).toBe(0x20008086);
    expect(P.KEEPALIVE_PROGRAM).toBe(0x6b656570);
    expect(P.REMOTE_PROC_DOMAIN_CREATE).toBe(9);
  });
});
