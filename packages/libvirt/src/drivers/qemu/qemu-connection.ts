// One qemu:/// connection: libvirt 9.0's qemuHypervisorDriver entries (src/qemu/qemu_driver.c)
// over the shared QemuDriver, plus the network and storage driver entries a qemu:/// connection
// reaches (libvirt routes them to the network and storage drivers of the same daemon).
import { cpus, hostname, totalmem } from "node:os";
import { existsSync, mkdirSync } from "node:fs";
import * as C from "../../api/constants.js";
import { checkSupportedFlags } from "../../api/check.js";
import type {
  DomainJobInfo,
  DomainEventCallback,
  DomainInfo,
  DomainInterface,
  DomainRef,
  DomainSnapshotRef,
  DomainState,
  HypervisorConnection,
  MemoryStat,
  NetworkRef,
  NodeInfo,
  StoragePoolRef,
  StorageVolRef,
  VcpuInfo,
} from "../../api/driver.js";
import type { Stream } from "../../api/stream.js";
import { formatCapabilities } from "../../conf/capabilities.js";
import { formatDomainXML } from "../../conf/domain-conf.js";
import { VIR_DOMAIN_DEF_PARSE_INACTIVE, VIR_DOMAIN_DEF_PARSE_VALIDATE_SCHEMA } from "../../conf/domain-flags.js";
import { qemuDefineFlagsToParseFlags } from "../../conf/domain-hooks-qemu.js";
import { virError } from "../../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";
import { deleteDomainConfig, setAutostartLink } from "../persist.js";
import { openConsole } from "./qemu-console.js";
import { isActive, newDomainObj, type QemuDomainObj } from "./qemu-domain.js";
import type { QemuDriver } from "./qemu-driver.js";
import { domainJobInfo } from "./qemu-job.js";
import { monitorCommand, processInfo, startProcess, stopProcess } from "./qemu-process.js";
import { hasManagedSave, imageDefinition, managedSavePath, openSaveImage, restoreDomain, restoreManagedSave, saveDomain } from "./qemu-save.js";
import { readSaveImage } from "./qemu-saveimage.js";
import { hostCellsFreeMemory, hostFreeMemory } from "../../util/host-memory.js";
import { hostNumaCells } from "../../util/host-numa.js";
import { arpTableGet } from "../../util/arp-table.js";
import { QemuSnapshots } from "./qemu-snapshot.js";
import { UPDATE_DEVICE_FLAGS, VIR_DOMAIN_DEVICE_MODIFY_FORCE, changeDiskLive, parseUpdateDevice, updateDiskConfig } from "./qemu-hotplug.js";
import { rmSync } from "node:fs";

const QEMU = VirErrorDomain.VIR_FROM_QEMU;
const DOM = VirErrorDomain.VIR_FROM_DOMAIN;
const E = VirErrorNumber;

/** QEMU 7.2.0 as virConnectGetVersion reports it (major * 1000000 + minor * 1000 + micro). */
function versionNumber(v: string): number {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(v);
  return m ? Number(m[1]) * 1_000_000 + Number(m[2]) * 1000 + Number(m[3]) : 0;
}

export class QemuConnection implements HypervisorConnection {
  readonly type = "QEMU";
  private closed = false;
  private readonly snapshots: QemuSnapshots;

  constructor(
    readonly drv: QemuDriver,
    private readonly uri: string,
    private readonly onClose: () => void,
  ) {
    this.snapshots = new QemuSnapshots(drv);
  }

  connectClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.drv.dropOwner(this);
    this.onClose();
  }
  connectGetType(): string {
    return "QEMU";
  }
  async connectGetVersion(): Promise<number> {
    const caps = await this.drv.emulatorCaps("");
    return versionNumber(caps.version);
  }
  connectGetHostname(): string {
    return hostname();
  }
  connectGetURI(): string {
    return this.uri;
  }
  connectGetMaxVcpus(): number {
    return 255;
  }
  connectIsSecure(): boolean {
    return true;
  }
  connectIsEncrypted(): boolean {
    return false;
  }
  connectIsAlive(): boolean {
    return !this.closed;
  }
  /** qemuConnectSupportsFeature: the features a local qemu driver reports. */
  connectSupportsFeature(feature: number): boolean {
    return [9 /* TYPED_PARAM_STRING */, 12 /* XML_MIGRATABLE */, 16 /* NETWORK_UPDATE_HAS_CORRECT_ORDER */].includes(feature);
  }
  /** virCapabilitiesFormatXML for the probed emulators. */
  async connectGetCapabilities(): Promise<string> {
    await this.drv.emulatorCaps("");
    return formatCapabilities({
      host: {
        arch: process.arch === "x64" ? "x86_64" : process.arch,
        iommu: false,
        migration: { live: true, uriTransports: ["tcp", "rdma"] },
        netprefix: "vnet",
        // virCapabilitiesHostNUMANewHost: what virsh freecell --all walks
        numaCells: hostNumaCells(),
        secModels: [{ model: "none", doi: "0" }],
      },
      guests: this.drv.capsList.map((c) => ({
        osType: "hvm",
        arch: c.arch,
        wordsize: c.arch === "i686" ? 32 : 64,
        emulator: c.emulator,
        machines: c.machines.map((m) => (c.aliases[m] ? { name: m, canonical: c.aliases[m], maxCpus: 255 } : { name: m, maxCpus: 255 })),
        domains: c.virtTypes.map((t) => ({ type: t })),
        features: [{ name: "acpi", default: "on", toggle: "yes" }, { name: "apic", default: "on", toggle: "no" }],
      })),
    });
  }
  nodeGetInfo(): NodeInfo {
    const list = cpus();
    return { model: process.arch === "x64" ? "x86_64" : process.arch, memory: Math.floor(totalmem() / 1024), cpus: list.length, mhz: list[0]?.speed ?? 0, nodes: 1, sockets: 1, cores: list.length, threads: 1 };
  }
  /** qemuNodeGetFreeMemory: virHostMemGetInfo's free memory (the NUMA nodes' MemFree). */
  nodeGetFreeMemory(): number {
    return hostFreeMemory();
  }
  /** qemuNodeGetCellsFreeMemory: virHostMemGetCellsFree. */
  nodeGetCellsFreeMemory(startCell: number, maxCells: number): number[] {
    return hostCellsFreeMemory(startCell, maxCells);
  }
  nodeGetSecurityModel() {
    return { model: "none", doi: "0" };
  }
  nodeGetCPUMap(flags: number) {
    checkSupportedFlags(flags, 0, "qemuNodeGetCPUMap", QEMU);
    const n = cpus().length;
    const map = new Uint8Array(Math.ceil(n / 8));
    for (let i = 0; i < n; i++) map[i >> 3]! |= 1 << (i & 7);
    return { cpus: n, online: n, map };
  }

  // ---- lookup ----
  private obj(ref: DomainRef): QemuDomainObj {
    const o = this.drv.findByUUID(ref.uuid);
    if (!o) {
      const uuid = Buffer.from(ref.uuid).toString("hex").replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
      throw virError(QEMU, E.VIR_ERR_NO_DOMAIN, `no domain with matching uuid '${uuid}' (${ref.name})`);
    }
    return o;
  }
  private checkActive(o: QemuDomainObj): void {
    if (!isActive(o)) throw virError(DOM, E.VIR_ERR_OPERATION_INVALID, "domain is not running");
  }

  connectNumOfDomains(): number {
    return this.drv.domains.filter(isActive).length;
  }
  connectListDomains(maxids: number): number[] {
    return this.drv.domains.filter(isActive).map((d) => d.def.id).slice(0, Math.max(0, maxids));
  }
  connectNumOfDefinedDomains(): number {
    return this.drv.domains.filter((d) => !isActive(d)).length;
  }
  connectListDefinedDomains(maxnames: number): string[] {
    return this.drv.domains.filter((d) => !isActive(d)).map((d) => d.def.name).slice(0, Math.max(0, maxnames));
  }
  connectListAllDomains(flags: number): DomainRef[] {
    checkSupportedFlags(flags, 0xffff, "qemuConnectListAllDomains", QEMU);
    const pair = (a: number, b: number, v: boolean): boolean => (!(flags & (a | b)) || (flags & a && v) || (flags & b && !v) ? true : false);
    return this.drv.domains
      .filter((d) => {
        if (!pair(C.VIR_CONNECT_LIST_DOMAINS_ACTIVE, C.VIR_CONNECT_LIST_DOMAINS_INACTIVE, isActive(d))) return false;
        if (!pair(C.VIR_CONNECT_LIST_DOMAINS_PERSISTENT, C.VIR_CONNECT_LIST_DOMAINS_TRANSIENT, d.persistent)) return false;
        const stateMask = C.VIR_CONNECT_LIST_DOMAINS_RUNNING | C.VIR_CONNECT_LIST_DOMAINS_PAUSED | C.VIR_CONNECT_LIST_DOMAINS_SHUTOFF | C.VIR_CONNECT_LIST_DOMAINS_OTHER;
        if (flags & stateMask) {
          const s = d.state;
          const ok =
            (flags & C.VIR_CONNECT_LIST_DOMAINS_RUNNING && s === C.VIR_DOMAIN_RUNNING) ||
            (flags & C.VIR_CONNECT_LIST_DOMAINS_PAUSED && s === C.VIR_DOMAIN_PAUSED) ||
            (flags & C.VIR_CONNECT_LIST_DOMAINS_SHUTOFF && s === C.VIR_DOMAIN_SHUTOFF) ||
            (flags & C.VIR_CONNECT_LIST_DOMAINS_OTHER && s !== C.VIR_DOMAIN_RUNNING && s !== C.VIR_DOMAIN_PAUSED && s !== C.VIR_DOMAIN_SHUTOFF);
          if (!ok) return false;
        }
        if (!pair(C.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE, C.VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE, hasManagedSave(this.drv, d))) return false;
        if (!pair(C.VIR_CONNECT_LIST_DOMAINS_AUTOSTART, C.VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART, d.autostart)) return false;
        if (!pair(C.VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT, C.VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT, this.snapshots.count(d) > 0)) return false;
        if (flags & C.VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT) return false;
        return true;
      })
      .map((d) => this.drv.ref(d));
  }
  domainLookupByID(id: number): DomainRef {
    const o = this.drv.domains.find((d) => d.def.id === id && id !== -1);
    if (!o) throw virError(QEMU, E.VIR_ERR_NO_DOMAIN, `no domain with matching id ${id}`);
    return this.drv.ref(o);
  }
  domainLookupByName(name: string): DomainRef {
    const o = this.drv.findByName(name);
    if (!o) throw virError(QEMU, E.VIR_ERR_NO_DOMAIN, `no domain with matching name '${name}'`);
    return this.drv.ref(o);
  }
  domainLookupByUUID(uuid: Uint8Array): DomainRef {
    const o = this.drv.findByUUID(uuid);
    if (!o) {
      const s = Buffer.from(uuid).toString("hex").replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, "$1-$2-$3-$4-$5");
      throw virError(QEMU, E.VIR_ERR_NO_DOMAIN, `no domain with matching uuid '${s}'`);
    }
    return this.drv.ref(o);
  }

  // ---- define / undefine ----
  /** virDomainObjListAdd's checks. */
  private checkNewDef(name: string, uuid: string, live: boolean): QemuDomainObj | null {
    const byUUID = this.drv.domains.find((d) => d.def.uuid === uuid);
    if (byUUID) {
      if (byUUID.def.name !== name) {
        throw virError(DOM, E.VIR_ERR_OPERATION_FAILED, `domain '${byUUID.def.name}' is already defined with uuid ${uuid}`);
      }
      if (live && isActive(byUUID)) throw virError(DOM, E.VIR_ERR_OPERATION_INVALID, `domain '${name}' is already active`);
      return byUUID;
    }
    const byName = this.drv.findByName(name);
    if (byName) throw virError(DOM, E.VIR_ERR_OPERATION_FAILED, `domain '${name}' already exists with uuid ${byName.def.uuid}`);
    return null;
  }

  async domainDefineXMLFlags(xml: string, flags: number): Promise<DomainRef> {
    checkSupportedFlags(flags, 1 /* VIR_DOMAIN_DEFINE_VALIDATE */, "qemuDomainDefineXMLFlags", QEMU);
    const def = await this.drv.parseDomain(xml, qemuDefineFlagsToParseFlags(flags));
    const existing = this.checkNewDef(def.name, def.uuid, false);
    // the file first: nothing is defined in memory that is not on disk
    this.drv.saveConfig(def);
    let obj: QemuDomainObj;
    let detail: number = C.VIR_DOMAIN_EVENT_DEFINED_ADDED;
    if (existing) {
      if (isActive(existing)) existing.newDef = def;
      else existing.def = def;
      existing.persistent = true;
      obj = existing;
      detail = C.VIR_DOMAIN_EVENT_DEFINED_UPDATED;
    } else {
      obj = newDomainObj(def, true);
      this.drv.domains.push(obj);
    }
    this.drv.saveStatus(obj);
    this.drv.lifecycle(obj, C.VIR_DOMAIN_EVENT_DEFINED, detail);
    return this.drv.ref(obj);
  }

  async domainCreateXML(xml: string, flags: number): Promise<DomainRef> {
    checkSupportedFlags(flags, C.VIR_DOMAIN_START_PAUSED | C.VIR_DOMAIN_START_AUTODESTROY | C.VIR_DOMAIN_START_VALIDATE, "qemuDomainCreateXML", QEMU);
    let parse = VIR_DOMAIN_DEF_PARSE_INACTIVE;
    if (flags & C.VIR_DOMAIN_START_VALIDATE) parse |= VIR_DOMAIN_DEF_PARSE_VALIDATE_SCHEMA;
    const def = await this.drv.parseDomain(xml, parse);
    const existing = this.checkNewDef(def.name, def.uuid, true);
    let obj: QemuDomainObj;
    if (existing) {
      obj = existing;
    } else {
      obj = newDomainObj(def, false);
      this.drv.domains.push(obj);
    }
    const paused = (flags & C.VIR_DOMAIN_START_PAUSED) !== 0;
    try {
      await this.drv.runJob(obj, () =>
        startProcess(this.drv, obj, { paused, runningReason: C.VIR_DOMAIN_RUNNING_BOOTED, startedDetail: C.VIR_DOMAIN_EVENT_STARTED_BOOTED, def }),
      );
    } catch (e) {
      if (!obj.persistent) this.drv.removeDomain(obj);
      throw e;
    }
    return this.drv.ref(obj);
  }

  domainUndefineFlags(ref: DomainRef, flags: number): Promise<void> {
    checkSupportedFlags(
      flags,
      C.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | C.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | C.VIR_DOMAIN_UNDEFINE_NVRAM | C.VIR_DOMAIN_UNDEFINE_KEEP_NVRAM | C.VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA | C.VIR_DOMAIN_UNDEFINE_TPM | C.VIR_DOMAIN_UNDEFINE_KEEP_TPM,
      "qemuDomainUndefineFlags",
      QEMU,
    );
    const o = this.obj(ref);
    return this.drv.runJob(o, () => {
      if (!o.persistent) throw virError(QEMU, E.VIR_ERR_OPERATION_INVALID, "cannot undefine transient domain");
      const name = o.def.name;
      const save = managedSavePath(this.drv, name);
      if (!isActive(o) && existsSync(save)) {
        if (!(flags & C.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)) {
          throw virError(QEMU, E.VIR_ERR_OPERATION_INVALID, "Refusing to undefine while domain managed save image exists");
        }
        rmSync(save, { force: true });
      }
      const nsnap = this.snapshots.count(o);
      if (!isActive(o) && nsnap > 0) {
        if (!(flags & C.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)) {
          throw virError(QEMU, E.VIR_ERR_OPERATION_INVALID, `cannot delete inactive domain with ${nsnap} snapshots`);
        }
        this.snapshots.dropAllMetadata(o);
      }
      deleteDomainConfig(this.drv.paths.configDir, this.drv.paths.autostartDir, name);
      o.autostart = false;
      this.drv.lifecycle(o, C.VIR_DOMAIN_EVENT_UNDEFINED, C.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED);
      if (isActive(o)) {
        o.persistent = false;
        o.newDef = null;
        this.drv.saveStatus(o);
      } else this.drv.removeDomain(o);
    });
  }

  // ---- lifecycle ----
  domainCreateWithFlags(ref: DomainRef, flags: number): Promise<DomainRef> {
    checkSupportedFlags(flags, C.VIR_DOMAIN_START_PAUSED | C.VIR_DOMAIN_START_AUTODESTROY | C.VIR_DOMAIN_START_BYPASS_CACHE | C.VIR_DOMAIN_START_FORCE_BOOT | 32 /* RESET_NVRAM */, "qemuDomainCreateWithFlags", QEMU);
    const o = this.obj(ref);
    return this.drv.runJob(o, async () => {
      if (isActive(o)) throw virError(QEMU, E.VIR_ERR_OPERATION_INVALID, "domain is already running");
      const save = managedSavePath(this.drv, o.def.name);
      const paused = (flags & C.VIR_DOMAIN_START_PAUSED) !== 0;
      if (existsSync(save)) {
        if (flags & C.VIR_DOMAIN_START_FORCE_BOOT) rmSync(save, { force: true });
        else {
          // qemuDomainObjStart: a managed save image is restored instead of booting
          await restoreManagedSave(this.drv, o, paused);
          rmSync(save, { force: true });
          return this.drv.ref(o);
        }
      }
      await startProcess(this.drv, o, { paused, runningReason: C.VIR_DOMAIN_RUNNING_BOOTED, startedDetail: C.VIR_DOMAIN_EVENT_STARTED_BOOTED });
      return this.drv.ref(o);
    });
  }

  domainDestroyFlags(ref: DomainRef, flags: number): Promise<void> {
    checkSupportedFlags(flags, C.VIR_DOMAIN_DESTROY_GRACEFUL, "qemuDomainDestroyFlags", QEMU);
    const o = this.obj(ref);
    this.checkActive(o);
    o.beingDestroyed = true;
    return this.drv.runJob(o, async () => {
      if (!isActive(o)) {
        o.beingDestroyed = false;
        throw virError(DOM, E.VIR_ERR_OPERATION_INVALID, "domain is not running");
      }
      await stopProcess(this.drv, o, C.VIR_DOMAIN_SHUTOFF_DESTROYED, C.VIR_DOMAIN_EVENT_STOPPED_DESTROYED);
    });
  }

  /** qemuDomainShutdownFlags: the ACPI power button (system_powerdown); the guest decides. */
  domainShutdownFlags(ref: DomainRef, flags: number): Promise<void> {
    checkSupportedFlags(flags, 1 | 2 /* ACPI_POWER_BTN | GUEST_AGENT */, "qemuDomainShutdownFlags", QEMU);
    if (flags & 2) return Promise.reject(virError(QEMU, E.VIR_ERR_ARGUMENT_UNSUPPORTED, "QEMU guest agent is not configured"));
    const o = this.obj(ref);
    return this.drv.runJob(o, async () => {
      this.checkActive(o);
      o.fakeReboot = false;
      await monitorCommand(o, "system_powerdown");
    });
  }

  /**
   * qemuDomainReboot. libvirt presses the ACPI power button and resets the guest when it has
   * shut down (fake reboot); virtkit's pc machine has no ACPI, so the default and ACPI modes reset
   * the machine directly (system_reset), which reports RESET and thus the REBOOT event.
   */
  domainReboot(ref: DomainRef, flags: number): Promise<void> {
    checkSupportedFlags(flags, 1 | 2 /* ACPI_POWER_BTN | GUEST_AGENT */, "qemuDomainReboot", QEMU);
    if (flags & 2) return Promise.reject(virError(QEMU, E.VIR_ERR_ARGUMENT_UNSUPPORTED, "QEMU guest agent is not configured"));
    const o = this.obj(ref);
    return this.drv.runJob(o, async () => {
      this.checkActive(o);
      await monitorCommand(o, "system_reset");
    });
  }

  domainReset(ref: DomainRef, flags: number): Promise<void> {
    checkSupportedFlags(flags, 0, "qemuDomainReset", QEMU);
    const o = this.obj(ref);
    return this.drv.runJob(o, async () => {
      this.checkActive(o);
      await monitorCommand(o, "system_reset");
      o.fakeReboot = false;
      if (o.state === C.VIR_DOMAIN_CRASHED) {
        o.state = C.VIR_DOMAIN_PAUSED;
        o.reason = C.VIR_DOMAIN_PAUSED_CRASHED;
      }
      this.drv.saveStatus(o);
    });
  }

  domainSuspend(ref: DomainRef): Promise<void> {
    const o = this.obj(ref);
    return this.drv.runJob(o, async () => {
      this.checkActive(o);
      if (o.state === C.VIR_DOMAIN_PMSUSPENDED) throw virError(QEMU, E.VIR_ERR_OPERATION_INVALID, "domain is pmsuspended");
      if (o.state === C.VIR_DOMAIN_PAUSED) return;
      o.pausedReason = C.VIR_DOMAIN_PAUSED_USER;
      o.state = C.VIR_DOMAIN_PAUSED;
      o.reason = C.VIR_DOMAIN_PAUSED_USER;
      try {
        await monitorCommand(o, "stop");
      } catch (e) {
        o.state = C.VIR_DOMAIN_RUNNING;
        o.reason = C.VIR_DOMAIN_RUNNING_UNPAUSED;
        throw e;
      }
      this.drv.saveStatus(o);
      this.drv.lifecycle(o, C.VIR_DOMAIN_EVENT_SUSPENDED, C.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
    });
  }

  domainResume(ref: DomainRef): Promise<void> {
    const o = this.obj(ref);
    return this.drv.runJob(o, async () => {
      this.checkActive(o);
      if (o.state === C.VIR_DOMAIN_PMSUSPENDED) throw virError(QEMU, E.VIR_ERR_OPERATION_INVALID, "domain is pmsuspended");
      if (o.state !== C.VIR_DOMAIN_PAUSED) return;
      const prev = { state: o.state, reason: o.reason };
      o.state = C.VIR_DOMAIN_RUNNING;
      o.reason = C.VIR_DOMAIN_RUNNING_UNPAUSED;
      try {
        await monitorCommand(o, "cont");
      } catch (e) {
        o.state = prev.state;
        o.reason = prev.reason;
        throw virError(QEMU, E.VIR_ERR_OPERATION_FAILED, `resume operation failed: ${(e as Error).message}`);
      }
      this.drv.saveStatus(o);
      this.drv.lifecycle(o, C.VIR_DOMAIN_EVENT_RESUMED, C.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED);
    });
  }

  // ---- information ----
  /** qemuDomainGetJobInfo: not queued behind the running save (see qemu-job.ts). */
  domainGetJobInfo(ref: DomainRef): Promise<DomainJobInfo> {
    return domainJobInfo(this.obj(ref));
  }
  domainGetInfo(ref: DomainRef): DomainInfo {
    const o = this.obj(ref);
    const active = isActive(o);
    const info = active ? processInfo(o.pid) : { cpuTimeNs: 0n, rssKiB: 0 };
    const hasBalloon = o.def.memballoon !== null && o.def.memballoon.model !== "none";
    return {
      state: o.state,
      maxMem: o.def.mem.totalMemory,
      memory: active && !hasBalloon ? o.def.mem.totalMemory : o.def.mem.curBalloon,
      nrVirtCpu: o.def.vcpus.current,
      cpuTime: info.cpuTimeNs,
    };
  }
  domainGetState(ref: DomainRef, flags: number): DomainState {
    checkSupportedFlags(flags, 0, "qemuDomainGetState", QEMU);
    const o = this.obj(ref);
    return { state: o.state, reason: o.reason };
  }
  domainGetXMLDesc(ref: DomainRef, flags: number): string {
    checkSupportedFlags(flags, C.VIR_DOMAIN_XML_SECURE | C.VIR_DOMAIN_XML_INACTIVE | C.VIR_DOMAIN_XML_UPDATE_CPU | C.VIR_DOMAIN_XML_MIGRATABLE, "qemuDomainGetXMLDesc", QEMU);
    const o = this.obj(ref);
    const inactive = (flags & C.VIR_DOMAIN_XML_INACTIVE) !== 0;
    const def = inactive && o.newDef ? o.newDef : o.def;
    const live = isActive(o) && !inactive;
    return formatDomainXML(def, { flags, live: { id: live ? o.def.id : -1 } });
  }
  domainGetOSType(ref: DomainRef): string {
    return this.obj(ref).def.os.type;
  }
  domainGetMaxMemory(ref: DomainRef): number {
    return this.obj(ref).def.mem.totalMemory;
  }

  /** virDomainObjGetDefs for LIVE/CONFIG/CURRENT. */
  private defs(o: QemuDomainObj, flags: number): { live: boolean; config: boolean } {
    const liveFlag = (flags & C.VIR_DOMAIN_AFFECT_LIVE) !== 0;
    const configFlag = (flags & C.VIR_DOMAIN_AFFECT_CONFIG) !== 0;
    const current = !liveFlag && !configFlag;
    const live = liveFlag || (current && isActive(o));
    const config = configFlag || (current && !isActive(o));
    if (live && !isActive(o)) throw virError(DOM, E.VIR_ERR_OPERATION_INVALID, "domain is not running");
    if (config && !o.persistent) throw virError(DOM, E.VIR_ERR_OPERATION_INVALID, "transient domains do not have any persistent config");
    return { live, config };
  }
  private persistentDef(o: QemuDomainObj) {
    return o.newDef ?? o.def;
  }

  domainSetMaxMemory(ref: DomainRef, memory: number): Promise<void> {
    return this.domainSetMemoryFlags(ref, memory, C.VIR_DOMAIN_MEM_MAXIMUM);
  }
  domainSetMemory(ref: DomainRef, memory: number): Promise<void> {
    return this.domainSetMemoryFlags(ref, memory, C.VIR_DOMAIN_AFFECT_LIVE);
  }
  /** qemuDomainSetMemoryStatsPeriod aside: qemuDomainSetMemoryFlags. Live changes need a balloon, which virtkit's emulator lacks. */
  domainSetMemoryFlags(ref: DomainRef, memory: number, flags: number): Promise<void> {
    checkSupportedFlags(flags, C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_AFFECT_CONFIG | C.VIR_DOMAIN_MEM_MAXIMUM, "qemuDomainSetMemoryFlags", QEMU);
    const o = this.obj(ref);
    return this.drv.runJob(o, () => {
      const { live, config } = this.defs(o, flags);
      if (flags & C.VIR_DOMAIN_MEM_MAXIMUM) {
        if (live) throw virError(QEMU, E.VIR_ERR_OPERATION_INVALID, "cannot resize the maximum memory on an active domain");
        const d = this.persistentDef(o);
        d.mem.totalMemory = memory;
        if (d.mem.curBalloon > memory) d.mem.curBalloon = memory;
        this.drv.saveConfig(d);
        return;
      }
      const max = live ? o.def.mem.totalMemory : this.persistentDef(o).mem.totalMemory;
      if (memory > max) throw virError(QEMU, E.VIR_ERR_INVALID_ARG, "cannot set memory higher than max memory");
      if (live) {
        if (o.def.memballoon === null || o.def.memballoon.model === "none") {
          throw virError(QEMU, E.VIR_ERR_OPERATION_INVALID, "Unable to change memory of active domain without the balloon device and guest OS balloon driver");
        }
        throw virError(QEMU, E.VIR_ERR_OPERATION_UNSUPPORTED, "virtkit's emulator has no balloon device");
      }
      if (config) {
        const d = this.persistentDef(o);
        d.mem.curBalloon = memory;
        this.drv.saveConfig(d);
      }
    });
  }

  /**
   * qemuDomainUpdateDeviceFlags: a <disk> of the domain with a new source changes the medium of a
   * CD-ROM, in the running emulator (live) and/or the persistent definition (config).
   */
  domainUpdateDeviceFlags(ref: DomainRef, xml: string, flags: number): Promise<void> {
    checkSupportedFlags(flags, UPDATE_DEVICE_FLAGS, "qemuDomainUpdateDeviceFlags", QEMU);
    const o = this.obj(ref);
    return this.drv.runJob(o, async () => {
      const { live, config } = this.defs(o, flags);
      // parsed once per definition it goes into (libvirt copies the device for the live update)
      const parse = () => {
        const dev = parseUpdateDevice(xml, this.drv.postParse.config);
        if ("unsupported" in dev) {
          throw virError(QEMU, E.VIR_ERR_CONFIG_UNSUPPORTED, `${live ? "live" : "persistent"} update of device '${dev.unsupported}' is not supported`);
        }
        return dev;
      };
      let configDef: QemuDomainObj["def"] | undefined;
      if (config) {
        // virDomainObjCopyPersistentDef: the change is made on a copy, saved only when all succeeded
        configDef = structuredClone(this.persistentDef(o));
        updateDiskConfig(configDef, parse());
      }
      if (live) {
        await changeDiskLive(o, parse(), (flags & VIR_DOMAIN_DEVICE_MODIFY_FORCE) !== 0);
        this.drv.saveStatus(o);
      }
      if (configDef !== undefined) {
        this.drv.saveConfig(configDef);
        if (isActive(o)) o.newDef = configDef;
        else o.def = configDef;
      }
    });
  }

  domainSetVcpus(ref: DomainRef, nvcpus: number): Promise<void> {
    return this.domainSetVcpusFlags(ref, nvcpus, C.VIR_DOMAIN_AFFECT_LIVE);
  }
  /** qemuDomainSetVcpusFlags: the config may change; vCPU hotplug is not in virtkit's emulator. */
  domainSetVcpusFlags(ref: DomainRef, nvcpus: number, flags: number): Promise<void> {
    checkSupportedFlags(flags, C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_AFFECT_CONFIG | C.VIR_DOMAIN_VCPU_MAXIMUM | C.VIR_DOMAIN_VCPU_GUEST | C.VIR_DOMAIN_VCPU_HOTPLUGGABLE, "qemuDomainSetVcpusFlags", QEMU);
    const o = this.obj(ref);
    return this.drv.runJob(o, () => {
      if (flags & C.VIR_DOMAIN_VCPU_GUEST) throw virError(QEMU, E.VIR_ERR_ARGUMENT_UNSUPPORTED, "QEMU guest agent is not configured");
      const { live, config } = this.defs(o, flags);
      if (nvcpus < 1) throw virError(QEMU, E.VIR_ERR_INVALID_ARG, "argument unsupported: vCPU count must be at least 1");
      if (live) {
        if (flags & C.VIR_DOMAIN_VCPU_MAXIMUM) throw virError(QEMU, E.VIR_ERR_INVALID_ARG, "maximum vcpu count of a live domain can't be modified");
        if (nvcpus > o.def.vcpus.max) throw virError(QEMU, E.VIR_ERR_INVALID_ARG, `requested vcpus is greater than max allowable vcpus for the live domain: ${nvcpus} > ${o.def.vcpus.max}`);
        if (nvcpus !== o.def.vcpus.current) throw virError(QEMU, E.VIR_ERR_CONFIG_UNSUPPORTED, "cpu hotplug is not supported by virtkit's emulator");
      }
      if (config) {
        const d = this.persistentDef(o);
        if (flags & C.VIR_DOMAIN_VCPU_MAXIMUM) {
          d.vcpus.max = nvcpus;
          if (d.vcpus.current > nvcpus) d.vcpus.current = nvcpus;
        } else {
          if (nvcpus > d.vcpus.max) throw virError(QEMU, E.VIR_ERR_INVALID_ARG, `requested vcpus is greater than max allowable vcpus for the persistent domain: ${nvcpus} > ${d.vcpus.max}`);
          d.vcpus.current = nvcpus;
        }
        this.drv.saveConfig(d);
      }
    });
  }
  domainGetVcpusFlags(ref: DomainRef, flags: number): number {
    checkSupportedFlags(flags, C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_AFFECT_CONFIG | C.VIR_DOMAIN_VCPU_MAXIMUM | C.VIR_DOMAIN_VCPU_GUEST, "qemuDomainGetVcpusFlags", QEMU);
    const o = this.obj(ref);
    const { live } = this.defs(o, flags & 3);
    const def = live ? o.def : this.persistentDef(o);
    return flags & C.VIR_DOMAIN_VCPU_MAXIMUM ? def.vcpus.max : def.vcpus.current;
  }
  domainGetMaxVcpus(ref: DomainRef): number {
    return this.domainGetVcpusFlags(ref, C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_VCPU_MAXIMUM);
  }
  /** qemuDomainGetVcpus: the vCPUs run on the emulator's main thread, whose time they share. */
  domainGetVcpus(ref: DomainRef, maxinfo: number, maplen: number): VcpuInfo[] {
    const o = this.obj(ref);
    if (!isActive(o)) throw virError(QEMU, E.VIR_ERR_OPERATION_INVALID, "cannot list vcpus for an inactive domain");
    const n = cpus().length;
    const t = processInfo(o.pid).cpuTimeNs;
    const out: VcpuInfo[] = [];
    for (let i = 0; i < Math.min(maxinfo, o.def.vcpus.current); i++) {
      const map = new Uint8Array(maplen);
      for (let c = 0; c < n && c < maplen * 8; c++) map[c >> 3]! |= 1 << (c & 7);
      out.push({ number: i, state: C.VIR_VCPU_RUNNING, cpuTime: t, cpu: 0, cpumap: map });
    }
    return out;
  }
  domainGetVcpuPinInfo(ref: DomainRef, ncpumaps: number, maplen: number, flags: number): Uint8Array[] {
    const o = this.obj(ref);
    const { live } = this.defs(o, flags);
    const def = live ? o.def : this.persistentDef(o);
    const n = cpus().length;
    const set = def.vcpus.cpuset ?? Array.from({ length: n }, (_v, k) => k);
    const out: Uint8Array[] = [];
    for (let i = 0; i < def.vcpus.max && i < ncpumaps; i++) {
      const map = new Uint8Array(maplen);
      for (const c of set) if (c < maplen * 8) map[c >> 3]! |= 1 << (c & 7);
      out.push(map);
    }
    return out;
  }
  domainGetAutostart(ref: DomainRef): boolean {
    return this.obj(ref).autostart;
  }
  domainSetAutostart(ref: DomainRef, autostart: boolean): void {
    const o = this.obj(ref);
    if (!o.persistent) throw virError(QEMU, E.VIR_ERR_OPERATION_INVALID, "cannot set autostart for transient domain");
    setAutostartLink(this.drv.paths.configDir, this.drv.paths.autostartDir, o.def.name, autostart);
    o.autostart = autostart;
  }
  domainIsActive(ref: DomainRef): boolean {
    return isActive(this.obj(ref));
  }
  domainIsPersistent(ref: DomainRef): boolean {
    return this.obj(ref).persistent;
  }
  domainIsUpdated(ref: DomainRef): boolean {
    this.obj(ref);
    return false;
  }
  domainGetSecurityLabel(ref: DomainRef) {
    this.obj(ref);
    return { label: "", enforcing: false };
  }
  domainGetMessages(ref: DomainRef, flags: number): string[] {
    checkSupportedFlags(flags, 3, "qemuDomainGetMessages", QEMU);
    this.obj(ref);
    return [];
  }

  // ---- managed save ----
  domainManagedSave(ref: DomainRef, flags: number): Promise<void> {
    checkSupportedFlags(flags, C.VIR_DOMAIN_SAVE_BYPASS_CACHE | C.VIR_DOMAIN_SAVE_RUNNING | C.VIR_DOMAIN_SAVE_PAUSED, "qemuDomainManagedSave", QEMU);
    const o = this.obj(ref);
    return this.drv.runJob(o, async () => {
      this.checkActive(o);
      if (!o.persistent) throw virError(QEMU, E.VIR_ERR_OPERATION_INVALID, "cannot do managed save for transient domain");
      mkdirSync(this.drv.paths.saveDir, { recursive: true });
      await saveDomain(this.drv, o, managedSavePath(this.drv, o.def.name), flags);
    });
  }

  // ---- save / restore to a file the caller names ----
  /** qemuDomainSaveFlags: qemuDomainSaveInternal into `path` (made absolute by the API). */
  domainSaveFlags(ref: DomainRef, path: string, dxml: string | null, flags: number): Promise<void> {
    checkSupportedFlags(flags, C.VIR_DOMAIN_SAVE_BYPASS_CACHE | C.VIR_DOMAIN_SAVE_RUNNING | C.VIR_DOMAIN_SAVE_PAUSED, "qemuDomainSaveFlags", QEMU);
    const o = this.obj(ref);
    this.checkActive(o);
    return this.drv.runJob(o, async () => {
      if (!isActive(o)) throw virError(QEMU, E.VIR_ERR_INTERNAL_ERROR, "guest unexpectedly quit");
      await saveDomain(this.drv, o, path, flags, dxml);
    });
  }
  domainSave(ref: DomainRef, path: string): Promise<void> {
    return this.domainSaveFlags(ref, path, null, 0);
  }

  /**
   * qemuDomainRestoreInternal: the image's domain is added as virDomainObjListAdd(LIVE |
   * CHECK_LIVE) adds it — an inactive domain of that name and UUID runs the image's definition
   * and keeps its own as the configuration, an unknown one comes back transient — and a new
   * emulator loads the stream. A domain added here is dropped again if the start fails.
   */
  async domainRestoreFlags(path: string, dxml: string | null, flags: number): Promise<void> {
    checkSupportedFlags(flags, C.VIR_DOMAIN_SAVE_BYPASS_CACHE | C.VIR_DOMAIN_SAVE_RUNNING | C.VIR_DOMAIN_SAVE_PAUSED | C.VIR_DOMAIN_SAVE_RESET_NVRAM, "qemuDomainRestoreFlags", QEMU);
    const image = openSaveImage(path);
    const def = await imageDefinition(this.drv, image, dxml);
    const existing = this.checkNewDef(def.name, def.uuid, true);
    const obj = existing ?? newDomainObj(def, false);
    if (!existing) this.drv.domains.push(obj);
    let wasRunning = image.header.wasRunning;
    if (flags & C.VIR_DOMAIN_SAVE_RUNNING) wasRunning = true;
    else if (flags & C.VIR_DOMAIN_SAVE_PAUSED) wasRunning = false;
    try {
      await this.drv.runJob(obj, async () => {
        if (isActive(obj)) throw virError(DOM, E.VIR_ERR_OPERATION_INVALID, `domain '${def.name}' is already active`);
        await restoreDomain(this.drv, obj, image, { def, wasRunning, startPaused: false });
      });
    } catch (e) {
      // qemuDomainRemoveInactive
      if (!obj.persistent && !isActive(obj)) this.drv.removeDomain(obj);
      throw e;
    }
  }
  domainRestore(path: string): Promise<void> {
    return this.domainRestoreFlags(path, null, 0);
  }

  /** qemuDomainSaveImageGetXMLDesc: the image's definition as the driver formats it. */
  async domainSaveImageGetXMLDesc(path: string, flags: number): Promise<string> {
    checkSupportedFlags(flags, C.VIR_DOMAIN_SAVE_IMAGE_XML_SECURE, "qemuDomainSaveImageGetXMLDesc", QEMU);
    const def = await imageDefinition(this.drv, readSaveImage(path), null);
    return formatDomainXML(def, { flags: flags & C.VIR_DOMAIN_SAVE_IMAGE_XML_SECURE ? C.VIR_DOMAIN_XML_SECURE : 0 });
  }

  // ---- interface addresses ----
  /**
   * qemuDomainInterfaceAddresses. LEASE: the leases the network driver's DHCP server recorded
   * for each type='network' interface (virDomainNetDHCPInterfaces). AGENT: the guest agent,
   * which needs an org.qemu.guest_agent.0 channel — virtkit's qemu driver starts no domain with
   * channels, so this is libvirt's answer for a domain without one. ARP: the host's neighbour
   * table matched against each interface's MAC (virDomainNetARPInterfaces).
   */
  domainInterfaceAddresses(ref: DomainRef, source: number, flags: number): DomainInterface[] {
    checkSupportedFlags(flags, 0, "qemuDomainInterfaceAddresses", QEMU);
    const o = this.obj(ref);
    this.checkActive(o);
    switch (source) {
      case C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE: {
        const out: DomainInterface[] = [];
        for (const net of o.def.nets) {
          if (net.type !== "network") continue;
          const leases = this.drv.network.dhcpLeasesByName(net.source?.network ?? "", net.mac);
          if (leases.length === 0) continue;
          out.push({ name: net.ifname ?? "", hwaddr: net.mac, addrs: leases.map((l) => ({ type: l.type, addr: l.ipaddr, prefix: l.prefix })) });
        }
        return out;
      }
      case C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT:
        // qemuDomainAgentAvailable
        if (o.state !== C.VIR_DOMAIN_RUNNING) throw virError(QEMU, E.VIR_ERR_OPERATION_INVALID, "domain is not running");
        if (o.def.channels.some((c) => c.targetType === "virtio" && c.targetName === "org.qemu.guest_agent.0")) {
          throw virError(QEMU, E.VIR_ERR_AGENT_UNRESPONSIVE, "QEMU guest agent is not connected");
        }
        throw virError(QEMU, E.VIR_ERR_ARGUMENT_UNSUPPORTED, "QEMU guest agent is not configured");
      case C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP: {
        const table = arpTableGet();
        const out: DomainInterface[] = [];
        for (const net of o.def.nets) {
          for (const entry of table) {
            if (entry.mac === net.mac.toLowerCase()) out.push({ name: net.ifname ?? "", hwaddr: net.mac, addrs: [{ type: C.VIR_IP_ADDR_TYPE_IPV4, addr: entry.ipaddr, prefix: 0 }] });
          }
        }
        return out;
      }
      default:
        throw virError(QEMU, E.VIR_ERR_ARGUMENT_UNSUPPORTED, `Unknown IP address data source ${source | 0}`);
    }
  }

  domainHasManagedSaveImage(ref: DomainRef, flags: number): boolean {
    checkSupportedFlags(flags, 0, "qemuDomainHasManagedSaveImage", QEMU);
    return hasManagedSave(this.drv, this.obj(ref));
  }
  domainManagedSaveRemove(ref: DomainRef, flags: number): void {
    checkSupportedFlags(flags, 0, "qemuDomainManagedSaveRemove", QEMU);
    rmSync(managedSavePath(this.drv, this.obj(ref).def.name), { force: true });
  }

  // ---- statistics ----
  domainBlockStats(ref: DomainRef, path: string): never {
    const o = this.obj(ref);
    this.checkActive(o);
    if (!o.def.disks.some((d) => d.dst === path || d.src.path === path)) throw virError(QEMU, E.VIR_ERR_INVALID_ARG, `invalid path: ${path}`);
    throw virError(QEMU, E.VIR_ERR_OPERATION_UNSUPPORTED, "block statistics are not reported by virtkit's emulator (no query-blockstats)");
  }
  /** qemuDomainMemoryStatsInternal: without a balloon only the emulator's RSS is known. */
  domainMemoryStats(ref: DomainRef, nrStats: number, flags: number): MemoryStat[] {
    checkSupportedFlags(flags, 0, "qemuDomainMemoryStats", QEMU);
    const o = this.obj(ref);
    this.checkActive(o);
    const out: MemoryStat[] = [{ tag: C.VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON, val: o.def.mem.totalMemory }, { tag: C.VIR_DOMAIN_MEMORY_STAT_RSS, val: processInfo(o.pid).rssKiB }];
    return out.slice(0, nrStats);
  }

  // ---- console ----
  async domainOpenConsole(ref: DomainRef, devName: string | null, stream: Stream, flags: number): Promise<void> {
    checkSupportedFlags(flags, C.VIR_DOMAIN_CONSOLE_FORCE | C.VIR_DOMAIN_CONSOLE_SAFE, "qemuDomainOpenConsole", QEMU);
    const o = this.obj(ref);
    this.checkActive(o);
    await openConsole(o.def, devName, stream, flags);
  }

  // ---- snapshots ----
  domainSnapshotCreateXML(dom: DomainRef, xml: string, flags: number): Promise<DomainSnapshotRef> {
    const o = this.obj(dom);
    return this.drv.runJob(o, () => this.snapshots.create(o, xml, flags));
  }
  domainSnapshotGetXMLDesc(snap: DomainSnapshotRef, flags: number): string {
    return this.snapshots.getXMLDesc(this.obj(snap.dom), snap.name, flags);
  }
  domainSnapshotNum(dom: DomainRef, flags: number): number {
    return this.snapshots.list(this.obj(dom), null, flags).length;
  }
  domainSnapshotListNames(dom: DomainRef, maxnames: number, flags: number): string[] {
    return this.snapshots.list(this.obj(dom), null, flags).slice(0, maxnames);
  }
  domainListAllSnapshots(dom: DomainRef, flags: number): DomainSnapshotRef[] {
    return this.snapshots.list(this.obj(dom), null, flags).map((name) => ({ name, dom }));
  }
  domainSnapshotListAllChildren(snap: DomainSnapshotRef, flags: number): DomainSnapshotRef[] {
    return this.snapshots.list(this.obj(snap.dom), snap.name, flags).map((name) => ({ name, dom: snap.dom }));
  }
  domainSnapshotNumChildren(snap: DomainSnapshotRef, flags: number): number {
    return this.snapshots.list(this.obj(snap.dom), snap.name, flags).length;
  }
  domainSnapshotLookupByName(dom: DomainRef, name: string, flags: number): DomainSnapshotRef {
    checkSupportedFlags(flags, 0, "qemuDomainSnapshotLookupByName", QEMU);
    this.snapshots.get(this.obj(dom), name);
    return { name, dom };
  }
  domainHasCurrentSnapshot(dom: DomainRef, flags: number): boolean {
    checkSupportedFlags(flags, 0, "qemuDomainHasCurrentSnapshot", QEMU);
    return this.snapshots.current(this.obj(dom)) !== null;
  }
  domainSnapshotCurrent(dom: DomainRef, flags: number): DomainSnapshotRef {
    checkSupportedFlags(flags, 0, "qemuDomainSnapshotCurrent", QEMU);
    const cur = this.snapshots.current(this.obj(dom));
    if (cur === null) throw virError(VirErrorDomain.VIR_FROM_DOMAIN_SNAPSHOT, E.VIR_ERR_NO_DOMAIN_SNAPSHOT, "the domain does not have a current snapshot");
    return { name: cur, dom };
  }
  domainSnapshotGetParent(snap: DomainSnapshotRef, flags: number): DomainSnapshotRef {
    checkSupportedFlags(flags, 0, "qemuDomainSnapshotGetParent", QEMU);
    const s = this.snapshots.get(this.obj(snap.dom), snap.name);
    if (s.parentName === null) throw virError(VirErrorDomain.VIR_FROM_DOMAIN_SNAPSHOT, E.VIR_ERR_NO_DOMAIN_SNAPSHOT, `snapshot '${snap.name}' does not have a parent`);
    return { name: s.parentName, dom: snap.dom };
  }
  domainSnapshotIsCurrent(snap: DomainSnapshotRef, flags: number): boolean {
    checkSupportedFlags(flags, 0, "qemuDomainSnapshotIsCurrent", QEMU);
    return this.snapshots.current(this.obj(snap.dom)) === snap.name;
  }
  domainSnapshotHasMetadata(snap: DomainSnapshotRef, flags: number): boolean {
    checkSupportedFlags(flags, 0, "qemuDomainSnapshotHasMetadata", QEMU);
    this.snapshots.get(this.obj(snap.dom), snap.name);
    return true;
  }
  domainRevertToSnapshot(snap: DomainSnapshotRef, flags: number): Promise<void> {
    const o = this.obj(snap.dom);
    return this.drv.runJob(o, () => this.snapshots.revert(o, snap.name, flags));
  }
  domainSnapshotDelete(snap: DomainSnapshotRef, flags: number): Promise<void> {
    const o = this.obj(snap.dom);
    return this.drv.runJob(o, () => this.snapshots.delete(o, snap.name, flags));
  }

  // ---- events ----
  connectDomainEventRegisterAny(dom: DomainRef | null, eventID: number, cb: DomainEventCallback): number {
    if (dom) this.obj(dom);
    return this.drv.register(this, dom ? dom.uuid : null, eventID, cb);
  }
  connectDomainEventDeregisterAny(id: number): void {
    this.drv.deregister(this, id);
  }

  // ---- networks (the network driver) ----
  connectNumOfNetworks(): number {
    return this.drv.network.connectNumOfNetworks();
  }
  connectListAllNetworks(flags: number): NetworkRef[] {
    return this.drv.network.connectListAllNetworks(flags);
  }
  networkLookupByName(name: string): NetworkRef {
    return this.drv.network.networkLookupByName(name);
  }
  networkLookupByUUID(uuid: Uint8Array): NetworkRef {
    return this.drv.network.networkLookupByUUID(uuid);
  }
  networkDefineXML(xml: string): NetworkRef {
    return this.drv.network.networkDefineXML(xml);
  }
  networkUndefine(net: NetworkRef): void {
    this.drv.network.networkUndefine(net);
  }
  networkCreate(net: NetworkRef): void {
    this.drv.network.networkCreate(net);
  }
  networkDestroy(net: NetworkRef): void {
    this.drv.network.networkDestroy(net);
  }
  networkGetXMLDesc(net: NetworkRef, flags: number): string {
    return this.drv.network.networkGetXMLDesc(net, flags);
  }
  networkGetBridgeName(net: NetworkRef): string {
    return this.drv.network.networkGetBridgeName(net);
  }
  networkGetAutostart(net: NetworkRef): boolean {
    return this.drv.network.networkGetAutostart(net);
  }
  networkSetAutostart(net: NetworkRef, autostart: boolean): void {
    this.drv.network.networkSetAutostart(net, autostart);
  }
  networkIsActive(net: NetworkRef): boolean {
    return this.drv.network.networkIsActive(net);
  }
  networkIsPersistent(net: NetworkRef): boolean {
    return this.drv.network.networkIsPersistent(net);
  }

  // ---- storage (the storage driver) ----
  connectNumOfStoragePools(): number {
    return this.drv.storage.connectNumOfStoragePools();
  }
  connectListAllStoragePools(flags: number): StoragePoolRef[] {
    return this.drv.storage.connectListAllStoragePools(flags);
  }
  storagePoolLookupByName(name: string): StoragePoolRef {
    return this.drv.storage.storagePoolLookupByName(name);
  }
  storagePoolLookupByUUID(uuid: Uint8Array): StoragePoolRef {
    return this.drv.storage.storagePoolLookupByUUID(uuid);
  }
  storagePoolLookupByVolume(vol: StorageVolRef): StoragePoolRef {
    return this.drv.storage.storagePoolLookupByVolume(vol);
  }
  storagePoolDefineXML(xml: string, flags: number): StoragePoolRef {
    return this.drv.storage.storagePoolDefineXML(xml, flags);
  }
  storagePoolUndefine(pool: StoragePoolRef): void {
    this.drv.storage.storagePoolUndefine(pool);
  }
  storagePoolCreate(pool: StoragePoolRef, flags: number): void {
    this.drv.storage.storagePoolCreate(pool, flags);
  }
  storagePoolDestroy(pool: StoragePoolRef): void {
    this.drv.storage.storagePoolDestroy(pool);
  }
  storagePoolRefresh(pool: StoragePoolRef, flags: number): void {
    this.drv.storage.storagePoolRefresh(pool, flags);
  }
  storagePoolGetInfo(pool: StoragePoolRef) {
    return this.drv.storage.storagePoolGetInfo(pool);
  }
  storagePoolGetXMLDesc(pool: StoragePoolRef, flags: number): string {
    return this.drv.storage.storagePoolGetXMLDesc(pool, flags);
  }
  storagePoolGetAutostart(pool: StoragePoolRef): boolean {
    return this.drv.storage.storagePoolGetAutostart(pool);
  }
  storagePoolSetAutostart(pool: StoragePoolRef, autostart: boolean): void {
    this.drv.storage.storagePoolSetAutostart(pool, autostart);
  }
  storagePoolIsActive(pool: StoragePoolRef): boolean {
    return this.drv.storage.storagePoolIsActive(pool);
  }
  storagePoolIsPersistent(pool: StoragePoolRef): boolean {
    return this.drv.storage.storagePoolIsPersistent(pool);
  }
  storagePoolNumOfVolumes(pool: StoragePoolRef): number {
    return this.drv.storage.storagePoolNumOfVolumes(pool);
  }
  storagePoolListAllVolumes(pool: StoragePoolRef, flags: number): StorageVolRef[] {
    return this.drv.storage.storagePoolListAllVolumes(pool, flags);
  }
  storageVolLookupByName(pool: StoragePoolRef, name: string): StorageVolRef {
    return this.drv.storage.storageVolLookupByName(pool, name);
  }
  storageVolLookupByKey(key: string): StorageVolRef {
    return this.drv.storage.storageVolLookupByKey(key);
  }
  storageVolLookupByPath(path: string): StorageVolRef {
    return this.drv.storage.storageVolLookupByPath(path);
  }
  storageVolCreateXML(pool: StoragePoolRef, xml: string, flags: number): Promise<StorageVolRef> {
    return this.drv.storage.storageVolCreateXML(pool, xml, flags);
  }
  storageVolDelete(vol: StorageVolRef, flags: number): void {
    this.drv.storage.storageVolDelete(vol, flags);
  }
  storageVolGetInfo(vol: StorageVolRef) {
    return this.drv.storage.storageVolGetInfo(vol);
  }
  storageVolGetInfoFlags(vol: StorageVolRef, flags: number) {
    return this.drv.storage.storageVolGetInfoFlags(vol, flags);
  }
  storageVolGetXMLDesc(vol: StorageVolRef, flags: number): string {
    return this.drv.storage.storageVolGetXMLDesc(vol, flags);
  }
  storageVolGetPath(vol: StorageVolRef): string {
    return this.drv.storage.storageVolGetPath(vol);
  }
  storageVolUpload(vol: StorageVolRef, stream: Stream, offset: number, length: number, flags: number): void {
    this.drv.storage.storageVolUpload(vol, stream, offset, length, flags);
  }
  storageVolDownload(vol: StorageVolRef, stream: Stream, offset: number, length: number, flags: number): void {
    this.drv.storage.storageVolDownload(vol, stream, offset, length, flags);
  }
}
