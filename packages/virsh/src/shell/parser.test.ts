// The vsh parser and tokenizer: option matching rules, positional filling, aliases, quoting and
// the error messages virsh prints for each kind of bad command line (each message below was
// taken from the real virsh 9.0).
import { describe, expect, it } from "vitest";
import type { CmdDef } from "./command-def.js";
import { parseCommands } from "./parser.js";
import { ArgvTokens, StringTokens } from "./tokenizer.js";

const noop = (): boolean => true;
const CMDS: CmdDef[] = [
  {
    name: "setmem",
    help: "",
    desc: "",
    opts: [
      { name: "domain", type: "data", required: true, help: "" },
      { name: "kilobytes", type: "alias", help: "size" },
      { name: "size", type: "int", required: true, help: "" },
      { name: "live", type: "bool", help: "" },
    ],
    handler: noop,
  },
  {
    name: "echo",
    help: "",
    desc: "",
    opts: [
      { name: "shell", type: "bool", help: "" },
      { name: "hi", type: "alias", help: "string=hello" },
      { name: "string", type: "argv", help: "" },
    ],
    handler: noop,
  },
  {
    name: "dumpxml",
    help: "",
    desc: "",
    opts: [
      { name: "domain", type: "data", required: true, help: "" },
      { name: "xpath", type: "string", needName: true, help: "" },
    ],
    handler: noop,
  },
  { name: "help", help: "", desc: "", opts: [{ name: "command", type: "string", help: "" }], handler: noop },
];
const lookup = { find: (n: string) => CMDS.find((c) => c.name === n) };

function parse(words: string[] | string): { cmds: { name: string; opts: [string, string | null][] }[] | null; errors: string[] } {
  const errors: string[] = [];
  const src = typeof words === "string" ? new StringTokens(words) : new ArgvTokens(words);
  const r = parseCommands(src, lookup, (m) => errors.push(m));
  return { cmds: r ? r.map((c) => ({ name: c.name, opts: c.opts.map((o) => [o.def.name, o.data]) })) : null, errors };
}

describe("option parsing", () => {
  it("fills positional options in table order and accepts --opt value and --opt=value", () => {
    expect(parse(["setmem", "vm", "1024"]).cmds).toEqual([{ name: "setmem", opts: [["domain", "vm"], ["size", "1024"]] }]);
    expect(parse(["setmem", "--size=5", "vm"]).cmds).toEqual([{ name: "setmem", opts: [["size", "5"], ["domain", "vm"]] }]);
    expect(parse(["setmem", "--domain", "vm", "7", "--live"]).cmds).toEqual([{ name: "setmem", opts: [["domain", "vm"], ["size", "7"], ["live", null]] }]);
  });

  it("resolves aliases, including an alias that supplies a value", () => {
    expect(parse(["setmem", "vm", "--kilobytes", "9"]).cmds?.[0]?.opts).toEqual([["domain", "vm"], ["size", "9"]]);
    expect(parse(["echo", "--hi", "x"]).cmds?.[0]?.opts).toEqual([["string", "hello"], ["string", "x"]]);
    expect(parse(["echo", "--hi=x"]).errors).toEqual(["invalid '=' after option --hi"]);
  });

  it("a needName option is never filled positionally; `--` makes the rest data", () => {
    expect(parse(["dumpxml", "vm", "//x"]).errors).toEqual(["unexpected data '//x'"]);
    expect(parse(["echo", "--", "--shell"]).cmds?.[0]?.opts).toEqual([["string", "--shell"]]);
  });

  it("reports virsh's messages for bad command lines", () => {
    expect(parse(["nosuch"]).errors).toEqual(["unknown command: 'nosuch'"]);
    expect(parse(["setmem", "vm", "1", "--foo"]).errors).toEqual(["command 'setmem' doesn't support option --foo"]);
    expect(parse(["setmem", "--size", "1", "vm", "--kilobytes", "2"]).errors).toEqual(["option --size already seen"]);
    expect(parse(["setmem", "vm", "--size"]).errors).toEqual(["expected syntax: --size <number>"]);
    expect(parse(["dumpxml", "vm", "--xpath"]).errors).toEqual(["expected syntax: --xpath <string>"]);
    expect(parse(["setmem", "vm", "1", "--live=yes"]).errors).toEqual(["invalid '=' after option --live"]);
    expect(parse(["setmem"]).errors).toEqual(["command 'setmem' requires <domain> option", "command 'setmem' requires --size option"]);
    expect(parse(["setmem", "vm", "1", "extra"]).errors).toEqual(["unexpected data 'extra'"]);
  });

  it("--help turns any command into `help <command>`, even with missing options", () => {
    expect(parse(["setmem", "--help"]).cmds).toEqual([{ name: "help", opts: [["command", "setmem"]] }]);
  });

  it("`help` ignores options and data it does not know", () => {
    expect(parse(["help", "--bogus", "setmem", "more"]).errors).toEqual([]);
  });
});

describe("command strings", () => {
  it("splits on ';' and newlines, skips # comments, and fails the whole line on any error", () => {
    expect(parse("echo a; echo b\necho c # d e").cmds?.map((c) => c.opts.map((o) => o[1]))).toEqual([["a"], ["b"], ["c"]]);
    expect(parse("echo a; nosuch").cmds).toBeNull();
  });

  it("quotes as a shell does: '...' literally, \"...\" with escapes, backslash outside quotes", () => {
    expect(parse(`echo 'a b' "c\\"d" e\\ f 'g\\h'`).cmds?.[0]?.opts.map((o) => o[1])).toEqual(["a b", 'c"d', "e f", "g\\h"]);
    expect(parse('echo "unterminated').errors).toEqual(['missing "']);
    expect(parse("echo a\\").errors).toEqual(["dangling \\"]);
  });
});
