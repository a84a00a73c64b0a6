import { describe, expect, it } from "vitest";
import { PostCodePort } from "./post-code-port.js";

describe("port 0x80 POST code sink", () => {
  it("records the last code and reads back all ones like QEMU", () => {
    const seen: number[] = [];
    const port = new PostCodePort((c) => seen.push(c));
    expect(port.lastCode).toBe(-1);
    port.write(0, 1, 0x12);
    port.write(0, 1, 0x1ab);
    expect(port.lastCode).toBe(0xab);
    expect(seen).toEqual([0x12, 0xab]);
    expect(port.read(0, 1)).toBe(0xff);
    expect(port.read(0, 2)).toBe(0xffff);
    const copy = new PostCodePort();
    copy.fromState(port.state());
    expect(copy.state()).toEqual({ lastCode: 0xab, writes: 2 });
  });
});
