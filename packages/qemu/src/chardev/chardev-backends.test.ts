import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type Socket, connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CharBackend } from "./chardev.js";
import { chardevFromOption, createChardev } from "./chardev-factory.js";
import { FileChardev } from "./chardev-file.js";
import { NullChardev } from "./chardev-null.js";
import { RingbufChardev } from "./chardev-ringbuf.js";
import { SocketChardev } from "./chardev-socket.js";
import { StdioChardev } from "./chardev-stdio.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const tick = () => new Promise<void>((r) => setImmediate(r));

/** Collects what a frontend receives; `limit` bytes per call imitates a frontend with little room. */
function frontend(chardev: CharBackend, limit = Infinity) {
  const got: number[] = [];
  chardev.onData((bytes) => {
    const n = Math.min(limit, bytes.length);
    for (let i = 0; i < n; i++) got.push(bytes[i]!);
    return n;
  });
  return got;
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 1));
  }
  throw new Error(`timed out waiting for ${what}`);
}

function asSocket(chardev: CharBackend): SocketChardev {
  if (!(chardev instanceof SocketChardev)) throw new Error("expected a socket chardev");
  return chardev;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "virtkit-chardev-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("null backend", () => {
  it("swallows output and never produces input", async () => {
    const c = new NullChardev("n");
    await c.open();
    const got = frontend(c);
    expect(c.write(enc("abc"))).toBe(3);
    expect(got).toEqual([]);
    await c.close();
  });
});

describe("ringbuf backend", () => {
  it("keeps the newest bytes, reads them out, and hands them to a consumer attached later", async () => {
    const r = new RingbufChardev("r", 8);
    await r.open();
    r.write(enc("0123456789"));
    expect(r.count).toBe(8);
    expect(dec(r.read(3))).toBe("234");
    r.write(enc("ab"));
    const seen: string[] = [];
    r.attachConsumer((b) => seen.push(dec(b)));
    expect(seen).toEqual(["56789ab"]);
    r.write(enc("xyz"));
    expect(seen).toEqual(["56789ab", "xyz"]);
    expect(r.count).toBe(0);
    await r.close();
  });

  it("feeds ringbuf-write input through the frontend's flow control", () => {
    const r = new RingbufChardev("r", 16);
    const got = frontend(r, 2);
    r.writeToDevice(enc("hello"));
    expect(dec(new Uint8Array(got))).toBe("he");
    r.acceptInput();
    r.acceptInput();
    expect(dec(new Uint8Array(got))).toBe("hello");
    expect(() => new RingbufChardev("bad", 100)).toThrow("size of ringbuf chardev must be power of two");
  });
});

describe("file backend", () => {
  it("writes output to the file, truncating or appending, and reads input-path", async () => {
    const path = join(dir, "out.log");
    writeFileSync(path, "old\n");
    const f = new FileChardev("f", { path });
    await f.open();
    f.write(enc("line 1\n"));
    f.write(enc("line 2\n"));
    await f.close();
    expect(readFileSync(path, "utf8")).toBe("line 1\nline 2\n");
    const input = join(dir, "in.txt");
    writeFileSync(input, "typed");
    const g = new FileChardev("g", { path, append: true, inputPath: input });
    const got = frontend(g);
    await g.open();
    g.write(enc("line 3\n"));
    await until(() => got.length === 5, "input-path data");
    await g.close();
    expect(dec(new Uint8Array(got))).toBe("typed");
    expect(readFileSync(path, "utf8")).toBe("line 1\nline 2\nline 3\n");
  });

  it("fails to open with QEMU's message", async () => {
    const f = new FileChardev("f", { path: join(dir, "no/such/dir/x") });
    await expect(f.open()).rejects.toThrow(/^Could not open '.*x': No such file or directory$/);
  });
});

describe("stdio backend", () => {
  it("reads the input stream and writes the output stream", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const s = new StdioChardev("s", { input, output });
    const got = frontend(s);
    await s.open();
    input.write("ls\n");
    await until(() => got.length === 3, "stdin data");
    s.write(enc("ok"));
    await tick();
    expect(dec(output.read() as Uint8Array)).toBe("ok");
    await s.close();
  });

  it("turns Ctrl-C into an interrupt on a terminal with signal=on", async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true, rawMode: false, setRawMode(m: boolean) { this.rawMode = m; } });
    let interrupts = 0;
    const s = new StdioChardev("s", { input, output: new PassThrough(), onInterrupt: () => interrupts++ });
    const got = frontend(s);
    await s.open();
    expect(input.rawMode).toBe(true);
    input.write(Buffer.from([0x61, 0x03, 0x62]));
    await until(() => interrupts === 1, "interrupt");
    expect(got).toEqual([0x61]);
    await s.close();
    expect(input.rawMode).toBe(false);
  });
});

