// vsh-table.c: virsh's column printer. Every cell prints as " " + text; a column is padded to
// its widest cell plus two; the header is underlined by sum(width + 3) dashes; control
// characters are shown as \xNN so that widths stay countable.

/** Is the process in a UTF-8 locale (so that multibyte characters count as characters)? */
export function utf8Locale(env: NodeJS.ProcessEnv = process.env): boolean {
  const lc = env.LC_ALL ?? env.LC_CTYPE ?? env.LANG ?? "";
  return /utf-?8/i.test(lc);
}

/** East Asian wide and fullwidth ranges (g_unichar_iswide), enough for terminal alignment. */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

function isZeroWidth(cp: number): boolean {
  return (cp >= 0x300 && cp <= 0x36f) || cp === 0x200b || (cp >= 0x200c && cp <= 0x200f);
}

/**
 * vshTableSafeEncode: the cell as printed and its width. In the C locale every byte above 0x7f
 * is "not printable": C formats the (signed) char with "\\x%02x" into a 5-byte buffer, which
 * leaves "\xff" for each such byte.
 */
export function safeEncode(s: string, utf8: boolean): { text: string; width: number } {
  let text = "";
  let width = 0;
  const bytes = Buffer.from(s, "utf8");
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if ((b === 0x5c && bytes[i + 1] === 0x78) || b < 0x20 || b === 0x7f) {
      text += `\\x${b.toString(16).padStart(2, "0")}`;
      width += 4;
      i++;
      continue;
    }
    if (b < 0x80) {
      text += String.fromCharCode(b);
      width++;
      i++;
      continue;
    }
    if (!utf8) {
      text += "\\xff";
      width += 4;
      i++;
      continue;
    }
    const len = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
    const ch = bytes.subarray(i, i + len).toString("utf8");
    const cp = ch.codePointAt(0) ?? 0xfffd;
    text += ch;
    width += isZeroWidth(cp) ? 0 : isWide(cp) ? 2 : 1;
    i += len;
  }
  return { text, width };
}

export class VshTable {
  private readonly rows: string[][] = [];

  constructor(...header: string[]) {
    this.rows.push(header);
  }

  /** vshTableRowAppend: a row must have as many cells as the header. */
  add(...cells: string[]): void {
    if (cells.length !== this.rows[0]!.length) throw new Error("vshTableRowAppend: wrong number of cells");
    this.rows.push(cells);
  }

  /** vshTablePrintToString: with or without the header (quiet mode drops it). */
  format(header: boolean, utf8 = utf8Locale()): string {
    const ncols = this.rows[0]!.length;
    const maxw = new Array<number>(ncols).fill(0);
    const enc = this.rows.map((row, r) =>
      row.map((cell, c) => {
        const e = safeEncode(cell, utf8);
        if ((header || r > 0) && e.width > maxw[c]!) maxw[c] = e.width;
        return e;
      }),
    );
    const line = (cells: { text: string; width: number }[]): string => {
      let s = "";
      cells.forEach((e, c) => {
        s += ` ${e.text}`;
        if (c < cells.length - 1) s += " ".repeat(maxw[c]! - e.width + 2);
      });
      return `${s}\n`;
    };
    let out = "";
    if (header) {
      out += line(enc[0]!);
      out += "-".repeat(maxw.reduce((n, w) => n + w + 3, 0));
      out += "\n";
    }
    for (let r = 1; r < enc.length; r++) out += line(enc[r]!);
    return out;
  }
}
