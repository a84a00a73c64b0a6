// A strict, dependency-free XML 1.0 (+ Namespaces) parser and the two serializers libvirt needs.
//
// libvirt parses every XML document with libxml2 (virXMLParseHelper in src/util/virxml.c, libvirt 9.0):
// xmlCtxtReadDoc(XML_PARSE_NONET | XML_PARSE_NOWARNING) after xmlKeepBlanksDefault(0), so
//   * whitespace-only text that libxml2's areBlanks() heuristic calls "ignorable" is dropped,
//   * the first well-formedness error aborts the parse, and libvirt reports it through catchXMLError()
//     as "<docname>:<line>: <libxml2 message><context line>\n<pointer>".
// This parser follows libxml2 2.9.14 (Debian 12) parser.c closely enough to give the same tree,
// the same message text and the same error position (line and byte column) for the errors a
// hand-written document can contain. Namespaces are resolved (needed to copy <metadata> verbatim the
// way xmlCopyNode + virXMLNodeSanitizeNamespaces do) but names keep their prefixes.
// Deliberate simplifications: internal DTD subsets are parsed only for <!ENTITY name "text">
// declarations (other declarations are skipped), and entity references are expanded in place
// (libxml2 keeps entity-reference nodes; this only shows when <metadata> uses a DTD entity).

export const XML_NAMESPACE = "http://www.w3.org/XML/1998/namespace";

export interface XmlNamespaceDecl {
  /** null for a default namespace declaration (xmlns='...') */
  readonly prefix: string | null;
  readonly uri: string;
}

export interface XmlAttribute {
  readonly prefix: string | null;
  /** local name; for an attribute whose prefix is undeclared libxml2 keeps "prefix:local" here */
  readonly local: string;
  readonly ns: string | null;
  readonly value: string;
}

export interface XmlElement {
  readonly type: "element";
  prefix: string | null;
  /** local name; for an element whose prefix is undeclared libxml2 keeps "prefix:local" here */
  local: string;
  ns: string | null;
  nsDecls: XmlNamespaceDecl[];
  attributes: XmlAttribute[];
  children: XmlNode[];
  parent: XmlElement | null;
  /** 1-based line of the start tag */
  line: number;
  /** set when a DTD-declared entity was expanded in this element's content (libxml2 keeps an
   *  entity-reference node there, which RelaxNG validation of text content rejects) */
  entityRefs?: boolean;
}

export interface XmlText {
  readonly type: "text";
  value: string;
}
export interface XmlCData {
  readonly type: "cdata";
  value: string;
}
export interface XmlComment {
  readonly type: "comment";
  value: string;
}
export interface XmlPI {
  readonly type: "pi";
  target: string;
  data: string | null;
}
export type XmlNode = XmlElement | XmlText | XmlCData | XmlComment | XmlPI;

export interface XmlDocument {
  root: XmlElement;
  /** encoding named by the XML declaration, if any (changes how libxml2 serializes attributes) */
  encoding: string | null;
}

/**
 * A libxml2 fatal error. `xmlMessage` is libxml2's own text (it ends in "\n"), `line` is the
 * parser's line at the error, `context`/`pointer` are what libvirt's catchXMLError() prints.
 */
export class XmlSyntaxError extends Error {
  constructor(
    readonly xmlMessage: string,
    readonly line: number,
    readonly context: string | null,
    readonly pointer: string,
  ) {
    super(xmlMessage.trimEnd());
    this.name = "XmlSyntaxError";
  }

