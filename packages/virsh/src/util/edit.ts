// The edit cycle of tools/virsh-edit.c and vsh.c (vshEditWriteToTempFile, vshEditFile,
// vshAskReedit): the object's XML goes to $TMPDIR/virshXXXXXX.xml, $VISUAL/$EDITOR (or
// sensible-editor) edits it, an unchanged file stops there, otherwise the XML is re-read to
// catch concurrent changes and the object redefined; on failure a terminal user may edit again,
// force, or (when allowed) turn validation off.
import { spawnSync } from "node:child_process";
import { readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { VirError, VirErrorDomain, VirErrorNumber } from "@virtkit/libvirt";
import { escapeShell } from "../commands/virsh-itself.js";
import type { Shell } from "../shell/shell.js";
import { strerror } from "./read-file.js";
import { makeRaw } from "./terminal.js";

const ACCEPTED_CHARS = /^[A-Za-z0-9\-/_.:@]*$/;
const DEFAULT_EDITOR = "sensible-editor";

export interface EditHooks<T> {
  /** EDIT_GET_XML */
  getXML(): Promise<string>;
  /** EDIT_NOT_CHANGED: print and succeed. */
  notChanged(): void;
  /** EDIT_DEFINE: the redefined object, or null after saving the error. */
  define(xml: string): Promise<T | null>;
  /** EDIT_RELAX: turn validation off for the next define (absent: not offered). */
  relax?: () => void;
}

/** vshEditWriteToTempFile: $TMPDIR/virshXXXXXX.xml, mode 0600, created exclusively. */
function tempFile(ctl: Shell, doc: string): string | null {
  const tmpdir = ctl.env.TMPDIR ?? "/tmp";
  const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (let attempt = 0; attempt < 100; attempt++) {
    let x = "";
    for (let i = 0; i < 6; i++) x += chars.charAt(Math.floor(Math.random() * chars.length));
    const file = join(tmpdir, `virsh${x}.xml`);
    try {
      writeFileSync(file, doc, { mode: 0o600, flag: "wx" });
      return file;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") continue;
      ctl.error(`g_mkstemp_full: failed to create temporary file: ${strerror(e)}`);
      return null;
    }
  }
  ctl.error("g_mkstemp_full: failed to create temporary file: File exists");
  return null;
}

/** virCommandToString: arguments quoted for a shell where needed. */
function commandString(argv: readonly string[]): string {
  return argv.map(escapeShell).join(" ");
}

/** vshEditFile: run the editor on the file with the terminal attached (virCommand semantics). */
function editFile(ctl: Shell, file: string): boolean {
  const editor = ctl.env.VISUAL ?? ctl.env.EDITOR ?? DEFAULT_EDITOR;
  if (!ACCEPTED_CHARS.test(editor) && !ACCEPTED_CHARS.test(file)) {
    ctl.error(`${file}: temporary filename contains shell meta or other unacceptable characters (is $TMPDIR wrong?)`);
    return false;
  }
  const argv = ACCEPTED_CHARS.test(editor) ? [editor, file] : ["sh", "-c", `${editor} ${file}`];
  ctl.terminal?.suspend();
  let r;
  try {
    r = spawnSync(argv[0]!, argv.slice(1), { stdio: "inherit", env: ctl.env });
  } finally {
    ctl.terminal?.resume();
  }
  let status = r.status;
  if (r.error) {
    // The forked child could not exec: libvirt's child reports it and exits with 127.
    ctl.io.stderr(`libvirt:  error : cannot execute binary ${argv[0]!}: ${strerror(r.error)}\n`);
    status = 127;
  }
  if (status !== 0) {
    const how = r.signal ? `fatal signal ${r.signal}` : `exit status ${status ?? -1}`;
    // Built directly: the detail may contain "$" sequences that a replace() template would eat.
    const detail = `Child process (${commandString(argv)}) unexpected ${how}`;
    ctl.saveError(new VirError({ code: VirErrorNumber.VIR_ERR_INTERNAL_ERROR, domain: VirErrorDomain.VIR_FROM_NONE, message: `internal error: ${detail}`, str1: "internal error: %s", str2: detail }));
    ctl.reportError();
    return false;
  }
  return true;
}

/** vshAskReedit: one key from the terminal, -1 when stdin is not one. */
function askReedit(ctl: Shell, msg: string, relaxAvail: boolean): string | null {
  if (!process.stdin.isTTY) return null;
  ctl.reportError();
  ctl.terminal?.suspend();
  const tty = makeRaw(process.stdin);
  if (!tty) {
    ctl.terminal?.resume();
    return null;
  }
  try {
    const buf = Buffer.alloc(1);
    for (;;) {
      ctl.print(`\r${msg} Try again? ${relaxAvail ? "[y,n,i,f,?]" : "[y,n,f,?]"}: `);
      let n = 0;
      try {
        n = require_readSync(buf);
      } catch {
        return null;
      }
      if (n === 0) return null;
      const c = String.fromCharCode(buf[0]!).toLowerCase();
      if (c === "?") {
        ctl.print("\r\n");
        ctl.print("y - yes, start editor again\r\n");
        ctl.print("n - no, throw away my changes\r\n");
        if (relaxAvail) ctl.print("i - turn off validation and try to redefine again\r\n");
        ctl.print("f - force, try to redefine again\r\n");
        ctl.print("? - print this help\r\n");
        continue;
      }
      if (c === "y" || c === "n" || c === "f" || (relaxAvail && c === "i")) {
        ctl.print("\r\n");
        return c;
      }
    }
  } finally {
    tty.restore();
    ctl.terminal?.resume();
  }
}

function require_readSync(buf: Buffer): number {
  for (;;) {
    try {
      return readSync(0, buf, 0, 1, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
    }
  }
}

/** The whole cycle; resolves to the redefined object, or null (failure or "not changed" = true). */
export async function editObject<T>(ctl: Shell, hooks: EditHooks<T>): Promise<{ done: "edited"; obj: T | null } | { done: "unchanged" } | { done: "failed" }> {
  let doc: string;
  try {
    doc = await hooks.getXML();
  } catch (e) {
    if (e instanceof VirError) ctl.saveError(e);
    else throw e;
    return { done: "failed" };
  }
  const file = tempFile(ctl, doc);
  if (file === null) return { done: "failed" };
  let relaxAvail = hooks.relax !== undefined;
  try {
    let mode: "edit" | "redefine" = "edit";
    let edited = "";
    for (;;) {
      if (mode === "edit") {
        if (!editFile(ctl, file)) return { done: "failed" };
        try {
          edited = readFileSync(file, "utf8");
        } catch (e) {
          ctl.error(`${file}: failed to read temporary file: ${strerror(e)}`);
          return { done: "failed" };
        }
        if (edited === doc) {
          hooks.notChanged();
          return { done: "unchanged" };
        }
      }
      let msg: string | null = null;
      let reread: string;
      try {
        reread = await hooks.getXML();
      } catch (e) {
        if (e instanceof VirError) ctl.saveError(e);
        else throw e;
        return { done: "failed" };
      }
      if (reread !== doc) {
        msg = "The XML configuration was changed by another user.";
        doc = reread;
      }
      let obj: T | null = null;
      if (!msg) {
        obj = await hooks.define(edited);
        if (obj === null) msg = "Failed.";
      }
      if (!msg && obj !== null) return { done: "edited", obj };
      const c = askReedit(ctl, msg ?? "Failed.", relaxAvail);
      if (c === "y") {
        mode = "edit";
        continue;
      }
      if (c === "f") {
        mode = "redefine";
        continue;
      }
      if (c === "n") return { done: "failed" };
      if (c === "i" && relaxAvail && hooks.relax) {
        hooks.relax();
        relaxAvail = false;
        mode = "redefine";
        continue;
      }
      // virsh-edit.c falls through to success here (stdin not a terminal): the message is an
      // error line, yet the command reports the edit as done, naming the (NULL) new object.
      ctl.error(msg ?? "Failed.");
      return { done: "edited", obj: null };
    }
  } finally {
    rmSync(file, { force: true });
  }
}
