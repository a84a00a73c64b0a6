// The main demo, as a person would do it with virsh on the embedded qemu driver
// (qemu:///embed?root=DIR: libvirt's qemu driver running inside the virsh process, everything it
// keeps under DIR): write the domain XML for the bundled guest and a disk for it, `virsh define`,
// `virsh start`, `virsh list`, `virsh console` — typed by the person on a terminal, or by the demo
// itself without one — then `virsh destroy` and `virsh undefine`.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ConsoleScriptError, DEFAULT_CONSOLE_SCRIPT, runConsoleScript } from "./console-script.js";
import { createDemoDisk, demoDomainXML, DEMO_DISK_BYTES } from "./demo-guest.js";
import { tryBuildLinuxGuest } from "@virtkit/guests";
import { LINUX_CONSOLE_SCRIPT, LINUX_PROMPT, linuxDemoDomain } from "./linux-demo-guest.js";

/**
 * Which guest the demo boots: Debian's Linux (built from Debian's packages on first use, where apt
 * works), the bundled guest, or "auto": Linux when it is available, else the bundled guest.
 */
export type DemoGuest = "auto" | "linux" | "bundled";

/** A Linux boot to its prompt on a busy 2-core machine takes a few minutes: a hang guard, not a time limit. */
const LINUX_FIRST_PROMPT_GUARD_MS = 20 * 60_000;
import { VirshStepFailed, VirshSteps } from "./virsh-steps.js";

export interface DemoOptions {
  /** The embedded driver's root; a fresh temporary directory (removed afterwards) when absent. */
  root?: string;
  /** Type into the console yourself (stdin must be a terminal), or let the demo type `script`. */
  interactive: boolean;
  /** The lines the demo types when not interactive. */
  script?: readonly string[];
  /** The domain's name. */
  name?: string;
  /** The guest (default "auto"). */
  guest?: DemoGuest;
  /** Where the demo's own lines and the scripted console's output go. */
  write: (text: string | Uint8Array) => void;
}

export interface DemoResult {
  status: number;
  root: string;
  /** What the scripted console showed (empty when interactive). */
  console: string;
}

/** The `$ cat FILE` of a file the demo wrote, so the reader sees what virsh is given. */
function showFile(write: (t: string) => void, path: string, text: string): void {
  write(`$ cat ${path}\n${text}`);
}

