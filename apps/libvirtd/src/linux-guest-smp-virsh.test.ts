// Debian's i386 Linux on two vCPUs, through our virsh and this daemon: the domain has <vcpu>2</vcpu>
// and <features><ioapic driver='kvm'/>, so the qemu driver starts the emulator with -smp 2 and
// kernel_irqchip=on — the PIC, IOAPIC, PIT and a local APIC per vCPU in the kvm module. The kernel
// finds both processors and the IOAPIC in the MP table the loader leaves, starts the second vCPU
// with INIT/SIPI through its local APIC, routes the timer through IOAPIC pin 2, and then runs
// with both local APIC timers and IPIs between the CPUs. `virsh console` on a pseudo-terminal
// types the checks (tooling/guests LINUX_SMP_SESSION_COMMANDS); ^], destroy, undefine.
//
// The second Linux boot of the suite (about as long as the one-vCPU boot: the vCPUs share one
// thread). Without apt or network the guest cannot be assembled: the test skips and says why.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LINUX_CONSOLE_FAULTS, LINUX_SMP_SESSION_EXPECTATIONS, linuxSmpConsoleScript } from "@virtkit/guests";
import { runOnPtyAsync } from "@virtkit/virsh/testing/pty";
import { LinuxVirshDomain, linuxVirshPrerequisites } from "./testing/linux-virsh-domain.js";

const NAME = "virtkit-linux-smp";
const { guest, missing } = linuxVirshPrerequisites();
if (missing.length > 0) console.warn(`skipping the two-vCPU Linux guest through virsh and libvirtd: missing ${missing.join("; ")}`);

describe.skipIf(missing.length > 0)("Debian's i386 Linux on two vCPUs with the in-kernel irqchip, through our virsh and libvirtd", () => {
  const d = new LinuxVirshDomain(NAME, guest!, { vcpus: 2, kernelIrqchip: true });

  beforeAll(() => d.setUp(), 120_000);
  afterAll(() => d.tearDown(), 120_000);

  it("define, start, console: both CPUs up, the IOAPIC and both local APIC timers in use, IPIs delivered; destroy, undefine", { timeout: 40 * 60_000 }, async () => {
    const t0 = performance.now();
    expect(d.virsh("define", d.xmlFile)).toEqual({ out: `Domain '${NAME}' defined from ${d.xmlFile}\n\n`, err: "", status: 0 });
    expect(d.virsh("start", NAME)).toEqual({ out: `Domain '${NAME}' started\n\n`, err: "", status: 0 });
    expect(d.virsh("dominfo", NAME).out).toMatch(/^CPU\(s\): +2$/m);
    console.log(`${NAME} started; its console is copied to ${d.consoleLog} as it arrives`);

    const script = linuxSmpConsoleScript();
    const r = await runOnPtyAsync(d.consoleArgv(), [...script.steps, { send: "\x1d" }], d.env, {
      // a guard against a guest that stopped, far beyond a boot on a busy 2-core machine: not a time limit
      guardSeconds: 20 * 60,
      logFile: d.consoleLog,
    });
    const context = `\n--- console (last 3000 characters):\n${r.output.slice(-3000)}\n--- emulator log:\n${d.emulatorLogTail()}`;
    expect(r.failed, context).toBeNull();
    expect(r.status, context).toBe(0);

    const s = script.read(r.output, r.marks);
    // the kernel's own account of the machine: the MP table, both processors, no fallback to the 8259
    expect(s.boot).toContain("found SMP MP-table at [mem 0x0009fc00-0x0009fc0f]");
    expect(s.boot).toContain("smpboot: Allowing 2 CPUs, 0 hotplug CPUs");
    expect(s.boot).toMatch(/IOAPIC\[0\]: apic_id 0, version 17, address 0xfec00000, GSI 0-23/);
    for (const e of LINUX_SMP_SESSION_EXPECTATIONS) expect(s[e.name], e.what).toMatch(e.pattern);
    expect(s.dmesgSmp, "the timer needed no fallback from the IOAPIC").not.toMatch(/MP-BIOS bug|trying to set up timer/);
    expect(s.text).not.toMatch(LINUX_CONSOLE_FAULTS);

    expect(d.virsh("destroy", NAME)).toEqual({ out: `Domain '${NAME}' destroyed\n\n`, err: "", status: 0 });
    expect(d.virsh("undefine", NAME)).toEqual({ out: `Domain '${NAME}' has been undefined\n\n`, err: "", status: 0 });

    const promptStep = script.steps.findIndex((st) => "expect" in st && st.expect.endsWith("# "));
    console.log(`Linux on two vCPUs through virsh console: the prompt after ${(r.times[promptStep] ?? 0).toFixed(1)} s; the whole test ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  });
});
