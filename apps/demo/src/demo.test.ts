// The demo end to end as CI runs it: the built CLI with stdin not a terminal, so it types its own
// script into the guest's console; everything runs on this repository's code (virsh, the embedded
// qemu driver, qemu-system-i386, the kvm module, the CPU).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { virshMain, BufferIO } from "@virtkit/virsh";
import { DISK_HELLO, tryBuildLinuxGuest } from "@virtkit/guests";

const CLI = join(dirname(fileURLToPath(import.meta.url)), "../dist/cli.js");

/**
 * Runs the demo CLI to its end; stdin is /dev/null, as in CI. `during` sees the output so far
 * and the process (to signal it).
 */
function demo(args: string[], during?: (out: () => string, p: ChildProcess) => Promise<void>): Promise<{ out: string; err: string; status: number | null; signal: string | null }> {
  return new Promise((resolve, reject) => {
    // the bundled guest unless a test asks for another: "auto" would boot Linux wherever it is built
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"], env: { VIRTKIT_DEMO_GUEST: "bundled", ...process.env, LC_ALL: "C" } });
    let out = "";
    let err = "";
    p.stdout.setEncoding("latin1").on("data", (d: string) => (out += d));
    p.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
    p.on("error", reject);
    p.on("close", (status, signal) => {
      resolve({ out, err, status, signal });
    });
    during?.(() => out, p).catch(reject);
  });
}

const hasScript = spawnSync("sh", ["-c", "command -v script"], { stdio: "ignore" }).status === 0;
const linux = tryBuildLinuxGuest();
if (linux.paths === undefined) console.warn(`virtkit-demo: skipping the Linux demo: the Debian guest cannot be assembled here: ${linux.why ?? ""}`);
if (!hasScript) console.warn("virtkit-demo: skipping the terminal test: missing script (util-linux) to give the demo a pty");

