/**
 * The scripted Linux session as a terminal script: the steps a pty driver runs, and reading the outputs back from
 * what the terminal showed. A stand-in guest answers here with lines taken from a real session (virsh console on
 * the Debian guest), with the prompt's cursor query and the 80-column wrap of long command lines.
 */
import { describe, expect, it } from "vitest";
import {
  AFTER_REBOOT_COMMAND,
  type ConsoleStep,
  GUEST_WRITTEN_TEXT,
  LINUX_SESSION_COMMANDS,
  linuxConsoleScript,
  linuxSessionExpectations,
} from "./linux-boot-session.js";
import { DISK_HELLO, INIT_MARKER, SHELL_PROMPT } from "./linux-guest.js";

const PROMPT = `${SHELL_PROMPT}\x1b[6n`;
const BOOT = `[    0.000000] Linux version 6.1.0-50-686 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.176-1 (2026-07-02)\r
[    5.926329] virtio_blk virtio2: [vda] 32768 512-byte logical blocks (16.8 MB/16.0 MiB)\r
${INIT_MARKER}\r
\r
\r
BusyBox v1.35.0 (Debian 1:1.35.0-4+deb12u1+b1) built-in shell (ash)\r
Enter 'help' for a list of built-in commands.\r
\r
${PROMPT}`;

const ANSWERS: Record<string, string> = {
  "uname -a": "Linux virtkit 6.1.0-50-686 #1 SMP PREEMPT_DYNAMIC Debian 6.1.176-1 (2026-07-02) i686 GNU/Linux\r\n",
  "cat /proc/cpuinfo": "processor\t: 0\r\nvendor_id\t: GenuineIntel\r\ncpu family\t: 6\r\nmodel\t\t: 6\r\nmodel name\t: QEMU Virtual CPU version 2.5+\r\nstepping\t: 3\r\n\r\n",
  "cat /proc/interrupts": "           CPU0       \r\n  0:       5051    XT-PIC      timer\r\n  4:         93    XT-PIC      ttyS0\r\n 10:          5    XT-PIC      virtio0, virtio3\r\n 11:          4    XT-PIC      virtio2, virtio1\r\nNMI:          0   Non-maskable interrupts\r\n",
  "dmesg | grep -i virtio": "[    5.926329] virtio_blk virtio2: [vda] 32768 512-byte logical blocks (16.8 MB/16.0 MiB)\r\n",
  "cat /mnt/disk/hello.txt": DISK_HELLO.replace(/\n/g, "\r\n"),
  [AFTER_REBOOT_COMMAND]: "6.1.0-50-686\r\n",
};

/** The terminal of a guest that echoes each line (wrapped at 80 columns after the prompt) and answers it. */
function fakeConsole(steps: readonly ConsoleStep[], answer: (line: string) => string): { output: string; marks: number[] } {
  let output = "Connected to domain 'virtkit-linux'\r\nEscape character is ^] (Ctrl + ])\r\n" + BOOT;
  let pos = 0;
  const marks: number[] = [];
  for (const s of steps) {
    if ("expect" in s) {
      const k = output.indexOf(s.expect, pos);
      if (k < 0) break;
      pos = k + s.expect.length;
      marks.push(pos);
    } else {
      marks.push(output.length);
      const line = s.send.replace(/\r$/, "");
      const cut = 80 - SHELL_PROMPT.length;
      const echo = line.length > cut ? `${line.slice(0, cut)}\r\r\n${line.slice(cut)}` : line;
      output += line === "reboot -f" ? `${echo}\r\n[   61.5] reboot: Restarting system\r\n${BOOT}` : `${echo}\r\n${answer(line)}${PROMPT}`;
    }
  }
  return { output, marks };
}

function realAnswer(line: string): string {
  if (line.endsWith("&& echo mounted")) return "mounted\r\n";
  if (line.endsWith("&& echo unmounted")) return "unmounted\r\n";
  if (line.startsWith("cat /mnt/disk/guest")) return `${GUEST_WRITTEN_TEXT}\r\n`;
  return ANSWERS[line] ?? "";
}

