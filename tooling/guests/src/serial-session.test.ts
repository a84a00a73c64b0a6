/**
 * Reading a serial console like a person: escape sequences dropped, and a command's output separated from the
 * shell's echo of it — also when busybox wrapped the echo at 80 columns (the bytes below are what virsh console
 * showed from the Linux guest).
 */
import { describe, expect, it } from "vitest";
import { commandOutput, consoleText } from "./serial-session.js";

const ESC = "\x1b";

describe("serial console text", () => {
  it("drops the cursor query busybox sends with each prompt, and the CRs", () => {
    expect(consoleText(`virtkit:~# ${ESC}[6nuname -a\r\nLinux virtkit\r\n`)).toBe("virtkit:~# uname -a\nLinux virtkit\n");
  });

  it("takes a command's output after its echo", () => {
    expect(commandOutput("uname -a\nLinux virtkit 6.1.0-50-686\n", "uname -a")).toBe("Linux virtkit 6.1.0-50-686\n");
    expect(commandOutput("mount -t ext2 /dev/vda /mnt/disk\n", "mount -t ext2 /dev/vda /mnt/disk")).toBe("");
  });

  it("finds the end of an echo the line editor wrapped at 80 columns", () => {
    const line = "echo written-by-the-guest > /mnt/x.txt && sync && umount /mnt/disk && echo unmounted";
    const shown = consoleText(`${line.slice(0, 69)}\r\r\n${line.slice(69)}\r\numount: can't unmount /mnt/disk: No such file or directory\r\n`);
    expect(commandOutput(shown, line)).toBe("umount: can't unmount /mnt/disk: No such file or directory\n");
    // without the command line only the first line is known to be the echo
    expect(commandOutput(shown)).toBe(" echo unmounted\numount: can't unmount /mnt/disk: No such file or directory\n");
  });

  it("falls back to the first line when the echo is not the command typed", () => {
    expect(commandOutput("uname -r\n6.1.0-50-686\n", "uname -a")).toBe("6.1.0-50-686\n");
  });
});
