// The domain XML entry points: parse -> post-parse -> validate, and format.
// libvirt 9.0: virDomainDefParseString -> virDomainDefParseNode (parse, virDomainDefPostParse,
// virDomainDefValidate) and virDomainDefFormat.
import type { DomainDef } from "./domain-def.js";
import type { DomainPostParse } from "./domain-driver-hooks.js";
import { VIR_DOMAIN_DEF_FORMAT_INACTIVE, VIR_DOMAIN_DEF_PARSE_VALIDATE_SCHEMA, xmlFlagsToFormatFlags } from "./domain-flags.js";
import { formatDomainDef, type DomainLiveInfo } from "./domain-format.js";
import { testDriverPostParse } from "./domain-hooks-test.js";
import { parseDomainDocument, parseDomainElement } from "./domain-parse.js";
import { postParseDomain } from "./domain-postparse.js";
import { validateDomainSchema } from "./domain-schema.js";
import { validateDomain } from "./domain-validate.js";
import type { XmlElement } from "../util/xml.js";

export interface ParseDomainOptions {
  /**
   * VIR_DOMAIN_DEF_PARSE_* flags. A driver's defineXML uses defineFlagsToParseFlags(flags)
   * (INACTIVE, plus VALIDATE_SCHEMA for VIR_DOMAIN_DEFINE_VALIDATE); createXML uses 0... with
   * INACTIVE when it starts a new domain from a definition without live state.
   */
  flags?: number;
  /** the driver's parser configuration and callbacks; the test driver's when absent */
  postParse?: DomainPostParse;
}

/** Parse domain XML into a post-parsed, validated DomainDef. Throws ConfError (a VirError). */
export function parseDomainXML(xml: string, opts: ParseDomainOptions = {}): DomainDef {
  const flags = opts.flags ?? 0;
  const hooks = opts.postParse ?? testDriverPostParse;
  const root = parseDomainDocument(xml);
  if (flags & VIR_DOMAIN_DEF_PARSE_VALIDATE_SCHEMA) validateDomainSchema(root);
  const def = parseDomainElement(root, { flags, config: hooks.config }, hooks);
  postParseDomain(def, flags, hooks);
  validateDomain(def, flags, hooks);
  return def;
}

/**
 * virDomainDefParseNode on an element of another document (a snapshot's <domain>): parse,
 * post-parse and, unless VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE, validate. The element's name is not
 * checked.
 */
export function parseDomainNode(el: XmlElement, opts: ParseDomainOptions = {}): DomainDef {
  const flags = opts.flags ?? 0;
  const hooks = opts.postParse ?? testDriverPostParse;
  if (flags & VIR_DOMAIN_DEF_PARSE_VALIDATE_SCHEMA) validateDomainSchema(el);
  const def = parseDomainElement(el, { flags, config: hooks.config }, hooks);
  postParseDomain(def, flags, hooks);
  validateDomain(def, flags, hooks);
  return def;
}

export interface FormatDomainOptions {
  /** public VIR_DOMAIN_XML_* flags (SECURE 1, INACTIVE 2, UPDATE_CPU 4, MIGRATABLE 8) */
  flags?: number;
  /** the running domain's id; without it def.id decides (-1 is inactive) */
  live?: DomainLiveInfo;
}

/** Format a DomainDef as libvirt's virDomainDefFormat would. */
export function formatDomainXML(def: DomainDef, opts: FormatDomainOptions = {}): string {
  let flags = xmlFlagsToFormatFlags(opts.flags ?? 0);
  const id = opts.live ? opts.live.id : def.id;
  if (id === -1) flags |= VIR_DOMAIN_DEF_FORMAT_INACTIVE;
  return formatDomainDef(id === def.id ? def : { ...def, id }, flags);
}
