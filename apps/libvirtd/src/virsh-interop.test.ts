// The real virsh (Debian libvirt-clients 9.0) runs the same command sequence against a real
// private libvirtd and against this libvirtd, both with the test driver; stdout, stderr and the
// exit status of every command must be equal once generated UUIDs and clock-derived times are
// masked. A background `virsh event --all --loop` keeps test:///default alive (its state resets
// when the last connection closes) and its own output is compared at the end.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  hasOurBuild,
  hasRealLibvirtd,
  hasVirsh,
  startOurLibvirtd,
  startRealLibvirtd,
  virsh,
  virshEventLoop,
  type PrivateDaemon,
  type RunResult,
} from "./testing/daemons.js";
import { normalize } from "./testing/normalize.js";
// The golden suite's guest: the same definition in both interop sequences.
import { DOMAIN_XML, VK1_UUID } from "@virtkit/virsh/testing/golden-sequence";

const missing = [!hasVirsh && "virsh (libvirt-clients)", !hasRealLibvirtd && "libvirtd (libvirt-daemon)", !hasOurBuild && "dist/cli.js (run the build first)"].filter(Boolean);
if (missing.length) console.warn(`virsh-interop: skipping, missing ${missing.join(", ")}`);

/** The sequence: every entry is one virsh invocation (its own connection, as in a shell script). */
const SEQUENCE: string[][] = [
  ["version"],
  ["nodeinfo"],
  ["capabilities"],
  ["list", "--all"],
  ["list", "--inactive"],
  ["list", "--name"],
  ["list", "--uuid"],
  ["list", "--title"],
  ["dominfo", "test"],
  ["domstate", "--reason", "test"],
  ["domid", "test"],
  ["domuuid", "test"],
  ["dumpxml", "test"],
  ["dumpxml", "--inactive", "test"],
  ["vcpuinfo", "test"],
  ["domblklist", "test"],
  ["domiflist", "test"],
  ["domstats", "test"],
  ["domstats"],
  ["domstats", "--state", "--list-active"],
  ["dominfo", "nosuch"],
  ["screenshot", "test", "@SHOT"],
  ["domhostname", "test"],
  ["sysinfo"],
  ["console", "test"],
  ["maxvcpus"],
  ["freecell"],
  ["domjobinfo", "test"],
  ["start", "test"],
  ["define", "@DOMXML"],
  ["vcpuinfo", "vk1"],
  ["domblkstat", "vk1", "vda"],
  ["list", "--all", "--title"],
  ["dominfo", "vk1"],
  ["domstate", "--reason", "vk1"],
  ["domid", "vk1"],
  ["suspend", "vk1"],
  ["start", "vk1"],
  ["list", "--all"],
  ["suspend", "vk1"],
  ["domstate", "--reason", "vk1"],
  ["suspend", "vk1"],
  ["resume", "vk1"],
  ["domstate", "--reason", "vk1"],
  ["reboot", "vk1"],
  ["domstate", "--reason", "vk1"],
  ["setmem", "vk1", "262144"],
  ["dominfo", "vk1"],
  ["setmem", "vk1", "99999999"],
  ["autostart", "vk1"],
  ["list", "--all", "--autostart"],
  ["autostart", "--disable", "vk1"],
  ["dumpxml", "vk1"],
  ["dumpxml", "--inactive", "vk1"],
  ["domblkstat", "vk1", "vdz"],
  ["dommemstat", "vk1"],
  ["setvcpus", "vk1", "1", "--config"],
  ["setvcpus", "vk1", "2"],
  ["snapshot-create-as", "vk1", "snap1", "first snapshot"],
  ["snapshot-list", "vk1"],
  ["snapshot-current", "--name", "vk1"],
  ["snapshot-create-as", "vk1", "snap2"],
  ["snapshot-list", "--tree", "vk1"],
  ["snapshot-info", "vk1", "snap1"],
  ["snapshot-dumpxml", "vk1", "snap1"],
  ["snapshot-revert", "vk1", "snap1"],
  ["domstate", "--reason", "vk1"],
  ["snapshot-delete", "vk1", "snap2"],
  ["snapshot-create-as", "vk1", "snap1"],
  ["managedsave", "vk1"],
  ["domstate", "--reason", "vk1"],
  ["list", "--all", "--managed-save"],
  ["dominfo", "vk1"],
  ["start", "vk1"],
  ["domstate", "--reason", "vk1"],
  ["shutdown", "vk1"],
  ["domstate", "--reason", "vk1"],
  ["start", "vk1"],
  ["destroy", "vk1"],
  ["domstate", "--reason", "vk1"],
  ["destroy", "vk1"],
  ["undefine", "vk1"],
  ["undefine", "--snapshots-metadata", "vk1"],
  ["list", "--all"],
  ["pool-list", "--all"],
  ["vol-list", "default-pool"],
  ["vol-create-as", "default-pool", "v1.img", "10M"],
  ["vol-list", "default-pool"],
  ["vol-create-as", "default-pool", "v1.img", "10M"],
  ["vol-info", "--pool", "default-pool", "v1.img"],
  ["vol-dumpxml", "--pool", "default-pool", "v1.img"],
  ["vol-path", "--pool", "default-pool", "v1.img"],
  ["pool-info", "default-pool"],
  ["pool-dumpxml", "default-pool"],
  ["vol-delete", "--pool", "default-pool", "v1.img"],
  ["vol-list", "--details", "default-pool"],
  ["pool-info", "nosuch"],
  ["net-list", "--all"],
  ["create", "@DOMXML2"],
  ["list", "--transient"],
  ["destroy", "vk2"],
  ["list", "--all"],
  ["net-info", "default"],
  ["net-dumpxml", "default"],
  ["net-info", "nosuch"],
  ["dominfo"],
];