  /** The message libvirt builds in catchXMLError() (virxml.c): "%s:%d: %s%s\n%s". */
  libvirtMessage(docname: string): string {
    return `${docname}:${this.line}: ${this.xmlMessage}${this.context ?? "(null)"}\n${this.pointer}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Character classes (XML 1.0 fifth edition, as libxml2 uses them without XML_PARSE_OLD10)

function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** IS_CHAR: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF] */
function isXmlChar(c: number): boolean {
  if (c < 0x20) return c === 0x09 || c === 0x0a || c === 0x0d;
  return c <= 0xd7ff || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
}

function isNameStartChar(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    c === 0x5f ||
    c === 0x3a ||
    (c >= 0xc0 && c <= 0xd6) ||
    (c >= 0xd8 && c <= 0xf6) ||
    (c >= 0xf8 && c <= 0x2ff) ||
    (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) ||
    (c >= 0x200c && c <= 0x200d) ||
    (c >= 0x2070 && c <= 0x218f) ||
    (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xd7ff) ||
    (c >= 0xf900 && c <= 0xfdcf) ||
    (c >= 0xfdf0 && c <= 0xfffd) ||
    (c >= 0x10000 && c <= 0xeffff)
  );
}

function isNameChar(c: number): boolean {
  return (
    isNameStartChar(c) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d ||
    c === 0x2e ||
    c === 0xb7 ||
    (c >= 0x300 && c <= 0x36f) ||
    (c >= 0x203f && c <= 0x2040)
  );
}

/** test_char_data[] in parser.c: the bytes xmlParseCharData's fast path copies without looking */
function isFastCharData(c: number): boolean {
  return c === 0x09 || (c >= 0x20 && c <= 0x7f && c !== 0x3c && c !== 0x26 && c !== 0x5d);
}

function utf8Length(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < to) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** printf("%.50s") on UTF-8: at most n bytes (a cut multi-byte character is dropped) */
function truncateBytes(s: string, n: number): string {
  let bytes = 0;
  let i = 0;
  for (const ch of s) {
    const b = utf8Length(ch, 0, ch.length);
    if (bytes + b > n) break;
    bytes += b;
    i += ch.length;
  }
  return s.slice(0, i);
}

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = {
  lt: "<",
  gt: ">",
  amp: "&",
  apos: "'",
  quot: '"',
};

/** libxml2's xmlParserMaxDepth without XML_PARSE_HUGE */
const XML_PARSER_MAX_DEPTH = 256;

class Bail extends Error {}

interface OpenTag {
  element: XmlElement;
  prefix: string | null;
  local: string;
  line: number;
  nsMark: number;
}

/**
 * The parser state, one per document. Positions are UTF-16 indexes into `src`; byte columns for
 * error pointers are computed from UTF-8 lengths, as libxml2 works on UTF-8 bytes.
 */
class Parser {
  private pos = 0;
  private readonly len: number;
  private error: XmlSyntaxError | null = null;
  /** open elements while parsing content, with the tag name as written (libxml2's nameTab) */
  private readonly stack: OpenTag[] = [];
  /** xml:space state per open element (ctxt->space in libxml2): -1 default, -2 saw text, 0, 1 */
  private readonly space: number[] = [];
  /** namespace bindings in scope: prefix ("" = default) -> uri, innermost last */
  private readonly nsStack: { prefix: string; uri: string }[] = [];
  private readonly entities = new Map<string, string>();
  private hasExternalSubset = false;
  private encoding: string | null = null;

  constructor(private readonly src: string) {
    this.len = src.length;
  }

  // --- low level ------------------------------------------------------------------------------

  private cp(at: number): number {
    if (at >= this.len) return 0;
    const c = this.src.charCodeAt(at);
    if (c >= 0xd800 && c <= 0xdbff && at + 1 < this.len) {
      const d = this.src.charCodeAt(at + 1);
      if (d >= 0xdc00 && d <= 0xdfff) return ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
    }
    return c;
  }

  private ch(at: number = this.pos): number {
    return at < this.len ? this.src.charCodeAt(at) : 0;
  }

  private startsWith(s: string): boolean {
    return this.src.startsWith(s, this.pos);
  }

  private skipBlanks(): number {
    const start = this.pos;
    while (this.pos < this.len && isBlank(this.src.charCodeAt(this.pos))) this.pos++;
    return this.pos - start;
  }

  /** Raise a libxml2 fatal error at the current position, as catchXMLError() would print it. */
  private fatal(message: string, at: number = this.pos): never {
    const src = this.src;
    // catchXMLError: skip back over end-of-lines, then back to the start of the line
    let cur = Math.min(at, this.len);
    const charAt = (i: number): number => (i < this.len ? src.charCodeAt(i) : 0);
    while (cur > 0 && (charAt(cur) === 0x0a || charAt(cur) === 0x0d)) cur--;
    while (cur > 0 && charAt(cur) !== 0x0a && charAt(cur) !== 0x0d) cur--;
    if (charAt(cur) === 0x0a || charAt(cur) === 0x0d) cur++;
    const lineStart = cur;
    let lineEnd = lineStart;
    while (lineEnd < this.len && charAt(lineEnd) !== 0x0a && charAt(lineEnd) !== 0x0d) lineEnd++;
    const context = src.slice(lineStart, lineEnd);
    const col = at >= lineStart ? utf8Length(src, lineStart, Math.min(at, this.len)) : 0;
    // one pointer character per byte of the context line before the error, tabs kept
    let pointer = "";
    const bytes = Buffer.from(context, "utf8");
    for (let n = 0; n < col && n < bytes.length; n++) pointer += bytes[n] === 0x09 ? "\t" : "-";
    pointer += "^";
    let line = 1;
    const end = Math.min(at, this.len);
    for (let i = 0; i < end; i++) if (src.charCodeAt(i) === 0x0a) line++;
    this.error = new XmlSyntaxError(message, line, context === "" ? null : context, pointer);
    throw new Bail();
  }

  private lineAt(at: number): number {
    let line = 1;
    for (let i = 0; i < at && i < this.len; i++) if (this.src.charCodeAt(i) === 0x0a) line++;
    return line;
  }

  // --- names ----------------------------------------------------------------------------------

  private parseNameLike(ncname: boolean): string | null {
    const start = this.pos;
    let c = this.cp(this.pos);
    if (c === 0 || !isNameStartChar(c) || (ncname && c === 0x3a)) return null;
    this.pos += c > 0xffff ? 2 : 1;
    for (;;) {
      c = this.cp(this.pos);
      if (c === 0 || !isNameChar(c) || (ncname && c === 0x3a)) break;
      this.pos += c > 0xffff ? 2 : 1;
    }
    return this.src.slice(start, this.pos);
  }

  private parseName(): string | null {
    return this.parseNameLike(false);
  }

  private parseNCName(): string | null {
    return this.parseNameLike(true);
  }

  private parseNmtoken(): string | null {
    const start = this.pos;
    for (;;) {
      const c = this.cp(this.pos);
      if (c === 0 || !isNameChar(c)) break;
      this.pos += c > 0xffff ? 2 : 1;
    }
    return this.pos > start ? this.src.slice(start, this.pos) : null;
  }

  /** xmlParseQName: returns [prefix, local] or null; malformed QNames are namespace (non-fatal) errors */
  private parseQName(): [string | null, string] | null {
    const l = this.parseNCName();
    if (l === null) {
      if (this.ch() === 0x3a) {
        const n = this.parseName();
        if (n !== null) return [null, n];
      }
      return null;
    }
    if (this.ch() !== 0x3a) return [null, l];
    this.pos++;
    const l2 = this.parseNCName();
    if (l2 === null) {
      const tok = this.parseNmtoken();
      return [null, `${l}:${tok ?? ""}`];
    }
    if (this.ch() === 0x3a) {
      this.pos++;
      const rest = this.parseName();
      return [l, rest !== null ? `${l2}:${rest}` : `${l2}:`];
    }
    return [l, l2];
  }

  private lookupNs(prefix: string): string | null {
    if (prefix === "xml") return XML_NAMESPACE;
    for (let i = this.nsStack.length - 1; i >= 0; i--) {
      const b = this.nsStack[i]!;
      if (b.prefix === prefix) return b.uri === "" ? null : b.uri;
    }
    return null;
  }

  // --- references -----------------------------------------------------------------------------

  /** xmlParseCharRef at '&#'; returns the code point (errors are fatal) */
  private parseCharRef(): number {
    let val = 0;
    if (this.startsWith("&#x")) {
      this.pos += 3;
      while (this.ch() !== 0x3b) {
        const c = this.ch();
        if (c >= 0x30 && c <= 0x39) val = val * 16 + (c - 0x30);
        else if (c >= 0x61 && c <= 0x66) val = val * 16 + (c - 0x61) + 10;
        else if (c >= 0x41 && c <= 0x46) val = val * 16 + (c - 0x41) + 10;
        else this.fatal("CharRef: invalid hexadecimal value\n");
        if (val > 0x110000) val = 0x110000;
        this.pos++;
      }
      this.pos++;
    } else {
      this.pos += 2;
      while (this.ch() !== 0x3b) {
        const c = this.ch();
        if (c >= 0x30 && c <= 0x39) val = val * 10 + (c - 0x30);
        else this.fatal("CharRef: invalid decimal value\n");
        if (val > 0x110000) val = 0x110000;
        this.pos++;
      }
      this.pos++;
    }
    if (val >= 0x110000) this.fatal("xmlParseCharRef: character reference out of bounds\n");
    if (!isXmlChar(val)) this.fatal(`xmlParseCharRef: invalid xmlChar value ${val}\n`);
    return val;
  }

  /** xmlParseEntityRef at '&': returns the replacement text, or "" for an unresolvable reference */
  private parseEntityRef(): string {
    this.pos++;
    const name = this.parseName();
    if (name === null) this.fatal("xmlParseEntityRef: no name\n");
    if (this.ch() !== 0x3b) this.fatal("EntityRef: expecting ';'\n");
    this.pos++;
    const predefined = PREDEFINED_ENTITIES[name];
    if (predefined !== undefined) return predefined;
    const value = this.entities.get(name);
    if (value !== undefined) return value;
    // Without an external subset an undeclared entity is a well-formedness error; with one it is
    // only a warning (the DTD was not loaded, XML_PARSE_NONET), and the reference stays empty.
    if (!this.hasExternalSubset) this.fatal(`Entity '${name}' not defined\n`);
    return "";
  }

  // --- document -------------------------------------------------------------------------------

  parseDocument(): XmlDocument {
    try {
      if (this.ch() === 0xfeff) this.pos++;
      if (this.pos >= this.len) this.fatal("Document is empty\n");
      if (this.startsWith("<?xml") && isBlank(this.ch(this.pos + 5))) {
        this.parseXMLDecl();
        this.skipBlanks();
      }
      const prolog: XmlNode[] = [];
      this.parseMisc(prolog);
      if (this.startsWith("<!DOCTYPE")) {
        this.parseDocTypeDecl();
        this.parseMisc(prolog);
      }
      if (this.ch() !== 0x3c) this.fatal("Start tag expected, '<' not found\n");
      const root = this.parseElement();
      this.parseMisc([]);
      if (this.pos < this.len) this.fatal("Extra content at the end of the document\n");
      return { root, encoding: this.encoding };
    } catch (e) {
      if (e instanceof Bail && this.error) throw this.error;
      throw e;
    }
  }

  private parseXMLDecl(): void {
    this.pos += 5;
    this.skipBlanks();
    const version = this.parsePseudoAttr("version", (c) => (c >= 0x30 && c <= 0x39) || c === 0x2e);
    if (version === null) this.fatal("Malformed declaration expecting version\n");
    if (version !== "1.0" && !(version.startsWith("1."))) this.fatal(`Unsupported version '${version}'\n`);
    if (!isBlank(this.ch())) {
      if (this.startsWith("?>")) {
        this.pos += 2;
        return;
      }
      this.fatal("Blank needed here\n");
    }
    this.skipBlanks();
    const encoding = this.parsePseudoAttr("encoding", (c) => isNameChar(c) && c !== 0x3a);
    if (encoding !== null) {
      if (!/^[A-Za-z][A-Za-z0-9._-]*$/.test(encoding)) this.fatal("Invalid XML encoding name\n");
      // The input is already decoded text: only encodings that are a no-op on it are meaningful.
      if (!/^(utf-?8|us-ascii|ascii|iso-8859-1|latin1|utf-?16)$/i.test(encoding)) {
        this.fatal(`Unsupported encoding ${encoding}\n`);
      }
      this.encoding = encoding;
      if (!isBlank(this.ch())) {
        if (this.startsWith("?>")) {
          this.pos += 2;
          return;
        }
        this.fatal("Blank needed here\n");
      }
    }
    this.skipBlanks();
    const standalone = this.parsePseudoAttr("standalone", (c) => c >= 0x61 && c <= 0x7a);
    if (standalone !== null && standalone !== "yes" && standalone !== "no") {
      this.fatal("standalone accepts only 'yes' or 'no'\n");
    }
    this.skipBlanks();
    if (this.startsWith("?>")) this.pos += 2;
    else this.fatal("parsing XML declaration: '?>' expected\n");
  }

  /** name S? = S? ('value' | "value") inside the XML declaration; null when `name` is absent */
  private parsePseudoAttr(name: string, valid: (c: number) => boolean): string | null {
    if (!this.startsWith(name)) return null;
    this.pos += name.length;
    this.skipBlanks();
    if (this.ch() !== 0x3d) this.fatal("expected '='\n");
    this.pos++;
    this.skipBlanks();
    const q = this.ch();
    if (q !== 0x22 && q !== 0x27) this.fatal("String not started expecting ' or \"\n");
    this.pos++;
    const start = this.pos;
    while (this.pos < this.len && valid(this.ch())) this.pos++;
    if (this.ch() !== q) this.fatal("String not closed expecting \" or '\n");
    const value = this.src.slice(start, this.pos);
    this.pos++;
    return value;
  }

  private parseMisc(into: XmlNode[]): void {
    for (;;) {
      this.skipBlanks();
      if (this.startsWith("<?")) into.push(this.parsePI());
      else if (this.startsWith("<!--")) into.push(this.parseComment());
      else break;
    }
  }

  private parseDocTypeDecl(): void {
    this.pos += 9;
    this.skipBlanks();
    const name = this.parseName();
    if (name === null) this.fatal("xmlParseDocTypeDecl : no DOCTYPE name !\n");
    this.skipBlanks();
    if (this.startsWith("SYSTEM") || this.startsWith("PUBLIC")) {
      const isPublic = this.startsWith("PUBLIC");
      this.pos += 6;
      if (this.skipBlanks() === 0) this.fatal(`Space required after '${isPublic ? "PUBLIC" : "SYSTEM"}'\n`);
      if (isPublic) {
        if (this.parseLiteral() === null) this.fatal("PUBLIC, the Public Identifier is missing\n");
        if (this.skipBlanks() === 0) this.fatal("Space required after the Public Identifier\n");
      }
      if (this.parseLiteral() === null) this.fatal("SYSTEM or PUBLIC, the URI is missing\n");
      this.hasExternalSubset = true;
    }
    this.skipBlanks();
    if (this.ch() === 0x5b) {
      this.pos++;
      this.parseInternalSubset();
    }
    if (this.ch() !== 0x3e) this.fatal("DOCTYPE improperly terminated\n");
    this.pos++;
  }

  private parseLiteral(): string | null {
    const q = this.ch();
    if (q !== 0x22 && q !== 0x27) return null;
    const end = this.src.indexOf(String.fromCharCode(q), this.pos + 1);
    if (end < 0) {
      this.pos = this.len;
      this.fatal("Unfinished System or Public ID \" or ' expected\n");
    }
    const v = this.src.slice(this.pos + 1, end);
    this.pos = end + 1;
    return v;
  }

  private parseInternalSubset(): void {
    for (;;) {
      this.skipBlanks();
      if (this.ch() === 0x5d) {
        this.pos++;
        this.skipBlanks();
        return;
      }
      if (this.pos >= this.len) this.fatal("DOCTYPE improperly terminated\n");
      if (this.startsWith("<!--")) this.parseComment();
      else if (this.startsWith("<?")) this.parsePI();
      else if (this.startsWith("<!ENTITY")) this.parseEntityDecl();
      else if (this.startsWith("<!")) this.skipMarkupDecl();
      else if (this.ch() === 0x25) {
        // parameter entity reference: declarations behind it are not processed (no DTD loading)
        this.pos++;
        if (this.parseName() === null) this.fatal("PEReference: no name\n");
        if (this.ch() !== 0x3b) this.fatal("PEReference: expecting ';'\n");
        this.pos++;
        this.hasExternalSubset = true;
      } else this.fatal("internal error: xmlParseInternalSubset: error detected in Markup declaration\n");
    }
  }

  private skipMarkupDecl(): void {
    while (this.pos < this.len && this.ch() !== 0x3e) {
      const c = this.ch();
      if (c === 0x22 || c === 0x27) {
        if (this.parseLiteral() === null) return;
      } else this.pos++;
    }
    if (this.pos >= this.len) this.fatal("DOCTYPE improperly terminated\n");
    this.pos++;
  }

  private parseEntityDecl(): void {
    this.pos += 8;
    if (this.skipBlanks() === 0) this.fatal("Space required after '<!ENTITY'\n");
    let parameter = false;
    if (this.ch() === 0x25) {
      parameter = true;
      this.pos++;
      this.skipBlanks();
    }
    const name = this.parseName();
    if (name === null) this.fatal("xmlParseEntityDecl: no name\n");
    this.skipBlanks();
    const q = this.ch();
    if (q === 0x22 || q === 0x27) {
      const value = this.parseLiteral() ?? "";
      if (!parameter && !this.entities.has(name)) this.entities.set(name, this.expandEntityValue(value, name, 0));
    } else {
      // external entity: never loaded (XML_PARSE_NONET, no XML_PARSE_NOENT)
      this.skipMarkupDecl();
      return;
    }
    this.skipBlanks();
    if (this.ch() !== 0x3e) this.fatal("xmlParseEntityDecl: entity " + name + " not terminated\n");
    this.pos++;
  }

  private expandEntityValue(value: string, self: string, depth: number): string {
    if (depth > 40) this.fatal("Detected an entity reference loop\n");
    return value.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z_:][\w.:-]*);/g, (m, ref: string) => {
      if (ref.startsWith("#x")) return String.fromCodePoint(parseInt(ref.slice(2), 16));
      if (ref.startsWith("#")) return String.fromCodePoint(parseInt(ref.slice(1), 10));
      if (ref === self) this.fatal("Detected an entity reference loop\n");
      const pre = PREDEFINED_ENTITIES[ref];
      if (pre !== undefined) return m;
      const v = this.entities.get(ref);
      return v !== undefined ? this.expandEntityValue(v, self, depth + 1) : m;
    });
  }

  private parsePI(): XmlPI {
    this.pos += 2;
    const target = this.parseName();
    if (target === null) this.fatal("xmlParsePI : no target name\n");
    if (target.toLowerCase() === "xml") {
      if (target === "xml") this.fatal("XML declaration allowed only at the start of the document\n");
      this.fatal("Invalid PI name\n");
    }
    if (this.startsWith("?>")) {
      this.pos += 2;
      return { type: "pi", target, data: null };
    }
    if (this.skipBlanks() === 0) this.fatal(`ParsePI: PI ${target} space expected\n`);
    const end = this.src.indexOf("?>", this.pos);
    if (end < 0) {
      // xmlParsePI reads characters until it runs out, then complains at the end of input
      let i = this.pos;
      while (i < this.len && isXmlChar(this.cp(i))) i += this.cp(i) > 0xffff ? 2 : 1;
      this.fatal(`ParsePI: PI ${target} never end ...\n`, i);
    }
    for (let i = this.pos; i < end; i++) {
      if (!isXmlChar(this.cp(i))) this.fatal(`ParsePI: PI ${target} never end ...\n`, i);
    }
    const data = this.src.slice(this.pos, end).replace(/\r\n?/g, "\n");
    this.pos = end + 2;
    return { type: "pi", target, data };
  }

  /**
   * xmlParseComment: an ASCII fast path that reports "--" with the text so far, and
   * xmlParseCommentComplex (entered at the first non-ASCII or control character) that reports it
   * after the second '-' with a generic message.
   */
  private parseComment(): XmlComment {
    this.pos += 4;
    const start = this.pos;
    let complex = false;
    let i = start;
    for (;;) {
      if (i >= this.len) {
        this.pos = this.len;
        if (!complex) this.fatal("Comment not terminated\n");
        this.fatal(`Comment not terminated \n<!--${truncateBytes(this.src.slice(start, Math.max(start, this.len - 2)), 50)}\n`);
      }
      const c = this.cp(i);
      if (c === 0x2d && this.ch(i + 1) === 0x2d) {
        if (this.ch(i + 2) === 0x3e) {
          this.pos = i + 3;
          return { type: "comment", value: this.src.slice(start, i).replace(/\r\n?/g, "\n") };
        }
        if (complex) this.fatal("Comment must not contain '--' (double-hyphen)\n", i + 2);
        const before = this.src.slice(start, i);
        this.fatal(before === "" ? "Double hyphen within comment\n" : `Double hyphen within comment: <!--${truncateBytes(before, 50)}\n`, i);
      }
      if (c >= 0x80 || (c < 0x20 && c !== 0x09 && c !== 0x0a && !(c === 0x0d && this.ch(i + 1) === 0x0a))) complex = true;
      if (!isXmlChar(c)) this.fatal(`xmlParseComment: invalid xmlChar value ${c}\n`, i);
      i += c > 0xffff ? 2 : 1;
    }
  }

  private parseCDSect(): XmlCData {
    this.pos += 9;
    const start = this.pos;
    const end = this.src.indexOf("]]>", this.pos);
    const stop = end < 0 ? this.len : end;
    for (let i = this.pos; i < stop; ) {
      const c = this.cp(i);
      if (!isXmlChar(c)) {
        this.pos = i;
        if (i - start < 2) this.fatal("Unregistered error message\n");
        this.fatal(`CData section not finished\n${truncateBytes(this.src.slice(start, i - 2), 50)}\n`);
      }
      i += c > 0xffff ? 2 : 1;
    }
    if (end < 0) {
      this.pos = this.len;
      if (this.len - start < 2) this.fatal("Unregistered error message\n");
      this.fatal(`CData section not finished\n${truncateBytes(this.src.slice(start, this.len - 2), 50)}\n`);
    }
    this.pos = end + 3;
    return { type: "cdata", value: this.src.slice(start, end).replace(/\r\n?/g, "\n") };
  }

  // --- elements -------------------------------------------------------------------------------

  private get current(): XmlElement | null {
    return this.stack.length > 0 ? this.stack[this.stack.length - 1]!.element : null;
  }

  private appendChild(node: XmlNode): void {
    const parent = this.current;
    if (parent) parent.children.push(node);
  }

  /** xmlParseElement: start tag, content loop (iterative like xmlParseContentInternal), end tag */
  private parseElement(): XmlElement {
    const root = this.parseElementStart();
    if (root.empty) return root.element;
    const base = this.stack.length;
    while (this.pos < this.len) {
      const c = this.ch();
      if (c === 0x3c) {
        const n = this.ch(this.pos + 1);
        if (n === 0x3f) this.appendChild(this.parsePI());
        else if (this.startsWith("<![CDATA[")) this.appendChild(this.parseCDSect());
        else if (n === 0x21 && this.startsWith("<!--")) this.appendChild(this.parseComment());
        else if (n === 0x2f) {
          if (this.stack.length <= base) break;
          this.parseElementEnd();
        } else this.parseElementStart();
      } else if (c === 0x26) this.parseReference();
      else this.parseCharData();
    }
    if (this.pos >= this.len) {
      const open = this.stack[this.stack.length - 1]!;
      this.fatal(`Premature end of data in tag ${open.local} line ${open.line}\n`);
    }
    this.parseElementEnd();
    return root.element;
  }

  private parseElementStart(): { element: XmlElement; empty: boolean } {
    if (this.stack.length > XML_PARSER_MAX_DEPTH) {
      this.fatal(`Excessive depth in document: ${XML_PARSER_MAX_DEPTH} use XML_PARSE_HUGE option\n`);
    }
    const line = this.lineAt(this.pos);
    const parentSpace = this.space.length === 0 ? -1 : this.space[this.space.length - 1]!;
    this.space.push(parentSpace === -2 ? -1 : parentSpace);
    const nsMark = this.nsStack.length;
    const { element, prefix, local } = this.parseStartTag(line);
    const parent = this.current;
    element.parent = parent;
    if (parent) parent.children.push(element);
    if (this.startsWith("/>")) {
      this.pos += 2;
      this.space.pop();
      this.nsStack.length = nsMark;
      return { element, empty: true };
    }
    if (this.ch() === 0x3e) {
      this.pos++;
      this.stack.push({ element, prefix, local, line, nsMark });
      return { element, empty: false };
    }
    this.fatal(`Couldn't find end of Start Tag ${local} line ${line}\n`);
  }

