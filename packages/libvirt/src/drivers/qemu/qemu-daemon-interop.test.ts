// The qemu driver behind our daemon (apps/libvirtd, private sockets, the driver on a private root)
// driven by the real virsh and python3-libvirt, by our virsh (through the daemon and embedded),
// and the daemon killed with SIGKILL in the middle of define/start/undefine sequences.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_KERNEL, TEST_EMULATOR, demoDisk, demoXML, hasDemoKernel, hasKvmModule, until } from "./testing/harness.js";
import { OUR_LIBVIRTD, OUR_VIRSH, QemuDaemon, REAL_VIRSH, SYSTEM_PYTHON, hasPythonLibvirt, hasRealVirsh, hasScript, onPty, run, waitForBuild } from "./testing/daemon.js";
import { emulatorsOf, processAlive } from "./qemu-process.js";

const base = [!hasDemoKernel && `the demo guest ${DEMO_KERNEL}`, !hasKvmModule && "@virtkit/qemu's build"].filter(Boolean);
const hasDaemon = base.length === 0 && (await waitForBuild(OUR_LIBVIRTD));
const hasOurVirsh = base.length === 0 && (await waitForBuild(OUR_VIRSH));
const why = (extra: (string | false)[]): string[] => [...base, ...extra].filter((x): x is string => typeof x === "string");
const daemonMissing = why([!hasDaemon && `our libvirtd (${OUR_LIBVIRTD}: build apps/libvirtd)`]);
for (const [what, miss] of [
  ["real virsh against our daemon", why([...daemonMissing, !hasRealVirsh && "virsh (Debian libvirt-clients)", !hasScript && "script (util-linux)"])],
  ["python3-libvirt against our daemon", why([...daemonMissing, !hasPythonLibvirt && "python3-libvirt"])],
  ["our virsh (daemon and embedded)", why([...daemonMissing, !hasOurVirsh && `our virsh (${OUR_VIRSH}: build packages/virsh)`, !hasScript && "script (util-linux)"])],
] as const) {
  if (miss.length) console.warn(`qemu driver interop: skipping ${what}: missing ${miss.join(", ")}`);
}

function pidOf(root: string, name: string): number {
  return Number(/pid='(\d+)'/.exec(readFileSync(join(root, "run/qemu", `${name}.xml`), "utf8"))?.[1] ?? "0");
}

/** SIGKILLs every emulator a driver root knows of (status files, and pid files of starts under way). */
function killEmulators(root: string): void {
  const stateDir = join(root, "run/qemu");
  if (!existsSync(stateDir)) return;
  for (const f of readdirSync(stateDir)) {
    let pid = 0;
    if (f.endsWith(".xml")) pid = pidOf(root, f.slice(0, -4));
    else if (f.endsWith(".pid") && f !== "driver.pid") pid = Number(readFileSync(join(stateDir, f), "utf8").trim()) || 0;
    if (pid > 0 && processAlive(pid)) process.kill(pid, "SIGKILL");
  }
}

type Virsh = (...args: string[]) => { out: string; err: string; status: number | null };

/** Leaves no domain `name` behind (running or defined), whatever state a failed test left it in. */
function forget(virsh: Virsh, name: string): void {
  virsh("destroy", name);
  virsh("undefine", name, "--managed-save", "--snapshots-metadata");
}

/**
 * `virsh event --loop` prints nothing once its callbacks are registered, so a probe domain is
 * defined and undefined until its event shows up: every later event then reaches the client.
 */
async function eventsFlowing(virsh: Virsh, output: () => string, dir: string): Promise<void> {
  const probe = join(dir, "evprobe.xml");
  writeFileSync(probe, demoXML({ name: "evprobe" }));
  for (let tries = 0; ; tries++) {
    expect(virsh("define", probe).status).toBe(0);
    const seen = await until(() => output().includes("'evprobe': Defined Added"), "the probe's event", 500).then(
      () => true,
      () => false,
    );
    expect(virsh("undefine", "evprobe").status).toBe(0);
    if (seen) return;
    if (tries >= 60) throw new Error(`virsh event never reported the probe domain; it printed: ${JSON.stringify(output())}`);
  }
}

