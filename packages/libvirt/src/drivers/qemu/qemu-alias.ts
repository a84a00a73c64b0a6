// Device aliases of a running domain (libvirt 9.0 src/qemu/qemu_alias.c qemuAssignDeviceAliases):
// the ids the command line gives each device, shown as <alias name='...'/> in live XML.
import type { ControllerDef, DiskDef, DomainDef } from "../../conf/domain-def.js";

/** virDiskNameToIndex: "vda" -> 0, "vdb" -> 1, "vdaa" -> 26. */
export function diskNameToIndex(dst: string): number {
  const m = /^(?:fd|hd|vd|sd|xvd|ubd)([a-z]+)/.exec(dst);
  if (!m) return -1;
  // bijective base 26, as virDiskNameParse: a=0 ... z=25, aa=26
  let v = 0;
  for (const ch of m[1]!) v = v * 26 + (ch.charCodeAt(0) - 96);
  return v - 1;
}

/** qemuAssignDeviceDiskAlias for the buses virtkit knows. */
function diskAlias(disk: DiskDef): string {
  const a = disk.info.address;
  if (a?.type === "drive") {
    const prefix = disk.bus === "sata" ? "sata" : disk.bus === "scsi" ? "scsi" : disk.bus === "fdc" ? "fdc" : "ide";
    return `${prefix}${a.controller}-${a.bus}-${a.unit}`;
  }
  return `${disk.bus ?? "virtio"}-disk${diskNameToIndex(disk.dst ?? "")}`;
}

/** qemuAssignDeviceControllerAlias. */
function controllerAlias(def: DomainDef, c: ControllerDef): string {
  if (c.type === "pci") {
    if (c.idx === 0 && c.model === "pcie-root") return "pcie.0";
    return `pci.${c.idx}`;
  }
  if (c.type === "ide" && c.idx === 0) return "ide";
  if (c.type === "sata" && c.idx === 0 && (def.os.machine ?? "").includes("q35")) return "ide";
  if (c.type === "usb" && c.idx === 0) return "usb";
  return `${c.type}${c.idx}`;
}

/** Gives every device of the live definition its alias (user aliases "ua-..." are kept). */
export function assignDeviceAliases(def: DomainDef): void {
  const keep = (alias: string | null): boolean => alias?.startsWith("ua-") === true;
  for (const d of def.disks) if (!keep(d.info.alias)) d.info.alias = diskAlias(d);
  def.nets.forEach((n, i) => { if (!keep(n.info.alias)) n.info.alias = `net${i}`; });
  for (const c of def.controllers) if (!keep(c.info.alias)) c.info.alias = controllerAlias(def, c);
  def.serials.forEach((s, i) => { if (!keep(s.info.alias)) s.info.alias = `serial${i}`; });
  def.parallels.forEach((p, i) => { if (!keep(p.info.alias)) p.info.alias = `parallel${i}`; });
  def.consoles.forEach((c, i) => {
    if (keep(c.info.alias)) return;
    // the serial alias of an HVM guest's first console shares the serial's device
    c.info.alias = i === 0 && c.targetType === "serial" && def.serials.length > 0 ? "serial0" : `console${i}`;
  });
  def.channels.forEach((c, i) => { if (!keep(c.info.alias)) c.info.alias = `channel${i}`; });
  def.inputs.forEach((x, i) => { if (!keep(x.info.alias)) x.info.alias = `input${i}`; });
  def.videos.forEach((v, i) => { if (!keep(v.info.alias)) v.info.alias = `video${i}`; });
  def.rngs.forEach((r, i) => { if (!keep(r.info.alias)) r.info.alias = `rng${i}`; });
  if (def.memballoon && def.memballoon.model !== "none" && !keep(def.memballoon.info.alias)) def.memballoon.info.alias = "balloon0";
}
