// Debian's i386 Linux booted through the whole stack the way a person drives it: our virsh
// (packages/virsh) talks the libvirt RPC protocol to this daemon (private config and sockets),
// whose qemu driver (on a private root) runs virtkit's qemu-system as the domain's <emulator>:
// the device layer on the kvm module on our CPU with VMX. `virsh define` the guest's domain XML
// (tooling/guests/src/linux-domain-xml.ts), `virsh start`, then `virsh console` on a
// pseudo-terminal: the kernel's log scrolls by, the busybox prompt comes, the scripted session
// (tooling/guests/src/linux-boot-session.ts) is typed and checked, `reboot -f` restarts the
// domain in place (<on_reboot>restart</on_reboot>: the emulator resets, as QEMU does, and the
// daemon reports the reboot event) and it boots to the prompt again in the same console session,
// ^] leaves with status 0, `virsh destroy` and `virsh undefine`, and the guest's write is in the
// host's disk image (debugfs).
//
// This is the suite's Linux boot (two boots, a few minutes each); the qemu-system sessions without
// the daemon run with VIRTKIT_LINUX_BOOT=1 (apps/qemu-system/src/linux-guest.test.ts). Without apt
// or network the guest cannot be assembled: the test skips and says why.
import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  GUEST_WRITTEN_TEXT,
  INIT_MARKER,
  LINUX_CONSOLE_FAULTS,
  LINUX_KERNEL_ABI,
  guestFileOnHost,
  linuxConsoleScript,
  linuxSessionExpectations,
} from "@virtkit/guests";
import { runOnPtyAsync } from "@virtkit/virsh/testing/pty";
import { LinuxVirshDomain, OUR_VIRSH, linuxVirshPrerequisites } from "./testing/linux-virsh-domain.js";

const NAME = "virtkit-linux";
const { guest, missing } = linuxVirshPrerequisites();
if (missing.length > 0) console.warn(`skipping the Linux guest through virsh and libvirtd: missing ${missing.join("; ")}`);

describe.skipIf(missing.length > 0)("Debian's i386 Linux through our virsh and our libvirtd's qemu driver", () => {
  const d = new LinuxVirshDomain(NAME, guest!, {});
  const virsh = d.virsh.bind(d);
  const { env, xmlFile, consoleLog, disk } = d;
  let events: ChildProcess | undefined;

  beforeAll(() => d.setUp(), 120_000);

  afterAll(async () => {
    events?.kill("SIGINT");
    await d.tearDown();
  }, 120_000);

  it("define, start, console: the kernel boots to the busybox prompt, the session's checks pass, reboot -f restarts it in place, ^] leaves; destroy, undefine; the guest's write is on the host's image", { timeout: 40 * 60_000 }, async () => {
    const t0 = performance.now();
    expect(virsh("define", xmlFile)).toEqual({ out: `Domain '${NAME}' defined from ${xmlFile}\n\n`, err: "", status: 0 });

    // `virsh event` without --loop ends after the first event: the reboot the guest's `reboot -f` causes
    events = spawn(process.execPath, [OUR_VIRSH, "-c", d.uri, "event", "--domain", NAME, "--event", "reboot"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let eventsOut = "";
    events.stdout?.setEncoding("utf8").on("data", (d: string) => (eventsOut += d));
    const eventsDone = new Promise<number | null>((resolve) => events?.once("exit", resolve));

    expect(virsh("start", NAME)).toEqual({ out: `Domain '${NAME}' started\n\n`, err: "", status: 0 });
    const id = virsh("domid", NAME).out;
    expect(id).toMatch(/^\d+\n\n$/);
    console.log(`${NAME} started; its console is copied to ${consoleLog} as it arrives`);

    const script = linuxConsoleScript();
    const r = await runOnPtyAsync(d.consoleArgv(), [...script.steps, { send: "\x1d" }], env, {
      // a guard against a guest that stopped, far beyond a boot on a busy 2-core machine: not a time limit
      guardSeconds: 20 * 60,
      logFile: consoleLog,
    });
    const context = `\n--- console (last 3000 characters):\n${r.output.slice(-3000)}\n--- emulator log:\n${d.emulatorLogTail()}`;
    expect(r.failed, context).toBeNull();
    expect(r.status, context).toBe(0);
    expect(r.output.startsWith(`Connected to domain '${NAME}'\r\nEscape character is ^] (Ctrl + ])\r\n`)).toBe(true);

    const s = script.read(r.output, r.marks);
    // the kernel's log came through the console from its first line: what the kernel found on this machine
    expect(s.boot).toMatch(new RegExp(`Linux version ${LINUX_KERNEL_ABI.replace(/\./g, "\\.")} `));
    expect(s.boot).toContain("Kernel command line: console=ttyS0 panic=-1");
    expect(s.boot).toMatch(/serial8250: ttyS0 at I\/O 0x3f8 \(irq = 4, base_baud = 115200\) is a 16550A/);
    expect(s.boot).toMatch(/virtio_blk virtio\d: \[vda\] 32768 512-byte logical blocks/);
    expect(s.boot).toContain(INIT_MARKER);
    // no <ioapic> in the domain: QEMU's default with KVM, the in-kernel irqchip, so Linux drives the IOAPIC
    for (const e of linuxSessionExpectations("ioapic")) expect(s[e.name], e.what).toMatch(e.pattern);
    // reboot -f: the kernel restarts the machine, which boots the same kernel again to the prompt
    expect(s.reboot).toMatch(/reboot: Restarting system\n/);
    expect(s.reboot).toMatch(new RegExp(`Linux version ${LINUX_KERNEL_ABI.replace(/\./g, "\\.")} [^]*${INIT_MARKER}`));
    expect(s.afterReboot).toBe(`${LINUX_KERNEL_ABI}\n`);
    expect(s.text).not.toMatch(LINUX_CONSOLE_FAULTS);
    // ^] ends the session: virsh restores the terminal and prints a newline
    expect(r.output.endsWith("\r\n")).toBe(true);

    // the daemon saw the reset as a reboot event; the domain kept its emulator (the same id) and runs
    expect(await eventsDone).toBe(0);
    expect(eventsOut).toBe(`event 'reboot' for domain '${NAME}'\nevents received: 1\n\n`);
    expect(virsh("domid", NAME).out).toBe(id);
    expect(virsh("domstate", "--reason", NAME)).toEqual({ out: "running (booted)\n\n", err: "", status: 0 });

    expect(virsh("destroy", NAME)).toEqual({ out: `Domain '${NAME}' destroyed\n\n`, err: "", status: 0 });
    expect(virsh("undefine", NAME)).toEqual({ out: `Domain '${NAME}' has been undefined\n\n`, err: "", status: 0 });
    expect(virsh("list", "--all", "--name")).toEqual({ out: "\n", err: "", status: 0 });

    // the guest's file reached the image: e2fsprogs reads it on the host without mounting
    expect(guestFileOnHost(disk)).toBe(`${GUEST_WRITTEN_TEXT}\n`);

    const at = (i: number): string => `${(r.times[i] ?? 0).toFixed(1)} s`;
    const promptStep = script.steps.findIndex((st) => "expect" in st && st.expect.endsWith("# "));
    const rebootStep = script.steps.findIndex((st) => "send" in st && st.send === "reboot -f\r");
    console.log(
      `Linux through virsh console: the prompt after ${at(promptStep)}, reboot -f typed at ${at(rebootStep)}, the prompt again at ${at(rebootStep + 3)}; the whole test ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  });
});
