// Test support for the qemu driver: private roots, the demo guest's domain XML, the emulator the
// tests run, and waits on the guest's serial output.
import { existsSync, mkdtempSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
/** virtkit's qemu-system-i386 over @virtkit/qemu (see qemu-system-i386.mjs). */
export const TEST_EMULATOR = join(here, "qemu-system-i386.mjs");
/** tooling/guests/virtkit-demo/demo.bin: banner on COM1, virtio-blk, a small shell. */
export const DEMO_KERNEL = join(here, "../../../../../../tooling/guests/virtkit-demo/demo.bin");
export const hasDemoKernel = existsSync(DEMO_KERNEL);
/** Whether this machine can run the emulator at all (it needs the built @virtkit/qemu). */
export const hasKvmModule = existsSync(join(here, "../../../../../qemu/dist/index.js"));

/** Short roots: unix socket paths must stay under 108 bytes. */
export function newRoot(tag: string): string {
  return mkdtempSync(join(tmpdir(), `vq-${tag}-`));
}

export interface DemoOptions {
  name?: string;
  uuid?: string;
  disk?: string | null;
  onReboot?: "restart" | "destroy";
  vcpus?: number;
  /** <features><ioapic driver='...'/></features> */
  ioapic?: "kvm" | "qemu";
}

/** A raw disk whose first sector starts with a line the demo guest prints at boot. */
export function demoDisk(dir: string, text = "hello from the virtio disk"): string {
  const path = join(dir, "disk.img");
  writeFileSync(path, `${text}\n`);
  truncateSync(path, 1 << 20);
  return path;
}

/** The demo guest as a domain: <kernel> boot, serial console, optional virtio disk. */
export function demoXML(o: DemoOptions = {}): string {
  const disk =
    o.disk !== undefined && o.disk !== null
      ? `    <disk type='file' device='disk'>\n      <driver name='qemu' type='raw'/>\n      <source file='${o.disk}'/>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n`
      : "";
  return `<domain type='kvm'>
  <name>${o.name ?? "demo"}</name>
${o.uuid ? `  <uuid>${o.uuid}</uuid>\n` : ""}  <memory unit='MiB'>32</memory>
  <vcpu>${o.vcpus ?? 1}</vcpu>
  <os>
    <type arch='i686' machine='pc'>hvm</type>
    <kernel>${DEMO_KERNEL}</kernel>
  </os>
${o.ioapic !== undefined ? `  <features>\n    <ioapic driver='${o.ioapic}'/>\n  </features>\n` : ""}  <on_reboot>${o.onReboot ?? "restart"}</on_reboot>
  <devices>
${disk}    <controller type='usb' model='none'/>
    <serial type='pty'><target port='0'/></serial>
    <console type='pty'><target type='serial' port='0'/></console>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Polls `f` until it returns true (bounded; the bound is a hang guard, not a timing check). `what`
 * names the wait in the error; a function is evaluated when the wait fails, so it can show the
 * state at that moment (say, everything a terminal showed) rather than at the start.
 */
export async function until(f: () => boolean | Promise<boolean>, what: string | (() => string), maxMs = 30_000): Promise<void> {
  const end = Date.now() + maxMs;
  for (;;) {
    if (await f()) return;
    // checked after f(), so a loop stalled past the bound still sees what arrived meanwhile
    if (Date.now() >= end) break;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${typeof what === "string" ? what : what()}`);
}
