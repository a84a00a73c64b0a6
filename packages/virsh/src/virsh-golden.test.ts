// The golden suite: one command sequence run by the REAL virsh and by OUR virsh against the
// same private REAL libvirtd (test driver) must print the same stdout and stderr and exit with
// the same status, once generated UUIDs and clock-derived values are masked. The same sequence
// by our virsh against OUR libvirtd (apps/libvirtd; our virsh's main in this process, to keep the
// run short) must match too, and a background
// `event --all --loop` of each virsh must see the same lifecycle events.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  OUR_LIBVIRTD,
  OUR_VIRSH,
  eventLoop,
  hasRealLibvirtd,
  hasRealVirsh,
  normalize,
  runVirsh,
  runVirshAsync,
  startOurLibvirtd,
  startRealLibvirtd,
  waitForBuild,
  type PrivateDaemon,
  type RunResult,
} from "./testing/daemons.js";
import { BufferIO } from "./shell/io.js";
import { DOMAIN_XML, LAST_EVENT, NETWORK_XML, SEQUENCE, VK1_UUID } from "./testing/golden-sequence.js";
import { virshMain } from "./virsh.js";

const missingTools = [!hasRealVirsh && "virsh (libvirt-clients)", !hasRealLibvirtd && "libvirtd (libvirt-daemon)", !existsSync(OUR_VIRSH) && "dist/cli.js (build this package)"].filter(Boolean);
if (missingTools.length) console.warn(`virsh golden suite: skipping, missing ${missingTools.join(", ")}`);

interface Files {
  dir: string;
  map: Record<string, string>;
}

function makeFiles(): Files {
  const dir = mkdtempSync(join(tmpdir(), "virsh-golden-"));
  const map: Record<string, string> = {
    "@DOMXML": join(dir, "vk1.xml"),
    "@DOMXML2": join(dir, "vk2.xml"),
    "@NETXML": join(dir, "vknet.xml"),
    "@SHOT": join(dir, "shot.png"),
    "@SAVE": join(dir, "test.save"),
    "@SAVE2": join(dir, "test2.save"),
  };
  writeFileSync(map["@DOMXML"]!, DOMAIN_XML);
  writeFileSync(map["@DOMXML2"]!, DOMAIN_XML.replace("<name>vk1</name>", "<name>vk2</name>").replace(VK1_UUID, "0000c0de-0000-4000-8000-00000000aa02"));
  writeFileSync(map["@NETXML"]!, NETWORK_XML);
  return { dir, map };
}

/** Temp paths differ per run: show them as their placeholder. */
function unmap(s: string, f: Files): string {
  let out = s;
  for (const [k, v] of Object.entries(f.map)) out = out.split(v).join(k);
  return out;
}

interface Run {
  steps: RunResult[];
  events: RunResult;
}

/** Our virsh in this process (virshMain with captured output): the same code without a node start per step. */
async function inProcess(args: readonly string[]): Promise<RunResult> {
  const io = new BufferIO();
  const code = await virshMain(args, { io, env: { ...process.env, LC_ALL: "C" } });
  return { code, stdout: io.out, stderr: io.err };
}

/**
 * `mode`: the real virsh, our virsh as a command (dist/cli.js, one process per step, as a shell
 * script runs it), or our virsh's main in this process.
 */
async function runSequence(mode: "real" | "ours" | "ours-in-process", d: PrivateDaemon, f: Files): Promise<Run> {
  const which = mode === "real" ? "real" : "ours";
  const ev = eventLoop(which, d.testURI);
  // One round trip on another connection: by its end the event client has registered.
  runVirsh(which, ["-c", d.testURI, "uri"]);
  const steps: RunResult[] = [];
  for (const args of SEQUENCE) {
    const argv = ["-c", d.testURI, ...args.map((a) => f.map[a] ?? a)];
    const r = mode === "ours-in-process" ? await inProcess(argv) : await runVirshAsync(which, argv);
    if (args[0] === "screenshot") {
      const shot = f.map["@SHOT"]!;
      r.stdout += existsSync(shot) ? `[sha256 ${createHash("sha256").update(readFileSync(shot)).digest("hex")}]` : "[no file]";
      rmSync(shot, { force: true });
    }
    const clean = (s: string): string => unmap(normalize(s), f).split(d.dir).join("<DAEMONDIR>");
    steps.push({ code: r.code, stdout: clean(r.stdout), stderr: clean(r.stderr) });
  }
  const events = await ev.stop(LAST_EVENT);
  return { steps, events };
}

describe.skipIf(missingTools.length > 0)("golden: our virsh prints what the real virsh prints", () => {
  // Each run its own files: the runs go side by side and save images to these paths.
  const files = { real: makeFiles(), oursOnReal: makeFiles(), oursOnOurs: makeFiles() };
  let real: Run;
  let oursOnReal: Run;
  let oursOnOurs: Run | null = null;
  let ourDaemonMissing = false;

  beforeAll(async () => {
    // The three runs go side by side, each on its own private daemon.
    const ours = (await waitForBuild(OUR_LIBVIRTD)) ? await startOurLibvirtd() : null;
    if (!ours) {
      ourDaemonMissing = true;
      console.warn(`virsh golden suite: our-daemon run skipped, ${OUR_LIBVIRTD} missing (build apps/libvirtd)`);
    }
    const realDaemon = await startRealLibvirtd();
    const realDaemon2 = await startRealLibvirtd();
    try {
      [real, oursOnReal, oursOnOurs] = await Promise.all([
        runSequence("real", realDaemon, files.real),
        runSequence("ours", realDaemon2, files.oursOnReal),
        ours ? runSequence("ours-in-process", ours, files.oursOnOurs) : Promise.resolve(null),
      ]);
    } finally {
      await realDaemon.stop();
      await realDaemon2.stop();
      await ours?.stop();
    }
  }, 900_000); // a hang guard only: three runs of the whole sequence, each virsh a process of its own, on a loaded 2-core CI machine
  afterAll(() => {
    for (const f of Object.values(files)) rmSync(f.dir, { recursive: true, force: true });
  });

  it.each(SEQUENCE.map((args, i) => [args.join(" "), i] as const))("against real libvirtd: virsh %s", (_n, i) => {
    expect(oursOnReal.steps[i]).toEqual(real.steps[i]);
  });

  it.skipIf(ourDaemonMissing).each(SEQUENCE.map((args, i) => [args.join(" "), i] as const))("against our libvirtd: virsh %s", (_n, i) => {
    expect(oursOnOurs?.steps[i]).toEqual(real.steps[i]);
  });

  it.skipIf(ourDaemonMissing)("save: our daemon's test driver writes the real libvirtd's image, byte for byte", () => {
    const image = readFileSync(files.real.map["@SAVE"]!);
    expect(image.subarray(0, 15).toString("latin1")).toBe("TestGuestMagic\0");
    expect(readFileSync(files.oursOnOurs.map["@SAVE"]!).equals(image)).toBe(true);
  });

  it("event --all --loop: the same lifecycle events, the same end", () => {
    expect(normalize(oursOnReal.events.stdout)).toBe(normalize(real.events.stdout));
    expect(oursOnReal.events.stderr).toBe(real.events.stderr);
    expect(oursOnReal.events.code).toBe(real.events.code);
    if (oursOnOurs) expect(normalize(oursOnOurs.events.stdout)).toBe(normalize(real.events.stdout));
  });
});
