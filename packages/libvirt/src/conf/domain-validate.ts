// Domain validation after post-parse: virDomainDefValidate of libvirt 9.0
// (src/conf/domain_validate.c) for the modelled subset, with the driver's validate hooks.
import { chrSourceEqual, validateChrSource } from "./chr-conf.js";
import { confError, VIR_ERR_CONFIG_UNSUPPORTED, VIR_ERR_XML_DETAIL, VIR_ERR_XML_ERROR } from "./conf-error.js";
import { validateController } from "./controller-conf.js";
import { validateDisk } from "./disk-conf.js";
import type { DomainDef } from "./domain-def.js";
import { listDevices, type DomainDevice, type DomainPostParse } from "./domain-driver-hooks.js";
import { VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE } from "./domain-flags.js";
import { validateGraphics } from "./graphics-conf.js";
import { validateInput } from "./input-conf.js";
import { validateNet } from "./net-conf.js";
import { VIR_DOMAIN_DEF_FEATURE_FW_AUTOSELECT } from "./parse-context.js";
import { deviceInfoOf } from "./domain-postparse.js";
import { validateRng } from "./rng-conf.js";
import { validateVideo } from "./video-conf.js";

/** virDomainDeviceDefValidateInternal */
function validateDevice(dev: DomainDevice, def: DomainDef): void {
  const info = deviceInfoOf(dev);
  if (info?.address?.type === "unassigned") {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "address of type 'unassigned' is supported only for hostdevs");
  }
  switch (dev.type) {
    case "disk":
      validateDisk(dev.disk);
      break;
    case "net":
      validateNet(dev.net);
      break;
    case "controller":
      validateController(dev.controller);
      break;
    case "chr":
      validateChrSource(dev.chr.source, dev.chr);
      break;
    case "rng":
      validateRng(dev.rng);
      break;
    case "video":
      validateVideo(dev.video, def);
      break;
    case "input":
      validateInput(dev.input, def);
      break;
    case "graphics":
      validateGraphics(dev.graphics);
      break;
    case "memballoon":
      break;
  }
}

/** virDomainDefLifecycleActionValidate */
function validateLifecycle(def: DomainDef): void {
  const check = (type: string, action: string): void => {
    if (action === "coredump-destroy" || action === "coredump-restart") {
      throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `Lifecycle event '${type}' doesn't support '${action}' action`);
    }
  };
  check("poweroff", def.onPoweroff);
  check("reboot", def.onReboot);
}

/** virDomainDefOSValidate */
function validateOS(def: DomainDef, features: number): void {
  const loader = def.os.loader;
  if (def.os.firmware !== null) {
    if (!(features & VIR_DOMAIN_DEF_FEATURE_FW_AUTOSELECT)) {
      throw confError(VIR_ERR_XML_DETAIL, "firmware auto selection not implemented for this driver");
    }
    if (!loader) return;
    if (loader.readonly !== null) {
      throw confError(VIR_ERR_XML_DETAIL, "loader attribute 'readonly' cannot be specified when firmware autoselection is enabled");
    }
    if (loader.type !== null) {
      throw confError(VIR_ERR_XML_DETAIL, "loader attribute 'type' cannot be specified when firmware autoselection is enabled");
    }
    if (loader.path !== null) throw confError(VIR_ERR_XML_DETAIL, "loader path cannot be specified when firmware autoselection is enabled");
    if (loader.nvramTemplate !== null) {
      throw confError(VIR_ERR_XML_DETAIL, "nvram attribute 'template' cannot be specified when firmware autoselection is enabled");
    }
    if (loader.secure === "no") {
      throw confError(VIR_ERR_XML_DETAIL, "loader attribute 'secure' cannot be specified when firmware autoselection is enabled");
    }
    if (loader.nvram !== null && def.os.firmware !== "efi") {
      throw confError(VIR_ERR_XML_DETAIL, `firmware type '${def.os.firmware}' does not support nvram`);
    }
  } else {
    if (def.os.firmwareFeatures) {
      throw confError(VIR_ERR_XML_DETAIL, "cannot use feature-based firmware autoselection when firmware autoselection is disabled");
    }
    if (!loader) return;
    if (loader.path === null) throw confError(VIR_ERR_XML_DETAIL, "no loader path specified and firmware auto selection disabled");
  }
  if (loader.stateless === "yes") {
    if (loader.nvramTemplate !== null) throw confError(VIR_ERR_XML_DETAIL, "NVRAM template is not permitted when loader is stateless");
    if (loader.nvram !== null) throw confError(VIR_ERR_XML_DETAIL, "NVRAM is not permitted when loader is stateless");
  } else if (loader.stateless === "no") {
    if (def.os.firmware === null) {
      if (loader.type !== "pflash") throw confError(VIR_ERR_XML_DETAIL, "Only pflash loader type permits NVRAM");
    } else if (def.os.firmware !== "efi") {
      throw confError(VIR_ERR_XML_DETAIL, "Only EFI firmware permits NVRAM");
    }
  }
}

