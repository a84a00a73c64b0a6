// The interactive shell (tools/virsh.c main loop and the readline glue of tools/vsh.c): the
// welcome text, a prompt per line ("virsh # ", "virsh > " when read-only), history kept in
// $XDG_CACHE_HOME/virsh/history (at most $VIRSH_HISTSIZE lines, 500 by default) and tab
// completion. A terminal gets line editing through node:readline; other input is read line by
// line and echoed after the prompt as GNU readline does when stdin is not a terminal.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { complete } from "./completion.js";
import { INT_MAX, INT_MIN, parseSigned } from "./numbers.js";
import { VIRSH_PROMPT_RO, VIRSH_PROMPT_RW, type Shell } from "./shell.js";

const HISTSIZE_MAX = 500000;

export interface InteractiveStreams {
  input: Readable;
  output: Writable;
  /** Is input a terminal (line editing, completion)? */
  terminal: boolean;
}

/** virGetUserCacheDirectory()/virsh */
export function historyDir(env: NodeJS.ProcessEnv): string {
  const cache = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME !== "" ? env.XDG_CACHE_HOME : join(env.HOME ?? homedir(), ".cache");
  return join(cache, "virsh");
}

class History {
  /** oldest first */
  lines: string[] = [];
  readonly file: string;
  constructor(
    readonly dir: string,
    readonly max: number,
    private readonly persist = true,
  ) {
    this.file = join(dir, "history");
    if (!persist) return;
    try {
      this.lines = readFileSync(this.file, "utf8").split("\n").filter((l) => l !== "");
    } catch {
      this.lines = [];
    }
    this.trim();
  }
  private trim(): void {
    if (this.lines.length > this.max) this.lines = this.lines.slice(this.lines.length - this.max);
  }
  add(line: string): void {
    this.lines.push(line);
    this.trim();
  }
  /** vshReadlineDeinit */
  save(shell: Shell): void {
    if (!this.persist) return;
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o755 });
    } catch (e) {
      shell.error(`Failed to create '${this.dir}': ${(e as Error).message}`);
      return;
    }
    try {
      writeFileSync(this.file, this.lines.map((l) => `${l}\n`).join(""));
    } catch {
      /* write_history's failure is silent in virsh */
    }
  }
}

/**
 * Lines from a terminal with editing, history and completion. One readline interface serves the
 * session, so that lines typed ahead while a command runs are kept; commands that need the raw
 * terminal (console, edit) suspend it and get it back afterwards.
 */
class TerminalReader {
  private rl: Interface | null = null;
  private readonly queue: string[] = [];
  private waiter: ((line: string | null) => void) | null = null;
  private ended = false;
  private suspended = false;

  constructor(
    private readonly shell: Shell,
    private readonly s: InteractiveStreams,
    private readonly history: History,
  ) {
    this.open();
  }

  private open(): void {
    const rl = createInterface({
      input: this.s.input,
      output: this.s.output,
      terminal: true,
      history: [...this.history.lines].reverse(),
      historySize: this.history.max,
      removeHistoryDuplicates: false,
      tabSize: 8,
      completer: (line: string, cb: (err: Error | null, result: [string[], string]) => void) => {
        complete(this.shell, line).then(
          (r) => { cb(null, r); },
          () => { cb(null, [[], line]); },
        );
      },
    });
    // readline keeps the terminal raw, so Ctrl-C arrives as a key, not a signal: hand it to
    // whatever waits on SIGINT (an event loop), else end as virsh does on SIGINT.
    rl.on("SIGINT", () => {
      if (process.listenerCount("SIGINT") > 0) {
        process.emit("SIGINT", "SIGINT");
        return;
      }
      this.close();
      process.kill(process.pid, "SIGINT");
    });
    rl.on("line", (line) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w(line);
      } else {
        this.queue.push(line);
      }
    });
    rl.on("close", () => {
      if (this.suspended) return;
      this.ended = true;
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w(null);
      }
    });
    this.rl = rl;
  }

  /** The next line (a line typed ahead was echoed when it was typed). null at EOF (Ctrl-D). */
  next(prompt: string): Promise<string | null> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.ended || !this.rl) return Promise.resolve(null);
    this.rl.setPrompt(prompt);
    this.rl.prompt();
    return new Promise((resolve) => { this.waiter = resolve; });
  }

  /** Hand the terminal to a command (the interface lets go of stdin). */
  suspend(): void {
    if (!this.rl || this.ended) return;
    this.suspended = true;
    this.rl.close();
    this.rl = null;
  }
  resume(): void {
    if (!this.suspended) return;
    this.suspended = false;
    this.open();
  }
  close(): void {
    this.suspended = true;
    this.rl?.close();
    this.rl = null;
  }
}

