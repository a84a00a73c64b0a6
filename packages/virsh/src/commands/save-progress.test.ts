// virsh save / managedsave --verbose on the qemu driver (qemu:///embed, the demo guest in an
// emulator child process): virshWatchJob's polls of virDomainGetJobInfo every 500 ms print
// "\rSave: [ NN %]" while the emulator writes the stream, then "[100 %]", as the real virsh does.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BufferIO } from "../shell/io.js";
import { virshMain } from "../virsh.js";

const here = dirname(fileURLToPath(import.meta.url));
const LIBVIRT = join(here, "../../../libvirt");
/** @virtkit/libvirt's test emulator (virtkit's qemu-system-i386) and the demo guest it boots. */
const EMULATOR = join(LIBVIRT, "src/drivers/qemu/testing/qemu-system-i386.mjs");
const DEMO_KERNEL = join(here, "../../../../tooling/guests/virtkit-demo/demo.bin");
const QEMU_DIST = join(here, "../../../qemu/dist/index.js");
const missing = [!existsSync(DEMO_KERNEL) && `the demo guest ${DEMO_KERNEL}`, !existsSync(QEMU_DIST) && "@virtkit/qemu's build", !existsSync(EMULATOR) && EMULATOR].filter(Boolean);
if (missing.length) console.warn(`virsh save progress tests: skipping, missing ${missing.join(", ")}`);

/** Guest RAM that makes the emulator's save outlast several 500 ms polls on this machine. */
const GUEST_MIB = 2048;

function guestXML(name: string): string {
  return `<domain type='kvm'>
  <name>${name}</name>
  <memory unit='MiB'>${GUEST_MIB}</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='i686' machine='pc'>hvm</type>
    <kernel>${DEMO_KERNEL}</kernel>
  </os>
  <devices>
    <controller type='usb' model='none'/>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}

const dir = mkdtempSync(join(tmpdir(), "vsp-"));
const saved = process.env.VIRTKIT_QEMU_EMULATOR;
beforeAll(() => {
  process.env.VIRTKIT_QEMU_EMULATOR = EMULATOR;
});
afterAll(() => {
  if (saved === undefined) delete process.env.VIRTKIT_QEMU_EMULATOR;
  else process.env.VIRTKIT_QEMU_EMULATOR = saved;
  rmSync(dir, { recursive: true, force: true });
});

async function virsh(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = new BufferIO();
  const code = await virshMain(["-c", `qemu:///embed?root=${dir}`, script], { io, env: { LC_ALL: "C" } });
  return { code, stdout: io.out, stderr: io.err };
}

/** The percentages of "\r<label>: [ NN %]" in the order printed. */
function percentages(stderr: string, label: string): number[] {
  return [...stderr.matchAll(new RegExp(`\\r${label}: \\[ *(\\d+) %\\]`, "g"))].map((m) => Number(m[1]));
}

describe.skipIf(missing.length > 0)("virsh save --verbose on the qemu driver", () => {
  it(`prints the save's progress while the emulator writes ${GUEST_MIB} MiB of RAM, then [100 %]`, async () => {
    const xml = join(dir, "big.xml");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(xml, guestXML("big"));
    const f = join(dir, "big.save");
    const r = await virsh(`define ${xml}; start big; save --verbose big ${f}; domstate --reason big`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Domain 'big' defined from ${xml}\n\nDomain 'big' started\n\n\nDomain 'big' saved to ${f}\n\nshut off (saved)\n\n`);
    const p = percentages(r.stderr, "Save");
    expect(r.stderr).toBe(p.map((n) => `\rSave: [${String(n).padStart(3)} %]`).join(""));
    expect(p.at(-1)).toBe(100);
    // At least one poll while the job ran. A poll after the last RAM page but before the job ended reads
    // 0 remaining, which virshPrintJobProgress prints as 100 % too; the figures never go back.
    const between = p.slice(0, -1);
    expect(between.length).toBeGreaterThanOrEqual(1);
    for (let k = 1; k < p.length; k++) expect(p[k]!).toBeGreaterThanOrEqual(p[k - 1]!);
  });

  it("managedsave --verbose prints Managedsave's progress the same way", async () => {
    const r = await virsh(`start big; managedsave --verbose big; domstate --reason big`);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`Domain 'big' started\n\n\nDomain 'big' state saved by libvirt\n\nshut off (saved)\n\n`);
    const p = percentages(r.stderr, "Managedsave");
    expect(r.stderr).toBe(p.map((n) => `\rManagedsave: [${String(n).padStart(3)} %]`).join(""));
    expect(p.at(-1)).toBe(100);
    expect(p.length).toBeGreaterThanOrEqual(2);
  });
});
