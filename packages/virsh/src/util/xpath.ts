// `dumpxml --xpath` (tools/virsh-util.c virshDumpXML): the document is parsed without blank
// text, the expression evaluated against the root element, and each selected node printed as
// libxml2's xmlNodeDump formats it (elements re-indented by two spaces, an attribute as
// ` name="value"`, text as is), optionally wrapped in <nodes>. The expression language is the
// location-path part of XPath 1.0: `/`, `//`, names, `*`, `@name`, `@*`, `text()`, `node()`,
// `.`, `..`, predicates `[N]`, `[last()]`, `[@a]`, `[@a='v']`, `[name='v']`, and `|` unions.
import { VirErrorDomain, VirErrorNumber, virError } from "@virtkit/libvirt";
import { CommandFailed } from "../shell/parsed-command.js";
import type { Shell } from "../shell/shell.js";
import { XmlReadError, readXml, type XElement } from "./xml-reader.js";

type XNode = { kind: "el"; el: XElement } | { kind: "attr"; owner: XElement; name: string; value: string } | { kind: "text"; owner: XElement; text: string };

interface Predicate {
  kind: "index" | "last" | "has-attr" | "attr-eq" | "child-eq";
  n?: number;
  name?: string;
  value?: string;
}
interface Step {
  axis: "child" | "descendant-or-self" | "attribute" | "self" | "parent";
  test: string;
  preds: Predicate[];
}
interface Path {
  absolute: boolean;
  steps: Step[];
}

class XPathSyntaxError extends Error {
  constructor(readonly pos: number) {
    super("Invalid expression");
  }
}

const NAME = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/;

function parseUnion(expr: string): Path[] {
  let i = 0;
  const ws = (): void => {
    while (expr[i] === " " || expr[i] === "\t") i++;
  };
  const paths: Path[] = [];
  for (;;) {
    ws();
    const path: Path = { absolute: false, steps: [] };
    if (expr.startsWith("//", i)) {
      path.absolute = true;
      path.steps.push({ axis: "descendant-or-self", test: "node()", preds: [] });
      i += 2;
    } else if (expr[i] === "/") {
      path.absolute = true;
      i++;
      ws();
      if (i >= expr.length || expr[i] === "|") {
        paths.push(path);
        if (i >= expr.length) return paths;
        i++;
        continue;
      }
    }
    for (;;) {
      ws();
      const step: Step = { axis: "child", test: "", preds: [] };
      if (expr.startsWith("..", i)) {
        step.axis = "parent";
        step.test = "node()";
        i += 2;
      } else if (expr[i] === ".") {
        step.axis = "self";
        step.test = "node()";
        i++;
      } else {
        if (expr[i] === "@") {
          step.axis = "attribute";
          i++;
        }
        if (expr[i] === "*") {
          step.test = "*";
          i++;
        } else {
          const m = NAME.exec(expr.slice(i));
          if (!m) throw new XPathSyntaxError(i);
          i += m[0].length;
          if (expr.startsWith("()", i) && (m[0] === "text" || m[0] === "node")) {
            step.test = `${m[0]}()`;
            i += 2;
          } else if (expr[i] === "(") {
            throw new XPathSyntaxError(-1);
          } else {
            step.test = m[0];
          }
        }
      }
      ws();
      while (expr[i] === "[") {
        i++;
        ws();
        let pred: Predicate;
        const num = /^\d+/.exec(expr.slice(i));
        if (num) {
          pred = { kind: "index", n: Number(num[0]) };
          i += num[0].length;
        } else if (expr.startsWith("last()", i)) {
          pred = { kind: "last" };
          i += 6;
        } else {
          const isAttr = expr[i] === "@";
          if (isAttr) i++;
          const m = NAME.exec(expr.slice(i));
          if (!m) throw new XPathSyntaxError(i);
          i += m[0].length;
          ws();
          if (expr[i] === "=") {
            i++;
            ws();
            const q = expr[i];
            if (q !== "'" && q !== '"') throw new XPathSyntaxError(i);
            const end = expr.indexOf(q, i + 1);
            if (end < 0) throw new XPathSyntaxError(expr.length);
            pred = { kind: isAttr ? "attr-eq" : "child-eq", name: m[0], value: expr.slice(i + 1, end) };
            i = end + 1;
          } else if (isAttr) {
            pred = { kind: "has-attr", name: m[0] };
          } else {
            throw new XPathSyntaxError(-1);
          }
        }
        ws();
        if (expr[i] !== "]") throw new XPathSyntaxError(i);
        i++;
        step.preds.push(pred);
        ws();
      }
      path.steps.push(step);
      ws();
      if (expr.startsWith("//", i)) {
        path.steps.push({ axis: "descendant-or-self", test: "node()", preds: [] });
        i += 2;
        continue;
      }
      if (expr[i] === "/") {
        i++;
        continue;
      }
      break;
    }
    paths.push(path);
    ws();
    if (i >= expr.length) return paths;
    if (expr[i] !== "|") throw new XPathSyntaxError(i);
    i++;
  }
}

