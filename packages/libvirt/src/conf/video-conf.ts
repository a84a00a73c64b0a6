// <video> devices (libvirt 9.0 src/conf/domain_conf.c: virDomainVideoDefParseXML,
// virDomainVideoDefFormat, virDomainVideoDefaultRAM; domain_postparse.c:
// virDomainVideoDefPostParse, virDomainDefPostParseVideo; domain_validate.c:
// virDomainVideoDefValidate, virDomainDefVideoValidate).
import { firstChild, type XmlBuffer, type XmlElement } from "../util/xml.js";
import { confError, VIR_ERR_CONFIG_UNSUPPORTED, VIR_ERR_INTERNAL_ERROR, VIR_ERR_XML_ERROR } from "./conf-error.js";
import { checkVirtioOptionsAbsent, formatDeviceInfo, formatVirtioOptions, newDeviceInfo, parseDeviceInfo, parseVirtioOptions } from "./device-info.js";
import type { DomainDef, VideoDef } from "./domain-def.js";
import { VIR_DOMAIN_VIDEO, VIR_DOMAIN_VIDEO_BACKEND, VIR_DOMAIN_VIDEO_VGACONF, type VideoType } from "./domain-enums.js";
import { VIR_DOMAIN_DEF_FEATURE_USER_ALIAS, type ParseContext } from "./parse-context.js";
import { attrString } from "./units.js";
import { propEnum, propString, propTristateBool, propUInt, VIR_XML_PROP_NONZERO, VIR_XML_PROP_REQUIRED } from "./virxml-props.js";
import { virStrToLongUip } from "./virstring.js";
import { sanitizePath } from "./input-conf.js";

export function newVideo(type: VideoType = "default"): VideoDef {
  return {
    type,
    ram: 0,
    vram: 0,
    vram64: 0,
    vgamem: 0,
    // virDomainVideoDefNew: one head unless the XML says otherwise
    heads: 1,
    primary: false,
    accel: null,
    resolution: null,
    backend: null,
    vgaconf: null,
    virtio: null,
    info: newDeviceInfo(),
  };
}

/** virDomainVideoDefParseXML */
export function parseVideo(node: XmlElement, ctx: ParseContext): VideoDef {
  const v = newVideo();
  const model = firstChild(node, "model");
  if (attrString(model, "primary") === "yes") v.primary = true;
  const accel = model ? firstChild(model, "acceleration") : null;
  if (accel) {
    const rendernode = propString(accel, "rendernode");
    const accel3d = propTristateBool(accel, "accel3d");
    const accel2d = propTristateBool(accel, "accel2d");
    if (rendernode === null && accel3d === null && accel2d === null) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "missing values for acceleration");
    v.accel = { accel3d, accel2d, rendernode: rendernode !== null ? sanitizePath(rendernode) : null };
  }
  const res = model ? firstChild(model, "resolution") : null;
  if (res) v.resolution = { x: propUInt(res, "x", VIR_XML_PROP_REQUIRED)!, y: propUInt(res, "y", VIR_XML_PROP_REQUIRED)! };
  const driver = firstChild(node, "driver");
  if (driver) {
    v.backend = propEnum(driver, "name", VIR_DOMAIN_VIDEO_BACKEND, VIR_XML_PROP_NONZERO) as VideoDef["backend"];
    v.virtio = parseVirtioOptions(driver);
  }
  const type = attrString(model, "type");
  if (type !== null) {
    if (!VIR_DOMAIN_VIDEO.includes(type as never)) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, `unknown video model '${type}'`);
    v.type = type as VideoType;
  }
  const num = (name: string, msg: string, code: number = VIR_ERR_XML_ERROR): number => {
    const s = attrString(model, name);
    if (s === null) return 0;
    const n = virStrToLongUip(s);
    if (n === null) throw confError(code, `cannot parse video ${msg} '${s}'`);
    return n;
  };
  v.ram = num("ram", "ram");
  v.vram = num("vram", "vram");
  v.vram64 = num("vram64", "vram64");
  v.vgamem = num("vgamem", "vgamem");
  if (attrString(model, "heads") !== null) v.heads = num("heads", "heads", VIR_ERR_INTERNAL_ERROR);
  v.info = parseDeviceInfo(node, ctx.flags, { userAliases: (ctx.config.features & VIR_DOMAIN_DEF_FEATURE_USER_ALIAS) !== 0 });
  if (driver) v.vgaconf = propEnum(driver, "vgaconf", VIR_DOMAIN_VIDEO_VGACONF);
  return v;
}

