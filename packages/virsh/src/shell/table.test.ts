// vsh-table layout: one space before every cell, columns padded to the widest cell plus two,
// a dash line of sum(width + 3), no padding after the last column, control characters shown
// as \xNN, and (C locale) every byte above 0x7f as virsh's truncated "\xff".
import { describe, expect, it } from "vitest";
import { VshTable, safeEncode } from "./table.js";

describe("vsh-table", () => {
  it("lays out `list` exactly as virsh does", () => {
    const t = new VshTable("Id", "Name", "State");
    t.add("1", "test", "running");
    t.add("-", "vk1", "shut off");
    expect(t.format(true, false)).toBe(" Id   Name   State\n-----------------------\n 1    test   running\n -    vk1    shut off\n");
  });

  it("keeps the trailing spaces of an empty last column and drops the header when quiet", () => {
    const t = new VshTable("Id", "Name", "State", "Title");
    t.add("1", "test", "running", "");
    expect(t.format(true, false)).toBe(" Id   Name   State     Title\n------------------------------\n 1    test   running   \n");
    // without the header its cells do not count for the widths
    expect(t.format(false, false)).toBe(" 1   test   running   \n");
  });

  it("escapes control characters and counts them four wide", () => {
    expect(safeEncode("a\tb", false)).toEqual({ text: "a\\x09b", width: 6 });
    expect(safeEncode("x\\xy", false)).toEqual({ text: "x\\x5cxy", width: 7 });
  });

  it("multibyte text: C locale shows bytes, a UTF-8 locale counts characters (wide ones twice)", () => {
    expect(safeEncode("é", false)).toEqual({ text: "\\xff\\xff", width: 8 });
    expect(safeEncode("é", true)).toEqual({ text: "é", width: 1 });
    expect(safeEncode("日本", true)).toEqual({ text: "日本", width: 4 });
  });
});