export async function runDemo(o: DemoOptions): Promise<DemoResult> {
  const say = (t: string): void => {
    o.write(t);
  };
  const ownRoot = o.root === undefined;
  // short: unix socket paths under the root must stay below 108 bytes
  const root = o.root !== undefined ? resolve(o.root) : mkdtempSync(join(tmpdir(), "virtkit-demo-"));
  const name = o.name ?? "demo";
  const uri = `qemu:///embed?root=${root}`;
  const virsh = new VirshSteps({ uri, write: say, istty: o.interactive });
  const files = join(root, "demo");
  mkdirSync(files, { recursive: true });
  const disk = join(files, `${name}.img`);
  const xmlFile = join(files, `${name}.xml`);
  let defined = false;
  let consoleText = "";
  let status = 0;
  // Ctrl+C while the demo types for you: stop typing, then still destroy and undefine the guest
  // (its emulator is a process of its own and would otherwise keep running)
  const interrupt = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => {
    interrupt.abort(`interrupted by ${sig}`);
  };
  if (!o.interactive) for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, onSignal);
  const check = (): void => {
    if (interrupt.signal.aborted) throw new ConsoleScriptError(String(interrupt.signal.reason));
  };

  // Linux when it is there (or can be built here), else the bundled guest
  const wanted = o.guest ?? "auto";
  // the guest's files, or why this machine cannot have them (no apt, no network, not Debian)
  const linux = wanted === "bundled" ? {} : tryBuildLinuxGuest();
  if (wanted === "linux" && linux.paths === undefined) {
    say(`virtkit demo: the Linux guest is not available here: ${linux.why ?? ""}\n`);
    if (ownRoot) rmSync(root, { recursive: true, force: true });
    return { status: 1, root, console: "" };
  }
  const guest = linux.paths;
  say(`virtkit demo: ${guest !== undefined ? "Debian's i386 Linux (two vCPUs)" : "the bundled guest"} on libvirt's embedded qemu driver, everything under ${root}\n`);
  if (guest === undefined && wanted === "auto") say(`# (Debian's Linux guest is not available here: ${linux.why ?? ""}; tooling/guests/linux/README.md says how to provide it)\n`);
  say("\n");
  try {
    let xml: string;
    if (guest !== undefined) {
      xml = linuxDemoDomain(guest, name, disk);
      say(`# the kernel, initramfs and ext2 disk from tooling/guests/linux (built from Debian's packages); the disk copied to ${disk}\n`);
    } else {
      createDemoDisk(disk);
      say(`# a ${String(DEMO_DISK_BYTES >> 20)} MiB raw disk for the guest: ${disk}\n`);
      xml = demoDomainXML({ name, disk });
    }
    writeFileSync(xmlFile, xml);
    showFile(say, xmlFile, xml);
    say("\n");
    check();
    await virsh.must(["define", xmlFile]);
    defined = true;
    check();
    await virsh.must(["start", name]);
    check();
    await virsh.must(["list"]);
    check();
    if (o.interactive) {
      say(
        guest !== undefined
          ? "# You are about to type into the guest's serial console. Linux boots first (a minute or two);\n" +
              "# at the prompt try: uname -a, cat /proc/cpuinfo, cat /proc/interrupts, dmesg | less.\n" +
              "# Leave the console with Ctrl+] (the demo then stops the guest).\n"
          : "# You are about to type into the guest's serial console. Try: help, info, disk,\n" +
              "# write SOME-TEXT, read. Leave the console with Ctrl+] (the demo then stops the guest).\n",
      );
      await virsh.must(["console", name]);
      say("\n");
    } else {
      const lines = o.script ?? (guest !== undefined ? LINUX_CONSOLE_SCRIPT : DEFAULT_CONSOLE_SCRIPT);
      say(`$ ${virsh.commandLine(["console", name])}\n`);
      say(
        "# stdin is not a terminal and virsh console needs one, so the demo opens the same console\n" +
          `# stream (virDomainOpenConsole) and types: ${lines.join(", ")}\n`,
      );
      consoleText = await runConsoleScript({
        uri, domain: name, lines, output: (chunk) => { o.write(chunk); }, signal: interrupt.signal,
        ...(guest !== undefined ? { prompt: LINUX_PROMPT, firstPromptGuardMs: LINUX_FIRST_PROMPT_GUARD_MS } : {}),
      });
      say("\n# (the session ends as Ctrl+] would end virsh console)\n");
    }
  } catch (e) {
    status = interrupt.signal.aborted ? 130 : 1;
    if (e instanceof VirshStepFailed) say(`virtkit demo: stopping: ${e.message}\n`);
    else if (e instanceof ConsoleScriptError) say(`\nvirtkit demo: stopping: ${e.message}\n`);
    else throw e;
  } finally {
    for (const sig of ["SIGINT", "SIGTERM"] as const) process.off(sig, onSignal);
    if (defined) {
      // the guest goes away whatever happened above
      if ((await virsh.run(["destroy", name])) !== 0 && status === 0) status = 1;
      if ((await virsh.run(["undefine", name])) !== 0 && status === 0) status = 1;
    }
    if (ownRoot) rmSync(root, { recursive: true, force: true });
  }
  if (status === 0) say(ownRoot ? "virtkit demo: done (its temporary root is removed)\n" : `virtkit demo: done; the root ${root} is kept\n`);
  return { status, root, console: consoleText };
}
