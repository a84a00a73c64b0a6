import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { QmpClient, qemuSystemMain } from "@virtkit/qemu";
import { describe, expect, it } from "vitest";
import { CPU_GUESTS, QEMU_GUESTS, runVirtkit, withoutCpuWarnings } from "./testing/run.js";

const CHILD = fileURLToPath(new URL("./testing/cli-child.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "virtkit-cli-"));

/** The HMP monitor on stdio of a machine stopped before its firmware (-S): types `commands` and quit; what it printed. */
async function monitorSession(machine: string[], commands: string[]): Promise<string> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on("data", (d: Buffer) => chunks.push(d));
  const stderr = new PassThrough();
  stderr.resume();
  const status = qemuSystemMain([...machine, "-nodefaults", "-display", "none", "-S", "-bios", `${CPU_GUESTS}hello.bin`, "-monitor", "stdio"], { stdin, stdout, stderr });
  await new Promise((r) => setTimeout(r, 50));
  stdin.write([...commands, "quit", ""].join("\n"));
  expect(await status).toBe(0);
  return Buffer.concat(chunks).toString("latin1");
}

describe("qemu-system-i386 options", () => {
  it("exits with isa-debug-exit's (value << 1) | 1 and honours iobase/iosize", async () => {
    const r = await runVirtkit(["-M", "isapc", "-nodefaults", "-display", "none", "-bios", `${CPU_GUESTS}hello.bin`, "-debugcon", "stdio", "-device", "isa-debug-exit,iobase=0x501,iosize=2"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain("hello from real mode");
    const p = await runVirtkit(["-M", "pc", "-nodefaults", "-display", "none", "-bios", `${QEMU_GUESTS}pc-devices.bin`, "-device", "isa-debug-exit", "-debugcon", "null", "-serial", "null"]);
    expect(p.status).toBe(0x43);
  });

  it("kernel_irqchip=on (-machine or -accel kvm,kernel-irqchip=on) runs pc-devices to the same output, and HMP info pic reads the kernel's PIC", async () => {
    const want = readFileSync(`${QEMU_GUESTS}expected/pc-devices.debugcon.txt`, "latin1");
    for (const opts of [["-machine", "pc,kernel_irqchip=on"], ["-M", "pc", "-accel", "kvm,kernel-irqchip=on"]]) {
      const r = await runVirtkit([...opts, "-m", "32", "-nodefaults", "-display", "none", "-bios", `${QEMU_GUESTS}pc-devices.bin`, "-device", "isa-debug-exit", "-debugcon", "stdio", "-serial", "null"]);
      expect(r.status).toBe(0x43);
      expect(r.stdout).toBe(want);
    }
    const monitor = await monitorSession(["-M", "pc,kernel_irqchip=on"], ["info pic"]);
    // Before the firmware runs, the chips are as KVM_CREATE_IRQCHIP made them (kvm_ioapic_reset: every
    // redirection entry masked; kvm_pic_reset), the kvm-ioapic listed first as in QEMU's QOM tree.
    const masked = Array.from({ length: 24 }, (_, i) => `  pin ${String(i).padEnd(2)} 0x0000000000010000 dest=0 vec=0   active-hi edge  masked fixed  physical\r\n`).join("");
    expect(monitor).toContain(
      `(qemu) info pic\r\nioapic0: ver=0x11 id=0x00 sel=0x00\r\n${masked}  IRR      (none)\r\n  Remote IRR (none)\r\n` +
        "pic1: irr=00 imr=00 isr=00 hprio=0 irq_base=00 rr_sel=0 elcr=00 fnm=0\r\npic0: irr=00 imr=00 isr=00 hprio=0 irq_base=00 rr_sel=0 elcr=00 fnm=0\r\n",
    );
  });

  it("HMP info pic on isapc shows the PICs only: QEMU creates no ioapic device without PCI, though the kernel has one", async () => {
    expect(await monitorSession(["-M", "isapc"], ["info pic"])).toContain(
      "(qemu) info pic\r\npic1: irr=00 imr=00 isr=00 hprio=0 irq_base=00 rr_sel=0 elcr=00 fnm=0\r\npic0: irr=00 imr=00 isr=00 hprio=0 irq_base=00 rr_sel=0 elcr=00 fnm=0\r\n(qemu) ",
    );
  });

  it("prints -version, -machine help and -d help as QEMU does", async () => {
    expect((await runVirtkit(["-version"])).stdout).toBe("QEMU emulator version 7.2.0 (virtkit-0.1.0)\nCopyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n");
    const m = await runVirtkit(["-machine", "help"]);
    expect(m.stdout).toBe(
      "Supported machines are:\npc                   Standard PC (i440FX + PIIX, 1996) (alias of pc-i440fx-7.2)\npc-i440fx-7.2        Standard PC (i440FX + PIIX, 1996) (default)\nisapc                ISA-only PC\n",
    );
    expect(m.status).toBe(0);
    const d = await runVirtkit(["-d", "help"]);
    expect(d.stdout.startsWith("Log items (comma separated):\nout_asm         show generated host assembly code for each compiled TB\n")).toBe(true);
    expect(d.status).toBe(1);
  });

  it("refuses what virtkit does not implement with a specific message", async () => {
    const r = await runVirtkit(["-accel", "tcg"]);
    expect(r.stderr).toBe("qemu-system-i386: -accel tcg: invalid accelerator tcg\n");
    expect(withoutCpuWarnings((await runVirtkit(["-device", "virtio-blk-pci"])).stderr)).toBe("qemu-system-i386: -device virtio-blk-pci: drive property not set\n");
    expect(withoutCpuWarnings((await runVirtkit(["-device", "virtio-balloon-pci"])).stderr)).toBe("qemu-system-i386: -device virtio-balloon-pci: device 'virtio-balloon-pci' is not supported by virtkit yet\n");
    expect(withoutCpuWarnings((await runVirtkit(["-nic", "user"])).stderr)).toBe("qemu-system-i386: -nic user: nic model 'e1000' is not supported by virtkit (use model=virtio-net-pci)\n");
    expect((await runVirtkit(["-net", "user"])).stderr).toBe("qemu-system-i386: -net user: -net user (legacy hub networking) is not supported by virtkit; use -netdev and -device, or -nic\n");
    // Split mode needs KVM_CAP_SPLIT_IRQCHIP, which the kvm module does not offer (QEMU's kvm_arch_irqchip_create message).
    expect((await runVirtkit(["-machine", "pc,kernel_irqchip=split", "-nodefaults", "-bios", `${CPU_GUESTS}hello.bin`])).stderr).toBe(
      "qemu-system-i386: Could not enable split irqchip mode: Invalid argument\n",
    );
    expect((await runVirtkit(["-sandbox", "on"])).stderr).toBe("qemu-system-i386: -sandbox: this option is not supported by virtkit\n");
  });

  it("starts paused with -S and takes HMP commands on -monitor stdio", async () => {
    const text = await monitorSession(["-M", "pc", "-name", "vm0"], ["info status", "info name", "c", "info status"]);
    expect(text).toBe(
      "QEMU 7.2.0 monitor - type 'help' for more information\r\n(qemu) info status\r\nVM status: paused (prelaunch)\r\n(qemu) info name\r\nvm0\r\n(qemu) c\r\n(qemu) info status\r\nVM status: running\r\n(qemu) quit\r\n",
    );
  });

  it("writes the pid file and removes it at exit", async () => {
    const pidfile = join(dir, "qemu.pid");
    const stdout = new PassThrough();
    stdout.resume();
    const seen: string[] = [];
    const status = qemuSystemMain(["-M", "isapc", "-nodefaults", "-display", "none", "-bios", `${CPU_GUESTS}hello.bin`, "-pidfile", pidfile, "-device", "isa-debug-exit"], {
      stdout,
      stderr: stdout,
    });
    const poll = setInterval(() => {
      if (existsSync(pidfile)) seen.push(readFileSync(pidfile, "utf8"));
    }, 1);
    expect(await status).toBe(1);
    clearInterval(poll);
    expect(seen.length === 0 || seen[0] === `${process.pid}\n`).toBe(true);
    expect(existsSync(pidfile)).toBe(false);
  });
});

describe("process behaviour", () => {
  it("-daemonize returns once the machine is up; the daemon answers QMP and quits", async () => {
    const sock = join(dir, "d.sock");
    const pidfile = join(dir, "d.pid");
    const parent = spawn(process.execPath, [CHILD, "-M", "pc", "-nodefaults", "-display", "none", "-bios", `${CPU_GUESTS}hello.bin`, "-qmp", `unix:${sock},server=on,wait=off`, "-pidfile", pidfile, "-daemonize"], { stdio: "ignore" });
    const code = await new Promise((r) => parent.once("exit", r));
    expect(code).toBe(0);
    const pid = Number(readFileSync(pidfile, "utf8"));
    expect(pid).not.toBe(parent.pid);
    const qmp = await QmpClient.connect({ path: sock });
    await qmp.execute("qmp_capabilities");
    expect((await qmp.execute("query-status")).return).toMatchObject({ status: "running" });
    await qmp.execute("quit");
    await qmp.closed();
  });

  it("a signal ends the emulator with QEMU's message, a host-signal SHUTDOWN and status 0", async () => {
    const sock = join(dir, "s.sock");
    const child = spawn(process.execPath, [CHILD, "-M", "pc", "-nodefaults", "-display", "none", "-bios", `${CPU_GUESTS}hello.bin`, "-qmp", `unix:${sock},server=on,wait=off`], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    let qmp: QmpClient | undefined;
    for (let i = 0; i < 200 && qmp === undefined; i++) {
      try {
        qmp = await QmpClient.connect({ path: sock });
      } catch {
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    await qmp!.execute("qmp_capabilities");
    child.kill("SIGTERM");
    const code = await new Promise((r) => child.once("exit", r));
    await qmp!.closed();
    expect(code).toBe(0);
    expect(stderr).toContain("qemu-system-i386: terminating on signal 15\n");
    expect(qmp!.events.at(-1)).toMatchObject({ event: "SHUTDOWN", data: { guest: false, reason: "host-signal" } });
  });
});
