import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  attr,
  childText,
  copyElement,
  dumpNode,
  escapeXml,
  parseXml,
  sanitizeNamespaces,
  textContent,
  XmlSyntaxError,
  type XmlElement,
} from "./xml.js";

const ERRORS_DIR = new URL("../../test-data/conf/xml-errors/", import.meta.url);

interface GoldenError {
  ok?: boolean;
  code?: number;
  domain?: number;
  message?: string;
}

const golden = JSON.parse(readFileSync(new URL("errors.golden.json", ERRORS_DIR), "utf8")) as Record<string, GoldenError>;

function parseError(text: string): XmlSyntaxError | null {
  try {
    parseXml(text);
    return null;
  } catch (e) {
    if (e instanceof XmlSyntaxError) return e;
    throw e;
  }
}

describe("well-formedness errors match libxml2 as real libvirtd reports them", () => {
  const files = readdirSync(ERRORS_DIR).filter((f) => f.endsWith(".xml"));
  it("has a golden entry for every input", () => {
    for (const f of files) expect(golden[f], f).toBeDefined();
  });
  for (const f of files) {
    const g = golden[f]!;
    const text = readFileSync(new URL(f, ERRORS_DIR), "utf8");
    if (g.code === 35) {
      it(`${f}: ${g.message!.split("\n")[0]!}`, () => {
        const err = parseError(text);
        expect(err, "expected a syntax error").not.toBeNull();
        expect(err!.libvirtMessage("(domain_definition)")).toBe(g.message);
      });
    } else {
      it(`${f}: well-formed (libvirt answered ${g.ok ? "ok" : g.message!})`, () => {
        expect(parseError(text)).toBeNull();
      });
    }
  }
});

describe("tree building", () => {
  it("drops blank text between elements but keeps whitespace-only element content", () => {
    const doc = parseXml("<a>\n  <b>  </b>\n  <c> x </c>\n</a>");
    expect(doc.root.children.map((c) => c.type)).toEqual(["element", "element"]);
    const [b, c] = doc.root.children as XmlElement[];
    expect(textContent(b!)).toBe("  ");
    expect(textContent(c!)).toBe(" x ");
  });

  it("keeps blanks in mixed content and under xml:space='preserve'", () => {
    const mixed = parseXml("<a>text<b/> <c/></a>");
    expect(mixed.root.children.map((c) => c.type)).toEqual(["text", "element", "text", "element"]);
    const kept = parseXml("<a xml:space='preserve'> <b/> </a>");
    expect(kept.root.children.map((c) => c.type)).toEqual(["text", "element", "text"]);
  });

  it("expands predefined, character and internal DTD entities and normalizes line ends", () => {
    const doc = parseXml("<!DOCTYPE a [<!ENTITY who 'world'>]>\r\n<a x='1&#10;2\r\n3'>&lt;&#x41;&#66;&who;\r\nz</a>");
    expect(textContent(doc.root)).toBe("<AB" + "world\nz");
    expect(attr(doc.root, "x")).toBe("1\n2 3");
  });

  it("resolves namespaces and keeps prefixes", () => {
    const doc = parseXml("<r xmlns:p='urn:p'><p:x p:a='1'/><q:y/></r>");
    const [x, y] = doc.root.children as XmlElement[];
    expect([x!.prefix, x!.local, x!.ns]).toEqual(["p", "x", "urn:p"]);
    expect(x!.attributes[0]).toMatchObject({ prefix: "p", local: "a", ns: "urn:p" });
    // an undeclared prefix is only a namespace warning in libxml2: the name keeps its prefix, no ns
    expect([y!.prefix, y!.local, y!.ns]).toEqual([null, "q:y", null]);
  });

  it("returns null for empty string values like virXPathString", () => {
    const doc = parseXml("<r><a></a><b>v</b></r>");
    expect(childText(doc.root, "a")).toBeNull();
    expect(childText(doc.root, "b")).toBe("v");
    expect(childText(doc.root, "c")).toBeNull();
  });
});

describe("serialization", () => {
  it("escapes like virBufferEscapeString and drops control characters", () => {
    expect(escapeXml(`a<b>&'"\x01\t`)).toBe("a&lt;b&gt;&amp;&apos;&quot;\t");
  });

  it("dumps a copied subtree like xmlNodeDump with re-declared namespaces", () => {
    const doc = parseXml(
      "<d xmlns:a='urn:a'><metadata><a:x k='é\"'><a:y>t</a:y><a:z/></a:x><plain/>text<b:q xmlns:b='urn:b'/><a:dup/></metadata></d>",
    );
    const md = copyElement(doc.root.children[0] as XmlElement);
    sanitizeNamespaces(md);
    expect(dumpNode(md, 1)).toBe(
      '<metadata xmlns:a="urn:a">\n' +
        '    <a:x k="&#xE9;&quot;">\n' +
        "      <a:y>t</a:y>\n" +
        "      <a:z/>\n" +
        "    </a:x>\n" +
        '    <b:q xmlns:b="urn:b"/>\n' +
        "  </metadata>",
    );
  });
});