  /** xmlParseStartTag2: name, attributes and namespace declarations; stops before '>' or '/>' */
  private parseStartTag(line: number): { element: XmlElement; prefix: string | null; local: string } {
    this.pos++;
    const qn = this.parseQName();
    if (qn === null) this.fatal("StartTag: invalid element name\n");
    this.skipBlanks();
    const raw: { prefix: string | null; local: string; value: string }[] = [];
    const nsDecls: XmlNamespaceDecl[] = [];
    let spaceValue: number | null = null;
    for (;;) {
      const c = this.ch();
      if (this.pos >= this.len || c === 0x3e || (c === 0x2f && this.ch(this.pos + 1) === 0x3e)) break;
      if (!(c >= 0x20 || c === 0x09 || c === 0x0a || c === 0x0d)) break;
      const an = this.parseQName();
      if (an === null) this.fatal("error parsing attribute name\n");
      this.skipBlanks();
      if (this.ch() !== 0x3d) this.fatal(`Specification mandates value for attribute ${an[1]}\n`);
      this.pos++;
      this.skipBlanks();
      const value = this.parseAttValue();
      const [ap, al] = an;
      if (ap === null && al === "xmlns") {
        if (nsDecls.some((d) => d.prefix === null)) this.fatal("Attribute xmlns redefined\n");
        if (value !== XML_NAMESPACE && value !== "http://www.w3.org/2000/xmlns/") {
          nsDecls.push({ prefix: null, uri: value });
          this.nsStack.push({ prefix: "", uri: value });
        }
      } else if (ap === "xmlns") {
        if (al !== "xml" && al !== "xmlns" && value !== "" && value !== XML_NAMESPACE && value !== "http://www.w3.org/2000/xmlns/") {
          if (nsDecls.some((d) => d.prefix === al)) this.fatal(`Attribute xmlns:${al} redefined\n`);
          nsDecls.push({ prefix: al, uri: value });
          this.nsStack.push({ prefix: al, uri: value });
        }
      } else {
        raw.push({ prefix: ap, local: al, value });
        if (ap === "xml" && al === "space") {
          if (value === "default") spaceValue = 0;
          else if (value === "preserve") spaceValue = 1;
        }
      }
      const d = this.ch();
      if (d === 0x3e || (d === 0x2f && this.ch(this.pos + 1) === 0x3e)) break;
      if (this.skipBlanks() === 0) this.fatal("attributes construct error\n");
    }
    if (spaceValue !== null) this.space[this.space.length - 1] = spaceValue;
    // [ WFC: Unique Att Spec ], checked once the whole tag is read
    const attributes: XmlAttribute[] = [];
    for (let i = 0; i < raw.length; i++) {
      const a = raw[i]!;
      for (let j = 0; j < i; j++) {
        const b = raw[j]!;
        if (a.local === b.local && a.prefix === b.prefix) {
          this.fatal(a.prefix === null ? `Attribute ${a.local} redefined\n` : `Attribute ${a.prefix}:${a.local} redefined\n`);
        }
      }
      if (a.prefix !== null) {
        const ns = this.lookupNs(a.prefix);
        attributes.push(ns === null ? { prefix: null, local: `${a.prefix}:${a.local}`, ns: null, value: a.value } : { prefix: a.prefix, local: a.local, ns, value: a.value });
      } else attributes.push({ prefix: null, local: a.local, ns: null, value: a.value });
    }
    const [prefix, local] = qn;
    let element: XmlElement;
    if (prefix !== null) {
      const ns = this.lookupNs(prefix);
      element = ns === null
        ? { type: "element", prefix: null, local: `${prefix}:${local}`, ns: null, nsDecls, attributes, children: [], parent: null, line }
        : { type: "element", prefix, local, ns, nsDecls, attributes, children: [], parent: null, line };
    } else {
      element = { type: "element", prefix: null, local, ns: this.lookupNs(""), nsDecls, attributes, children: [], parent: null, line };
    }
    return { element, prefix, local };
  }