function descendantsOrSelf(el: XElement): XElement[] {
  const out: XElement[] = [el];
  for (const c of el.children) out.push(...descendantsOrSelf(c));
  return out;
}

function textNodes(el: XElement): XNode[] {
  return el.text.trim() === "" ? [] : [{ kind: "text", owner: el, text: el.text }];
}

function applyStep(ctx: XNode[], step: Step): XNode[] {
  const out: XNode[] = [];
  for (const n of ctx) {
    if (n.kind !== "el") {
      if (step.axis === "self" && step.test === "node()") out.push(n);
      else if (step.axis === "parent") out.push({ kind: "el", el: n.owner });
      continue;
    }
    const el = n.el;
    let cands: XNode[] = [];
    switch (step.axis) {
      case "child":
        if (step.test === "text()") cands = textNodes(el);
        else if (step.test === "node()") cands = [...el.children.map((c): XNode => ({ kind: "el", el: c })), ...textNodes(el)];
        else cands = el.children.filter((c) => step.test === "*" || c.name === step.test).map((c) => ({ kind: "el", el: c }));
        break;
      case "descendant-or-self":
        cands = descendantsOrSelf(el).map((e) => ({ kind: "el", el: e }));
        break;
      case "attribute":
        for (const [k, v] of el.attrs) if (step.test === "*" || k === step.test) cands.push({ kind: "attr", owner: el, name: k, value: v });
        break;
      case "self":
        cands = [n];
        break;
      case "parent":
        if (el.parent) cands = [{ kind: "el", el: el.parent }];
        break;
    }
    for (const p of step.preds) cands = filter(cands, p);
    out.push(...cands);
  }
  return out;
}

function filter(nodes: XNode[], p: Predicate): XNode[] {
  switch (p.kind) {
    case "index":
      return nodes[p.n! - 1] ? [nodes[p.n! - 1]!] : [];
    case "last":
      return nodes.length ? [nodes[nodes.length - 1]!] : [];
    case "has-attr":
      return nodes.filter((n) => n.kind === "el" && n.el.attrs.has(p.name!));
    case "attr-eq":
      return nodes.filter((n) => n.kind === "el" && n.el.attrs.get(p.name!) === p.value);
    case "child-eq":
      return nodes.filter((n) => n.kind === "el" && n.el.children.some((c) => c.name === p.name && c.text === p.value));
  }
}

/** Document order key of a node. */
function orderKey(n: XNode, order: Map<XElement, number>): number[] {
  if (n.kind === "el") return [order.get(n.el) ?? 0, -2];
  if (n.kind === "attr") return [order.get(n.owner) ?? 0, -1, [...n.owner.attrs.keys()].indexOf(n.name)];
  return [order.get(n.owner) ?? 0, 0];
}

