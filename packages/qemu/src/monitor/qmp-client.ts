import { type Socket, connect } from "node:net";
import { type JsonValue, formatQmpJson } from "./qmp-json.js";

/*
 * A QMP client (what libvirt's qemuMonitor does over the -qmp socket): waits for the greeting,
 * sends one command at a time and matches the reply, and collects asynchronous events. It works
 * against virtkit's qemu-system-i386 and the real QEMU alike.
 */

export type QmpAddress = { path: string } | { host: string; port: number };

export class QmpClient {
  /** Every line received, in order (greeting, events, replies). */
  readonly transcript: string[] = [];
  readonly events: Record<string, JsonValue>[] = [];
  greeting: Record<string, JsonValue> | undefined;
  private buf = "";
  private waiters: ((msg: Record<string, JsonValue>) => void)[] = [];
  private readonly closedPromise: Promise<void>;
  private readonly eventListeners: ((event: Record<string, JsonValue>) => void)[] = [];
  private isClosed = false;
  /** Keep `transcript` and `events` (tests read them; a long-lived user such as libvirt turns this off). */
  record = true;

  private constructor(private readonly sock: Socket) {
    sock.setEncoding("utf8");
    sock.on("data", (d: string) => {
      this.buf += d;
      let nl: number;
      while ((nl = this.buf.indexOf("\n")) >= 0) {
        const line = this.buf.slice(0, nl).replace(/\r$/, "");
        this.buf = this.buf.slice(nl + 1);
        if (line !== "") {
          this.line(line);
        }
      }
    });
    this.closedPromise = new Promise((resolve) => {
      sock.on("close", () => {
        this.isClosed = true;
        // Commands still waiting get an error reply, as qemuMonitor fails them at EOF.
        for (const w of this.waiters.splice(0)) {
          w({ error: { class: "GenericError", desc: "QMP connection closed" } });
        }
        resolve();
      });
    });
  }

  private line(line: string): void {
    if (this.record) {
      this.transcript.push(line);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      // qemuMonitorJSONIOProcessLine: a line that is not JSON fails the command waiting for it.
      parsed = { error: { class: "GenericError", desc: `cannot parse json ${line}` } };
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      return;
    }
    const msg = parsed as Record<string, JsonValue>;
    if ("QMP" in msg) {
      this.greeting = msg;
    } else if ("event" in msg) {
      if (this.record) {
        this.events.push(msg);
      }
      for (const l of [...this.eventListeners]) {
        l(msg);
      }
    }
    if (!("event" in msg)) {
      this.waiters.shift()?.(msg);
    }
  }

  /** Calls `listener` with every asynchronous event from now on (libvirt's event handlers). */
  onEvent(listener: (event: Record<string, JsonValue>) => void): void {
    this.eventListeners.push(listener);
  }

  get closedNow(): boolean {
    return this.isClosed;
  }

  /** Lets the process exit while only this connection is open (the socket stays usable). */
  unref(): void {
    this.sock.unref();
  }

  /** Connects and waits for the greeting. */
  static connect(addr: QmpAddress, timeoutMs = 10_000): Promise<QmpClient> {
    return new Promise((resolve, reject) => {
      const sock = "path" in addr ? connect(addr.path) : connect(addr.port, addr.host);
      const client = new QmpClient(sock);
      const timer = setTimeout(() => {
        sock.destroy();
        reject(new Error("QMP greeting timed out"));
      }, timeoutMs);
      client.waiters.push(() => {
        clearTimeout(timer);
        resolve(client);
      });
      sock.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
  }

  /** Sends raw text and resolves with the next reply (not an event). */
  send(text: string): Promise<Record<string, JsonValue>> {
    return new Promise((resolve) => {
      if (this.isClosed) {
        resolve({ error: { class: "GenericError", desc: "QMP connection closed" } });
        return;
      }
      this.waiters.push(resolve);
      this.sock.write(`${text}\n`);
    });
  }

  /** Executes a command; resolves with the whole reply ({"return": ...} or {"error": ...}). */
  execute(command: string, args?: Record<string, JsonValue>, id?: JsonValue): Promise<Record<string, JsonValue>> {
    const req: Record<string, JsonValue> = { execute: command };
    if (args !== undefined) req.arguments = args;
    if (id !== undefined) req.id = id;
    return this.send(formatQmpJson(req));
  }

  /** Resolves when the server closes the connection. */
  closed(): Promise<void> {
    return this.closedPromise;
  }

  close(): void {
    this.sock.end();
  }
}