  /** xmlParseAttValueComplex semantics: entities expanded, whitespace characters become spaces */
  private parseAttValue(): string {
    const q = this.ch();
    if (q !== 0x22 && q !== 0x27) this.fatal("AttValue: \" or ' expected\n");
    this.pos++;
    let out = "";
    let chunk = this.pos;
    for (;;) {
      if (this.pos >= this.len) {
        this.fatal("AttValue: ' expected\n");
      }
      const c = this.cp(this.pos);
      if (c === q) break;
      if (c === 0x3c) this.fatal("Unescaped '<' not allowed in attributes values\n");
      if (c === 0x26) {
        out += this.src.slice(chunk, this.pos);
        if (this.ch(this.pos + 1) === 0x23) out += String.fromCodePoint(this.parseCharRef());
        else out += this.normalizeEntityInAttribute(this.parseEntityRef());
        chunk = this.pos;
        continue;
      }
      if (c === 0x0d || c === 0x0a || c === 0x09) {
        out += this.src.slice(chunk, this.pos) + " ";
        // "\r\n" is one end-of-line, hence one space
        this.pos += c === 0x0d && this.ch(this.pos + 1) === 0x0a ? 2 : 1;
        chunk = this.pos;
        continue;
      }
      if (!isXmlChar(c)) this.fatal("invalid character in attribute value\n");
      this.pos += c > 0xffff ? 2 : 1;
    }
    out += this.src.slice(chunk, this.pos);
    this.pos++;
    return out;
  }

