// The golden sequence once more, by our virsh on the embedded test driver (test:///default in
// this process, no daemon): every step must print what the real virsh printed against a real
// libvirtd. test:///default keeps its state only while a connection is open, so every step's
// virsh opens the same driver connection (its close is deferred to the end), as the background
// event client keeps it alive in the daemon runs.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Connect, type HypervisorConnection } from "@virtkit/libvirt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BufferIO } from "./shell/io.js";
import { hasRealLibvirtd, hasRealVirsh, normalize, runVirsh, runVirshAsync, startRealLibvirtd, type RunResult } from "./testing/daemons.js";
import { DOMAIN_XML, NETWORK_XML, SEQUENCE, VK1_UUID } from "./testing/golden-sequence.js";
import { virshMain } from "./virsh.js";

const missing = [!hasRealVirsh && "virsh (libvirt-clients)", !hasRealLibvirtd && "libvirtd (libvirt-daemon)"].filter(Boolean);
if (missing.length) console.warn(`virsh embedded golden: skipping the comparison, missing ${missing.join(", ")}`);

/** A driver connection whose close is deferred: every virsh run shares it. */
function shared(drv: HypervisorConnection): HypervisorConnection {
  return new Proxy(drv, {
    get(target, prop, receiver) {
      if (prop === "connectClose") return () => undefined;
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe.skipIf(missing.length > 0)("golden: our virsh on the embedded test driver prints what the real virsh prints", () => {
  const dir = mkdtempSync(join(tmpdir(), "virsh-embedded-"));
  const files: Record<string, string> = {
    "@DOMXML": join(dir, "vk1.xml"),
    "@DOMXML2": join(dir, "vk2.xml"),
    "@NETXML": join(dir, "vknet.xml"),
    "@SHOT": join(dir, "shot.png"),
    // the real run and ours go one after the other: they may share the save images' paths
    "@SAVE": join(dir, "test.save"),
    "@SAVE2": join(dir, "test2.save"),
  };
  const clean = (s: string, daemonDir: string): string => {
    let out = normalize(s);
    for (const [k, v] of Object.entries(files)) out = out.split(v).join(k);
    return out.split(daemonDir).join("<DAEMONDIR>");
  };
  const real: RunResult[] = [];
  const ours: RunResult[] = [];
  let base: Connect;

  beforeAll(async () => {
    writeFileSync(files["@DOMXML"]!, DOMAIN_XML);
    writeFileSync(files["@DOMXML2"]!, DOMAIN_XML.replace("<name>vk1</name>", "<name>vk2</name>").replace(VK1_UUID, "0000c0de-0000-4000-8000-00000000aa02"));
    writeFileSync(files["@NETXML"]!, NETWORK_XML);
    const d = await startRealLibvirtd();
    try {
      runVirsh("real", ["-c", d.testURI, "uri"]);
      // The daemon run is the reference; a connection held open keeps its state between steps.
      // The steps run without blocking the event loop: the holder must answer the daemon's
      // keepalive pings (keepalive_interval 5 s, keepalive_count 5), or after ~30 s of a busy
      // machine the daemon drops it and its close fails with "End of file while reading data".
      const holder = await Connect.open(d.testURI);
      try {
        for (const args of SEQUENCE) {
          const r = await runVirshAsync("real", ["-c", d.testURI, ...args.map((a) => files[a] ?? a)], "");
          if (args[0] === "screenshot") r.stdout += digest(files["@SHOT"]!);
          real.push({ code: r.code, stdout: clean(r.stdout, d.dir), stderr: clean(r.stderr, d.dir) });
        }
      } finally {
        await holder.close();
      }
    } finally {
      await d.stop();
    }
    base = await Connect.open("test:///default");
    for (const args of SEQUENCE) {
      const io = new BufferIO();
      const code = await virshMain(["-c", "test:///default", ...args.map((a) => files[a] ?? a)], {
        io,
        env: { ...process.env, LC_ALL: "C" },
        open: (uri, opts) => Promise.resolve(Connect.fromDriver(shared(base.driver), uri ?? "test:///default", opts.readOnly ? 1 : 0)),
      });
      if (args[0] === "screenshot") io.out += digest(files["@SHOT"]!);
      ours.push({ code, stdout: clean(io.out, "\0"), stderr: clean(io.err, "\0") });
    }
  }, 240_000);
  afterAll(async () => {
    await base.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Only what a URI names may differ: the daemon's socket path against test:///default. */
  const sameURI = (s: string): string => s.replace(/test\+unix:\/\/\/default\?socket=<DAEMONDIR>\/libvirt-sock/g, "test:///default");

  it.each(SEQUENCE.map((args, i) => [args.join(" "), i] as const))("embedded: virsh %s", (_n, i) => {
    const r = real[i]!;
    expect(ours[i]).toEqual({ code: r.code, stdout: sameURI(r.stdout), stderr: sameURI(r.stderr) });
  });
});

function digest(path: string): string {
  if (!existsSync(path)) return "[no file]";
  const h = createHash("sha256").update(readFileSync(path)).digest("hex");
  rmSync(path, { force: true });
  return `[sha256 ${h}]`;
}
