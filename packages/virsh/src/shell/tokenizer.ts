// The two token sources of tools/vsh.c: argv words (vshCommandArgvGetArg) and a command string
// (vshCommandStringGetArg) with shell-like quoting, `;`/newline separated commands and `#`
// comments.

export type Token =
  | { kind: "arg"; data: string }
  /** between two commands (`;` or newline) */
  | { kind: "end-cmd" }
  | { kind: "end" }
  | { kind: "error"; message: string };

export interface TokenSource {
  next(): Token;
  /** Offset reached in the original line (string sources), for completion. */
  readonly pos: number;
}

export class ArgvTokens implements TokenSource {
  private i = 0;
  constructor(private readonly words: readonly string[]) {}
  next(): Token {
    if (this.i >= this.words.length) return { kind: "end" };
    return { kind: "arg", data: this.words[this.i++]! };
  }
  get pos(): number {
    return this.i;
  }
}

/**
 * Quoting as in vsh.c: blanks separate words; '...' quotes literally; "..." quotes with
 * backslash escapes; a backslash escapes the next character outside single quotes and a
 * backslash-newline disappears; an unterminated "..." is an error ("missing \"") only when
 * `strict` (the completer parses unfinished lines).
 */
export class StringTokens implements TokenSource {
  private p = 0;
  constructor(
    private readonly s: string,
    private readonly strict = true,
  ) {}

  get pos(): number {
    return this.p;
  }

  /** Skip blanks (and escaped newlines) before a token. */
  private skipBlanks(): void {
    const s = this.s;
    while (this.p < s.length) {
      const c = s[this.p];
      if (c === " " || c === "\t") this.p++;
      else if (c === "\\" && s[this.p + 1] === "\n") this.p += 2;
      else break;
    }
  }

  /** Position of the next token start (after blanks), without consuming it. */
  peekStart(): number {
    const save = this.p;
    this.skipBlanks();
    const r = this.p;
    this.p = save;
    return r;
  }

  next(): Token {
    const s = this.s;
    this.skipBlanks();
    if (this.p >= s.length) return { kind: "end" };
    const c = s[this.p];
    if (c === ";" || c === "\n") {
      this.p++;
      return { kind: "end-cmd" };
    }
    if (c === "#") {
      while (this.p < s.length && s[this.p] !== "\n") this.p++;
      if (this.p < s.length) this.p++;
      return { kind: "end-cmd" };
    }
    let out = "";
    let sq = false;
    let dq = false;
    while (this.p < s.length) {
      const ch = s[this.p]!;
      if (!dq && !sq && (ch === " " || ch === "\t" || ch === ";" || ch === "\n")) break;
      if (!dq && ch === "'") {
        sq = !sq;
        this.p++;
        continue;
      }
      if (!sq && ch === "\\") {
        this.p++;
        if (this.p >= s.length) {
          if (this.strict) return { kind: "error", message: "dangling \\" };
          break;
        }
        if (s[this.p] === "\n") {
          this.p++;
          continue;
        }
        out += s[this.p] ?? "";
        this.p++;
        continue;
      }
      if (!sq && ch === '"') {
        dq = !dq;
        this.p++;
        continue;
      }
      out += ch;
      this.p++;
    }
    if (dq && this.strict) return { kind: "error", message: 'missing "' };
    return { kind: "arg", data: out };
  }
}