  private normalizeEntityInAttribute(text: string): string {
    if (text.includes("<")) this.fatal("'<' in entity '' is not allowed in attributes values\n");
    return text.replace(/[\t\n\r]/g, " ");
  }

  /** xmlParseEndTag2: names in messages are the local parts as written (libxml2's ctxt->name) */
  private parseElementEnd(): void {
    const open = this.stack[this.stack.length - 1]!;
    this.pos += 2;
    let matches: boolean;
    let written: string | null;
    if (open.prefix !== null) {
      const q = this.parseQName();
      matches = q !== null && q[0] === open.prefix && q[1] === open.local;
      written = q !== null ? q[1] : null;
    } else {
      written = this.parseName();
      matches = written === open.local;
    }
    this.skipBlanks();
    if (this.ch() !== 0x3e) this.fatal("expected '>'\n");
    this.pos++;
    if (!matches) {
      this.fatal(`Opening and ending tag mismatch: ${open.local} line ${open.line} and ${written ?? "unparsable"}\n`);
    }
    this.stack.pop();
    this.space.pop();
    this.nsStack.length = open.nsMark;
  }

  private parseReference(): void {
    let text: string;
    if (this.ch(this.pos + 1) === 0x23) {
      text = String.fromCodePoint(this.parseCharRef());
    } else {
      const start = this.pos;
      text = this.parseEntityRef();
      const name = this.src.slice(start + 1, this.pos - 1);
      const cur = this.current;
      if (cur && PREDEFINED_ENTITIES[name] === undefined) cur.entityRefs = true;
    }
    if (text !== "") this.characters(text);
  }