/** virDomainDefValidateInternal for the modelled parts */
function validateInternal(def: DomainDef, hooks: DomainPostParse): void {
  // virDomainDefDuplicateDiskInfoValidate
  for (let i = 0; i < def.disks.length; i++) {
    for (let j = i + 1; j < def.disks.length; j++) {
      const a = def.disks[i]!;
      const b = def.disks[j]!;
      if (a.dst === b.dst) {
        throw confError(VIR_ERR_XML_ERROR, `target '${a.dst ?? ""}' duplicated for disk sources '${a.src.path ?? "<null>"}' and '${b.src.path ?? "<null>"}'`);
      }
    }
  }
  // virDomainDefDuplicateDriveAddressesValidate
  for (let i = 0; i < def.disks.length; i++) {
    const a = def.disks[i]!;
    const aa = a.info.address;
    if (aa?.type !== "drive") continue;
    for (let j = i + 1; j < def.disks.length; j++) {
      const b = def.disks[j]!;
      const ba = b.info.address;
      if (a.bus !== b.bus || ba?.type !== "drive") continue;
      if (aa.controller === ba.controller && aa.bus === ba.bus && aa.target === ba.target && aa.unit === ba.unit) {
        throw confError(
          VIR_ERR_CONFIG_UNSUPPORTED,
          `Found duplicate drive address for disk with target name '${a.dst ?? ""}' controller='${aa.controller}' bus='${aa.bus}' target='${aa.target}' unit='${aa.unit}'`,
        );
      }
    }
  }
  // virDomainDefGetVcpusTopology
  const t = def.cpu?.topology;
  if (t && t.sockets > 0 && t.sockets * t.dies * t.cores * t.threads > 0xffffffff) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "cpu topology results in more than 4294967295 cpus");
  }
  // virDomainDefValidateAliases: user aliases must be unique
  const aliases = new Set<string>();
  for (const dev of listDevices(def, true)) {
    const alias = deviceInfoOf(dev)?.alias;
    if (!alias?.startsWith("ua-")) continue;
    // console backcompat: serial 0 and the console standing for it share their alias
    const s0 = def.serials[0];
    const c0 = def.consoles[0];
    if (
      dev.type === "chr" &&
      s0 &&
      c0?.targetType === "serial" &&
      (dev.chr === s0 || (dev.chr === c0 && chrSourceEqual(c0.source, s0.source) && c0.info.alias === s0.info.alias))
    ) {
      continue;
    }
    if (aliases.has(alias)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `non unique alias detected: ${alias}`);
    aliases.add(alias);
  }
  validateLifecycle(def);
  validateOS(def, hooks.config.features);
  // virDomainDefBootValidate
  if (def.os.bootmenuTimeout !== null && def.os.bootmenuTimeout > 65535) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "invalid value for boot menu timeout, must be in range [0,65535]");
  }
  if (def.os.biosRebootTimeout !== null && (def.os.biosRebootTimeout < -1 || def.os.biosRebootTimeout > 65535)) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "invalid value for rebootTimeout, must be in range [-1,65535]");
  }
  // virDomainDefVideoValidate
  if (def.videos[0]?.primary && def.videos.slice(1).some((v) => v.primary)) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "Only one primary video device is supported");
  }
}

/** virDomainDefValidate */
export function validateDomain(def: DomainDef, flags: number, hooks: DomainPostParse): void {
  if (flags & VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE) return;
  hooks.domainValidate?.(def);
  for (const dev of listDevices(def, true)) {
    validateDevice(dev, def);
    hooks.deviceValidate?.(dev, def);
  }
  validateInternal(def, hooks);
}