export function evaluate(root: XElement, expr: string): XNode[] {
  const paths = parseUnion(expr);
  const doc: XElement = { name: "#document", attrs: new Map(), children: [root], text: "", parent: null };
  const order = new Map<XElement, number>();
  descendantsOrSelf(root).forEach((e, i) => order.set(e, i));
  const seen = new Set<string>();
  const all: XNode[] = [];
  for (const path of paths) {
    let ctx: XNode[] = [{ kind: "el", el: path.absolute ? doc : root }];
    for (const s of path.steps) ctx = applyStep(ctx, s);
    for (const n of ctx) {
      if (n.kind === "el" && n.el === doc) continue;
      const key = orderKey(n, order).join(",") + (n.kind === "attr" ? n.name : "");
      if (seen.has(key)) continue;
      seen.add(key);
      all.push(n);
    }
  }
  return all.sort((a, b) => {
    const x = orderKey(a, order);
    const y = orderKey(b, order);
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
  });
}

function escAttr(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/\n/g, "&#10;").replace(/\r/g, "&#13;").replace(/\t/g, "&#9;");
}
function escText(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/\r/g, "&#13;");
}

/** xmlNodeDump(format = 1) of an element parsed without blanks. */
export function dumpElement(el: XElement, level = 0): string {
  const pad = "  ".repeat(level);
  let s = `<${el.name}`;
  for (const [k, v] of el.attrs) s += ` ${k}="${escAttr(v)}"`;
  const text = el.children.length === 0 ? el.text : el.text.trim() === "" ? "" : el.text;
  if (el.children.length === 0 && text === "") return `${s}/>`;
  if (el.children.length === 0) return `${s}>${escText(text)}</${el.name}>`;
  s += ">\n";
  for (const c of el.children) s += `${pad}  ${dumpElement(c, level + 1)}\n`;
  return `${s}${pad}</${el.name}>`;
}

function dumpNode(n: XNode): string {
  if (n.kind === "el") return dumpElement(n.el);
  if (n.kind === "attr") return ` ${n.name}="${escAttr(n.value)}"`;
  return escText(n.text);
}

/** virshDumpXML */
export function dumpXML(ctl: Shell, xml: string, xpath: string | null, wrap: boolean): boolean {
  if (xpath === null) {
    ctl.print(xml);
    return true;
  }
  let root: XElement;
  try {
    root = readXml(xml);
  } catch (e) {
    if (e instanceof XmlReadError) return false;
    throw e;
  }
  let nodes: XNode[];
  try {
    nodes = evaluate(root, xpath);
  } catch (e) {
    if (!(e instanceof XPathSyntaxError)) throw e;
    if (e.pos < 0) throw new CommandFailed(virError(VirErrorDomain.VIR_FROM_NONE, VirErrorNumber.VIR_ERR_INTERNAL_ERROR, `Incorrect xpath '${xpath}'`));
    // libxml2 reports the syntax error itself, on stderr, with a caret under the position.
    ctl.io.stderr(`XPath error : Invalid expression\n${xpath}\n${" ".repeat(e.pos)}^\n`);
    return false;
  }
  if (wrap) {
    const nodesEl: XElement = { name: "nodes", attrs: new Map(), children: [], text: "", parent: null };
    let inner = "";
    for (const n of nodes) {
      if (n.kind === "el") nodesEl.children.push(n.el);
      else if (n.kind === "text") inner += n.text;
    }
    if (nodes.some((n) => n.kind === "attr")) {
      // An attribute copied under <nodes> becomes an attribute of <nodes>.
      for (const n of nodes) if (n.kind === "attr") nodesEl.attrs.set(n.name, n.value);
    }
    nodesEl.text = inner;
    ctl.print(`${dumpElement(nodesEl)}\n`);
  } else {
    for (const n of nodes) ctl.print(`${dumpNode(n)}\n`);
  }
  return true;
}