  /** SAX characters(): merge into the previous text node, and mark the element as having text */
  private characters(text: string): void {
    const parent = this.current;
    if (!parent) return;
    const last = parent.children[parent.children.length - 1];
    if (last?.type === "text") last.value += text;
    else parent.children.push({ type: "text", value: text });
    if (this.space[this.space.length - 1] === -1) this.space[this.space.length - 1] = -2;
  }

  /** areBlanks(): libxml2's heuristic for whitespace that xmlKeepBlanksDefault(0) drops */
  private areBlanks(from: number, to: number, knownBlank: boolean): boolean {
    const sp = this.space[this.space.length - 1];
    if (sp === undefined || sp === 1 || sp === -2) return false;
    if (!knownBlank) {
      for (let i = from; i < to; i++) if (!isBlank(this.src.charCodeAt(i))) return false;
    }
    const node = this.current;
    if (!node) return false;
    const next = this.ch(this.pos);
    if (next !== 0x3c && next !== 0x0d) return false;
    if (node.children.length === 0 && next === 0x3c && this.ch(this.pos + 1) === 0x2f) return false;
    const last = node.children[node.children.length - 1];
    if (last === undefined) return true;
    if (last.type === "text") return false;
    if (node.children[0]!.type === "text") return false;
    return true;
  }

  private flushChars(from: number, to: number, knownBlank: boolean, text?: string): void {
    if (to <= from && text === undefined) return;
    const startsBlank = isBlank(this.src.charCodeAt(from));
    if ((knownBlank || startsBlank) && this.areBlanks(from, to, knownBlank)) return;
    this.characters(text ?? this.src.slice(from, to));
  }

  /** xmlParseCharData: fast ASCII path, falling back to xmlParseCharDataComplex */
  private parseCharData(): void {
    let i = this.pos;
    let segStart = this.pos;
    fast: for (;;) {
      // get_more_space
      for (;;) {
        while (this.ch(i) === 0x20) i++;
        if (this.ch(i) === 0x0a) {
          while (this.ch(i) === 0x0a) i++;
          continue;
        }
        break;
      }
      if (this.ch(i) === 0x3c) {
        const from = segStart;
        this.pos = i;
        if (i > from) this.flushChars(from, i, true);
        return;
      }
      // get_more
      for (;;) {
        while (isFastCharData(this.ch(i))) i++;
        if (this.ch(i) === 0x0a) {
          while (this.ch(i) === 0x0a) i++;
          continue;
        }
        if (this.ch(i) === 0x5d) {
          if (this.ch(i + 1) === 0x5d && this.ch(i + 2) === 0x3e) {
            this.fatal("Sequence ']]>' not allowed in content\n", segStart);
          }
          i++;
          continue;
        }
        break;
      }
      if (i > segStart) {
        const from = segStart;
        this.pos = i;
        this.flushChars(from, i, false);
      }
      this.pos = i;
      let c = this.ch(i);
      if (c === 0x0d && this.ch(i + 1) === 0x0a) {
        // the CR of a CRLF is dropped; the LF starts the next chunk
        this.pos = i + 1;
        segStart = i + 1;
        i = i + 2;
        c = this.ch(i);
        if ((c >= 0x20 && c <= 0x7f) || c === 0x09 || c === 0x0a) continue fast;
        break;
      }
      if (c === 0x3c || c === 0x26) return;
      if (i >= this.len) return;
      if ((c >= 0x20 && c <= 0x7f) || c === 0x09 || c === 0x0a) {
        segStart = i;
        continue;
      }
      break;
    }
    this.parseCharDataComplex();
  }

  private parseCharDataComplex(): void {
    const from = this.pos;
    let text = "";
    let chunk = this.pos;
    for (;;) {
      const c = this.cp(this.pos);
      if (this.pos >= this.len || c === 0x3c || c === 0x26 || !isXmlChar(c)) break;
      if (c === 0x5d && this.ch(this.pos + 1) === 0x5d && this.ch(this.pos + 2) === 0x3e) {
        this.fatal("Sequence ']]>' not allowed in content\n");
      }
      if (c === 0x0d) {
        text += this.src.slice(chunk, this.pos) + "\n";
        this.pos += this.ch(this.pos + 1) === 0x0a ? 2 : 1;
        chunk = this.pos;
        continue;
      }
      this.pos += c > 0xffff ? 2 : 1;
    }
    text += this.src.slice(chunk, this.pos);
    if (text !== "") this.flushChars(from, this.pos, false, text);
    const c = this.cp(this.pos);
    if (this.pos < this.len && !isXmlChar(c)) this.fatal(`PCDATA invalid Char value ${c}\n`);
  }
}

