import type { CharBackend } from "../chardev/chardev.js";
import type { MachineEvent } from "../machine/run-state.js";
import { Hmp } from "./hmp.js";
import type { MonitorHost } from "./monitor-host.js";
import { QMP_COMMANDS, QmpError, checkArgs } from "./qmp-commands.js";
import { type JsonValue, JsonParseError, JsonStreamer, formatQmpJson, parseQmpJson } from "./qmp-json.js";

/*
 * A QMP monitor on a character device (QEMU monitor/qmp.c): on every connection the greeting
 * {"QMP": {"version": ..., "capabilities": ["oob"]}}, then capabilities negotiation (only
 * qmp_capabilities is accepted), then command mode with asynchronous events. Requests are checked
 * as qmp_dispatch_check_obj does; responses carry the request's "id". Commands that cause events
 * (stop, cont, system_reset, quit ...) report the event before their return, as QEMU does.
 */

type Session = "negotiation" | "command";

export interface QmpMonitorOptions {
  /** -qmp-pretty / pretty=on: multi-line JSON (not implemented: refused by the CLI). */
  pretty?: boolean;
  /** Wall clock for event timestamps (tests pass a fixed one). */
  now?: () => number;
}

export class QmpMonitor {
  private session: Session = "negotiation";
  private readonly streamer: JsonStreamer;
  private readonly hmp: Hmp;
  private readonly decoder = new TextDecoder();
  private readonly encoder = new TextEncoder();
  /** Requests run one at a time, in order (QEMU's dispatcher coroutine). */
  private queue: Promise<void> = Promise.resolve();
  private readonly detach: (() => void)[] = [];
  private readonly now: () => number;

  constructor(
    readonly chardev: CharBackend,
    private readonly host: MonitorHost,
    options: QmpMonitorOptions = {},
  ) {
    this.now = options.now ?? (() => performance.timeOrigin + performance.now());
    this.hmp = new Hmp(host);
    this.streamer = new JsonStreamer((text) => {
      this.queue = this.queue.then(() => this.handle(text));
    });
    this.detach.push(
      chardev.onData((bytes) => {
        this.streamer.feed(this.decoder.decode(bytes, { stream: true }));
        return bytes.length;
      }),
      chardev.onEvent((e) => {
        if (e === "opened") {
          this.session = "negotiation";
          this.streamer.reset();
          this.sendGreeting();
        } else if (e === "closed") {
          this.session = "negotiation";
          this.streamer.reset();
        }
      }),
      host.machine.onEvent((e) => {
        this.event(e);
      }),
    );
  }

  private send(v: JsonValue): void {
    this.chardev.write(this.encoder.encode(`${formatQmpJson(v)}\r\n`));
  }

  /** monitor_qmp_capabilities greeting. */
  sendGreeting(): void {
    const v = this.host.version;
    this.send({ QMP: { version: { qemu: { micro: v.micro, minor: v.minor, major: v.major }, package: v.package }, capabilities: ["oob"] } });
  }

  /** monitor_qapi_event_emit: only monitors in command mode get events. */
  private event(e: MachineEvent): void {
    if (this.session !== "command" || !this.chardev.connected) {
      return;
    }
    const t = this.now();
    const msg: Record<string, JsonValue> = {
      timestamp: { seconds: Math.floor(t / 1000), microseconds: Math.floor((t % 1000) * 1000) % 1000000 },
      event: e.event,
    };
    if ("data" in e) {
      msg.data = { ...e.data };
    }
    this.send(msg);
  }

  private async handle(text: string): Promise<void> {
    let req: JsonValue;
    try {
      req = parseQmpJson(text);
    } catch (e) {
      if (e instanceof JsonParseError) {
        this.send({ error: { class: "GenericError", desc: e.message } });
        return;
      }
      throw e;
    }
    const id = req !== null && typeof req === "object" && !Array.isArray(req) ? req.id : undefined;
    const reply = (body: Record<string, JsonValue>): void => {
      this.send(id === undefined ? body : { ...body, id });
    };
    try {
      const ret = await this.dispatch(req);
      reply({ return: ret });
    } catch (e) {
      if (e instanceof QmpError) {
        let desc = e.desc;
        // monitor_qmp_dispatch: a clearer message while negotiation is pending.
        if (this.session === "negotiation" && e.errorClass === "CommandNotFound") {
          desc = "Expecting capabilities negotiation with 'qmp_capabilities'";
        }
        reply({ error: { class: e.errorClass, desc } });
        return;
      }
      reply({ error: { class: "GenericError", desc: (e as Error).message } });
    }
  }

  /** qmp_dispatch. */
  private async dispatch(req: JsonValue): Promise<JsonValue> {
    if (req === null || typeof req !== "object" || Array.isArray(req)) {
      throw new QmpError("GenericError", "QMP input must be a JSON object");
    }
    let command: string | undefined;
    for (const [key, value] of Object.entries(req)) {
      if (key === "execute") {
        if (typeof value !== "string") {
          throw new QmpError("GenericError", "QMP input member 'execute' must be a string");
        }
        command = value;
      } else if (key === "arguments") {
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
          throw new QmpError("GenericError", "QMP input member 'arguments' must be an object");
        }
      } else if (key !== "id") {
        throw new QmpError("GenericError", `QMP input member '${key}' is unexpected`);
      }
    }
    if (command === undefined) {
      throw new QmpError("GenericError", "QMP input lacks member 'execute'");
    }
    const cmd = Object.hasOwn(QMP_COMMANDS, command) ? QMP_COMMANDS[command] : undefined;
    if (cmd === undefined || (this.session === "negotiation") !== (cmd.negotiation === true)) {
      if (cmd?.negotiation === true && this.session === "command") {
        throw new QmpError("CommandNotFound", "Capabilities negotiation is already complete, command ignored");
      }
      throw new QmpError("CommandNotFound", `The command ${command} has not been found`);
    }
    const args = (req.arguments ?? {}) as Record<string, JsonValue>;
    checkArgs(cmd, args);
    return cmd.handler(args, {
      host: this.host,
      hmp: this.hmp,
      negotiate: () => {
        this.session = "command";
      },
    });
  }

  /** Detaches from the chardev and the machine. */
  close(): void {
    for (const d of this.detach.splice(0)) {
      d();
    }
  }
}