/** virDomainVideoDefaultRAM */
export function videoDefaultRAM(def: Pick<DomainDef, "virtType">, type: VideoType): number {
  switch (type) {
    case "vga":
    case "cirrus":
    case "vmvga":
      if (def.virtType === "vbox") return 8 * 1024;
      if (def.virtType === "vmware") return 4 * 1024;
      return 16 * 1024;
    case "bochs":
      return 16 * 1024;
    case "xen":
      return 4 * 1024;
    case "qxl":
      return 64 * 1024;
    default:
      return 0;
  }
}

/** VIR_ROUND_UP_POWER_OF_TWO on an unsigned int */
function roundUpPowerOfTwo(n: number): number {
  if (n <= 0) return 0;
  let p = 1;
  while (p < n) p *= 2;
  return p > 0xffffffff ? 0 : p;
}

/** virDomainVideoDefPostParse */
export function postParseVideo(video: VideoDef, def: Pick<DomainDef, "virtType">): void {
  if (video.ram === 0 && video.type === "qxl") video.ram = videoDefaultRAM(def, video.type);
  if (video.vram === 0) video.vram = videoDefaultRAM(def, video.type);
  video.ram = roundUpPowerOfTwo(video.ram);
  video.vram = roundUpPowerOfTwo(video.vram);
}

/** virDomainVideoDefValidate */
export function validateVideo(video: VideoDef, def: DomainDef): void {
  if (video.type === "default") throw confError(VIR_ERR_INTERNAL_ERROR, "missing video model and cannot determine default");
  if (def.videos.some((v) => v.type === "none") && def.videos.length > 1) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "a 'none' video type must be the only video device defined for the domain");
  }
  if (video.backend === "vhostuser") {
    if (video.type !== "virtio") throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "'vhostuser' driver is only supported with 'virtio' device");
  } else if (video.accel?.rendernode) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "unsupported rendernode accel attribute without 'vhostuser'");
  }
  if (video.resolution && (video.resolution.x === 0 || video.resolution.y === 0)) {
    throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "video resolution values must be greater than 0");
  }
  if (video.type !== "qxl") {
    if (video.ram !== 0) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "ram attribute only supported for video type qxl");
    if (video.vram64 !== 0) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "vram64 attribute only supported for video type qxl");
    if (video.vgamem !== 0) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "vgamem attribute only supported for video type qxl");
  }
  if (video.type === "ramfb" && video.info.address !== null) throw confError(VIR_ERR_CONFIG_UNSUPPORTED, "address not supported for video type ramfb");
  if (video.type !== "virtio") checkVirtioOptionsAbsent(video.virtio);
}

/** virDomainVideoDefFormat */
export function formatVideo(buf: XmlBuffer, v: VideoDef, flags: number): void {
  buf.add("<video>\n");
  buf.adjustIndent(2);
  const virtio = formatVirtioOptions(v.virtio);
  if (virtio !== "" || v.vgaconf !== null || v.backend !== null) {
    let s = "<driver" + virtio;
    if (v.vgaconf !== null) s += ` vgaconf='${v.vgaconf}'`;
    if (v.backend !== null) s += ` name='${v.backend}'`;
    buf.add(s + "/>\n");
  }
  let m = `<model type='${v.type}'`;
  if (v.ram) m += ` ram='${v.ram}'`;
  if (v.vram) m += ` vram='${v.vram}'`;
  if (v.vram64) m += ` vram64='${v.vram64}'`;
  if (v.vgamem) m += ` vgamem='${v.vgamem}'`;
  if (v.heads) m += ` heads='${v.heads}'`;
  if (v.primary) m += " primary='yes'";
  buf.add(m);
  if (v.accel || v.resolution) {
    buf.add(">\n");
    buf.adjustIndent(2);
    if (v.accel) {
      let a = "<acceleration";
      if (v.accel.accel3d !== null) a += ` accel3d='${v.accel.accel3d}'`;
      if (v.accel.accel2d !== null) a += ` accel2d='${v.accel.accel2d}'`;
      buf.add(a);
      buf.addEscaped((x) => ` rendernode='${x}'`, v.accel.rendernode);
      buf.add("/>\n");
    }
    if (v.resolution) buf.add(v.resolution.x && v.resolution.y ? `<resolution x='${v.resolution.x}' y='${v.resolution.y}'/>\n` : "<resolution/>\n");
    buf.adjustIndent(-2);
    buf.add("</model>\n");
  } else {
    buf.add("/>\n");
  }
  formatDeviceInfo(buf, v.info, flags);
  buf.adjustIndent(-2);
  buf.add("</video>\n");
}
