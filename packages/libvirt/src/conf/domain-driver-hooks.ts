// The per-driver part of domain XML handling: libvirt's virDomainDefParserConfig (the parser
// features, default architecture and the post-parse / validate callbacks a hypervisor driver
// registers in virDomainXMLOptionNew). parseDomainXML runs the generic steps of
// src/conf/domain_postparse.c and calls these hooks at the same points libvirt does.
import type {
  ChrDef,
  ControllerDef,
  DiskDef,
  DomainDef,
  GraphicsDef,
  InputDef,
  MemballoonDef,
  NetDef,
  RngDef,
  VideoDef,
} from "./domain-def.js";
import type { ParserConfig } from "./parse-context.js";

/** virDomainDeviceDef for the modelled device kinds */
export type DomainDevice =
  | { type: "disk"; disk: DiskDef }
  | { type: "net"; net: NetDef }
  | { type: "chr"; chr: ChrDef }
  | { type: "controller"; controller: ControllerDef }
  | { type: "input"; input: InputDef }
  | { type: "graphics"; graphics: GraphicsDef }
  | { type: "video"; video: VideoDef }
  | { type: "memballoon"; memballoon: MemballoonDef }
  | { type: "rng"; rng: RngDef };

export interface DomainPostParse {
  /** the driver this models, for messages and tests */
  readonly name: string;
  readonly config: ParserConfig;
  /** virDomainXMLOption config.netPrefix: generated tap names that are blanked in inactive XML */
  readonly netPrefix: string | null;
  /** domainPostParseBasicCallback */
  domainPostParseBasic?(def: DomainDef): void;
  /** domainPostParseCallback, called after controller indexes are assigned */
  domainPostParse?(def: DomainDef, parseFlags: number): void;
  /** devicesPostParseCallback, called for each device before the generic device post-parse */
  devicePostParse?(dev: DomainDevice, def: DomainDef, parseFlags: number): void;
  /** assignAddressesCallback */
  assignAddresses?(def: DomainDef, parseFlags: number): void;
  /** domainValidateCallback */
  domainValidate?(def: DomainDef): void;
  /** deviceValidateCallback */
  deviceValidate?(dev: DomainDevice, def: DomainDef): void;
}

/**
 * virDomainDeviceInfoIterateFlags(ALL_CONSOLES | MISSING_INFO) order: disks, nets, videos,
 * controllers, serials, parallels, channels, consoles, inputs, memballoon, rngs, graphics.
 * With allConsoles false the compatibility console aliasing serials[0] is skipped
 * (virDomainSkipBackcompatConsole).
 */
export function listDevices(def: DomainDef, allConsoles = true): DomainDevice[] {
  const out: DomainDevice[] = [];
  for (const disk of def.disks) out.push({ type: "disk", disk });
  for (const net of def.nets) out.push({ type: "net", net });
  for (const video of def.videos) out.push({ type: "video", video });
  for (const controller of def.controllers) out.push({ type: "controller", controller });
  for (const chr of def.serials) out.push({ type: "chr", chr });
  for (const chr of def.parallels) out.push({ type: "chr", chr });
  for (const chr of def.channels) out.push({ type: "chr", chr });
  def.consoles.forEach((chr, i) => {
    if (!allConsoles && isBackcompatConsole(def, i)) return;
    out.push({ type: "chr", chr });
  });
  for (const input of def.inputs) out.push({ type: "input", input });
  if (def.memballoon) out.push({ type: "memballoon", memballoon: def.memballoon });
  for (const rng of def.rngs) out.push({ type: "rng", rng });
  for (const graphics of def.graphics) out.push({ type: "graphics", graphics });
  return out;
}

/** virDomainSkipBackcompatConsole: console 0 of an HVM guest that stands for serial 0 */
export function isBackcompatConsole(def: DomainDef, index: number): boolean {
  const c = def.consoles[index];
  return index === 0 && c !== undefined && def.os.type === "hvm" && (c.targetType === "serial" || c.targetType === "none");
}
