// virsh's own options and the non-terminal shell, compared with the real virsh on the local
// test driver (test:///default in each process): -c/--connect, -d, -e, -k/-K, -l, -q, -r, -t,
// -v/--version, bad options, LIBVIRT_DEFAULT_URI and VIRSH_DEFAULT_CONNECT_URI, `connect`
// inside a command string, and commands read from a pipe (prompt echo, EOF line break).
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterAll, describe, expect, it } from "vitest";
import { OUR_VIRSH, REAL_VIRSH, hasRealVirsh } from "./testing/daemons.js";

const missing = [!hasRealVirsh && "virsh (libvirt-clients)", !existsSync(OUR_VIRSH) && "dist/cli.js (build this package)"].filter(Boolean);
if (missing.length) console.warn(`virsh option goldens: skipping, missing ${missing.join(", ")}`);

const T = "test:///default";

interface Case {
  name: string;
  argv: string[];
  env?: Record<string, string>;
  input?: string;
}

const CASES: Case[] = [
  { name: "-c", argv: ["-c", T, "uri"] },
  { name: "--connect=", argv: [`--connect=${T}`, "uri"] },
  { name: "long option prefix", argv: ["--conn", T, "uri"] },
  { name: "bundled -qc", argv: ["-qc", T, "list", "--all"] },
  { name: "-- ends the options", argv: ["-c", T, "--", "uri"] },
  { name: "missing -c argument", argv: ["-c"] },
  { name: "missing --connect argument", argv: ["--connect"] },
  { name: "unknown short option", argv: ["-x", "uri"] },
  { name: "unknown long option", argv: ["--foo", "uri"] },
  { name: "-d 0 traces parsing and lookups", argv: ["-d", "0", "-c", T, "domstate --reason test; dominfo nosuch"] },
  { name: "-d 1", argv: ["-d", "1", "-c", T, "list", "--all"] },
  { name: "-d non-numeric", argv: ["-d", "x", "-c", T, "uri"] },
  { name: "-d out of range", argv: ["-d", "5", "-c", T, "uri"] },
  { name: "VIRSH_DEBUG", argv: ["-c", T, "domid", "test"], env: { VIRSH_DEBUG: "0" } },
  { name: "-e bad", argv: ["-e", "xx", "-c", T, "uri"] },
  { name: "-e ^a", argv: ["-e", "^a", "-c", T, "uri"] },
  { name: "-e ^", argv: ["-e", "^", "-c", T, "uri"] },
  { name: "-k bad", argv: ["-k", "abc", "-c", T, "uri"] },
  { name: "-k negative", argv: ["-k", "-1", "-c", T, "uri"] },
  { name: "-k forced on a local driver", argv: ["-k", "5", "-c", T, "uri"] },
  { name: "-K forced", argv: ["-K", "3", "-c", T, "uri"] },
  { name: "-k 0 disables keepalive", argv: ["-k", "0", "-c", T, "uri"] },
  { name: "-r refuses writes", argv: ["-r", "-c", T, "destroy", "test"] },
  { name: "-q drops the extra newline and headers", argv: ["-q", "-c", T, "list --all; domid test; dominfo nosuch"] },
  { name: "-v", argv: ["-v"] },
  { name: "--version", argv: ["--version"] },
  { name: "--version=short", argv: ["--version=short"] },
  { name: "LIBVIRT_DEFAULT_URI", argv: ["uri"], env: { LIBVIRT_DEFAULT_URI: T } },
  { name: "VIRSH_DEFAULT_CONNECT_URI", argv: ["uri"], env: { VIRSH_DEFAULT_CONNECT_URI: T } },
  { name: "-c wins over the environment", argv: ["-c", T, "hostname"], env: { LIBVIRT_DEFAULT_URI: "test:///nonexistent.xml" } },
  { name: "connect inside a command string", argv: ["-c", T, "connect test:///default; uri; connect --readonly; destroy test"] },
  { name: "connect to a URI nothing serves", argv: ["-c", T, "connect test+unix:///default?socket=/nonexistent-dir/sock; uri"] },
  { name: "the last command's status is the exit status", argv: ["-c", T, "dominfo nosuch; domid test"] },
  { name: "a parse error runs nothing", argv: ["-c", T, "domid test; domid"] },
  { name: "commands from a pipe", argv: ["-c", T], input: "uri\nfoo\ndomid test\n\n# comment\ndominfo nosuch\nhostname\n" },
  { name: "quiet commands from a pipe", argv: ["-q", "-c", T], input: "domid test\nquit\ndomid test\n" },
  { name: "read-only prompt from a pipe", argv: ["-r", "-c", T], input: "uri\n" },
  { name: "cd in the shell, then pwd", argv: ["-c", T], input: "cd /\npwd\ncd /nonexistent-dir\n" },
  { name: "VIRSH_HISTSIZE bad", argv: ["-c", T], input: "uri\n", env: { VIRSH_HISTSIZE: "x" } },
  { name: "event --timeout with no event", argv: ["-c", T, "event", "--all", "--timeout", "1"] },
  { name: "event --timeout 0", argv: ["-c", T, "event", "--all", "--timeout", "0"] },
];

