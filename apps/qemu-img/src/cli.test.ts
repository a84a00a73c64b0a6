import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasQemuImg, hasQemuIo, io, real, realOk, tmpDir, warnIfMissing } from "./testing/oracle.js";

warnIfMissing();
/** The built command-line tool: it bundles the block layer itself (tsup.config.ts), so it is tested as built. */
const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "dist", "cli.js");
const built = fs.existsSync(cli);
if (!built) console.warn(`${cli} is not built (pnpm --filter qemu-img build): skipping the tests of the built CLI`);
const enabled = built && hasQemuImg && hasQemuIo;

let d: string;
const p = (name: string): string => path.join(d, name);
const run = (args: string[]): { status: number; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8" });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
};

beforeAll(() => {
  d = tmpDir("vk-qemu-img-cli-");
  if (!enabled) return;
  realOk(["create", "-q", "-f", "qcow2", "-o", "cluster_size=4k", p("a.qcow2"), "16M"]);
  io(p("a.qcow2"), "write -P 1 0 1M", "write -z 2M 64k", "write -P 2 5M 12k");
});

afterAll(() => {
  fs.rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!enabled)("the built qemu-img CLI", () => {
  it("prints what qemu-img prints for check, and its converts compare equal and check clean", () => {
    expect(run(["check", p("a.qcow2")])).toEqual(real(["check", p("a.qcow2")]));
    expect(run(["convert", "-O", "raw", p("a.qcow2"), p("a.raw")])).toEqual({ status: 0, stdout: "", stderr: "" });
    expect(run(["convert", "-f", "raw", "-O", "qcow2", p("a.raw"), p("b.qcow2")])).toEqual({ status: 0, stdout: "", stderr: "" });
    realOk(["compare", p("a.qcow2"), p("a.raw")]);
    realOk(["compare", p("a.qcow2"), p("b.qcow2")]);
    expect(real(["check", p("b.qcow2")]).status).toBe(0);
  });

  it("exits with qemu-img's status and message on bad input", () => {
    expect(run(["convert", "-O", "raw", p("missing.qcow2"), p("x.raw")])).toEqual(real(["convert", "-O", "raw", p("missing.qcow2"), p("x.raw")]));
  });
});
