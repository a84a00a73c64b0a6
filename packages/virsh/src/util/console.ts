// The interactive console (tools/virsh-console.c virshRunConsole and virsh-domain.c
// cmdRunConsole): the terminal goes raw, bytes typed go to the domain's console stream and the
// stream's bytes go to stdout, until the escape character (first byte of a read, "^]" by
// default), the end of the stream, or an error.
import { VIR_DOMAIN_SHUTOFF, VIR_STREAM_NONBLOCK, VirError, VirErrorDomain, VirErrorNumber, virError, type Domain } from "@virtkit/libvirt";
import { writeAllSync } from "../shell/io.js";
import type { Shell } from "../shell/shell.js";
import { makeRaw } from "./terminal.js";

/** virshGetEscapeChar: "^x" is Ctrl+x. */
export function escapeCharCode(s: string): number {
  if (s.startsWith("^")) return s.toUpperCase().charCodeAt(1) & 0x1f;
  return s.charCodeAt(0);
}

function internal(msg: string): VirError {
  return virError(VirErrorDomain.VIR_FROM_NONE, VirErrorNumber.VIR_ERR_INTERNAL_ERROR, msg);
}

/** Signals the console swallows while it runs (virConsoleHandleSignal). */
const SWALLOWED: NodeJS.Signals[] = ["SIGQUIT", "SIGTERM", "SIGINT", "SIGHUP", "SIGPIPE"];

/** virshRunConsole: 0 on a clean end, the error otherwise. */
async function runConsole(ctl: Shell, dom: Domain, devname: string | null, flags: number): Promise<VirError | null> {
  const stdin = process.stdin;
  ctl.terminal?.suspend();
  const tty = makeRaw(stdin);
  if (!tty) {
    ctl.terminal?.resume();
    ctl.error("unable to make terminal raw: console isn't a tty");
    return null;
  }
  const noop = (): void => undefined;
  for (const s of SWALLOWED) process.on(s, noop);
  const st = dom.conn.newStream(VIR_STREAM_NONBLOCK);
  try {
    try {
      await dom.openConsole(devname, st, flags);
    } catch (e) {
      if (e instanceof VirError) return e;
      throw e;
    }
    const escape = escapeCharCode(ctl.escapeChar);
    return await new Promise<VirError | null>((resolve) => {
      let quit = false;
      const onData = (buf: Buffer): void => {
        if (quit) return;
        if (buf.length > 0 && buf[0] === escape) {
          void shutdown(true, null);
          return;
        }
        st.send(buf).catch((e: unknown) => { void shutdown(false, e instanceof VirError ? e : internal(String(e))); });
      };
      const onEnd = (): void => { void shutdown(false, internal("EOF on stdin")); };
      const onError = (): void => { void shutdown(false, internal("IO error on stdin")); };
      const shutdown = async (graceful: boolean, err: VirError | null): Promise<void> => {
        if (quit) return;
        quit = true;
        stdin.off("data", onData);
        stdin.off("end", onEnd);
        stdin.off("error", onError);
        stdin.pause();
        st.setHandler(null);
        let error = err;
        try {
          if (graceful) await st.finish();
          else await st.abort();
        } catch {
          error ??= internal("cannot terminate console stream");
        }
        resolve(error);
      };
      st.setHandler({
        data: (chunk) => {
          try {
            writeAllSync(1, chunk);
          } catch (e) {
            void shutdown(false, internal(`cannot write to stdout: ${String(e)}`));
          }
        },
        hole: () => undefined,
        eof: () => { void shutdown(true, null); },
        error: (e) => { void shutdown(false, e); },
      });
      stdin.on("data", onData);
      stdin.on("end", onEnd);
      stdin.on("error", onError);
      stdin.resume();
    });
  } finally {
    for (const s of SWALLOWED) process.off(s, noop);
    tty.restore();
    ctl.terminal?.resume();
  }
}

/** cmdRunConsole: checks, the banner, then the console. */
export async function cmdRunConsole(ctl: Shell, dom: Domain, devname: string | null, flags: number): Promise<boolean> {
  let state: number;
  try {
    state = (await dom.state(0)).state;
  } catch (e) {
    if (!(e instanceof VirError)) throw e;
    ctl.saveError(e);
    ctl.error("Unable to get domain status");
    return false;
  }
  if (state === VIR_DOMAIN_SHUTOFF) {
    ctl.error("The domain is not running");
    return false;
  }
  if (!ctl.istty) {
    ctl.error("Cannot run interactive console without a controlling TTY");
    return false;
  }
  ctl.printExtra(`Connected to domain '${dom.name()}'\n`);
  ctl.printExtra(`Escape character is ${ctl.escapeChar}`);
  if (ctl.escapeChar.startsWith("^")) ctl.printExtra(` (Ctrl + ${ctl.escapeChar[1]!})`);
  ctl.printExtra("\n");
  const err = await runConsole(ctl, dom, devname, flags);
  if (err) {
    ctl.saveError(err);
    return false;
  }
  return true;
}
