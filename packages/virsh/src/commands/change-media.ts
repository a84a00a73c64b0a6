// `change-media` (libvirt 9.0 tools/virsh-domain.c cmdChangeMedia, virshFindDisk with
// VIRSH_FIND_DISK_CHANGEABLE, virshUpdateDiskXML): the domain's CD-ROM or floppy named by its
// target or its current source gets a new <source> (or none, to eject), and the disk element goes
// to virDomainUpdateDeviceFlags. The element is printed as libxml2's xmlNodeDump gives it back
// from the domain XML (its whitespace kept, attributes in double quotes), which --print-xml shows.
import type { CmdDef } from "../shell/command-def.js";
import { exclusive } from "../shell/option-rules.js";
import { CommandFailed, type ParsedCommand } from "../shell/parsed-command.js";
import type { Shell } from "../shell/shell.js";
import { optDomain } from "./lookup.js";

/** VIR_DOMAIN_AFFECT_* and VIR_DOMAIN_DEVICE_MODIFY_FORCE (libvirt-domain.h). */
const AFFECT_CURRENT = 0;
const AFFECT_LIVE = 1;
const AFFECT_CONFIG = 2;
const DEVICE_MODIFY_FORCE = 4;
/** VIR_DOMAIN_XML_INACTIVE */
const XML_INACTIVE = 2;

type UpdateType = "eject" | "insert" | "update";

/** A <disk> element of the domain XML text: where it is and what virshFindDisk looks at. */
interface DiskText {
  text: string;
  device: string | null;
  target: string | null;
  sources: string[];
}

function attrOf(tag: string, name: string): string | null {
  const m = new RegExp(`\\s${name}=(?:'([^']*)'|"([^"]*)")`).exec(tag);
  return m === null ? null : unescape(m[1] ?? m[2] ?? "");
}

function unescape(v: string): string {
  return v.replace(/&(apos|quot|lt|gt|amp);/g, (_m, e: string) => ({ apos: "'", quot: '"', lt: "<", gt: ">", amp: "&" })[e]!);
}

/** The <disk> elements directly under <devices> (libvirt's formatter writes no nested <disk>). */
function disksOf(xml: string): DiskText[] {
  const out: DiskText[] = [];
  const re = /<disk\b[^>]*?(?:\/>|>[\s\S]*?<\/disk>)/g;
  for (let m = re.exec(xml); m !== null; m = re.exec(xml)) {
    const text = m[0];
    const open = /^<disk\b[^>]*>/.exec(text)![0];
    const target = /<target\b[^>]*>/.exec(text)?.[0];
    const source = /<source\b[^>]*>/.exec(text)?.[0];
    out.push({
      text,
      device: attrOf(open, "device"),
      target: target === undefined ? null : attrOf(target, "dev"),
      sources: source === undefined ? [] : ["file", "dev", "dir", "name"].map((a) => attrOf(source, a)).filter((v): v is string => v !== null),
    });
  }
  return out;
}

/** virshFindDisk(VIRSH_FIND_DISK_CHANGEABLE): a CD-ROM or floppy whose target or source is `path`. */
function findDisk(ctl: Shell, xml: string, path: string): DiskText {
  const disks = disksOf(xml);
  if (disks.length === 0) {
    ctl.error("Failed to get disk information");
    throw new CommandFailed();
  }
  for (const d of disks) {
    if (d.device !== "cdrom" && d.device !== "floppy") continue;
    if (d.target === path || d.sources.includes(path)) return d;
  }
  ctl.error(`No disk found whose source path or target is ${path}`);
  throw new CommandFailed();
}

/** xmlNodeDump of an element parsed from libvirt's output: the same text with attribute values in double quotes. */
function libxmlQuotes(text: string): string {
  return text.replace(/(\s[\w:-]+)='([^']*)'/g, (_m, name: string, v: string) => `${name}="${unescape(v).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;")}"`);
}

function escAttr(v: string): string {
  return v.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/"/g, "&quot;");
}

