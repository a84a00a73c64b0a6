import { describe, expect, it } from "vitest";
import { BootFailure, BootMilestones, lastLines } from "./boot-milestones.js";

const MARKER = "VIRTKIT-LINUX: initramfs up, virtio modules loaded";
const PROMPT = "virtkit:~# ";
const BANNER = "[    0.000000] Linux version 6.1.0-50-686 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0) #1 SMP PREEMPT_DYNAMIC Debian 6.1.176-1\r\n";
const BOOT = `SeaBIOS (version 1.16.2-debian-1.16.2-1)\r\n${BANNER}[    0.1] Zone ranges:\r\n[    2.7] Run /init as init process\r\n${MARKER}\r\n\r\nBusyBox v1.35.0 built-in shell (ash)\r\n${PROMPT}\x1b[6n`;

const at = (ms: number) => ({ wallMs: ms, cpuMs: ms / 2 });

describe("the boot milestones on the serial console", () => {
  it("stamps the banner, the marker and the prompt with the times of the chunk that completed each, and reads the kernel version", () => {
    const c = new BootMilestones(MARKER, PROMPT);
    const cut1 = BOOT.indexOf("Linux ver") + 5; // the banner split inside its fixed text
    const cut2 = BOOT.indexOf(MARKER) + 10;
    const cut3 = BOOT.indexOf(PROMPT) + 4;
    expect(c.feed(BOOT.slice(0, cut1), at(100))).toEqual([]);
    expect(c.feed(BOOT.slice(cut1, cut2), at(200))).toEqual(["banner"]);
    expect(c.next).toBe("marker");
    expect(c.feed(BOOT.slice(cut2, cut3), at(300))).toEqual(["marker"]);
    expect(c.done).toBe(false);
    expect(c.feed(BOOT.slice(cut3), at(400))).toEqual(["prompt"]);
    expect(c.done).toBe(true);
    // The banner counts from the chunk where its text was found whole.
    expect(c.reached).toEqual({ banner: at(200), marker: at(300), prompt: at(400) });
    expect(c.kernelVersion).toBe("Linux version 6.1.0-50-686");
    expect(c.record()).toEqual({ times: { banner: at(200), marker: at(300), prompt: at(400) }, kernelVersion: "Linux version 6.1.0-50-686" });
  });

  it("finds them when the console arrives one byte at a time (v86's serial0-output-byte), without CRs or escape sequences", () => {
    const c = new BootMilestones(MARKER, PROMPT);
    for (let i = 0; i < BOOT.length; i++) c.feed(BOOT[i]!, at(i));
    expect(c.reached.banner).toEqual(at(BOOT.indexOf("Linux version ") + "Linux version ".length - 1));
    expect(c.reached.marker).toEqual(at(BOOT.indexOf(MARKER) + MARKER.length - 1));
    expect(c.reached.prompt).toEqual(at(BOOT.indexOf(PROMPT) + PROMPT.length - 1));
    expect(c.transcript).not.toContain("\r");
    expect(c.transcript).not.toContain(String.fromCharCode(0x1b));
    expect(c.transcript).not.toContain("6n");
    expect(c.transcript.endsWith(PROMPT)).toBe(true);
  });

  it("removes an escape sequence split across chunks, so a pattern around it is still found", () => {
    const c = new BootMilestones(MARKER, PROMPT, "marker");
    c.feed(BANNER, at(1));
    c.feed("VIRTKIT-LINUX: init\x1b[1", at(2));
    c.feed(";31mramfs up, virtio modules loaded\n", at(3));
    expect(c.reached.marker).toEqual(at(3));
    expect(c.done).toBe(true);
  });

  it("takes the milestones in order: a prompt printed before the marker does not count", () => {
    const c = new BootMilestones(MARKER, PROMPT);
    c.feed(`${BANNER}${PROMPT}\n`, at(1));
    expect(c.reached.prompt).toBeUndefined();
    c.feed(`${MARKER}\n`, at(2));
    expect(c.reached.prompt).toBeUndefined();
    c.feed(PROMPT, at(3));
    expect(c.reached.prompt).toEqual(at(3));
  });

  it("can stop at the banner (the wiring test) and then has no whole record", () => {
    const c = new BootMilestones(MARKER, PROMPT, "banner");
    c.feed(BANNER, at(5));
    expect(c.done).toBe(true);
    expect(() => c.record()).toThrow(/stopped before the marker/);
  });

  it("reports a reset before the prompt (a second kernel banner: panic=-1 reboots) with the lines before it", () => {
    const c = new BootMilestones(MARKER, PROMPT);
    c.feed(BANNER, at(1));
    c.feed("[    3.1] Kernel panic - not syncing: VFS: Unable to mount root fs\r\n[    3.2] Rebooting in 1 seconds..\r\n", at(2));
    let error: unknown;
    try {
      c.feed(`SeaBIOS\r\n${BANNER}`, at(3));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BootFailure);
    expect((error as Error).message).toBe("the guest reset before the initramfs marker (a second kernel banner; kernel panic?): [    3.1] Kernel panic - not syncing: VFS: Unable to mount root fs / [    3.2] Rebooting in 1 seconds.. / SeaBIOS");
  });

  it("keeps its search window short however long the boot log is", () => {
    const c = new BootMilestones(MARKER, PROMPT);
    c.feed(BANNER, at(1));
    const line = "[    1.000000] a line of the boot log that is neither the marker nor the prompt\n";
    for (let i = 0; i < 2000; i++) c.feed(line, at(2));
    expect((c as unknown as { window: string }).window.length).toBeLessThan(MARKER.length + 14);
    expect(c.transcript.length).toBe(BANNER.length - 1 + 2000 * line.length);
  });

  it("names the last console lines, or says there were none", () => {
    expect(lastLines("a\n\n b \nc\n", 2)).toBe("b / c");
    expect(lastLines("\n \n", 3)).toBe("(nothing on the serial console)");
  });
});