/** Lines of a non-terminal input, one at a time. */
function lineReader(input: Readable): () => Promise<string | null> {
  const rl = createInterface({ input, terminal: false, crlfDelay: Infinity });
  const queue: string[] = [];
  let ended = false;
  let waiter: (() => void) | null = null;
  rl.on("line", (l) => {
    queue.push(l);
    rl.pause();
    waiter?.();
  });
  rl.on("close", () => {
    ended = true;
    waiter?.();
  });
  return async () => {
    for (;;) {
      const l = queue.shift();
      if (l !== undefined) {
        if (queue.length === 0) rl.resume();
        return l;
      }
      if (ended) return null;
      await new Promise<void>((r) => {
        waiter = () => {
          waiter = null;
          r();
        };
        rl.resume();
      });
    }
  };
}

/** The interactive loop of virsh's main(). Returns the exit status. */
export async function runInteractive(shell: Shell, s: InteractiveStreams): Promise<number> {
  // vshReadlineInit: a bad $VIRSH_HISTSIZE is reported and the history is then neither
  // limited nor saved, but the shell still runs.
  let max = 500;
  let persist = true;
  const histsize = shell.env.VIRSH_HISTSIZE;
  if (histsize !== undefined) {
    const v = parseSigned(histsize, INT_MIN, INT_MAX);
    if (v === null) {
      shell.error("Bad $VIRSH_HISTSIZE value.");
      persist = false;
    } else if (v < 0n || v > BigInt(HISTSIZE_MAX)) {
      shell.error(`$VIRSH_HISTSIZE value should be between 0 and ${HISTSIZE_MAX}`);
      persist = false;
    } else {
      max = Number(v);
    }
  }
  const history = new History(historyDir(shell.env), persist ? max : HISTSIZE_MAX, persist);
  if (!shell.quiet) {
    shell.print("Welcome to virsh, the virtualization interactive terminal.\n\n");
    shell.print("Type:  'help' for help with commands\n       'quit' to quit\n\n");
  }
  const nextPiped = s.terminal ? null : lineReader(s.input);
  const reader = s.terminal ? new TerminalReader(shell, s, history) : null;
  if (reader) shell.terminal = { suspend: () => { reader.suspend(); }, resume: () => { reader.resume(); } };
  shell.imode = true;
  while (shell.imode) {
    const prompt = shell.readonly ? VIRSH_PROMPT_RO : VIRSH_PROMPT_RW;
    let line: string | null;
    if (nextPiped) {
      shell.print(prompt);
      line = await nextPiped();
      if (line !== null) shell.print(`${line}\n`);
    } else {
      line = await reader!.next(prompt);
    }
    if (line === null) break;
    if (line !== "") {
      history.add(line);
      const cmds = shell.parseLine(line);
      if (cmds) await shell.run(cmds);
    }
  }
  reader?.close();
  shell.terminal = null;
  // virsh's main prints a line break once the loop ends, after EOF and after quit alike.
  shell.print("\n");
  history.save(shell);
  return 0;
}
