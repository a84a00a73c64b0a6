// The console without a terminal: `virsh console` refuses to run when stdin is not a tty (as the
// real one does), so in CI or a pipe the demo opens the same stream virsh console would —
// virDomainOpenConsole on the domain's serial console — and types a few lines into the guest's
// shell itself, waiting for each answer's prompt, while everything the guest prints is shown.
import { Connect, VirError, type Stream } from "@virtkit/libvirt";

/** The demo guest's prompt (demo.asm msg_prompt). */
export const GUEST_PROMPT = "demo> ";

/** Lines typed into the guest by default: its help, CPU and memory, the disk, a write and a read back. */
export const DEFAULT_CONSOLE_SCRIPT = ["help", "info", "disk", "write hello-from-the-demo", "read"] as const;

/** How long one answer may take before the demo gives up (a hang guard; answers take milliseconds). */
const ANSWER_GUARD_MS = 60_000;

export class ConsoleScriptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConsoleScriptError";
  }
}

export interface ConsoleScriptOptions {
  uri: string;
  domain: string;
  lines: readonly string[];
  /** Receives the guest's output as it arrives (bytes as the serial port sent them). */
  output: (chunk: Uint8Array) => void;
  /** Ends the session early (Ctrl+C on the demo): the wait in progress fails with the reason. */
  signal?: AbortSignal;
  /** The guest shell's prompt (default: the bundled guest's). */
  prompt?: string;
  /** How long the first prompt may take (a hang guard: a Linux boot takes minutes, the bundled guest milliseconds). */
  firstPromptGuardMs?: number;
}

/** The text the console has shown so far, and a way to wait for more. */
class ConsoleText {
  text = "";
  private ended: string | null = null;
  private waiter: (() => void) | null = null;

  constructor(stream: Stream, output: (chunk: Uint8Array) => void, signal?: AbortSignal) {
    signal?.addEventListener("abort", () => {
      this.ended = String(signal.reason);
      this.wake();
    });
    stream.setHandler({
      data: (chunk) => {
        output(chunk);
        this.text += Buffer.from(chunk).toString("latin1");
        this.wake();
      },
      hole: () => undefined,
      eof: () => {
        this.ended = "the console stream ended (the guest went away)";
        this.wake();
      },
      error: (e) => {
        this.ended = `console error: ${e.message}`;
        this.wake();
      },
    });
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  /** Resolves once `needle` appears at or after `from`; returns the index just past it. */
  async waitFor(needle: string, from: number, what: string, guardMs = ANSWER_GUARD_MS): Promise<number> {
    const deadline = Date.now() + guardMs;
    for (;;) {
      const at = this.text.indexOf(needle, from);
      if (at >= 0) return at + needle.length;
      if (this.ended !== null) throw new ConsoleScriptError(`${this.ended} while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new ConsoleScriptError(`no ${what} after ${String(guardMs / 1000)} s; the console showed: ${JSON.stringify(this.text.slice(-200))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }
}

/**
 * Opens the console of `domain`, waits for the guest's prompt (the boot output comes first, from
 * the console's backlog), then types each line followed by Enter (CR, as a terminal sends it) and
 * waits for the next prompt. Returns the text shown; the console is closed as virsh's Ctrl+] does
 * (virStreamFinish).
 */
export async function runConsoleScript(o: ConsoleScriptOptions): Promise<string> {
  const conn = await Connect.open(o.uri);
  try {
    const dom = await conn.lookupByName(o.domain);
    const stream = conn.newStream();
    await dom.openConsole(null, stream, 0);
    const shown = new ConsoleText(stream, o.output, o.signal);
    try {
      const prompt = o.prompt ?? GUEST_PROMPT;
      let at = await shown.waitFor(prompt, 0, "the guest's first prompt", o.firstPromptGuardMs);
      for (const line of o.lines) {
        await stream.send(Buffer.from(`${line}\r`, "latin1"));
        // the echo of the line, then the answer, then a fresh prompt
        at = await shown.waitFor(`\r\n${prompt}`, at, `the answer to '${line}'`);
      }
      return shown.text;
    } finally {
      await stream.finish().catch((e: unknown) => {
        if (!(e instanceof VirError)) throw e;
      });
    }
  } finally {
    await conn.close();
  }
}
