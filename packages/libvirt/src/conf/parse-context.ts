// What a device parser needs besides its element: the parse flags and the driver's parser config
// (the parts of libvirt's virDomainXMLOption the parsers consult).
import { childElements, type XmlElement } from "../util/xml.js";
import { confError, VIR_ERR_CONFIG_UNSUPPORTED } from "./conf-error.js";
import type { Arch } from "./domain-enums.js";

/** virDomainDefFeatures (domain_conf.h): what a driver's parser accepts */
export const VIR_DOMAIN_DEF_FEATURE_WIDE_SCSI = 1 << 0;
export const VIR_DOMAIN_DEF_FEATURE_MEMORY_HOTPLUG = 1 << 1;
export const VIR_DOMAIN_DEF_FEATURE_OFFLINE_VCPUPIN = 1 << 2;
export const VIR_DOMAIN_DEF_FEATURE_NAME_SLASH = 1 << 3;
export const VIR_DOMAIN_DEF_FEATURE_INDIVIDUAL_VCPUS = 1 << 4;
export const VIR_DOMAIN_DEF_FEATURE_USER_ALIAS = 1 << 5;
export const VIR_DOMAIN_DEF_FEATURE_NO_BOOT_ORDER = 1 << 6;
export const VIR_DOMAIN_DEF_FEATURE_FW_AUTOSELECT = 1 << 7;
export const VIR_DOMAIN_DEF_FEATURE_NET_MODEL_STRING = 1 << 8;
export const VIR_DOMAIN_DEF_FEATURE_DISK_FD = 1 << 9;

export interface ParserConfig {
  /** VIR_DOMAIN_DEF_FEATURE_* bits */
  features: number;
  /** architecture used when <os><type> has no arch (config.defArch; the host's otherwise) */
  defArch: Arch;
  /** VIR_DOMAIN_DEF_FEATURE_WIDE_SCSI drivers set scsiBusMaxUnit to 16; others use 7 */
  wideScsi: boolean;
}

export interface ParseContext {
  flags: number;
  config: ParserConfig;
}

/**
 * Elements libvirt 9.0 understands but virtkit does not model. libvirt would keep them; silently
 * dropping them would lose configuration, so the parser refuses them instead.
 */
export function rejectUnmodelled(el: XmlElement, names: readonly string[], where: string): void {
  for (const c of childElements(el)) {
    if (c.ns === null && names.includes(c.local)) {
      throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `element <${c.local}> in ${where} is not supported by virtkit`);
    }
  }
}
