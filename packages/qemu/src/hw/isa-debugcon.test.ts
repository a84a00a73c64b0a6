import { describe, expect, it } from "vitest";
import { RingbufChardev } from "../chardev/chardev-ringbuf.js";
import { IsaDebugcon } from "./isa-debugcon.js";

describe("isa-debugcon", () => {
  it("sends port 0xE9 writes to its character backend and reads back 0xE9", () => {
    const chardev = new RingbufChardev("dbg", 256);
    const con = new IsaDebugcon({ chardev });
    expect(con.iobase).toBe(0xe9);
    for (const ch of "SeaBIOS\n") {
      con.write(0, 1, ch.charCodeAt(0));
    }
    expect(new TextDecoder().decode(chardev.read())).toBe("SeaBIOS\n");
    expect(con.read(0, 1)).toBe(0xe9);
    expect(new IsaDebugcon({ readback: 0x42 }).read(0, 1)).toBe(0x42);
  });
});
