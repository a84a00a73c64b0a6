// Errors raised by the XML configuration layer. libvirt reports them with virReportError(), whose
// error domain is the VIR_FROM_THIS of the C file that raised it: domain_conf.c is VIR_FROM_DOMAIN,
// virxml.c (the virXMLProp* helpers, virParseScaledValue) is VIR_FROM_XML, virutil.c/virstring.c
// are VIR_FROM_NONE, cpu_conf.c VIR_FROM_CPU, network_conf.c VIR_FROM_NETWORK, storage_conf.c
// VIR_FROM_STORAGE, snapshot_conf.c VIR_FROM_DOMAIN_SNAPSHOT. Messages are libvirt's verbatim, so
// a ConfError is a VirError that maps 1:1 onto the wire's remote_error.
import { VirError, virError } from "../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../errors/virterror.js";
import { XmlSyntaxError, parseXml, type XmlDocument } from "../util/xml.js";

export const {
  VIR_ERR_INTERNAL_ERROR,
  VIR_ERR_INVALID_ARG,
  VIR_ERR_NO_NAME,
  VIR_ERR_NO_SOURCE,
  VIR_ERR_NO_TARGET,
  VIR_ERR_XML_ERROR,
  VIR_ERR_XML_DETAIL,
  VIR_ERR_CONFIG_UNSUPPORTED,
  VIR_ERR_OVERFLOW,
  VIR_ERR_XML_INVALID_SCHEMA,
  VIR_ERR_INVALID_MAC,
  VIR_ERR_OPERATION_UNSUPPORTED,
  VIR_ERR_SYSTEM_ERROR,
  VIR_ERR_NO_SUPPORT,
} = VirErrorNumber;

export const {
  VIR_FROM_NONE,
  VIR_FROM_XML,
  VIR_FROM_DOMAIN,
  VIR_FROM_CPU,
  VIR_FROM_NETWORK,
  VIR_FROM_STORAGE,
  VIR_FROM_DOMAIN_SNAPSHOT,
  VIR_FROM_CAPABILITIES,
  VIR_FROM_QEMU,
} = VirErrorDomain;

/** A libvirt error raised while parsing, validating or formatting configuration XML. */
export class ConfError extends VirError {}

/**
 * virReportError(code, fmt, ...) from a file whose VIR_FROM_THIS is `domain`. `detail` is the
 * formatted message; null gives the code's bare template (virReportError(code, NULL)).
 */
export function confError(code: number, detail: string | null, domain: number = VIR_FROM_DOMAIN): ConfError {
  const e = virError(domain, code, detail);
  return new ConfError(e.toFields());
}

/**
 * virXMLParse() for one kind of document: the libxml2 error becomes VIR_ERR_XML_DETAIL in the
 * caller's domain with catchXMLError()'s text, a wrong root element is VIR_ERR_XML_ERROR from
 * virxml.c.
 */
export function parseConfXml(text: string, docname: string, rootName: string, domain: number): XmlDocument {
  let doc: XmlDocument;
  try {
    doc = parseXml(text);
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw confError(VIR_ERR_XML_DETAIL, e.libvirtMessage(docname), domain);
    throw e;
  }
  // virXMLNodeNameEqual compares node->name, the local name, whatever the namespace
  if (doc.root.local !== rootName) {
    throw confError(VIR_ERR_XML_ERROR, `expecting root element of '${rootName}', not '${doc.root.local}'`, VIR_FROM_XML);
  }
  return doc;
}
