// The shell control (vshControl + virshControl of tools/vsh.c and tools/virsh.c): command
// tables, output rules, the connection and its lazy (re)opening, error reporting at the end of a
// command, and the run loop over parsed commands.
import { closeSync, constants, openSync, writeSync } from "node:fs";
import { Connect, VirError, VirErrorDomain, VirErrorNumber, type OpenOptions } from "@virtkit/libvirt";
import type { CmdDef, CmdGroup } from "./command-def.js";
import type { ShellIO } from "./io.js";
import { CommandFailed, type ErrorSink, type ParsedCommand } from "./parsed-command.js";
import { parseCommands, type CommandLookup } from "./parser.js";
import { ArgvTokens, StringTokens, type TokenSource } from "./tokenizer.js";

/** vshErrorLevel */
export const VSH_ERR_DEBUG = 0;
export const VSH_ERR_INFO = 1;
export const VSH_ERR_NOTICE = 2;
export const VSH_ERR_WARNING = 3;
export const VSH_ERR_ERROR = 4;

/** virsh.h VIRSH_PROMPT_RW / VIRSH_PROMPT_RO */
export const VIRSH_PROMPT_RW = "virsh # ";
export const VIRSH_PROMPT_RO = "virsh > ";

export interface ShellOptions {
  io: ShellIO;
  groups: readonly CmdGroup[];
  /** -c / --connect */
  connname?: string | null;
  readonly?: boolean;
  quiet?: boolean;
  debug?: number;
  timing?: boolean;
  /** -e: "^]" by default */
  escapeChar?: string;
  /** -k / -K (-1 = not given) */
  keepaliveInterval?: number;
  keepaliveCount?: number;
  /** Is stdin a terminal (ctl->istty)? */
  istty?: boolean;
  /** How connections are opened (tests may substitute). */
  open?: (uri: string | null, opts: OpenOptions) => Promise<Connect>;
  /** Environment for $EDITOR, VIRSH_DEFAULT_CONNECT_URI... */
  env?: NodeJS.ProcessEnv;
}

/** Why a close callback fired (virConnectCloseReason). */
const CLOSE_REASON_TEXT: Record<number, string> = {
  0: "Disconnected from %s due to I/O error",
  1: "Disconnected from %s due to end of file",
  2: "Disconnected from %s due to keepalive timeout",
};

export class Shell implements ErrorSink, CommandLookup {
  readonly io: ShellIO;
  readonly groups: readonly CmdGroup[];
  connname: string | null;
  readonly: boolean;
  quiet: boolean;
  debugLevel: number;
  timing: boolean;
  escapeChar: string;
  keepaliveInterval: number;
  keepaliveCount: number;
  istty: boolean;
  /** Interactive mode (no command on the command line). */
  imode = false;
  readonly env: NodeJS.ProcessEnv;
  private readonly opener: (uri: string | null, opts: OpenOptions) => Promise<Connect>;
  private readonly byName = new Map<string, CmdDef>();

  conn: Connect | null = null;
  /** disconnected counter of virsh.c: set when the connection broke. */
  disconnected = 0;
  /** last_error: the libvirt error to report when the command ends. */
  lastError: VirError | null = null;
  /** The interactive shell's line editor, which commands needing the raw terminal suspend. */
  terminal: { suspend(): void; resume(): void } | null = null;
  /** Hooks run on SIGINT while a command waits for an event (vshEventStart). */
  private interruptHandlers: (() => void)[] = [];

  constructor(o: ShellOptions) {
    this.io = o.io;
    this.groups = o.groups;
    this.connname = o.connname ?? null;
    this.readonly = o.readonly ?? false;
    this.quiet = o.quiet ?? false;
    this.debugLevel = o.debug ?? VSH_ERR_ERROR;
    this.timing = o.timing ?? false;
    this.escapeChar = o.escapeChar ?? "^]";
    this.keepaliveInterval = o.keepaliveInterval ?? -1;
    this.keepaliveCount = o.keepaliveCount ?? -1;
    this.istty = o.istty ?? false;
    this.env = o.env ?? process.env;
    this.opener = o.open ?? ((uri, opts) => Connect.open(uri, opts));
    for (const g of this.groups) for (const c of g.commands) this.byName.set(c.name, c);
  }

  // ---- command tables ----
  find(name: string): CmdDef | undefined {
    return this.byName.get(name);
  }
  findGroup(name: string): CmdGroup | undefined {
    return this.groups.find((g) => g.name === name || g.keyword === name);
  }
  allCommands(): CmdDef[] {
    return [...this.byName.values()];
  }