interface Run {
  steps: RunResult[];
  events: RunResult;
}

async function runSequence(d: PrivateDaemon, xmlPath: string, xmlPath2: string, shotPath: string): Promise<Run> {
  const ev = virshEventLoop(d.testURI);
  // One round trip on a second connection: by the time it returns, the event client has opened.
  virsh(d.testURI, ["uri"]);
  const steps = SEQUENCE.map((args) => {
    const r = virsh(d.testURI, args.map((a) => (a === "@DOMXML" ? xmlPath : a === "@DOMXML2" ? xmlPath2 : a === "@SHOT" ? shotPath : a)));
    if (args[0] === "screenshot") {
      // The image travelled as STREAM packets; its bytes are part of what must match.
      r.stdout += existsSync(shotPath) ? `[sha256 ${createHash("sha256").update(readFileSync(shotPath)).digest("hex")}]` : "[no file]";
      rmSync(shotPath, { force: true });
    }
    return r;
  });
  // The last state change of the sequence is `destroy vk2`; its event ends the transcript.
  const events = await ev.stop("event 'lifecycle' for domain 'vk2': Stopped Destroyed\n");
  return { steps, events };
}

describe.skipIf(missing.length > 0)("real virsh: our libvirtd prints what the real libvirtd prints", () => {
  let real: Run;
  let ours: Run;
  let hostnames: [RunResult, RunResult];
  const tmp = mkdtempSync(join(tmpdir(), "virsh-golden-"));
  const xmlPath = join(tmp, "vk1.xml");
  const xmlPath2 = join(tmp, "vk2.xml");
  const shotPath = join(tmp, "shot.png");

  beforeAll(async () => {
    writeFileSync(xmlPath, DOMAIN_XML);
    writeFileSync(xmlPath2, DOMAIN_XML.replace("<name>vk1</name>", "<name>vk2</name>").replace(VK1_UUID, "0000c0de-0000-4000-8000-00000000aa02"));
    let r = await startRealLibvirtd();
    let o: PrivateDaemon = await startOurLibvirtd();
    try {
      // The real virsh's managedsave (a worker thread making the call while the main thread watches the
      // job) has twice never finished on a loaded CI machine, with no output until runVirsh's 60 s limit
      // killed it: once against the real libvirtd, once against ours. The cause is not known; a transcript
      // with such a step is no comparison. Once, from a fresh daemon, the whole sequence again (the
      // warning says so in the log).
      const once = async (start: () => Promise<PrivateDaemon>, d: PrivateDaemon, who: string): Promise<[Run, PrivateDaemon]> => {
        const run = await runSequence(d, xmlPath, xmlPath2, shotPath);
        const broken = run.steps.findIndex((x) => x.code === -1);
        if (broken < 0) return [run, d];
        console.warn(`the real virsh did not finish 'virsh ${SEQUENCE[broken]!.join(" ")}' against ${who} (killed or timed out); running the sequence again`);
        await d.stop();
        const fresh = await start();
        return [await runSequence(fresh, xmlPath, xmlPath2, shotPath), fresh];
      };
      [real, r] = await once(startRealLibvirtd, r, "the real libvirtd");
      [ours, o] = await once(startOurLibvirtd, o, "our libvirtd");
      hostnames = [virsh(r.testURI, ["hostname"]), virsh(o.testURI, ["hostname"])];
    } finally {
      await r.stop();
      await o.stop();
    }
  }, 240_000);
  afterAll(() => { rmSync(tmp, { recursive: true, force: true }); });

  it.each(SEQUENCE.map((args, i) => [args.join(" "), i] as const))("virsh %s", (_name, i) => {
    const a = real.steps[i]!;
    const b = ours.steps[i]!;
    expect({ code: b.code, stderr: normalize(b.stderr), stdout: normalize(b.stdout) }).toEqual({
      code: a.code,
      stderr: normalize(a.stderr),
      stdout: normalize(a.stdout),
    });
  });

  it("virsh hostname answers with the daemon host's name", () => {
    expect(hostnames[1].code).toBe(0);
    expect(hostnames[1].stdout).toBe(hostnames[0].stdout);
  });

  it("virsh event --all --loop saw the same lifecycle events", () => {
    expect(normalize(ours.events.stdout)).toBe(normalize(real.events.stdout));
    expect(ours.events.stderr).toBe(real.events.stderr);
  });
});