/** Polls until `f()` (a hang guard bound, not a timing check); the message is built at failure. */
async function until(f: () => boolean, what: () => string): Promise<void> {
  const end = Date.now() + 30_000;
  for (;;) {
    if (f()) return;
    if (Date.now() >= end) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("virtkit-demo", () => {
  it("without a terminal: defines, starts and lists the guest with virsh, types help/info/disk/write/read into its console, destroys and undefines it", async () => {
    const r = await demo([]);
    expect(r.err).toBe("");
    expect(r.status).toBe(0);
    const root = /everything under (\S+)\n/.exec(r.out)?.[1] ?? "";
    expect(root).not.toBe("");
    const uri = `'qemu:///embed?root=${root}'`;
    // each virsh command is shown as typed, followed by virsh's own output
    expect(r.out).toContain(`$ virsh -c ${uri} define ${root}/demo/demo.xml\nDomain 'demo' defined from ${root}/demo/demo.xml\n\n`);
    expect(r.out).toContain(`$ virsh -c ${uri} start demo\nDomain 'demo' started\n\n`);
    expect(r.out).toContain(`$ virsh -c ${uri} list\n Id   Name   State\n----------------------\n 1    demo   running\n\n`);
    expect(r.out).toContain(`$ virsh -c ${uri} console demo\n`);
    // the guest booted from the bundled kernel, found its virtio disk, and answered every line
    expect(r.out).toContain(
      "virtkit demo guest: 32-bit protected mode, booted by multiboot\r\n" +
        "memory: 32 MiB\r\n" +
        "virtio-blk: 2048 sectors\r\n" +
        "disk says: hello from the virtkit demo disk\r\n" +
        "ready; type 'help'\r\n" +
        "demo> help\r\ncommands: help, info, disk, read, write TEXT, reboot, halt\r\n" +
        "demo> info\r\ncpu: QEMU Virtual CPU version 2.5+\r\nmemory: 32 MiB\r\n" +
        "demo> disk\r\ndisk says: hello from the virtkit demo disk\r\n" +
        "demo> write hello-from-the-demo\r\nwritten to sector 1\r\n" +
        "demo> read\r\nsector 1: hello-from-the-demo\r\n" +
        "demo> ",
    );
    expect(r.out).toContain(`$ virsh -c ${uri} destroy demo\nDomain 'demo' destroyed\n\n`);
    expect(r.out).toContain(`$ virsh -c ${uri} undefine demo\nDomain 'demo' has been undefined\n\n`);
    expect(r.out.endsWith("virtkit demo: done (its temporary root is removed)\n")).toBe(true);
    expect(existsSync(root)).toBe(false);
  });

  it("--root keeps the driver's files: the guest's write is on the disk image, its console log is there, and no domain is left", async () => {
    const root = join(mkdtempSync(join(tmpdir(), "vdemo-")), "r");
    const r = await demo(["--root", root]);
    expect(r.err).toBe("");
    expect(r.status).toBe(0);
    expect(r.out.endsWith(`virtkit demo: done; the root ${root} is kept\n`)).toBe(true);
    const disk = readFileSync(join(root, "demo/demo.img"));
    expect(disk.length).toBe(1 << 20);
    expect(disk.toString("latin1", 0, 33)).toBe("hello from the virtkit demo disk\n");
    // `write hello-from-the-demo` went through virtio-blk into sector 1 of the raw image
    expect(disk.toString("latin1", 512, 512 + 20)).toBe("hello-from-the-demo\n");
    expect(readFileSync(join(root, "log/qemu/demo-serial0.log"), "latin1")).toContain("sector 1: hello-from-the-demo\r\n");
    expect(readdirSync(join(root, "etc/qemu")).filter((f) => f.endsWith(".xml"))).toEqual([]);
    const io = new BufferIO();
    expect(await virshMain(["-c", `qemu:///embed?root=${root}`, "list", "--all", "--name"], { io })).toBe(0);
    expect(io.out).toBe("\n");
  });

  it("--type chooses the lines; Ctrl+C while the guest does not answer stops typing and still destroys and undefines it", async () => {
    const r = await demo(["--type", "info", "--type", "halt"], async (out, p) => {
      // 'halt' leaves the guest stopped without a prompt: the demo waits for one
      await until(() => out().includes("demo> halt\r\nhalted\r\n"), () => `the guest halting: ${JSON.stringify(out())}`);
      p.kill("SIGINT");
    });
    expect(r.err).toBe("");
    expect(r.out).toContain("and types: info, halt\n");
    expect(r.out).toContain("\nvirtkit demo: stopping: interrupted by SIGINT while waiting for the answer to 'halt'\n");
    expect(r.out).toContain("destroy demo\nDomain 'demo' destroyed\n\n");
    expect(r.out).toContain("undefine demo\nDomain 'demo' has been undefined\n\n");
    expect(r.status).toBe(130);
    const root = /everything under (\S+)\n/.exec(r.out)?.[1] ?? "";
    expect(existsSync(root)).toBe(false);
  });

  it("refuses an unknown option with its usage", async () => {
    const r = await demo(["--bogus"]);
    expect(r.status).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^virtkit-demo: unrecognized option '--bogus'\nUsage: virtkit-demo \[--guest auto\|linux\|bundled\] \[--root DIR\] \[--scripted\] \[--type LINE\]\.\.\.\n/);
    const g = await demo(["--guest", "windows"]);
    expect([g.status, g.err.split("\n")[0]]).toEqual([2, "virtkit-demo: option '--guest' needs auto, linux or bundled"]);
  });

  it.skipIf(linux.paths === undefined)("--guest linux: Debian's Linux on two vCPUs boots to its shell, answers the scripted commands, and is destroyed and undefined", { timeout: 40 * 60_000 }, async () => {
    const r = await demo(["--guest", "linux"]);
    expect(r.err).toBe("");
    expect(r.status, r.out.slice(-3000)).toBe(0);
    const root = /everything under (\S+)\n/.exec(r.out)?.[1] ?? "";
    const uri = `'qemu:///embed?root=${root}'`;
    expect(r.out).toContain("virtkit demo: Debian's i386 Linux (two vCPUs) on libvirt's embedded qemu driver");
    expect(r.out).toContain("<vcpu>2</vcpu>");
    expect(r.out).toContain("<ioapic driver='kvm'/>");
    expect(r.out).toContain(`$ virsh -c ${uri} start demo\nDomain 'demo' started\n\n`);
    // busybox's shell asks the terminal for the cursor position (ESC [6n) after each prompt
    // eslint-disable-next-line no-control-regex
    const text = r.out.replace(/\r/g, "").replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
    expect(text).toMatch(/Linux version 6\.1\.0-50-686 /);
    expect(text).toMatch(/virtkit:~# uname -a\nLinux virtkit 6\.1\.0-50-686 #1 SMP PREEMPT_DYNAMIC Debian [^\n]* i686 GNU\/Linux\n/);
    expect(text).toContain("virtkit:~# grep -m1 'model name' /proc/cpuinfo\nmodel name\t: QEMU Virtual CPU version 2.5+\n");
    expect(text).toContain("virtkit:~# grep -c ^processor /proc/cpuinfo\n2\n");
    expect(text).toContain(`&& umount /mnt\n${DISK_HELLO}`);
    expect(r.out).toContain(`$ virsh -c ${uri} undefine demo\nDomain 'demo' has been undefined\n\n`);
    expect(r.out.endsWith("virtkit demo: done (its temporary root is removed)\n")).toBe(true);
  });

  it.skipIf(!hasScript)("on a terminal: the person types into virsh console, Ctrl+] leaves it, and the demo cleans up", async () => {
    const p = spawn("script", ["-qfec", `${process.execPath} ${CLI} --guest bundled`, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C" } });
    let out = "";
    p.stdout.setEncoding("latin1").on("data", (d: string) => (out += d));
    p.stderr.setEncoding("latin1").on("data", (d: string) => (out += d));
    const exited = new Promise<number | null>((r) => p.once("close", r));
    const shown = (): string => `the terminal: ${JSON.stringify(out)}`;
    await until(() => out.includes("Escape character is ^] (Ctrl + ])\r\n") && out.includes("demo> "), shown);
    expect(out).toContain("# write SOME-TEXT, read. Leave the console with Ctrl+] (the demo then stops the guest).");
    // virsh console made the terminal raw before it opened the stream whose backlog showed the prompt
    p.stdin.write("disk\r");
    await until(() => out.includes("demo> disk\r\ndisk says: hello from the virtkit demo disk\r\ndemo> "), shown);
    p.stdin.write("\x1d");
    expect(await exited).toBe(0);
    expect(out).toContain("Domain 'demo' has been undefined");
    expect(out).toContain("virtkit demo: done (its temporary root is removed)");
  });
});