  // ---- output (vshPrint, vshPrintExtra, vshError, vshDebug) ----
  print(s: string): void {
    this.io.stdout(s);
  }
  /** Suppressed by -q. */
  printExtra(s: string): void {
    if (!this.quiet) this.io.stdout(s);
  }
  error(msg: string): void {
    this.log(VSH_ERR_ERROR, msg);
    this.io.stderr(`error: ${msg}\n`);
  }
  debug(level: number, msg: string): void {
    if (level < this.debugLevel) return;
    this.log(level, msg);
    this.io.stdout(msg);
  }

  // ---- the -l log file (vshOpenLogFile / vshOutputLogFile) ----
  private logFd = -1;
  /** Open (append, create 0644) the log; false after printing virsh's error. */
  openLog(path: string): boolean {
    try {
      this.logFd = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_SYNC, 0o644);
      return true;
    } catch {
      this.error("failed to open the log file. check the log file path");
      return false;
    }
  }
  closeLog(): void {
    if (this.logFd >= 0) closeSync(this.logFd);
    this.logFd = -1;
  }
  /** "[YYYY.MM.DD HH:MM:SS virsh PID] LEVEL message" */
  private log(level: number, msg: string): void {
    if (this.logFd < 0) return;
    const d = new Date();
    const p = (n: number): string => String(n).padStart(2, "0");
    const when = `${d.getFullYear()}.${p(d.getMonth() + 1)}.${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    const lvl = ["DEBUG", "INFO", "INFO", "WARNING", "ERROR"][level] ?? "DEBUG";
    try {
      writeSync(this.logFd, `[${when} virsh ${process.pid}] ${lvl} ${msg.replace(/\n+$/, "")}\n`);
    } catch {
      this.closeLog();
      this.error("failed to write the log file");
    }
  }
  saveError(e: VirError): void {
    this.lastError = e;
  }
  /** vshResetLibvirtError */
  resetError(): void {
    this.lastError = null;
  }
  /** vshReportError: the saved libvirt error, if any, as "error: <message>". */
  reportError(): void {
    const e = this.lastError;
    this.lastError = null;
    if (!e) return;
    if (e.code === VirErrorNumber.VIR_ERR_OK) this.error("unknown error");
    else this.error(e.message);
  }

  /**
   * Run a libvirt call; a VirError is saved for the end-of-command report and undefined returned.
   * Use when the handler prints its own line before libvirt's (virsh's "Failed to ..." pattern).
   */
  async attempt<T>(p: Promise<T> | (() => Promise<T>)): Promise<{ ok: true; value: T } | { ok: false }> {
    try {
      const value = await (typeof p === "function" ? p() : p);
      return { ok: true, value };
    } catch (e) {
      if (e instanceof VirError) {
        this.saveError(e);
        return { ok: false };
      }
      throw e;
    }
  }

  // ---- connection (virshConnect, virshReconnect, virshConnectionHandler) ----
  private async openConnection(uri: string | null, readonly: boolean): Promise<Connect | null> {
    let interval = 5;
    let count = 6;
    let forced = false;
    if (this.keepaliveInterval >= 0) {
      interval = this.keepaliveInterval;
      forced = true;
    }
    if (this.keepaliveCount >= 0) {
      count = this.keepaliveCount;
      forced = true;
    }
    let c: Connect;
    try {
      c = await this.opener(uri, { readOnly: readonly });
    } catch (e) {
      if (e instanceof VirError) {
        this.saveError(e);
        return null;
      }
      throw e;
    }
    if (interval > 0) {
      try {
        await c.setKeepAlive(interval, count);
      } catch (e) {
        if (!(e instanceof VirError)) throw e;
        if (forced) {
          this.saveError(e);
          this.error("Cannot setup keepalive on connection as requested, disconnecting");
          await c.close().catch(() => undefined);
          return null;
        }
        this.debug(VSH_ERR_INFO, "Failed to setup keepalive on connection\n");
        this.resetError();
      }
    }
    return c;
  }

  /** virshReconnect: close the current connection (if any) and open `name` or the default. */
  async reconnect(name: string | null, readonly: boolean, force: boolean): Promise<boolean> {
    let connected = false;
    let ro = readonly;
    if (!ro && name === null) ro = this.readonly;
    if (this.conn) {
      connected = true;
      const old = this.conn;
      this.conn = null;
      await old.close().catch(() => undefined);
    }
    const uri = name ?? this.connname ?? this.env.VIRSH_DEFAULT_CONNECT_URI ?? null;
    const c = await this.openConnection(uri === "" ? null : uri, ro);
    if (!c) {
      this.error(this.disconnected ? "Failed to reconnect to the hypervisor" : "failed to connect to the hypervisor");
      return false;
    }
    this.conn = c;
    if (name !== null) this.connname = name;
    this.readonly = ro;
    try {
      await c.registerCloseCallback((conn, reason) => {
        if (reason === 3) return;
        const text = CLOSE_REASON_TEXT[reason];
        if (text === undefined) return;
        this.error(text.replace("%s", () => conn.uri.uri));
        this.disconnected++;
        this.finishEventWait("disconnect");
      });
    } catch {
      this.error("Unable to register disconnect callback");
    }
    if (connected && !force) this.error("Reconnected to the hypervisor");
    this.disconnected = 0;
    return true;
  }

  /** virshConnectionHandler + virshConnectionUsability. */
  async connection(): Promise<Connect | null> {
    if ((!this.conn || this.disconnected) && !(await this.reconnect(null, false, false))) return null;
    const c = this.conn;
    if (!c || !(await c.isAlive().catch(() => false))) {
      this.error("no valid connection");
      return null;
    }
    return c;
  }

  /** The open connection inside a handler (the run loop opened it before calling). */
  get c(): Connect {
    if (!this.conn) throw new CommandFailed();
    return this.conn;
  }

  async close(): Promise<void> {
    const c = this.conn;
    this.conn = null;
    if (c) await c.close().catch(() => undefined);
  }

  // ---- parsing and running ----
  parseLine(line: string): ParsedCommand[] | null {
    return this.parse(new StringTokens(line));
  }
  parseArgv(words: readonly string[]): ParsedCommand[] | null {
    return this.parse(new ArgvTokens(words));
  }
  private parse(src: TokenSource): ParsedCommand[] | null {
    return parseCommands(src, this, (m) => { this.error(m); });
  }

  /** vshCommandRun: every command in turn; the result is the last command's. */
  async run(cmds: readonly ParsedCommand[]): Promise<boolean> {
    let ret = true;
    for (const cmd of cmds) {
      const before = performance.now();
      ret = false;
      try {
        if (cmd.def.noConnect || (await this.connection())) ret = await cmd.def.handler(this, cmd);
      } catch (e) {
        if (e instanceof VirError) this.saveError(e);
        else if (e instanceof CommandFailed) {
          if (e.libvirtError) this.saveError(e.libvirtError);
        } else {
          this.error(e instanceof Error ? e.message : String(e));
        }
        ret = false;
      }
      const after = performance.now();
      const err = this.lastError;
      if (
        !ret &&
        err &&
        ((err.code === VirErrorNumber.VIR_ERR_SYSTEM_ERROR && err.domain === VirErrorDomain.VIR_FROM_REMOTE) ||
          err.code === VirErrorNumber.VIR_ERR_RPC ||
          err.code === VirErrorNumber.VIR_ERR_NO_CONNECT ||
          err.code === VirErrorNumber.VIR_ERR_INVALID_CONN)
      ) {
        this.disconnected++;
      }
      if (!ret) this.reportError();
      else this.resetError();
      if (cmd.def.name === "quit" || cmd.def.name === "exit") return ret;
      if (this.timing) this.print(`\n(Time: ${(after - before).toFixed(3)} ms)\n\n`);
      else this.printExtra("\n");
    }
    return ret;
  }

  // ---- waiting for events (vshEventStart / vshEventWait / vshEventDone) ----
  private eventWaiter: ((why: EventWaitResult) => void) | null = null;
  private pendingEventResult: EventWaitResult | null = null;

  /** vshEventStart: from now on SIGINT (and finishEventWait) end the wait. */
  startEventWait(): void {
    this.pendingEventResult = null;
    const onInt = (): void => { this.finishEventWait("interrupt"); };
    process.on("SIGINT", onInt);
    this.interruptHandlers.push(() => process.off("SIGINT", onInt));
  }
  /** vshEventDone / vshEventInt */
  finishEventWait(why: EventWaitResult): void {
    if (this.eventWaiter) {
      const w = this.eventWaiter;
      this.eventWaiter = null;
      w(why);
    } else {
      this.pendingEventResult ??= why;
    }
  }
  /** vshEventWait: until done, SIGINT or the timeout (ms, -1 = none). */
  waitEvent(timeoutMs: number): Promise<EventWaitResult> {
    if (this.pendingEventResult !== null) {
      const r = this.pendingEventResult;
      this.pendingEventResult = null;
      return Promise.resolve(r);
    }
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      if (timeoutMs >= 0) timer = setTimeout(() => { this.finishEventWait("timeout"); }, timeoutMs);
      this.eventWaiter = (why) => {
        if (timer) clearTimeout(timer);
        resolve(why);
      };
    });
  }
  /** vshEventCleanup */
  cleanupEventWait(): void {
    for (const h of this.interruptHandlers) h();
    this.interruptHandlers = [];
    this.eventWaiter = null;
    this.pendingEventResult = null;
  }
}

export type EventWaitResult = "done" | "interrupt" | "timeout" | "disconnect";
