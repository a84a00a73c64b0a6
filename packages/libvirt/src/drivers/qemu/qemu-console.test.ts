// The qemu driver's console against a stand-in for the emulator's serial chardev (a listening
// unix socket plus the logfile= copy of everything the guest wrote), so that the moments the
// driver cannot observe — the guest printing while the emulator has not yet accepted the
// console's connection — happen on purpose instead of by chance.
import { appendFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Stream } from "../../api/stream.js";
import type { ChrDef, DomainDef } from "../../conf/domain-def.js";
import { openConsole } from "./qemu-console.js";
import { until } from "./testing/harness.js";

/** A domain with one serial port served at `path`, logged to `logFile` (only what openConsole reads). */
function serialDomain(path: string, logFile: string): DomainDef {
  const chr = { info: { alias: "serial0" }, targetType: "isa-serial", source: { type: "unix", path, listen: true, logFile } };
  return { consoles: [], serials: [chr as unknown as ChrDef], parallels: [], channels: [] } as unknown as DomainDef;
}

function reader(stream: Stream): { text: () => string; ended: () => boolean } {
  let text = "";
  let ended = false;
  stream.setHandler({
    data: (d) => (text += Buffer.from(d).toString("latin1")),
    hole: () => undefined,
    eof: () => (ended = true),
    error: () => (ended = true),
  });
  return { text: () => text, ended: () => ended };
}

describe("qemu console", () => {
  const servers: { server: Server; conns: Socket[] }[] = [];
  afterEach(async () => {
    for (const s of servers) for (const c of s.conns) c.destroy();
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.server.close(r))));
  });

  /**
   * The emulator's side: its connections (paused, as if its event loop had not got round to them
   * yet) and the log it writes every guest byte to.
   */
  async function emulator(dir: string): Promise<{ path: string; log: string; conns: Socket[] }> {
    const path = join(dir, "serial0.sock");
    const log = join(dir, "demo-serial0.log");
    writeFileSync(log, "");
    const conns: Socket[] = [];
    const server = createServer({ pauseOnConnect: true }, (s) => {
      conns.push(s);
    });
    servers.push({ server, conns });
    await new Promise<void>((r) => server.listen(path, r));
    return { path, log, conns };
  }

  it("shows what the guest printed before the session and while the emulator had not accepted it, once each, then live output; input reaches the device", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vq-con-"));
    const emu = await emulator(dir);
    appendFileSync(emu.log, "banner\r\ndemo> ");
    const stream = new Stream();
    const out = reader(stream);
    await openConsole(serialDomain(emu.path, emu.log), null, stream, 0);
    // the guest types on before the emulator attached the connection: only the log has it
    appendFileSync(emu.log, "tick 1\r\n");
    await until(() => out.text().includes("tick 1\r\n"), "output written before the accept");
    // the emulator attaches: from now on it writes each byte to the log and to the socket
    await until(() => emu.conns.length === 1, "the connection at the emulator");
    const guest = emu.conns[0]!;
    guest.resume();
    let typed = "";
    guest.setEncoding("latin1").on("data", (d: string) => (typed += d));
    await stream.send(Buffer.from("help\r"));
    await until(() => typed === "help\r", "the typed command at the device");
    appendFileSync(emu.log, "help\r\ncommands\r\ndemo> ");
    guest.write("help\r\ncommands\r\ndemo> ");
    await until(() => out.text().endsWith("help\r\ncommands\r\ndemo> "), "the answer");
    expect(out.text()).toBe("banner\r\ndemo> tick 1\r\nhelp\r\ncommands\r\ndemo> ");
    await stream.finish();
  });

  it("a later session replays exactly what no earlier session showed; the emulator's exit flushes its last words", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vq-con-"));
    const emu = await emulator(dir);
    appendFileSync(emu.log, "one\r\n");
    const first = new Stream();
    const a = reader(first);
    await openConsole(serialDomain(emu.path, emu.log), null, first, 0);
    await until(() => a.text() === "one\r\n", "the first session's backlog");
    await first.finish();
    // printed after the first session ended: the next one shows it, and not "one" again
    appendFileSync(emu.log, "two\r\n");
    const second = new Stream();
    const b = reader(second);
    await openConsole(serialDomain(emu.path, emu.log), null, second, 0);
    await until(() => b.text() === "two\r\n", "the second session's backlog");
    // the emulator writes its last line and exits before any inotify wakeup could show it: the
    // session still ends with it
    await until(() => emu.conns.length === 2, "the second connection at the emulator");
    appendFileSync(emu.log, "halted\r\n");
    emu.conns[1]!.destroy();
    await until(() => b.ended(), "the end of the session");
    expect(b.text()).toBe("two\r\nhalted\r\n");
  });
});