// Each test starts daemons, emulators and a virsh process per command: on a loaded 2-core CI host that is
// minutes, so the limit here guards against a hang only (vitest's 60 s default was reached under load).
describe.skipIf(daemonMissing.length > 0)("qemu driver behind our libvirtd", { timeout: 10 * 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), "vq-d-"));
  const root = join(dir, "root");
  const daemon = new QemuDaemon(dir, root);
  const xmlFile = join(dir, "demo.xml");
  beforeAll(async () => {
    writeFileSync(xmlFile, demoXML({ disk: demoDisk(dir) }));
    await daemon.start();
  });
  afterAll(async () => {
    // leave no emulator behind, neither the daemon's nor the embedded driver's
    killEmulators(root);
    killEmulators(join(dir, "embed"));
    await daemon.stop();
  });
  /** Some virsh for cleanup: ours when built, else the real one. */
  const anyVirsh: Virsh = (...a) => (hasOurVirsh ? run(process.execPath, [OUR_VIRSH, "-c", daemon.uri, ...a], daemon.env) : run(REAL_VIRSH, ["-c", daemon.uri, ...a], daemon.env));

  it.skipIf(!hasRealVirsh || !hasScript)("the real virsh: define, start, list, dominfo, domstate --reason, dumpxml, console on a pty, suspend/resume, destroy, undefine, and event --all --loop", async () => {
    const v = (...a: string[]) => run(REAL_VIRSH, ["-c", daemon.uri, ...a], daemon.env);
    // virsh event --all --loop until interrupted (Ctrl-C), as a person runs it
    const evProc = spawn(REAL_VIRSH, ["-c", daemon.uri, "event", "--all", "--loop"], { env: daemon.env, stdio: ["ignore", "pipe", "pipe"] });
    let evOut = "";
    evProc.stdout.setEncoding("utf8").on("data", (d: string) => (evOut += d));
    const evDone = new Promise((r) => evProc.once("exit", r));
    try {
      await eventsFlowing(v, () => evOut, dir);
      expect(v("define", xmlFile)).toMatchObject({ out: `Domain 'demo' defined from ${xmlFile}\n\n`, err: "", status: 0 });
      expect(v("start", "demo")).toMatchObject({ out: "Domain 'demo' started\n\n", err: "", status: 0 });
      expect(v("list").out).toBe(" Id   Name   State\n----------------------\n 1    demo   running\n\n");
      const info = v("dominfo", "demo").out;
      expect(info).toMatch(/^Id:\s+1\nName:\s+demo\nUUID:\s+[0-9a-f-]{36}\nOS Type:\s+hvm\nState:\s+running\nCPU\(s\):\s+1\nCPU time:\s+[\d.]+s\nMax memory:\s+32768 KiB\nUsed memory:\s+32768 KiB\nPersistent:\s+yes\nAutostart:\s+disable\nManaged save:\s+no\nSecurity model:\s+none\nSecurity DOI:\s+0\n\n$/);
      expect(v("domstate", "--reason", "demo").out).toBe("running (booted)\n\n");
      const xml = v("dumpxml", "demo").out;
      expect(xml).toContain("<domain type='kvm' id='1'>");
      expect(xml).toContain("<target dev='vda' bus='virtio'/>");
      expect(xml).toContain(`<log file='${root}/log/qemu/demo-serial0.log' append='off'/>`);

      // virsh console on a real terminal: the banner, a command answered, ^] ends it
      const con = await onPty(`${REAL_VIRSH} -c '${daemon.uri}' console demo`, daemon.env, [
        { expect: "demo> " },
        { settle: 1000 },
        { send: "disk\r" },
        { expect: "disk\r\ndisk says: hello from the virtio disk\r\ndemo> " },
        { send: "\x1d" },
      ]);
      expect(con.status).toBe(0);
      expect(con.output).toContain("Connected to domain 'demo'\r\nEscape character is ^] (Ctrl + ])\r\n");
      // the boot output (written before the console opened) and the answer, each exactly once
      expect(con.output).toContain(
        "virtkit demo guest: 32-bit protected mode, booted by multiboot\r\nmemory: 32 MiB\r\nvirtio-blk: 2048 sectors\r\ndisk says: hello from the virtio disk\r\nready; type 'help'\r\ndemo> disk\r\ndisk says: hello from the virtio disk\r\ndemo> ",
      );
      expect(con.output.split("virtkit demo guest:").length).toBe(2);

      expect(v("suspend", "demo")).toMatchObject({ out: "Domain 'demo' suspended\n\n", status: 0 });
      expect(v("domstate", "--reason", "demo").out).toBe("paused (user)\n\n");
      expect(v("resume", "demo")).toMatchObject({ out: "Domain 'demo' resumed\n\n", status: 0 });
      expect(v("domstate", "--reason", "demo").out).toBe("running (unpaused)\n\n");
      expect(v("destroy", "demo")).toMatchObject({ out: "Domain 'demo' destroyed\n\n", status: 0 });
      expect(v("domstate", "--reason", "demo").out).toBe("shut off (destroyed)\n\n");
      await until(() => evOut.includes("'demo': Stopped Destroyed") || evProc.exitCode !== null, "the destroy event");
      evProc.kill("SIGINT");
      await evDone;
      const lines = evOut.split("\n").filter((l) => l.startsWith("event 'lifecycle' for domain 'demo'"));
      expect(lines).toEqual([
        "event 'lifecycle' for domain 'demo': Defined Added",
        "event 'lifecycle' for domain 'demo': Started Booted",
        "event 'lifecycle' for domain 'demo': Suspended Paused",
        "event 'lifecycle' for domain 'demo': Resumed Unpaused",
        "event 'lifecycle' for domain 'demo': Stopped Destroyed",
      ]);
      expect(evOut).toContain("event loop interrupted\n");
      expect(v("undefine", "demo")).toMatchObject({ out: "Domain 'demo' has been undefined\n\n", status: 0 });
      expect(v("list", "--all").out).toBe(" Id   Name   State\n--------------------\n\n");
      // the read-only socket refuses writes for the qemu driver too
      const ro = run(REAL_VIRSH, ["-c", daemon.roURI, "define", xmlFile], daemon.env);
      expect(ro.status).toBe(1);
      expect(ro.err).toContain("error: operation forbidden: read only access prevents virDomainDefineXML");
    } finally {
      if (evProc.exitCode === null) evProc.kill("SIGKILL");
      forget(v, "demo");
    }
  });

  it.skipIf(!hasRealVirsh)("the real virsh: save to a file, restore on a fresh daemon that never saw the domain, domifaddr, freecell", async () => {
    const v = (...a: string[]) => run(REAL_VIRSH, ["-c", daemon.uri, ...a], daemon.env);
    const netFile = join(dir, "net.xml");
    writeFileSync(netFile, "<network><name>default</name><bridge name='virbr0'/><forward mode='nat'/><ip address='192.168.122.1' netmask='255.255.255.0'><dhcp><range start='192.168.122.2' end='192.168.122.254'/></dhcp></ip></network>");
    const domFile = join(dir, "nic.xml");
    writeFileSync(domFile, demoXML().replace("    <serial", "    <interface type='network'>\n      <mac address='52:54:00:aa:bb:01'/>\n      <source network='default'/>\n      <model type='virtio'/>\n    </interface>\n    <serial"));
    const image = join(dir, "demo.save");
    const fresh = new QemuDaemon(join(dir, "fresh"), join(dir, "fresh-root"));
    try {
      expect(v("net-define", netFile).status).toBe(0);
      expect(v("net-start", "default").status).toBe(0);
      expect(v("define", domFile).status).toBe(0);
      expect(v("start", "demo").status).toBe(0);
      const head = " Name       MAC address          Protocol     Address\n-------------------------------------------------------------------------------\n";
      expect(v("domifaddr", "demo")).toMatchObject({ out: `${head}\n`, status: 0 });
      // what libvirt's dnsmasq lease helper would have recorded for the guest
      mkdirSync(join(root, "lib/dnsmasq"), { recursive: true });
      writeFileSync(join(root, "lib/dnsmasq/virbr0.status"), JSON.stringify([{ "ip-address": "192.168.122.45", "mac-address": "52:54:00:aa:bb:01", "expiry-time": Math.floor(Date.now() / 1000) + 3600 }]));
      expect(v("domifaddr", "demo", "--source", "lease")).toMatchObject({ out: `${head}            52:54:00:aa:bb:01    ipv4         192.168.122.45/24\n\n`, status: 0 });
      expect(v("domifaddr", "demo", "--source", "agent")).toMatchObject({ err: "error: Failed to query for interfaces addresses\nerror: argument unsupported: QEMU guest agent is not configured\n", status: 1 });
      expect(v("domifaddr", "demo", "--source", "arp")).toMatchObject({ out: `${head}\n`, status: 0 });
      expect(v("freecell").out).toMatch(/^Total: \d+ KiB\n\n$/);
      expect(v("freecell", "--cellno", "0").out).toMatch(/^0: \d+ KiB\n\n$/);

      expect(v("save", "demo", image)).toMatchObject({ out: `\nDomain 'demo' saved to ${image}\n\n`, err: "", status: 0 });
      expect(v("domstate", "--reason", "demo").out).toBe("shut off (saved)\n\n");
      expect(readFileSync(image).toString("latin1", 0, 16)).toBe("LibvirtQemudSave");
      expect(v("save", "demo", image)).toMatchObject({ err: `error: Failed to save domain 'demo' to ${image}\nerror: Requested operation is not valid: domain is not running\n`, status: 1 });

      // another daemon on another root: the domain and its network exist only in the image's XML
      await fresh.start();
      const f = (...a: string[]) => run(REAL_VIRSH, ["-c", fresh.uri, ...a], fresh.env);
      expect(f("net-define", netFile).status).toBe(0);
      expect(f("net-start", "default").status).toBe(0);
      expect(f("restore", image)).toMatchObject({ out: `Domain restored from ${image}\n\n`, err: "", status: 0 });
      expect(f("list", "--all").out).toBe(" Id   Name   State\n----------------------\n 1    demo   running\n\n");
      expect(f("domstate", "--reason", "demo").out).toBe("running (restored)\n\n");
      expect(f("dominfo", "demo").out).toMatch(/Persistent:\s+no\n/);
      expect(f("restore", "--paused", image)).toMatchObject({ err: `error: Failed to restore domain from ${image}\nerror: Requested operation is not valid: domain 'demo' is already active\n`, status: 1 });
      expect(f("destroy", "demo").status).toBe(0);
      expect(f("restore", "--paused", image).status).toBe(0);
      expect(f("domstate", "--reason", "demo").out).toBe("paused (migrating)\n\n");
      expect(f("destroy", "demo").status).toBe(0);
      expect(f("restore", join(dir, "nosuch.save"))).toMatchObject({ err: `error: Failed to restore domain from ${join(dir, "nosuch.save")}\nerror: Failed to open file '${join(dir, "nosuch.save")}': No such file or directory\n`, status: 1 });
      // and back on the first daemon, where the domain is persistent
      expect(v("restore", image).status).toBe(0);
      expect(v("domstate", "--reason", "demo").out).toBe("running (restored)\n\n");
      expect(v("destroy", "demo").status).toBe(0);
    } finally {
      killEmulators(fresh.root);
      await fresh.stop();
      forget(v, "demo");
      v("net-destroy", "default");
      v("net-undefine", "default");
    }
  });

  it.skipIf(!hasPythonLibvirt)("python3-libvirt: open, defineXML, create, state, destroy, undefine with a lifecycle callback", () => {
    const script = `
import libvirt, sys, threading, time
libvirt.virEventRegisterDefaultImpl()
conn = libvirt.open(sys.argv[1])
seen = []
conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lambda c, d, e, det, o: seen.append((d.name(), e, det)), None)
threading.Thread(target=lambda: [libvirt.virEventRunDefaultImpl() for _ in iter(int, 1)], daemon=True).start()
dom = conn.defineXML(open(sys.argv[2]).read().replace("<name>demo</name>", "<name>pydemo</name>"))
print(conn.getType(), dom.name(), dom.isPersistent())
dom.create()
print(dom.state(), dom.isActive())
dom.destroy()
print(dom.state(), dom.isActive())
dom.undefine()
for _ in range(100):
    if len(seen) >= 4: break
    time.sleep(0.05)
print(seen)
`;
    const py = join(dir, "t.py");
    writeFileSync(py, script);
    try {
      const r = run(SYSTEM_PYTHON, [py, daemon.uri, xmlFile], daemon.env);
      expect(r.err).toBe("");
      expect(r.out).toBe("QEMU pydemo 1\n[1, 1] 1\n[5, 2] 0\n[('pydemo', 0, 0), ('pydemo', 2, 0), ('pydemo', 5, 1), ('pydemo', 1, 0)]\n");
    } finally {
      forget(anyVirsh, "pydemo");
    }
  });

  it.skipIf(!hasPythonLibvirt)("python3-libvirt: save, saveImageGetXMLDesc, restoreFlags, interfaceAddresses, getCellsFreeMemory", () => {
    const script = `
import libvirt, sys
libvirt.registerErrorHandler(lambda ctx, err: None, None)
conn = libvirt.open(sys.argv[1])
dom = conn.createXML(open(sys.argv[2]).read().replace("<name>demo</name>", "<name>pysave</name>"))
print(dom.interfaceAddresses(libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE))
try:
    dom.interfaceAddresses(libvirt.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT)
except libvirt.libvirtError as e:
    print(e.get_error_code(), e.get_error_domain(), e.get_error_message())
cells = conn.getCellsFreeMemory(0, 1)
print(len(cells), cells[0] > 0, conn.getFreeMemory() > 0)
dom.save(sys.argv[3])
print("<name>pysave</name>" in conn.saveImageGetXMLDesc(sys.argv[3], 0))
try:
    conn.lookupByName("pysave")
except libvirt.libvirtError as e:
    print(e.get_error_code())
conn.restoreFlags(sys.argv[3], None, libvirt.VIR_DOMAIN_SAVE_PAUSED)
dom = conn.lookupByName("pysave")
print(dom.state(), dom.isPersistent())
dom.destroy()
`;
    const py = join(dir, "save.py");
    writeFileSync(py, script);
    try {
      const r = run(SYSTEM_PYTHON, [py, daemon.uri, xmlFile, join(dir, "py.save")], daemon.env);
      expect(r.err).toBe("");
      // VIR_ERR_ARGUMENT_UNSUPPORTED (74) from VIR_FROM_QEMU (10); NO_DOMAIN (42) after the save
      expect(r.out).toBe("{}\n74 10 argument unsupported: QEMU guest agent is not configured\n1 True True\nTrue\n42\n[3, 2] 0\n");
    } finally {
      forget(anyVirsh, "pysave");
    }
  });

  it.skipIf(!hasOurVirsh || !hasScript)("our virsh: the same lifecycle through the daemon, then embedded on its own root with the console", async () => {
    const ours = (uri: string, ...a: string[]) => run(process.execPath, [OUR_VIRSH, "-c", uri, ...a], daemon.env);
    const embed = `qemu:///embed?root=${join(dir, "embed")}`;
    try {
      expect(ours(daemon.uri, "define", xmlFile).status).toBe(0);
      expect(ours(daemon.uri, "start", "demo").out).toBe("Domain 'demo' started\n\n");
      expect(ours(daemon.uri, "domstate", "--reason", "demo").out).toBe("running (booted)\n\n");
      expect(ours(daemon.uri, "destroy", "demo").out).toBe("Domain 'demo' destroyed\n\n");
      expect(ours(daemon.uri, "undefine", "demo").out).toBe("Domain 'demo' has been undefined\n\n");

      expect(ours(embed, "define", xmlFile).out).toBe(`Domain 'demo' defined from ${xmlFile}\n\n`);
      expect(ours(embed, "start", "demo").out).toBe("Domain 'demo' started\n\n");
      expect(ours(embed, "list").out).toBe(" Id   Name   State\n----------------------\n 1    demo   running\n\n");
      const con = await onPty(`${process.execPath} ${OUR_VIRSH} -c '${embed}' console demo`, daemon.env, [
        { expect: "demo> " },
        { settle: 1000 },
        { send: "info\r" },
        { expect: "memory: 32 MiB\r\ndemo> " },
        { send: "\x1d" },
      ]);
      expect(con.status).toBe(0);
      expect(con.output).toContain("virtkit demo guest: 32-bit protected mode, booted by multiboot\r\n");
      expect(ours(embed, "destroy", "demo").out).toBe("Domain 'demo' destroyed\n\n");
      expect(ours(embed, "undefine", "demo").out).toBe("Domain 'demo' has been undefined\n\n");
    } finally {
      forget((...a) => ours(daemon.uri, ...a), "demo");
      forget((...a) => ours(embed, ...a), "demo");
    }
  });

  it("kill -9 of the daemon during define/start/undefine loses no definition; running domains are found again or reported crashed", async () => {
    const v = (...a: string[]) => run(process.execPath, [OUR_VIRSH, "-c", daemon.uri, ...a], daemon.env);
    const useOurs = hasOurVirsh;
    const virsh = useOurs ? v : (...a: string[]) => run(REAL_VIRSH, ["-c", daemon.uri, ...a], daemon.env);
    /** domstate --reason, or the error virsh printed (so a failure shows why). */
    const state = (n: string): string => {
      const r = virsh("domstate", "--reason", n);
      return r.status === 0 ? r.out : `exit ${String(r.status)}: ${r.err}`;
    };
    const names = ["p1", "p2", "p3"];
    try {
      for (const n of names) {
        const f = join(dir, `${n}.xml`);
        writeFileSync(f, demoXML({ name: n }));
        expect(virsh("define", f).status).toBe(0);
      }
      expect(virsh("start", "p1").status).toBe(0);
      expect(virsh("start", "p2").status).toBe(0);
      const p1 = pidOf(root, "p1");
      // SIGKILL while p3's start is under way (its status file exists, its emulator may be starting)
      const starting = spawn(useOurs ? process.execPath : REAL_VIRSH, useOurs ? [OUR_VIRSH, "-c", daemon.uri, "start", "p3"] : ["-c", daemon.uri, "start", "p3"], { env: daemon.env, stdio: "ignore" });
      const startDone = new Promise((r) => starting.once("exit", r));
      await until(() => existsSync(join(root, "run/qemu/p3.xml")), "p3's start to begin");
      await daemon.kill9();
      await startDone;
      // p2's emulator dies while the daemon is down: it must come back as crashed
      const p2 = pidOf(root, "p2");
      process.kill(p2, "SIGKILL");
      await until(() => !processAlive(p2), "p2's emulator to die");
      expect(processAlive(p1)).toBe(true);
      await daemon.start();
      expect(state("p1")).toBe("running (booted)\n\n");
      expect(state("p2")).toBe("shut off (crashed)\n\n");
      // a start the daemon did not finish is not trusted: p3 is shut off (failed), its emulator gone;
      // had the start completed just before the kill, p3 runs and was reconnected
      const p3 = state("p3");
      expect(["shut off (failed)\n\n", "running (booted)\n\n"]).toContain(p3);
      // ...and no emulator of it is left behind, even one the killed daemon had not recorded
      const p3uuid = virsh("domuuid", "p3").out.trim();
      expect(emulatorsOf(p3uuid).length).toBe(p3.startsWith("running") ? 1 : 0);
      if (p3.startsWith("running")) expect(virsh("destroy", "p3").status).toBe(0);
      expect(existsSync(join(root, "run/qemu/p3.xml"))).toBe(false);
      expect(existsSync(join(root, "run/qemu/p3.pid"))).toBe(false);
      // the reconnected domain is fully usable
      expect(virsh("suspend", "p1").status).toBe(0);
      expect(state("p1")).toBe("paused (user)\n\n");

      // kill -9 right after undefine and define requests: every definition on disk is whole
      expect(virsh("undefine", "p3").status).toBe(0);
      const f4 = join(dir, "p4.xml");
      writeFileSync(f4, demoXML({ name: "p4" }));
      expect(virsh("define", f4).status).toBe(0);
      await daemon.kill9();
      await daemon.start();
      const listed = virsh("list", "--all", "--name").out.split("\n").filter(Boolean).sort();
      expect(listed).toEqual(["p1", "p2", "p4"]);
      for (const n of listed) {
        const cfg = readFileSync(join(root, "etc/qemu", `${n}.xml`), "utf8");
        expect(cfg).toContain(`<name>${n}</name>`);
        expect(cfg.trimEnd().endsWith("</domain>")).toBe(true);
      }
      expect(state("p1")).toBe("paused (user)\n\n");
      expect(virsh("destroy", "p1").status).toBe(0);
      for (const n of listed) expect(virsh("undefine", n).status).toBe(0);
      expect(existsSync(TEST_EMULATOR)).toBe(true);
    } finally {
      if (!daemon.running) await daemon.start();
      for (const n of [...names, "p4"]) forget(virsh, n);
    }
  });
});