describe("the Linux session as a console script", () => {
  const script = linuxConsoleScript();

  it("types every command of the session, reboots, and types one more command on the second boot", () => {
    const sent = script.steps.flatMap((s) => ("send" in s ? [s.send] : []));
    expect(sent).toEqual([...LINUX_SESSION_COMMANDS.map((c) => `${c.line}\r`), "reboot -f\r", `${AFTER_REBOOT_COMMAND}\r`]);
    // each line is typed only once the prompt (or the kernel, for the reboot) has been seen
    expect(script.steps.slice(0, 3)).toEqual([{ expect: "Linux version " }, { expect: INIT_MARKER }, { expect: SHELL_PROMPT }]);
  });

  it("reads each command's output back, also after an echo wrapped at 80 columns", () => {
    const { output, marks } = fakeConsole(script.steps, realAnswer);
    const r = script.read(output, marks);
    for (const e of linuxSessionExpectations("8259")) expect(r[e.name], e.what).toMatch(e.pattern);
    expect(r.mount).toBe("mounted\n");
    expect(r.diskWrite).toBe("unmounted\n");
    expect(r.afterReboot).toBe("6.1.0-50-686\n");
    expect(r.boot).toMatch(/^Connected to domain 'virtkit-linux'\n[^]*Linux version 6\.1\.0-50-686[^]*virtkit:~# $/);
    expect(r.reboot).toMatch(/^reboot -f\n\[ +61\.5\] reboot: Restarting system\n\[ +0\.000000\] Linux version [^]*virtkit:~# $/);
  });

  it("the expectations fail on another guest's answers", () => {
    const { output, marks } = fakeConsole(script.steps, (line) =>
      line === "cat /proc/cpuinfo" ? "model name\t: Intel(R) Core(TM) i7\r\n" : line === "cat /proc/interrupts" ? "  4:   93   IO-APIC   4-edge   ttyS0\r\n" : realAnswer(line),
    );
    const r = script.read(output, marks);
    const failing = linuxSessionExpectations("8259").filter((e) => !e.pattern.test(r[e.name])).map((e) => e.what);
    expect(failing).toEqual([
      "/proc/cpuinfo: the CPU model virtkit advertises",
      "/proc/interrupts: COM1 on IRQ 4 of the 8259",
      "/proc/interrupts: the virtio devices' interrupts",
    ]);
  });

  it("the IOAPIC machine's expectations hold for its /proc/interrupts and fail for the 8259 machine's", () => {
    // from a boot of the default machine (the kvm module's irqchip, one vCPU): tooling/guests/linux/boot-test.sh
    const ioapic = "           CPU0       \r\n  0:         62   IO-APIC   2-edge      timer\r\n  1:          9   IO-APIC   1-edge      i8042\r\n  2:          0    XT-PIC      cascade\r\n  4:        310   IO-APIC   4-edge      ttyS0\r\n  8:          0   IO-APIC   8-edge      rtc0\r\n 10:          5   IO-APIC  10-fasteoi   virtio3, virtio0\r\n 11:          1   IO-APIC  11-fasteoi   virtio2, virtio1\r\n 12:          3   IO-APIC  12-edge      i8042\r\nNMI:          0   Non-maskable interrupts\r\nLOC:       1746   Local timer interrupts\r\n";
    const read = (interrupts: string): ReturnType<typeof script.read> => {
      const { output, marks } = fakeConsole(script.steps, (line) => (line === "cat /proc/interrupts" ? interrupts : realAnswer(line)));
      return script.read(output, marks);
    };
    const failing = (r: ReturnType<typeof script.read>, controller: "ioapic" | "8259"): string[] =>
      linuxSessionExpectations(controller).filter((e) => !e.pattern.test(r[e.name])).map((e) => e.what);
    expect(failing(read(ioapic), "ioapic")).toEqual([]);
    expect(failing(read(ioapic), "8259")).toEqual(["/proc/interrupts: COM1 on IRQ 4 of the 8259", "/proc/interrupts: the virtio devices' interrupts"]);
    expect(failing(read(ANSWERS["cat /proc/interrupts"]!), "ioapic")).toEqual([
      "/proc/interrupts: the timer on IOAPIC pin 2",
      "/proc/interrupts: COM1 on IOAPIC pin 4",
      "/proc/interrupts: the virtio devices on IOAPIC pins, level-triggered",
      "/proc/interrupts: the local APIC timer ticks",
    ]);
  });

  it("refuses to read a session that stopped early", () => {
    const { output, marks } = fakeConsole(script.steps.slice(0, 5), realAnswer);
    expect(() => script.read(output, marks)).toThrow(`the console session stopped after step 5 of ${String(script.steps.length)}`);
  });
});
