// The interactive shell on a real pseudo-terminal, over the embedded test driver: tab completion
// of commands, options and domain names, history (recalled with the up arrow, kept in
// $XDG_CACHE_HOME/virsh/history across sessions), `help`, a failing command followed by a
// working one, and `quit`.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { OUR_VIRSH, hasPython3 } from "./testing/daemons.js";
import { runOnPty } from "./testing/pty.js";

const missing = [!hasPython3 && "python3 (pty module)", !existsSync(OUR_VIRSH) && "dist/cli.js (build this package)"].filter(Boolean);
if (missing.length) console.warn(`virsh interactive pty tests: skipping, missing ${missing.join(", ")}`);

describe.skipIf(missing.length > 0)("interactive virsh on a pty", () => {
  const cache = mkdtempSync(join(tmpdir(), "virsh-shell-cache-"));
  const env = { ...process.env, LC_ALL: "C", XDG_CACHE_HOME: cache };
  const virsh = [process.execPath, OUR_VIRSH, "-c", "test:///default"];
  afterAll(() => { rmSync(cache, { recursive: true, force: true }); });

  it("completes command names, options and domain names", () => {
    const r = runOnPty(
      virsh,
      [
        { expect: "virsh # " },
        { send: "dumpx\t" },
        { expect: "dumpxml " },
        { send: "--ina\t" },
        { expect: "--inactive " },
        { send: "te\t" },
        { expect: "test " },
        { send: "\r" },
        { expect: "<name>test</name>" },
        { expect: "</domain>\r\n\r\n" },
        { send: "domst\t" },
        // two candidates: the first Tab completes their common prefix, the second lists them
        { expect: "domstat" },
        { send: "\t" },
        { expect: "domstate  domstats" },
        { send: "\x15quit\r" },
      ],
      env,
    );
    expect(r.failed).toBeNull();
    expect(r.status).toBe(0);
    expect(r.output.startsWith("Welcome to virsh, the virtualization interactive terminal.\r\n\r\nType:  'help' for help with commands\r\n       'quit' to quit\r\n\r\n")).toBe(true);
  });

  it("prints help, reports a failing command and goes on with the next one", () => {
    const r = runOnPty(
      virsh,
      [
        { expect: "virsh # " },
        { send: "help domstate\r" },
        { expect: "    domstate - domain state\r\n" },
        { expect: "    [--domain] <string>  domain name, id or uuid\r\n" },
        { send: "dominfo nosuch\r" },
        { expect: "error: failed to get domain 'nosuch'\r\n" },
        { send: "domid test\r" },
        { expect: "1\r\n\r\n" },
        { send: "nosuchcommand\r" },
        { expect: "error: unknown command: 'nosuchcommand'\r\n" },
        { send: "domstate test; uri\r" },
        { expect: "running\r\n\r\ntest:///default\r\n\r\n" },
        { send: "exit\r" },
      ],
      env,
    );
    expect(r.failed).toBeNull();
    expect(r.status).toBe(0);
  });

  it("recalls history with the up arrow and keeps it across sessions", () => {
    const first = runOnPty(
      virsh,
      [{ expect: "virsh # " }, { send: "hostname\r" }, { expect: "virsh # " }, { send: "\x1b[A" }, { expect: "hostname" }, { send: "\r" }, { expect: "virsh # " }, { send: "quit\r" }],
      env,
    );
    expect(first.failed).toBeNull();
    const history = readFileSync(join(cache, "virsh", "history"), "utf8");
    expect(history.endsWith("hostname\nhostname\nquit\n")).toBe(true);
    const second = runOnPty(virsh, [{ expect: "virsh # " }, { send: "\x1b[A\x1b[A" }, { expect: "hostname" }, { send: "\r" }, { expect: "virsh # " }, { send: "\x04" }], env);
    expect(second.failed).toBeNull();
    // Ctrl-D on an empty line ends the shell with a line break, as EOF does.
    expect(second.status).toBe(0);
    expect(second.output.endsWith("\r\n")).toBe(true);
  });

  it("keeps lines typed ahead while a command runs", () => {
    const r = runOnPty(virsh, [{ expect: "virsh # " }, { send: "uri\rdomid test\rdomstate test\r" }, { expect: "running\r\n\r\n" }, { send: "quit\r" }], env);
    expect(r.failed).toBeNull();
    expect(r.output).toContain("test:///default\r\n\r\n1\r\n\r\nrunning\r\n\r\n");
  });

  it("Ctrl-C ends an event loop and returns to the prompt; at the prompt it ends virsh", () => {
    const r = runOnPty(
      virsh,
      [{ expect: "virsh # " }, { send: "event --all --loop\r" }, { expect: "event --all --loop\r" }, { send: "\x03" }, { expect: "event loop interrupted\r\nevents received: 0\r\n" }, { expect: "virsh # " }, { send: "\x03" }],
      env,
    );
    expect(r.failed).toBeNull();
    expect(r.status).toBe(-2);
  });

  it("the read-only prompt is 'virsh > '", () => {
    const r = runOnPty([process.execPath, OUR_VIRSH, "-r", "-q", "-c", "test:///default"], [{ expect: "virsh > " }, { send: "destroy test\r" }, { expect: "error: operation forbidden: read only access prevents virDomainDestroy\r\n" }, { send: "quit\r" }], env);
    expect(r.failed).toBeNull();
    expect(r.output.includes("Welcome")).toBe(false);
  });
});
