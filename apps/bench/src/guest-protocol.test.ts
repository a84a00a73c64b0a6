import { describe, expect, it } from "vitest";
import { GuestProtocol } from "./guest-protocol.js";

function feed(p: GuestProtocol, s: string): (string | null)[] {
  const out: (string | null)[] = [];
  for (let i = 0; i < s.length; i++) out.push(p.byte(s.charCodeAt(i)));
  return out;
}

describe("the benchmark ROM's port 0xE9 protocol", () => {
  it("reports the start and end markers and the register line", () => {
    const p = new GuestProtocol();
    const events = feed(p, "SE00000053 00000000 00000000 00000000 00000000 00000000 00000000\n");
    expect(events.filter((e) => e !== null)).toEqual(["start", "end", "registers"]);
    expect(p.registers).toBe("00000053 00000000 00000000 00000000 00000000 00000000 00000000");
    expect(p.done).toBe(true);
  });
  it("rejects a byte where a marker belongs, naming what it expected", () => {
    expect(() => feed(new GuestProtocol(), "?")).toThrow(/printed "\?" where the benchmark protocol expects 'S'/);
    expect(() => feed(new GuestProtocol(), "Sx")).toThrow(/expects 'E'/);
  });
  it("rejects a malformed register line", () => {
    expect(() => feed(new GuestProtocol(), "SE1234\n")).toThrow(/malformed register line: "1234"/);
  });
});