/** virshUpdateDiskXML. */
function updateDiskXML(ctl: Shell, disk: DiskText, newSource: string | null, block: boolean, target: string, type: UpdateType): string {
  if (disk.device === null) {
    ctl.error("Failed to get disk type");
    throw new CommandFailed();
  }
  if (disk.device !== "cdrom" && disk.device !== "floppy") {
    ctl.error(`The disk device '${target}' is not removable`);
    throw new CommandFailed();
  }
  let text = libxmlQuotes(disk.text);
  const source = /<source\b[^>]*?(?:\/>|>[\s\S]*?<\/source>)/.exec(text);
  let source_ = newSource;
  let asBlock = block;
  if (type === "eject") {
    if (source === null) {
      ctl.error(`The disk device '${target}' doesn't have media`);
      throw new CommandFailed();
    }
    // forcibly switch to an empty file CD-ROM
    asBlock = false;
    source_ = null;
  } else if (source_ === null) {
    ctl.error("New disk media source was not specified");
    throw new CommandFailed();
  }
  if (source !== null) {
    if (type === "insert") {
      ctl.error(`The disk device '${target}' already has media`);
      throw new CommandFailed();
    }
    // xmlUnlinkNode: the element goes, the whitespace around it stays
    text = text.slice(0, source.index) + text.slice(source.index + source[0].length);
  }
  text = text.replace(/^<disk\b[^>]*>/, (open) => {
    const typeAttr = ` type="${asBlock ? "block" : "file"}"`;
    return /\stype="[^"]*"/.test(open) ? open.replace(/\stype="[^"]*"/, typeAttr) : open.replace(/^<disk/, `<disk${typeAttr}`);
  });
  if (source_ !== null) {
    // the new <source> goes in front of <target>, followed by the indentation <target> had
    const targetAt = text.search(/<target\b/);
    const before = text.slice(0, targetAt);
    const indent = /\n[ \t]*$/.exec(before)?.[0] ?? "\n      ";
    const el = `<source ${asBlock ? "dev" : "file"}="${escAttr(source_)}"/>`;
    text = targetAt < 0 ? text.replace(/<\/disk>$/, `${el}</disk>`) : `${before}${el}${indent}${text.slice(targetAt)}`;
  }
  return text;
}

async function cmdChangeMedia(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const config = cmd.bool("config");
  const live = cmd.bool("live");
  const current = cmd.bool("current");
  const force = cmd.bool("force");
  let eject = cmd.bool("eject");
  const insert = cmd.bool("insert");
  const update = cmd.bool("update");
  const block = cmd.bool("block");
  exclusive(ctl, "eject", eject, "insert", insert);
  exclusive(ctl, "eject", eject, "update", update);
  exclusive(ctl, "insert", insert, "update", update);
  exclusive(ctl, "eject", eject, "block", block);
  const source = cmd.string(ctl, "source");
  // the documentation says that --update without a source ejects
  if (update && source === null) eject = true;
  let type: UpdateType = "update";
  let success = "Successfully updated media.";
  if (eject) {
    type = "eject";
    success = "Successfully ejected media.";
  }
  if (insert) {
    type = "insert";
    success = "Successfully inserted media.";
  }
  exclusive(ctl, "current", current, "live", live);
  exclusive(ctl, "current", current, "config", config);
  let flags = AFFECT_CURRENT;
  if (config) flags |= AFFECT_CONFIG;
  if (live) flags |= AFFECT_LIVE;
  if (force) flags |= DEVICE_MODIFY_FORCE;
  const { dom } = await optDomain(ctl, cmd);
  const path = cmd.string(ctl, "path") ?? "";
  const doc = await dom.XMLDesc(flags & AFFECT_CONFIG ? XML_INACTIVE : 0);
  const disk = findDisk(ctl, doc, path);
  const diskXml = updateDiskXML(ctl, disk, source, block, path, type);
  if (cmd.bool("print-xml")) {
    ctl.print(diskXml);
    return true;
  }
  const r = await ctl.attempt(dom.updateDeviceFlags(diskXml, flags));
  if (!r.ok) {
    ctl.error(`Failed to complete action ${type} on media`);
    return false;
  }
  ctl.printExtra(success);
  return true;
}

export const changeMediaCmd: CmdDef = {
  name: "change-media",
  help: "Change media of CD or floppy drive",
  desc: "Change media of CD or floppy drive.",
  opts: [
    { name: "domain", type: "data", required: true, help: "domain name, id or uuid", complete: "domain" },
    { name: "path", type: "data", required: true, help: "Fully-qualified path or target of disk device" },
    { name: "source", type: "string", help: "source of the media" },
    { name: "eject", type: "bool", help: "Eject the media" },
    { name: "insert", type: "bool", help: "Insert the media" },
    { name: "update", type: "bool", help: "Update the media" },
    { name: "current", type: "bool", help: "can be either or both of --live and --config, depends on implementation hypervisor driver" },
    { name: "live", type: "bool", help: "alter live configuration of running domain" },
    { name: "config", type: "bool", help: "alter persistent configuration, effect observed on next boot" },
    { name: "force", type: "bool", help: "force media changing" },
    { name: "print-xml", type: "bool", help: "print XML document rather than change media" },
    { name: "block", type: "bool", help: "source media is a block device" },
  ],
  handler: cmdChangeMedia,
};
