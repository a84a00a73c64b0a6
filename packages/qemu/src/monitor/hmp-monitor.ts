import type { CharBackend } from "../chardev/chardev.js";
import { Hmp } from "./hmp.js";
import type { MonitorHost } from "./monitor-host.js";

/*
 * The human monitor on a character device (QEMU -monitor, monitor/hmp.c): a banner and the
 * "(qemu) " prompt on every connection, one command per line. Output lines end in "\r\n" (QEMU's
 * monitor_puts). There is no line editing or history: input is taken as typed, with backspace.
 */
export class HmpMonitor {
  private readonly hmp: Hmp;
  private line = "";
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder();
  private queue: Promise<void> = Promise.resolve();
  private readonly detach: (() => void)[] = [];

  constructor(
    readonly chardev: CharBackend,
    private readonly host: MonitorHost,
  ) {
    this.hmp = new Hmp(host);
    this.detach.push(
      chardev.onData((bytes) => {
        this.input(this.decoder.decode(bytes, { stream: true }));
        return bytes.length;
      }),
      chardev.onEvent((e) => {
        if (e === "opened") {
          this.line = "";
          this.banner();
        }
      }),
    );
  }

  private out(text: string): void {
    this.chardev.write(this.encoder.encode(text.replaceAll("\r\n", "\n").replaceAll("\n", "\r\n")));
  }

  banner(): void {
    const v = this.host.version;
    this.out(`QEMU ${v.major}.${v.minor}.${v.micro} monitor - type 'help' for more information\n(qemu) `);
  }

  private input(text: string): void {
    for (const c of text) {
      if (c === "\r" || c === "\n") {
        const cmd = this.line;
        this.line = "";
        this.queue = this.queue.then(async () => {
          // Echo the line as typed (QEMU's readline echoes with terminal redraw sequences).
          this.out(`${cmd}\n`);
          const result = await this.hmp.execute(cmd);
          this.out(result);
          if (!this.host.machine.exited) {
            this.out("(qemu) ");
          }
        });
      } else if (c === "\x7f" || c === "\b") {
        this.line = this.line.slice(0, -1);
      } else if (c >= " ") {
        this.line += c;
      }
    }
  }

  close(): void {
    for (const d of this.detach.splice(0)) {
      d();
    }
  }
}
