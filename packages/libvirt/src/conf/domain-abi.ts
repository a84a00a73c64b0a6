// virDomainDefCheckABIStabilityFlags (libvirt 9.0 src/conf/domain_conf.c): whether a replacement
// definition (virsh save --xml, restore --xml, save-image-define) describes the same virtual
// hardware as the one whose state is being carried over. The checks cover what this conf layer
// models and the guest could notice: identity, virt type, OS type/arch/machine, memory, vCPUs,
// and per device class the count and each device's guest-visible identity. Failures are
// VIR_ERR_CONFIG_UNSUPPORTED with libvirt's text; the first difference found is reported, in
// libvirt's order.
import { confError, VIR_ERR_CONFIG_UNSUPPORTED } from "./conf-error.js";
import type { DomainDef } from "./domain-def.js";

function fail(msg: string): never {
  throw confError(VIR_ERR_CONFIG_UNSUPPORTED, msg);
}

function count(what: string, dst: readonly unknown[], src: readonly unknown[]): void {
  if (dst.length !== src.length) fail(`Target domain ${what} count ${dst.length} does not match source ${src.length}`);
}

/** Throws for the first guest-visible difference of `dst` from `src`. */
export function checkDomainABIStability(src: DomainDef, dst: DomainDef): void {
  if (src.virtType !== dst.virtType) fail(`Target domain virt type ${dst.virtType} does not match source ${src.virtType}`);
  if (src.uuid !== dst.uuid) fail(`Target domain uuid ${dst.uuid} does not match source ${src.uuid}`);
  if (src.name !== dst.name) fail(`Target domain name '${dst.name}' does not match source '${src.name}'`);
  // virDomainMemtuneCheckABIStability
  if (src.mem.totalMemory !== dst.mem.totalMemory) fail(`Target domain max memory ${dst.mem.totalMemory} does not match source ${src.mem.totalMemory}`);
  if (src.mem.curBalloon !== dst.mem.curBalloon) fail(`Target domain current memory ${dst.mem.curBalloon} does not match source ${src.mem.curBalloon}`);
  if (src.mem.maxMemory !== dst.mem.maxMemory) fail(`Target maximum memory size '${dst.mem.maxMemory}' doesn't match source '${src.mem.maxMemory}'`);
  if (src.mem.memorySlots !== dst.mem.memorySlots) fail(`Target domain memory slots count '${dst.mem.memorySlots}' doesn't match source '${src.mem.memorySlots}'`);
  // virDomainDefVcpuCheckAbiStability
  if (src.vcpus.max !== dst.vcpus.max) fail(`Target domain vCPU max ${dst.vcpus.max} does not match source ${src.vcpus.max}`);
  if (src.os.type !== dst.os.type) fail(`Target domain OS type ${dst.os.type} does not match source ${src.os.type}`);
  if (src.os.arch !== dst.os.arch) fail(`Target domain architecture ${dst.os.arch} does not match source ${src.os.arch}`);
  if ((src.os.machine ?? "") !== (dst.os.machine ?? "")) fail(`Target domain machine type ${dst.os.machine ?? ""} does not match source ${src.os.machine ?? ""}`);

  count("disk", dst.disks, src.disks);
  src.disks.forEach((s, i) => {
    const d = dst.disks[i]!;
    if (s.device !== d.device) fail(`Target disk device ${d.device} does not match source ${s.device}`);
    if (s.bus !== d.bus) fail(`Target disk bus ${d.bus ?? "none"} does not match source ${s.bus ?? "none"}`);
    if (s.dst !== d.dst) fail(`Target disk ${d.dst ?? ""} does not match source ${s.dst ?? ""}`);
    if (s.model !== d.model) fail(`Target disk model ${d.model ?? "default"} does not match source ${s.model ?? "default"}`);
  });
  count("controller", dst.controllers, src.controllers);
  count("net card", dst.nets, src.nets);
  src.nets.forEach((s, i) => {
    const d = dst.nets[i]!;
    if (s.mac !== d.mac) fail(`Target network card mac ${d.mac} does not match source ${s.mac}`);
    if (s.model !== d.model) fail(`Target network card model ${d.model ?? "(null)"} does not match source ${s.model ?? "(null)"}`);
    if (s.mtu !== d.mtu) fail(`Target network card MTU ${d.mtu} does not match source ${s.mtu}`);
  });
  count("input device", dst.inputs, src.inputs);
  count("video card", dst.videos, src.videos);
  count("serial port", dst.serials, src.serials);
  count("parallel port", dst.parallels, src.parallels);
  count("channel", dst.channels, src.channels);
  count("console", dst.consoles, src.consoles);
  const balloons = (d: DomainDef): number => (d.memballoon !== null && d.memballoon.model !== "none" ? 1 : 0);
  if (balloons(src) !== balloons(dst)) fail(`Target domain memory balloon count ${balloons(dst)} does not match source ${balloons(src)}`);
  count("RNG device", dst.rngs, src.rngs);
}
