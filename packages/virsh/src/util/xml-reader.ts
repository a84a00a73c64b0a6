// A small XML reader for the documents virsh inspects on the client side (domain XML for
// domblklist/domiflist, capabilities for freecell): elements, attributes and text, with
// comments, processing instructions, CDATA and the predefined and numeric entities. It reads
// documents libvirt formatted; malformed input raises XmlReadError.

export interface XElement {
  name: string;
  attrs: Map<string, string>;
  children: XElement[];
  text: string;
  parent: XElement | null;
}

export class XmlReadError extends Error {
  override readonly name = "XmlReadError";
}

const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function decode(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, e: string) => {
    if (e.startsWith("#x")) return String.fromCodePoint(parseInt(e.slice(2), 16));
    if (e.startsWith("#")) return String.fromCodePoint(parseInt(e.slice(1), 10));
    const v = ENTITIES[e];
    if (v === undefined) throw new XmlReadError(`unknown entity ${m}`);
    return v;
  });
}

export function readXml(src: string): XElement {
  let i = 0;
  let root: XElement | null = null;
  let cur: XElement | null = null;
  const n = src.length;
  while (i < n) {
    if (src.startsWith("<!--", i)) {
      const e = src.indexOf("-->", i + 4);
      if (e < 0) throw new XmlReadError("unterminated comment");
      i = e + 3;
    } else if (src.startsWith("<?", i)) {
      const e = src.indexOf("?>", i + 2);
      if (e < 0) throw new XmlReadError("unterminated processing instruction");
      i = e + 2;
    } else if (src.startsWith("<![CDATA[", i)) {
      const e = src.indexOf("]]>", i + 9);
      if (e < 0 || !cur) throw new XmlReadError("bad CDATA section");
      cur.text += src.slice(i + 9, e);
      i = e + 3;
    } else if (src.startsWith("<!", i)) {
      const e = src.indexOf(">", i);
      if (e < 0) throw new XmlReadError("unterminated declaration");
      i = e + 1;
    } else if (src.startsWith("</", i)) {
      const e = src.indexOf(">", i);
      if (e < 0) throw new XmlReadError("unterminated end tag");
      const name = src.slice(i + 2, e).trim();
      if (cur?.name !== name) throw new XmlReadError(`mismatched end tag </${name}>`);
      cur = cur.parent;
      i = e + 1;
    } else if (src[i] === "<") {
      const m = /^<([A-Za-z_][\w.:-]*)/.exec(src.slice(i, i + 256));
      if (!m) throw new XmlReadError("bad start tag");
      const el: XElement = { name: m[1]!, attrs: new Map(), children: [], text: "", parent: cur };
      i += m[0].length;
      const attrRe = /^\s*([A-Za-z_][\w.:-]*)\s*=\s*("([^"]*)"|'([^']*)')/;
      for (;;) {
        const rest = src.slice(i, i + 4096);
        const a = attrRe.exec(rest);
        if (a) {
          el.attrs.set(a[1]!, decode(a[3] ?? a[4] ?? ""));
          i += a[0].length;
          continue;
        }
        const end = /^\s*(\/?)>/.exec(rest);
        if (!end) throw new XmlReadError(`bad attribute in <${el.name}>`);
        i += end[0].length;
        if (cur) cur.children.push(el);
        else if (root) throw new XmlReadError("extra content at the end of the document");
        else root = el;
        if (end[1] !== "/") cur = el;
        break;
      }
    } else {
      const e = src.indexOf("<", i);
      const text = src.slice(i, e < 0 ? n : e);
      if (cur) cur.text += decode(text);
      else if (text.trim() !== "") throw new XmlReadError("text outside the root element");
      i = e < 0 ? n : e;
    }
  }
  if (!root || cur) throw new XmlReadError("premature end of data");
  return root;
}

export function child(el: XElement, name: string): XElement | null {
  return el.children.find((c) => c.name === name) ?? null;
}

export function children(el: XElement, name: string): XElement[] {
  return el.children.filter((c) => c.name === name);
}

/** The elements at a /-separated path below `el` (every match at each step). */
export function select(el: XElement, path: string): XElement[] {
  let set = [el];
  for (const step of path.split("/").filter((s) => s !== "")) set = set.flatMap((e) => children(e, step));
  return set;
}