export function qualifiedName(e: { prefix: string | null; local: string }): string {
  return e.prefix !== null ? `${e.prefix}:${e.local}` : e.local;
}

/** Parse a whole document. Throws XmlSyntaxError on the first well-formedness error. */
export function parseXml(text: string): XmlDocument {
  return new Parser(text).parseDocument();
}

// ---------------------------------------------------------------------------------------------
// Navigation helpers with XPath semantics as libvirt uses them ("./name[1]", "string(...)").

/** Child elements in no namespace whose local name is `name` (an XPath name test without prefix). */
export function childElements(el: XmlElement, name?: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (const c of el.children) {
    if (c.type === "element" && (name === undefined || (c.ns === null && c.local === name))) out.push(c);
  }
  return out;
}

export function firstChild(el: XmlElement, name: string): XmlElement | null {
  for (const c of el.children) if (c.type === "element" && c.ns === null && c.local === name) return c;
  return null;
}

/** Follow a path of child names, taking the first match at each step ("./os/type[1]"). */
export function childPath(el: XmlElement, ...names: string[]): XmlElement | null {
  let cur: XmlElement | null = el;
  for (const n of names) {
    if (!cur) return null;
    cur = firstChild(cur, n);
  }
  return cur;
}

/**
 * All elements reached by a child path, like the XPath node-set "./devices/disk": every matching
 * child of every matching parent, in document order.
 */
export function pathElements(el: XmlElement, ...names: string[]): XmlElement[] {
  let set: XmlElement[] = [el];
  for (const n of names) {
    const next: XmlElement[] = [];
    for (const e of set) next.push(...childElements(e, n));
    set = next;
  }
  return set;
}

/** XPath string value of an element: all descendant text and CDATA, in document order. */
export function textContent(node: XmlNode): string {
  if (node.type === "text" || node.type === "cdata") return node.value;
  if (node.type !== "element") return "";
  let s = "";
  for (const c of node.children) s += textContent(c);
  return s;
}

/**
 * virXPathString("string(./name[1])"): the string value of the first match, or null when there is
 * no match or the value is empty (libvirt treats both the same).
 */
export function childText(el: XmlElement, ...names: string[]): string | null {
  const e = childPath(el, ...names);
  if (!e) return null;
  const s = textContent(e);
  return s === "" ? null : s;
}

