// python3-libvirt (Debian's /usr/bin/python3) against our daemon: the same script runs against a
// real private libvirtd and against ours, and prints one line per call; the transcripts must
// match (generated UUIDs and clock-derived numbers masked).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { hasOurBuild, hasPythonLibvirt, hasRealLibvirtd, startOurLibvirtd, startRealLibvirtd, SYSTEM_PYTHON } from "./testing/daemons.js";

const missing = [!hasPythonLibvirt && "python3-libvirt for /usr/bin/python3", !hasRealLibvirtd && "libvirtd (libvirt-daemon)", !hasOurBuild && "dist/cli.js (run the build first)"].filter(Boolean);
if (missing.length) console.warn(`python-interop: skipping, missing ${missing.join(", ")}`);

const SCRIPT = String.raw`
import sys, threading, libvirt
uri = sys.argv[1]
out = []
def p(*a): out.append(" ".join(str(x) for x in a))
libvirt.virEventRegisterDefaultImpl()
events = []
done = threading.Event()
def loop():
    while not done.is_set():
        libvirt.virEventRunDefaultImpl()
threading.Thread(target=loop, daemon=True).start()
conn = libvirt.open(uri)
def lifecycle(c, dom, event, detail, opaque):
    events.append((dom.name(), event, detail))
cb = conn.domainEventRegisterAny(None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, lifecycle, None)
p("type", conn.getType(), "version", conn.getVersion(), "lib", conn.getLibVersion())
p("info", conn.getInfo())
p("maxvcpus", conn.getMaxVcpus(None))
p("all", sorted(d.name() for d in conn.listAllDomains()))
d = conn.lookupByName("test")
info = d.info(); info[4] = "T"
p("test.info", info, "state", d.state(), "active", d.isActive(), "persistent", d.isPersistent())
p("test.maxMemory", d.maxMemory(), "OSType", d.OSType(), "autostart", d.autostart())
p("test.xml.head", d.XMLDesc(0).splitlines()[0])
try:
    conn.lookupByName("nosuch")
except libvirt.libvirtError as e:
    p("lookup error", e.get_error_code(), e.get_error_domain(), e.get_error_message())
x = conn.defineXML("""<domain type='test'><name>py1</name><uuid>0000c0de-0000-4000-8000-00000000bb01</uuid>
<memory>262144</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>""")
p("defined", x.name(), x.ID(), x.isActive(), x.isPersistent(), x.state())
x.create()
p("created", x.ID() > 0, x.state())
x.suspend(); p("suspended", x.state())
try:
    x.suspend()
except libvirt.libvirtError as e:
    p("suspend again", e.get_error_code(), e.get_error_domain(), e.get_error_message())
x.resume(); p("resumed", x.state())
x.destroy(); p("destroyed", x.ID(), x.state())
x.undefine(); p("undefined")
try:
    conn.lookupByName("py1")
except libvirt.libvirtError as e:
    p("gone", e.get_error_code())
import time
for _ in range(200):
    if len(events) >= 6: break
    time.sleep(0.02)
p("events", events)
conn.domainEventDeregisterAny(cb)
ro = libvirt.openReadOnly(uri.replace("libvirt-sock", "libvirt-sock-ro"))
try:
    ro.lookupByName("test").suspend()
except libvirt.libvirtError as e:
    p("ro", e.get_error_code(), e.get_error_domain(), e.get_error_message())
ro.close()
rw_on_ro = libvirt.open(uri.replace("libvirt-sock", "libvirt-sock-ro"))
try:
    rw_on_ro.lookupByName("test").suspend()
except libvirt.libvirtError as e:
    p("ro socket", e.get_error_code(), e.get_error_domain(), e.get_error_message())
rw_on_ro.close()
conn.close()
done.set()
print("\n".join(out))
`;

function run(uri: string) {
  const r = spawnSync(SYSTEM_PYTHON, ["-c", SCRIPT, uri], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.replace(/libvirt: .*\n/g, (l) => l) };
}

describe.skipIf(missing.length > 0)("python3-libvirt against our libvirtd", () => {
  it("prints the same transcript as against a real libvirtd", async () => {
    const real = await startRealLibvirtd();
    const ours = await startOurLibvirtd();
    try {
      const a = run(real.testURI);
      const b = run(ours.testURI);
      expect(a.code).toBe(0);
      expect(b.stderr).toBe(a.stderr);
      expect(b.stdout).toBe(a.stdout);
      expect(b.code).toBe(0);
    } finally {
      await real.stop();
      await ours.stop();
    }
  }, 120_000);
});
