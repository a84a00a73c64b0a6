// `virsh console` end to end on a real pseudo-terminal: our virsh connects through the RPC
// protocol to a private daemon (VirNetServer, the server our libvirtd runs) whose domain has a
// serial console. Guest output must appear, typed input must reach the guest (which answers
// it), the terminal must be raw (no local echo: the guest's echo is the only one), and the
// escape character must end the session cleanly with exit status 0.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OUR_VIRSH, hasPython3, startNodeDaemon, type NodeDaemon } from "./testing/daemons.js";
import { runOnPty } from "./testing/pty.js";

const STREAMS_DAEMON = join(dirname(fileURLToPath(import.meta.url)), "testing/streams-daemon.mjs");
const missing = [!hasPython3 && "python3 (pty module)", !existsSync(OUR_VIRSH) && "dist/cli.js (build this package)"].filter(Boolean);
if (missing.length) console.warn(`virsh console pty tests: skipping, missing ${missing.join(", ")}`);

describe.skipIf(missing.length > 0)("virsh console on a pty", () => {
  let d: NodeDaemon;
  const home = mkdtempSync(join(tmpdir(), "virsh-console-home-"));
  const env = { ...process.env, LC_ALL: "C", XDG_CACHE_HOME: home };
  beforeAll(async () => {
    d = await startNodeDaemon(
      STREAMS_DAEMON,
      (dir) => [join(dir, "sock")],
      (dir) => join(dir, "sock"),
      (dir) => `console+unix:///guest?socket=${join(dir, "sock")}`,
    );
  });
  afterAll(async () => {
    await d.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("shows guest output, passes input to the guest raw, and ^] exits cleanly", () => {
    const r = runOnPty(
      [process.execPath, OUR_VIRSH, "-c", d.testURI, "console", "guest"],
      [{ expect: "guest login: " }, { send: "root\r" }, { expect: "welcome root\r\n# " }, { send: "\x1d" }],
      env,
    );
    expect(r.failed).toBeNull();
    expect(r.status).toBe(0);
    // The banner went out before raw mode (the terminal turned "\n" into "\r\n"), then the
    // guest's bytes arrive unchanged; "root" appears once: the terminal did not echo it.
    expect(r.output).toBe("Connected to domain 'guest'\r\nEscape character is ^] (Ctrl + ])\r\nguest login: root\r\nwelcome root\r\n# \r\n");
  });

  it("-e sets another escape character", () => {
    const r = runOnPty(
      [process.execPath, OUR_VIRSH, "-e", "^a", "-c", d.testURI, "console", "guest"],
      [{ expect: "guest login: " }, { send: "x\x1dy" }, { expect: "x\x1dy" }, { send: "\x01" }],
      env,
    );
    expect(r.failed).toBeNull();
    expect(r.status).toBe(0);
    expect(r.output.startsWith("Connected to domain 'guest'\r\nEscape character is ^a (Ctrl + a)\r\n")).toBe(true);
  });

  it("an unknown domain fails before the terminal is touched", () => {
    const r = runOnPty([process.execPath, OUR_VIRSH, "-c", d.testURI, "console", "nosuch"], [], env);
    expect(r.status).toBe(1);
    expect(r.output).toBe("error: failed to get domain 'nosuch'\r\n\r\n");
  });
});