/** xmlGetProp: the first attribute with this (local) name in any namespace, or null. */
export function attr(el: XmlElement, name: string): string | null {
  for (const a of el.attributes) if (a.local === name) return a.value;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Serializers

/**
 * virBufferEscapeString (src/util/virbuffer.c): escapes < > & ' " and silently drops the
 * control characters 0x01-0x08, 0x0B, 0x0C and 0x0E-0x19 (0x1A-0x1F are kept, as in libvirt).
 */
export function escapeXml(s: string): string {
  let out = "";
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | null = null;
    if (c === 0x3c) rep = "&lt;";
    else if (c === 0x3e) rep = "&gt;";
    else if (c === 0x26) rep = "&amp;";
    else if (c === 0x22) rep = "&quot;";
    else if (c === 0x27) rep = "&apos;";
    else if (c >= 0x01 && c <= 0x19 && c !== 0x09 && c !== 0x0a && c !== 0x0d) rep = "";
    if (rep !== null) {
      out += s.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return start === 0 ? s : out + s.slice(start);
}

/**
 * libvirt's virBuffer (src/util/virbuffer.c) with auto-indentation: every add() starts with the
 * current indent when the buffer is empty or ends in a newline (virBufferApplyIndent), even when
 * the added text is empty. A child buffer (VIR_BUFFER_INIT_CHILD) starts two columns deeper, and
 * addBuffer() appends another buffer verbatim.
 */
export class XmlBuffer {
  private s = "";

  constructor(private indent = 0) {}

  /** VIR_BUFFER_INIT_CHILD(this) */
  child(): XmlBuffer {
    return new XmlBuffer(this.indent + 2);
  }

  adjustIndent(delta: number): void {
    this.indent = Math.max(0, this.indent + delta);
  }

  getIndent(): number {
    return this.indent;
  }

  /** virBufferAdd / virBufferAsprintf: text is already escaped */
  add(text: string): void {
    if (this.indent > 0 && (this.s === "" || this.s.endsWith("\n"))) this.s += " ".repeat(this.indent);
    this.s += text;
  }

  /** virBufferEscapeString(buf, format, value): nothing at all when value is null */
  addEscaped(template: (escaped: string) => string, value: string | null | undefined): void {
    if (value === null || value === undefined) return;
    this.add(template(escapeXml(value)));
  }

  /** virBufferAddBuffer */
  addBuffer(other: XmlBuffer): void {
    this.s += other.s;
  }

  /** virBufferUse */
  use(): number {
    return this.s.length;
  }

  toString(): string {
    return this.s;
  }
}

/**
 * virXMLFormatElementInternal (src/util/virxml.c): `<name attrs/>` without child content,
 * `<name attrs>` + child + `</name>` otherwise, and nothing when both are empty unless allowEmpty.
 */
export function formatElementInternal(
  buf: XmlBuffer,
  name: string,
  attrBuf: XmlBuffer | null,
  childBuf: XmlBuffer | null,
  allowEmpty: boolean,
  childNewline: boolean,
): void {
  const hasAttrs = attrBuf !== null && attrBuf.use() > 0;
  const hasChild = childBuf !== null && childBuf.use() > 0;
  if (!allowEmpty && !hasAttrs && !hasChild) return;
  buf.add(`<${name}`);
  if (hasAttrs) buf.addBuffer(attrBuf);
  if (hasChild) {
    buf.add(">");
    if (childNewline) buf.add("\n");
    buf.addBuffer(childBuf);
    buf.add(`</${name}>\n`);
  } else {
    buf.add("/>\n");
  }
}

/** virXMLFormatElement */
export function formatElement(buf: XmlBuffer, name: string, attrBuf: XmlBuffer | null, childBuf: XmlBuffer | null): void {
  formatElementInternal(buf, name, attrBuf, childBuf, false, true);
}

/** virXMLFormatElementEmpty */
export function formatElementEmpty(buf: XmlBuffer, name: string, attrBuf: XmlBuffer | null, childBuf: XmlBuffer | null): void {
  formatElementInternal(buf, name, attrBuf, childBuf, true, true);
}

/** xmlEscapeContent: text nodes in xmlNodeDump output (UTF-8 output encoding) */
function escapeNodeText(s: string): string {
  return s.replace(/[<>&\r]/g, (c) => (c === "<" ? "&lt;" : c === ">" ? "&gt;" : c === "&" ? "&amp;" : "&#13;"));
}

/**
 * xmlBufAttrSerializeTxtContent: attribute values. Without a declared document encoding libxml2
 * writes every non-ASCII character as a hexadecimal character reference.
 */
function escapeNodeAttr(s: string, docEncoding: string | null): string {
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (c === 0x0a) out += "&#10;";
    else if (c === 0x0d) out += "&#13;";
    else if (c === 0x09) out += "&#9;";
    else if (c === 0x22) out += "&quot;";
    else if (c === 0x3c) out += "&lt;";
    else if (c === 0x3e) out += "&gt;";
    else if (c === 0x26) out += "&amp;";
    else if (c >= 0x80 && docEncoding === null) out += `&#x${c.toString(16).toUpperCase()};`;
    else out += ch;
  }
  return out;
}

/** xmlBufWriteQuotedString, used for namespace URIs */
function quoteNsUri(uri: string): string {
  if (uri.includes('"')) {
    if (uri.includes("'")) return `"${uri.replace(/"/g, "&quot;")}"`;
    return `'${uri}'`;
  }
  return `"${uri}"`;
}

/**
 * xmlNodeDump(buf, doc, node, level, format=1) with xmlIndentTreeOutput=1 (libxml2 xmlsave.c):
 * the node itself is not indented, descendants get two spaces per level (capped at 30 levels),
 * and elements with any text/CDATA child are written without added whitespace inside.
 */
export function dumpNode(node: XmlNode, level: number, docEncoding: string | null = null): string {
  const out: string[] = [];
  const indent = (lvl: number): string => "  ".repeat(Math.min(lvl, 30));
  const walk = (n: XmlNode, lvl: number, format: boolean, isRoot: boolean): void => {
    switch (n.type) {
      case "element": {
        if (!isRoot && format) out.push(indent(lvl));
        const name = qualifiedName(n);
        out.push(`<${name}`);
        for (const d of n.nsDecls) {
          if (d.prefix === "xml") continue;
          out.push(d.prefix === null ? ` xmlns=${quoteNsUri(d.uri)}` : ` xmlns:${d.prefix}=${quoteNsUri(d.uri)}`);
        }
        for (const a of n.attributes) out.push(` ${qualifiedName(a)}="${escapeNodeAttr(a.value, docEncoding)}"`);
        if (n.children.length === 0) {
          out.push("/>");
          return;
        }
        let childFormat = format;
        if (format && n.children.some((c) => c.type === "text" || c.type === "cdata")) childFormat = false;
        out.push(">");
        if (childFormat) out.push("\n");
        for (const c of n.children) {
          walk(c, lvl + 1, childFormat, false);
          if (childFormat) out.push("\n");
        }
        if (childFormat) out.push(indent(lvl));
        out.push(`</${name}>`);
        return;
      }
      case "text":
        out.push(escapeNodeText(n.value));
        return;
      case "cdata": {
        if (n.value === "") {
          out.push("<![CDATA[]]>");
          return;
        }
        // a "]]>" inside is split across two sections, as xmlNodeDumpOutputInternal does
        let start = 0;
        let i = 0;
        while (i < n.value.length) {
          if (n.value.startsWith("]]>", i)) {
            out.push(`<![CDATA[${n.value.slice(start, i + 2)}]]>`);
            start = i + 2;
            i += 2;
          }
          i++;
        }
        if (start < n.value.length) out.push(`<![CDATA[${n.value.slice(start)}]]>`);
        return;
      }
      case "comment":
        if (!isRoot && format) out.push(indent(lvl));
        out.push(`<!--${n.value}-->`);
        return;
      case "pi":
        if (!isRoot && format) out.push(indent(lvl));
        out.push(n.data !== null ? `<?${n.target} ${n.data}?>` : `<?${n.target}?>`);
        return;
    }
  };
  walk(node, level, true, true);
  return out.join("");
}

// ---------------------------------------------------------------------------------------------
// Tree copies with libxml2's namespace reconciliation

function searchNsInCopy(el: XmlElement, prefix: string | null): XmlNamespaceDecl | null {
  if (prefix === "xml") return { prefix: "xml", uri: XML_NAMESPACE };
  for (let e: XmlElement | null = el; e; e = e.parent) {
    for (const d of e.nsDecls) if (d.prefix === prefix) return d;
  }
  return null;
}

function searchNsInOriginal(el: XmlElement | null, prefix: string | null, uri: string | null): XmlNamespaceDecl | null {
  if (prefix === "xml") return { prefix: "xml", uri: XML_NAMESPACE };
  for (let e = el; e; e = e.parent) {
    for (const d of e.nsDecls) if (d.prefix === prefix) return d;
  }
  return uri !== null ? { prefix, uri } : null;
}

/**
 * xmlCopyNode(node, 1) (xmlStaticCopyNode): a deep copy detached from its parent. A namespace used
 * inside the copy but declared outside it is re-declared on the top of the copy, in the order met.
 */
export function copyElement(src: XmlElement): XmlElement {
  let top: XmlElement | null = null;
  const copy = (s: XmlElement, parent: XmlElement | null): XmlElement => {
    const e: XmlElement = {
      type: "element",
      prefix: s.prefix,
      local: s.local,
      ns: s.ns,
      nsDecls: s.nsDecls.map((d) => ({ ...d })),
      attributes: [],
      children: [],
      parent,
      line: s.line,
    };
    top ??= e;
    if (s.ns !== null && s.prefix !== "xml") {
      if (!searchNsInCopy(e, s.prefix)) {
        const d = searchNsInOriginal(s, s.prefix, s.ns);
        if (d) top.nsDecls.push({ prefix: d.prefix, uri: d.uri });
      }
    }
    for (const a of s.attributes) {
      if (a.ns !== null && a.prefix !== null && a.prefix !== "xml" && !searchNsInCopy(e, a.prefix)) {
        const d = searchNsInOriginal(s, a.prefix, a.ns);
        if (d) top.nsDecls.push({ prefix: d.prefix, uri: d.uri });
      }
      e.attributes.push({ ...a });
    }
    for (const c of s.children) {
      if (c.type === "element") e.children.push(copy(c, e));
      else e.children.push({ ...c });
    }
    return e;
  };
  return copy(src, null);
}

/**
 * virXMLNodeSanitizeNamespaces (virxml.c): drop children that have no namespace (text included)
 * and every later child that repeats an earlier child's namespace URI.
 */
export function sanitizeNamespaces(node: XmlElement): void {
  const kept: XmlNode[] = [];
  const seen = new Set<string>();
  for (const c of node.children) {
    if (c.type !== "element" || c.ns === null) continue;
    if (seen.has(c.ns)) continue;
    seen.add(c.ns);
    kept.push(c);
  }
  node.children = kept;
}
