// Tab completion of the interactive shell (vshReadlineParse in tools/vsh.c): the first word
// completes to command names; after it, a word starting an option completes to the options not
// yet given; the value of an option (given by name or positionally) completes through the
// option's completer (domain, pool, volume, network and snapshot names from the connection).
import type { CmdDef, CompleterKind, OptDef } from "./command-def.js";
import type { Shell } from "./shell.js";
import { StringTokens } from "./tokenizer.js";

/** rl_basic_word_break_characters as virsh sets them. */
const BREAK_CHARS = " \t\n`@$><=;|&{(";

export interface CompletionContext {
  /** the partial word readline replaces */
  text: string;
  /** null: complete command names */
  cmd: CmdDef | null;
  /** the option whose value is being typed; null: complete option names */
  opt: OptDef | null;
  /** values already given, by option name (a completer may depend on them: vol needs --pool) */
  given: Map<string, string>;
  /** options already given (not offered again unless argv) */
  used: Set<string>;
}

/** The word being completed: what follows the last unquoted break character. */
function currentText(line: string): string {
  let start = 0;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = null;
      continue;
    }
    if (c === "\\") {
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      continue;
    }
    if (BREAK_CHARS.includes(c)) start = i + 1;
  }
  return line.slice(start).replace(/^["']/, "");
}

/** The segment of the line after the last unquoted ';' (the command being typed). */
function lastCommand(line: string): string {
  let start = 0;
  let sq = false;
  let dq = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "\\" && !sq) {
      i++;
      continue;
    }
    if (c === "'" && !dq) sq = !sq;
    else if (c === '"' && !sq) dq = !dq;
    else if ((c === ";" || c === "\n") && !sq && !dq) start = i + 1;
  }
  return line.slice(start);
}

/** Work out what the cursor is on (vshCommandStringParse with a partial command). */
export function completionContext(shell: Pick<Shell, "find">, line: string): CompletionContext {
  const text = currentText(line);
  const seg = lastCommand(line);
  const toks = new StringTokens(seg, false);
  const words: string[] = [];
  for (;;) {
    const t = toks.next();
    if (t.kind !== "arg") break;
    words.push(t.data);
  }
  const newWord = seg === "" || /[ \t]$/.test(seg);
  const done = newWord ? words : words.slice(0, -1);
  const current = newWord ? "" : words[words.length - 1] ?? "";
  const ctx: CompletionContext = { text, cmd: null, opt: null, given: new Map(), used: new Set() };
  if (done.length === 0) return ctx;
  const cmd = shell.find(done[0]!);
  if (!cmd) return { ...ctx, cmd: null, text: "\0" };
  ctx.cmd = cmd;
  let positional = cmd.opts.filter((o) => o.type !== "bool" && o.type !== "alias" && !o.needName);
  let pending: OptDef | null = null;
  let dataOnly = false;
  const resolve = (name: string): OptDef | undefined => {
    let o = cmd.opts.find((x) => x.name === name);
    for (let hops = 0; o?.type === "alias" && hops < 4; hops++) {
      const target: string = o.help.split("=")[0]!;
      o = cmd.opts.find((x) => x.name === target);
    }
    return o;
  };
  for (const w of done.slice(1)) {
    if (pending) {
      ctx.given.set(pending.name, w);
      if (pending.type !== "argv") positional = positional.filter((p) => p !== pending);
      pending = null;
      continue;
    }
    if (!dataOnly && w === "--") {
      dataOnly = true;
      continue;
    }
    if (!dataOnly && w.startsWith("--") && w.length > 2) {
      const eq = w.indexOf("=");
      const o = resolve(eq >= 0 ? w.slice(2, eq) : w.slice(2));
      if (!o) continue;
      ctx.used.add(o.name);
      if (o.type === "bool") continue;
      if (eq >= 0) {
        ctx.given.set(o.name, w.slice(eq + 1));
        if (o.type !== "argv") positional = positional.filter((p) => p !== o);
      } else {
        pending = o;
      }
      continue;
    }
    const p = positional[0];
    if (!p) continue;
    ctx.given.set(p.name, w);
    ctx.used.add(p.name);
    if (p.type !== "argv") positional = positional.slice(1);
  }
  if (pending) ctx.opt = pending;
  else if (!dataOnly && current.startsWith("-")) ctx.opt = null;
  else if (!dataOnly && current.includes("=") && current.startsWith("--")) ctx.opt = resolve(current.slice(2, current.indexOf("="))) ?? null;
  else ctx.opt = positional[0] ?? null;
  return ctx;
}

/** Names a completer offers, from the open connection. */
export async function completerValues(shell: Shell, kind: CompleterKind, flags: number, given: Map<string, string>): Promise<string[]> {
  const conn = shell.conn ?? (await shell.connection().catch(() => null));
  if (!conn) return [];
  try {
    switch (kind) {
      case "domain":
        return (await conn.listAllDomains(flags)).map((d) => d.name());
      case "network":
        return (await conn.listAllNetworks(flags)).map((n) => n.name());
      case "pool":
        return (await conn.listAllStoragePools(flags)).map((p) => p.name());
      case "volume": {
        const pool = given.get("pool");
        if (pool === undefined) return [];
        const p = await conn.storagePoolLookupByName(pool);
        return (await p.listAllVolumes()).map((v) => v.name());
      }
      case "snapshot": {
        const dom = given.get("domain");
        if (dom === undefined) return [];
        const d = await conn.lookupByName(dom);
        return (await d.listAllSnapshots()).map((s) => s.getName());
      }
    }
  } catch {
    return [];
  } finally {
    shell.resetError();
  }
}

/** Candidate words for `line` (cursor at its end) and the text they replace. */
export async function complete(shell: Shell, line: string): Promise<[string[], string]> {
  const ctx = completionContext(shell, line);
  let list: string[] = [];
  if (ctx.text === "\0") return [[], ""];
  // "dump<TAB>" with dump a command: still complete command names (dump, dumpxml).
  if (!ctx.cmd) {
    list = shell.groups.flatMap((g) => g.commands.filter((c) => !c.hidden).map((c) => c.name));
  } else if (!ctx.opt || ctx.opt.type === "bool") {
    list = ctx.cmd.opts.filter((o) => o.type !== "alias" && (o.type === "argv" || !ctx.used.has(o.name))).map((o) => `--${o.name}`);
  } else if (ctx.opt.complete) {
    list = (await completerValues(shell, ctx.opt.complete, ctx.opt.completeFlags ?? 0, ctx.given)).map((s) => s.replace(/ /g, "\\ "));
  }
  const hits = list.filter((s) => s.startsWith(ctx.text));
  // GNU readline appends a space after a unique completion (rl_completion_append_character).
  if (hits.length === 1) return [[`${hits[0]!} `], ctx.text];
  return [hits, ctx.text];
}