function run(bin: "real" | "ours", c: Case, home: string): { stdout: string; stderr: string; code: number | null; log?: string } {
  const [cmd, argv] = bin === "real" ? [REAL_VIRSH, c.argv] : [process.execPath, [OUR_VIRSH, ...c.argv]];
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, XDG_CACHE_HOME: join(home, "cache"), LC_ALL: "C", ...c.env };
  const r = spawnSync(cmd, argv, { encoding: "utf8", input: c.input ?? "", env, cwd: home, timeout: 60_000 });
  return { stdout: r.stdout.replace(/\(Time: [\d.]+ ms\)/g, "(Time: T ms)"), stderr: r.stderr, code: r.status };
}

describe.skipIf(missing.length > 0)("virsh options: ours behave as the real virsh", () => {
  const home = mkdtempSync(join(tmpdir(), "virsh-opts-"));
  afterAll(() => { rmSync(home, { recursive: true, force: true }); });

  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_n, c) => {
    expect(run("ours", c, home)).toEqual(run("real", c, home));
  });

  /** Lines of `ours` must appear in `real` in the same order (virsh has more groups). */
  function subsequence(ours: string, real: string): boolean {
    const r = real.split("\n");
    let i = 0;
    for (const line of ours.split("\n")) {
      while (i < r.length && r[i] !== line) i++;
      if (i === r.length) return false;
      i++;
    }
    return true;
  }

  it.each([["help"], ["help domain"], ["help monitor"], ["help virsh"], ["-h"]])("`%s` lists a subset of virsh's listing, in virsh's layout and order", (words) => {
    const argv = words === "-h" ? ["-h"] : ["-c", T, words];
    const ours = run("ours", { name: words, argv }, home);
    const real = run("real", { name: words, argv }, home);
    expect(ours.code).toBe(real.code);
    expect(ours.stderr).toBe(real.stderr);
    expect(subsequence(ours.stdout, real.stdout)).toBe(true);
    expect(ours.stdout.split("\n").length).toBeGreaterThan(5);
  });

  it("-t prints the timing of each command", () => {
    const c: Case = { name: "-t", argv: ["-t", "-c", T, "uri; domid test"] };
    expect(run("ours", c, home)).toEqual(run("real", c, home));
  });

  it("-l writes errors and traces to a log file in virsh's format", () => {
    const logs = ["real", "ours"].map((bin) => {
      const path = join(home, `${bin}.log`);
      run(bin as "real" | "ours", { name: "-l", argv: ["-d", "1", "-l", path, "-c", T, "domstate test; dominfo nosuch"] }, home);
      return readFileSync(path, "utf8").replace(/^\[[\d.]+ [\d:]+ virsh \d+\]/gm, "[TIME virsh PID]");
    });
    expect(logs[1]).toBe(logs[0]);
  });

  it.each([
    ["an unchanged file", "true"],
    ["a memory change", "@MEM"],
    ["invalid XML (stdin not a terminal: virsh reports the edit as done)", "@BAD"],
    ["a missing editor", "/nonexistent-editor"],
    ["a failing editor through the shell", "sh -c false"],
  ])("edit with %s", (_n, editor) => {
    const mem = join(home, "mem-editor.sh");
    const bad = join(home, "bad-editor.sh");
    writeFileSync(mem, "#!/bin/sh\nsed -i 's/<memory unit=.KiB.>8388608</<memory unit=\"KiB\">4194304</' \"$1\"\n");
    writeFileSync(bad, "#!/bin/sh\nsed -i 's/<name>test<\\/name>/<name>test<\\/nam>/' \"$1\"\n");
    chmodSync(mem, 0o755);
    chmodSync(bad, 0o755);
    const c: Case = { name: "edit", argv: ["-c", T, "edit test; dumpxml --inactive test --xpath //memory"], env: { EDITOR: editor === "@MEM" ? mem : editor === "@BAD" ? bad : editor, TMPDIR: home } };
    const tmpName = (r: ReturnType<typeof run>): ReturnType<typeof run> => ({ ...r, stderr: r.stderr.replace(/virsh[A-Za-z0-9]{6}\.xml/g, "virshXXXXXX.xml") });
    expect(tmpName(run("ours", c, home))).toEqual(tmpName(run("real", c, home)));
  });

  it("-l to an unwritable place fails at once", () => {
    const c: Case = { name: "-l bad", argv: ["-l", "/nonexistent-dir/x.log", "-c", T, "uri"] };
    expect(run("ours", c, home)).toEqual(run("real", c, home));
  });
});
