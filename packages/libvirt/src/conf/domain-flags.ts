// Flag values of libvirt 9.0: the public ones from include/libvirt/libvirt-domain.h and the internal
// parse/format flags of src/conf/domain_conf.h (virDomainDefParseFlags, virDomainDefFormatFlags).

/** virDomainDefineFlags: VIR_DOMAIN_DEFINE_VALIDATE asks for RNG schema validation */
export const VIR_DOMAIN_DEFINE_VALIDATE = 1 << 0;

/** virDomainXMLFlags (virDomainGetXMLDesc) */
export const VIR_DOMAIN_XML_SECURE = 1 << 0;
export const VIR_DOMAIN_XML_INACTIVE = 1 << 1;
export const VIR_DOMAIN_XML_UPDATE_CPU = 1 << 2;
export const VIR_DOMAIN_XML_MIGRATABLE = 1 << 3;

/** virDomainDefParseFlags */
export const VIR_DOMAIN_DEF_PARSE_STATUS = 1 << 0;
export const VIR_DOMAIN_DEF_PARSE_INACTIVE = 1 << 1;
export const VIR_DOMAIN_DEF_PARSE_ACTUAL_NET = 1 << 2;
export const VIR_DOMAIN_DEF_PARSE_PCI_ORIG_STATES = 1 << 3;
export const VIR_DOMAIN_DEF_PARSE_ALLOW_ROM = 1 << 4;
export const VIR_DOMAIN_DEF_PARSE_ALLOW_BOOT = 1 << 5;
export const VIR_DOMAIN_DEF_PARSE_VALIDATE_SCHEMA = 1 << 6;
export const VIR_DOMAIN_DEF_PARSE_ABI_UPDATE = 1 << 7;
export const VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE = 1 << 8;

/** virDomainDefFormatFlags */
export const VIR_DOMAIN_DEF_FORMAT_SECURE = 1 << 0;
export const VIR_DOMAIN_DEF_FORMAT_INACTIVE = 1 << 1;
export const VIR_DOMAIN_DEF_FORMAT_MIGRATABLE = 1 << 2;
export const VIR_DOMAIN_DEF_FORMAT_STATUS = 1 << 3;
export const VIR_DOMAIN_DEF_FORMAT_ALLOW_ROM = 1 << 6;
export const VIR_DOMAIN_DEF_FORMAT_ALLOW_BOOT = 1 << 7;
export const VIR_DOMAIN_DEF_FORMAT_CLOCK_ADJUST = 1 << 8;

/**
 * The parse flags a driver's domainDefineXMLFlags uses (test_driver.c testDomainDefineXMLFlags,
 * qemu_driver.c qemuDomainDefineXMLFlags): an inactive definition, schema-validated on request.
 */
export function defineFlagsToParseFlags(defineFlags: number): number {
  let flags = VIR_DOMAIN_DEF_PARSE_INACTIVE;
  if (defineFlags & VIR_DOMAIN_DEFINE_VALIDATE) flags |= VIR_DOMAIN_DEF_PARSE_VALIDATE_SCHEMA;
  return flags;
}

/** virDomainDefFormatConvertXMLFlags: public virDomainXMLFlags to virDomainDefFormatFlags */
export function xmlFlagsToFormatFlags(xmlFlags: number): number {
  let flags = 0;
  if (xmlFlags & VIR_DOMAIN_XML_SECURE) flags |= VIR_DOMAIN_DEF_FORMAT_SECURE;
  if (xmlFlags & VIR_DOMAIN_XML_INACTIVE) flags |= VIR_DOMAIN_DEF_FORMAT_INACTIVE;
  if (xmlFlags & VIR_DOMAIN_XML_MIGRATABLE) flags |= VIR_DOMAIN_DEF_FORMAT_MIGRATABLE;
  return flags;
}