describe("socket backend", () => {
  it("serves a TCP client with server=on,wait=off and drops output while nobody is connected", async () => {
    const { chardev, warnings } = chardevFromOption("socket,id=mon,host=127.0.0.1,port=0,server=on,wait=off");
    expect(warnings).toEqual([]);
    const server = asSocket(chardev);
    const got = frontend(server);
    await server.open();
    expect(server.connected).toBe(false);
    expect(server.write(enc("lost"))).toBe(0);
    const address = server.localAddress!;
    if (address.type !== "inet") throw new Error("expected inet");
    const client = connect({ host: "127.0.0.1", port: address.port });
    const received: Buffer[] = [];
    client.on("data", (b: Buffer) => received.push(b));
    await until(() => server.connected, "client connection");
    client.write("to guest");
    await until(() => got.length === 8, "client data");
    expect(dec(new Uint8Array(got))).toBe("to guest");
    server.write(enc("from guest"));
    await until(() => Buffer.concat(received).length === 10, "server output");
    expect(Buffer.concat(received).toString()).toBe("from guest");
    const events: string[] = [];
    server.onEvent((e) => events.push(e));
    client.end();
    await until(() => !server.connected, "disconnect");
    expect(events).toEqual(["closed"]);
    await server.close();
  });

  it("waits for the first client with wait=on and serves a second one after the first leaves", async () => {
    const path = join(dir, "serial.sock");
    const notices: string[] = [];
    const server = asSocket(createChardev(
      { id: "s", backend: "socket", address: { type: "unix", path }, server: true, wait: true, nodelay: false, telnet: false, websocket: false, tn3270: false, logappend: false, mux: false },
      { onNotice: (m) => notices.push(m) },
    ));
    let opened = false;
    const opening = server.open().then(() => {
      opened = true;
    });
    await until(() => notices.length === 1, "listening");
    expect(notices[0]).toBe(`QEMU waiting for connection on: disconnected:unix:${path},server=on`);
    expect(opened).toBe(false);
    const first = connect({ path });
    await opening;
    const second: Socket = connect({ path });
    const secondData: Buffer[] = [];
    second.on("data", (b: Buffer) => secondData.push(b));
    const events: string[] = [];
    server.onEvent((e) => events.push(e));
    await tick();
    server.write(enc("one")); // goes to the first client only
    first.destroy();
    await until(() => events.join() === "closed,opened", "hand-over to the waiting client");
    server.write(enc("two"));
    await until(() => Buffer.concat(secondData).length === 3, "second client data");
    expect(Buffer.concat(secondData).toString()).toBe("two");
    second.destroy();
    await server.close();
  });

  it("connects as a client and reports a refused connection in QEMU's words", async () => {
    const peer = createServer();
    const accepted: Socket[] = [];
    peer.on("connection", (s) => accepted.push(s));
    await new Promise<void>((r) => peer.listen(0, "127.0.0.1", r));
    const port = (peer.address() as { port: number }).port;
    const { chardev } = chardevFromOption(`socket,id=c,host=127.0.0.1,port=${port}`);
    const got = frontend(chardev);
    await chardev.open();
    await until(() => accepted.length === 1, "accept");
    accepted[0]!.write("hi");
    await until(() => got.length === 2, "data");
    await chardev.close();
    await new Promise<void>((r) => peer.close(() => { r(); }));
    const { chardev: refused } = chardevFromOption(`socket,id=d,host=127.0.0.1,port=${port}`);
    await expect(refused.open()).rejects.toThrow(`Failed to connect to '127.0.0.1:${port}': Connection refused`);
  });

  it("reports a taken port in QEMU's words, and walks a to= port range", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    const { chardev: taken } = chardevFromOption(`socket,id=a,host=127.0.0.1,port=${port},server=on,wait=off`);
    await expect(taken.open()).rejects.toThrow("Failed to find an available port: Address already in use");
    const { chardev: ranged } = chardevFromOption(`socket,id=b,host=127.0.0.1,port=${port},to=${port + 20},server=on,wait=off`);
    await ranged.open();
    const bound = asSocket(ranged).localAddress;
    expect(bound?.type === "inet" && bound.port > port && bound.port <= port + 20).toBe(true);
    await ranged.close();
    await new Promise<void>((r) => blocker.close(() => r()));
    const { chardev: badUnix } = chardevFromOption(`socket,id=c,path=${join(dir, "missing", "s")},server=on,wait=off`);
    await expect(badUnix.open()).rejects.toThrow(`Failed to bind socket to ${join(dir, "missing", "s")}: No such file or directory`);
  });

  it("refuses options it does not implement instead of ignoring them", () => {
    expect(() => chardevFromOption("socket,id=t,host=h,port=1,server=on,telnet=on")).toThrow(
      "chardev 't': socket option 'telnet' is not supported by virtkit",
    );
    expect(() => chardevFromOption("pty,id=p")).toThrow("chardev 'p': backend 'pty' is not supported by virtkit");
    expect(() => chardevFromOption("stdio,id=m,mux=on")).toThrow("chardev 'm': mux=on is not supported by virtkit");
  });
});

describe("logfile option", () => {
  it("copies every output byte to the log file", async () => {
    const log = join(dir, "log.txt");
    const { chardev } = chardevFromOption(`ringbuf,id=r,logfile=${log}`);
    await chardev.open();
    chardev.write(enc("boot ok\n"));
    await chardev.close();
    expect(readFileSync(log, "utf8")).toBe("boot ok\n");
  });
});
