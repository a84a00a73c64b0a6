// virDomain and virDomainSnapshot entry points (src/libvirt-domain.c, libvirt-domain-snapshot.c):
// validate, refuse writes on read-only connections, then call the driver table.
import { virError } from "../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../errors/virterror.js";
import { canonicalizeFilename, checkExclusiveFlags, checkFlags, checkReadOnly, checkString, checkUnsigned, entry, formatUUID, invalidArg } from "./check.js";
import {
  VIR_CONNECT_RO,
  VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT,
  VIR_DOMAIN_SAVE_PAUSED,
  VIR_DOMAIN_SAVE_RUNNING,
  VIR_DOMAIN_XML_MIGRATABLE,
  VIR_DOMAIN_XML_SECURE,
} from "./constants.js";
import type { Connect } from "./connect.js";
import type {
  BlockStats,
  DomainInfo,
  DomainJobInfo,
  DomainInterface,
  DomainRef,
  DomainSnapshotRef,
  DomainState,
  HypervisorConnection,
  InterfaceStats,
  MemoryStat,
  SecurityLabel,
  VcpuInfo,
} from "./driver.js";
import type { Stream } from "./stream.js";

const DOM = VirErrorDomain.VIR_FROM_DOMAIN;
const SNAP = VirErrorDomain.VIR_FROM_DOMAIN_SNAPSHOT;

export class Domain {
  constructor(
    readonly conn: Connect,
    /** Updated when a start/stop through this object changes the id, as virDomainPtr's id is. */
    public ref: DomainRef,
  ) {}

  private get d(): HypervisorConnection {
    if (this.conn.isClosed) throw virError(DOM, VirErrorNumber.VIR_ERR_INVALID_CONN, "virDomain");
    return this.conn.driver;
  }

  private w(api: string): HypervisorConnection {
    checkReadOnly(this.conn.flags, api, DOM);
    return this.d;
  }

  name(): string {
    return this.ref.name;
  }
  /** -1 when inactive (virDomainGetID returns (unsigned)-1). */
  ID(): number {
    return this.ref.id;
  }
  UUID(): Uint8Array {
    return this.ref.uuid;
  }
  UUIDString(): string {
    return formatUUID(this.ref.uuid);
  }

  // ---- lifecycle ----
  /** virDomainCreate. */
  async create(): Promise<void> {
    const d = this.w("virDomainCreate");
    if (d.domainCreate) this.ref = await d.domainCreate(this.ref);
    else this.ref = await entry(d, "domainCreateWithFlags", "virDomainCreate", DOM)(this.ref, 0);
  }
  async createWithFlags(flags = 0, api = "virDomainCreateWithFlags"): Promise<void> {
    checkFlags(flags, api, DOM);
    this.ref = await entry(this.w(api), "domainCreateWithFlags", api, DOM)(this.ref, flags);
  }
  async destroy(): Promise<void> {
    const d = this.w("virDomainDestroy");
    if (d.domainDestroy) await d.domainDestroy(this.ref);
    else await entry(d, "domainDestroyFlags", "virDomainDestroy", DOM)(this.ref, 0);
    this.ref = { ...this.ref, id: -1 };
  }
  async destroyFlags(flags = 0, api = "virDomainDestroyFlags"): Promise<void> {
    checkFlags(flags, api, DOM);
    await entry(this.w(api), "domainDestroyFlags", api, DOM)(this.ref, flags);
    this.ref = { ...this.ref, id: -1 };
  }
  async shutdown(): Promise<void> {
    const d = this.w("virDomainShutdown");
    if (d.domainShutdown) await d.domainShutdown(this.ref);
    else await entry(d, "domainShutdownFlags", "virDomainShutdown", DOM)(this.ref, 0);
  }
  async shutdownFlags(flags = 0, api = "virDomainShutdownFlags"): Promise<void> {
    checkFlags(flags, api, DOM);
    await entry(this.w(api), "domainShutdownFlags", api, DOM)(this.ref, flags);
  }
  async reboot(flags = 0): Promise<void> {
    checkFlags(flags, "virDomainReboot", DOM);
    await entry(this.w("virDomainReboot"), "domainReboot", "virDomainReboot", DOM)(this.ref, flags);
  }
  async reset(flags = 0): Promise<void> {
    checkFlags(flags, "virDomainReset", DOM);
    await entry(this.w("virDomainReset"), "domainReset", "virDomainReset", DOM)(this.ref, flags);
  }
  async suspend(): Promise<void> {
    await entry(this.w("virDomainSuspend"), "domainSuspend", "virDomainSuspend", DOM)(this.ref);
  }
  async resume(): Promise<void> {
    await entry(this.w("virDomainResume"), "domainResume", "virDomainResume", DOM)(this.ref);
  }
  async undefine(): Promise<void> {
    const d = this.w("virDomainUndefine");
    if (d.domainUndefine) await d.domainUndefine(this.ref);
    else await entry(d, "domainUndefineFlags", "virDomainUndefine", DOM)(this.ref, 0);
  }
  async undefineFlags(flags = 0, api = "virDomainUndefineFlags"): Promise<void> {
    checkFlags(flags, api, DOM);
    await entry(this.w(api), "domainUndefineFlags", api, DOM)(this.ref, flags);
  }

  // ---- information ----
  async info(): Promise<DomainInfo> {
    return entry(this.d, "domainGetInfo", "virDomainGetInfo", DOM)(this.ref);
  }
  /** virDomainGetJobInfo: the progress of the domain's background job (read-only connections too). */
  async getJobInfo(): Promise<DomainJobInfo> {
    return entry(this.d, "domainGetJobInfo", "virDomainGetJobInfo", DOM)(this.ref);
  }
  async state(flags = 0): Promise<DomainState> {
    checkFlags(flags, "virDomainGetState", DOM);
    return entry(this.d, "domainGetState", "virDomainGetState", DOM)(this.ref, flags);
  }
  async XMLDesc(flags = 0): Promise<string> {
    checkFlags(flags, "virDomainGetXMLDesc", DOM);
    if (this.conn.flags & VIR_CONNECT_RO && flags & (VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_MIGRATABLE)) {
      throw virError(DOM, VirErrorNumber.VIR_ERR_OPERATION_DENIED, "virDomainGetXMLDesc with secure flag");
    }
    return entry(this.d, "domainGetXMLDesc", "virDomainGetXMLDesc", DOM)(this.ref, flags);
  }
  async OSType(): Promise<string> {
    return entry(this.d, "domainGetOSType", "virDomainGetOSType", DOM)(this.ref);
  }
  async hostname(flags = 0): Promise<string> {
    checkFlags(flags, "virDomainGetHostname", DOM);
    return entry(this.w("virDomainGetHostname"), "domainGetHostname", "virDomainGetHostname", DOM)(this.ref, flags);
  }
  async maxMemory(): Promise<number> {
    return entry(this.d, "domainGetMaxMemory", "virDomainGetMaxMemory", DOM)(this.ref);
  }
  async setMaxMemory(memory: number): Promise<void> {
    checkUnsigned(memory, "memory", "virDomainSetMaxMemory", DOM);
    if (memory === 0) throw invalidArg(DOM, "virDomainSetMaxMemory", "memory", "memory in virDomainSetMaxMemory must not be zero");
    await entry(this.w("virDomainSetMaxMemory"), "domainSetMaxMemory", "virDomainSetMaxMemory", DOM)(this.ref, memory);
  }
  async setMemory(memory: number): Promise<void> {
    checkUnsigned(memory, "memory", "virDomainSetMemory", DOM);
    if (memory === 0) throw invalidArg(DOM, "virDomainSetMemory", "memory", "memory in virDomainSetMemory must not be zero");
    await entry(this.w("virDomainSetMemory"), "domainSetMemory", "virDomainSetMemory", DOM)(this.ref, memory);
  }
  async setMemoryFlags(memory: number, flags: number): Promise<void> {
    checkUnsigned(memory, "memory", "virDomainSetMemoryFlags", DOM);
    checkFlags(flags, "virDomainSetMemoryFlags", DOM);
    await entry(this.w("virDomainSetMemoryFlags"), "domainSetMemoryFlags", "virDomainSetMemoryFlags", DOM)(this.ref, memory, flags);
  }
  /** virDomainUpdateDeviceFlags: change a device of the domain (a CD-ROM's medium). */
  async updateDeviceFlags(xml: string, flags: number): Promise<void> {
    checkString(xml, "xml", "virDomainUpdateDeviceFlags", DOM);
    checkReadOnly(this.conn.flags, "virDomainUpdateDeviceFlags", DOM);
    checkFlags(flags, "virDomainUpdateDeviceFlags", DOM);
    await entry(this.w("virDomainUpdateDeviceFlags"), "domainUpdateDeviceFlags", "virDomainUpdateDeviceFlags", DOM)(this.ref, xml, flags);
  }
  async setVcpus(nvcpus: number): Promise<void> {
    checkUnsigned(nvcpus, "nvcpus", "virDomainSetVcpus", DOM);
    if (nvcpus === 0) throw invalidArg(DOM, "virDomainSetVcpus", "nvcpus", "nvcpus in virDomainSetVcpus must not be zero");
    const d = this.w("virDomainSetVcpus");
    if (d.domainSetVcpus) await d.domainSetVcpus(this.ref, nvcpus);
    else await entry(d, "domainSetVcpusFlags", "virDomainSetVcpus", DOM)(this.ref, nvcpus, 0);
  }
  async setVcpusFlags(nvcpus: number, flags: number): Promise<void> {
    checkUnsigned(nvcpus, "nvcpus", "virDomainSetVcpusFlags", DOM);
    checkFlags(flags, "virDomainSetVcpusFlags", DOM);
    await entry(this.w("virDomainSetVcpusFlags"), "domainSetVcpusFlags", "virDomainSetVcpusFlags", DOM)(this.ref, nvcpus, flags);
  }
  async vcpusFlags(flags = 0): Promise<number> {
    checkFlags(flags, "virDomainGetVcpusFlags", DOM);
    return entry(this.d, "domainGetVcpusFlags", "virDomainGetVcpusFlags", DOM)(this.ref, flags);
  }
  async maxVcpus(): Promise<number> {
    return entry(this.d, "domainGetMaxVcpus", "virDomainGetMaxVcpus", DOM)(this.ref);
  }
  /** virDomainGetVcpus with maplen bytes of affinity per vCPU. */
  async vcpus(maxinfo: number, maplen: number): Promise<VcpuInfo[]> {
    if (!Number.isInteger(maxinfo) || maxinfo < 1) throw invalidArg(DOM, "virDomainGetVcpus", "maxinfo", "maxinfo in virDomainGetVcpus must be greater than zero");
    if (!Number.isInteger(maplen) || maplen < 0) throw invalidArg(DOM, "virDomainGetVcpus", "maplen", "maplen in virDomainGetVcpus must be non-negative");
    return entry(this.d, "domainGetVcpus", "virDomainGetVcpus", DOM)(this.ref, maxinfo, maplen);
  }
  /** virDomainGetVcpuPinInfo. */
  async vcpuPinInfo(ncpumaps: number, maplen: number, flags = 0): Promise<Uint8Array[]> {
    checkFlags(flags, "virDomainGetVcpuPinInfo", DOM);
    if (!Number.isInteger(ncpumaps) || ncpumaps < 1) throw invalidArg(DOM, "virDomainGetVcpuPinInfo", "ncpumaps", "ncpumaps in virDomainGetVcpuPinInfo must be greater than zero");
    if (!Number.isInteger(maplen) || maplen < 1) throw invalidArg(DOM, "virDomainGetVcpuPinInfo", "maplen", "maplen in virDomainGetVcpuPinInfo must be greater than zero");
    return entry(this.d, "domainGetVcpuPinInfo", "virDomainGetVcpuPinInfo", DOM)(this.ref, ncpumaps, maplen, flags);
  }
  async autostart(): Promise<boolean> {
    return entry(this.d, "domainGetAutostart", "virDomainGetAutostart", DOM)(this.ref);
  }
  async setAutostart(autostart: boolean): Promise<void> {
    await entry(this.w("virDomainSetAutostart"), "domainSetAutostart", "virDomainSetAutostart", DOM)(this.ref, autostart);
  }
  async isActive(): Promise<boolean> {
    return entry(this.d, "domainIsActive", "virDomainIsActive", DOM)(this.ref);
  }
  async isPersistent(): Promise<boolean> {
    return entry(this.d, "domainIsPersistent", "virDomainIsPersistent", DOM)(this.ref);
  }
  async isUpdated(): Promise<boolean> {
    return entry(this.d, "domainIsUpdated", "virDomainIsUpdated", DOM)(this.ref);
  }
  async securityLabel(): Promise<SecurityLabel> {
    return entry(this.d, "domainGetSecurityLabel", "virDomainGetSecurityLabel", DOM)(this.ref);
  }
  async metadata(type: number, uri: string | null, flags = 0): Promise<string> {
    checkFlags(flags, "virDomainGetMetadata", DOM);
    return entry(this.d, "domainGetMetadata", "virDomainGetMetadata", DOM)(this.ref, type, uri, flags);
  }
  async setMetadata(type: number, metadata: string | null, key: string | null, uri: string | null, flags = 0): Promise<void> {
    checkFlags(flags, "virDomainSetMetadata", DOM);
    await entry(this.w("virDomainSetMetadata"), "domainSetMetadata", "virDomainSetMetadata", DOM)(this.ref, type, metadata, key, uri, flags);
  }
  async messages(flags = 0): Promise<string[]> {
    checkFlags(flags, "virDomainGetMessages", DOM);
    return entry(this.d, "domainGetMessages", "virDomainGetMessages", DOM)(this.ref, flags);
  }

  // ---- managed save ----
  async managedSave(flags = 0): Promise<void> {
    checkFlags(flags, "virDomainManagedSave", DOM);
    await entry(this.w("virDomainManagedSave"), "domainManagedSave", "virDomainManagedSave", DOM)(this.ref, flags);
    this.ref = { ...this.ref, id: -1 };
  }
  async hasManagedSaveImage(flags = 0): Promise<boolean> {
    checkFlags(flags, "virDomainHasManagedSaveImage", DOM);
    return entry(this.d, "domainHasManagedSaveImage", "virDomainHasManagedSaveImage", DOM)(this.ref, flags);
  }
  async managedSaveRemove(flags = 0): Promise<void> {
    checkFlags(flags, "virDomainManagedSaveRemove", DOM);
    await entry(this.w("virDomainManagedSaveRemove"), "domainManagedSaveRemove", "virDomainManagedSaveRemove", DOM)(this.ref, flags);
  }

  // ---- save / restore (the restore side is Connect.restore*) ----
  /** virDomainSave: the flag-less entry, or virDomainSaveFlags with no flags when the driver lacks it. */
  async save(to: string): Promise<void> {
    checkReadOnly(this.conn.flags, "virDomainSave", DOM);
    checkString(to, "to", "virDomainSave", DOM);
    const d = this.d;
    const path = canonicalizeFilename(to);
    if (d.domainSave) await d.domainSave(this.ref, path);
    else await entry(d, "domainSaveFlags", "virDomainSave", DOM)(this.ref, path, null, 0);
    this.ref = { ...this.ref, id: -1 };
  }
  /**
   * virDomainSaveFlags: the domain's state goes into the file `to` (made absolute here, as the
   * daemon runs elsewhere) and the domain stops; `dxml` replaces the XML stored with it.
   */
  async saveFlags(to: string, dxml: string | null = null, flags = 0): Promise<void> {
    const api = "virDomainSaveFlags";
    checkReadOnly(this.conn.flags, api, DOM);
    checkString(to, "to", api, DOM);
    if (dxml !== null) checkString(dxml, "dxml", api, DOM);
    checkFlags(flags, api, DOM);
    checkExclusiveFlags(flags, VIR_DOMAIN_SAVE_RUNNING, "VIR_DOMAIN_SAVE_RUNNING", VIR_DOMAIN_SAVE_PAUSED, "VIR_DOMAIN_SAVE_PAUSED", api, DOM);
    await entry(this.d, "domainSaveFlags", api, DOM)(this.ref, canonicalizeFilename(to), dxml, flags);
    this.ref = { ...this.ref, id: -1 };
  }

  /**
   * virDomainInterfaceAddresses: the guest's interfaces and their IP addresses as `source`
   * (VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE/AGENT/ARP) knows them. Asking the guest agent
   * needs a read-write connection.
   */
  async interfaceAddresses(source = 0, flags = 0): Promise<DomainInterface[]> {
    const api = "virDomainInterfaceAddresses";
    if (source === VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT) checkReadOnly(this.conn.flags, api, DOM);
    checkUnsigned(source, "source", api, DOM);
    checkFlags(flags, api, DOM);
    return entry(this.d, "domainInterfaceAddresses", api, DOM)(this.ref, source, flags);
  }

  // ---- statistics ----
  async blockStats(path: string): Promise<BlockStats> {
    checkString(path, "disk", "virDomainBlockStats", DOM);
    return entry(this.d, "domainBlockStats", "virDomainBlockStats", DOM)(this.ref, path);
  }
  async interfaceStats(device: string): Promise<InterfaceStats> {
    checkString(device, "device", "virDomainInterfaceStats", DOM);
    return entry(this.d, "domainInterfaceStats", "virDomainInterfaceStats", DOM)(this.ref, device);
  }
  async memoryStats(nrStats = 13, flags = 0): Promise<MemoryStat[]> {
    checkFlags(flags, "virDomainMemoryStats", DOM);
    if (!Number.isInteger(nrStats) || nrStats <= 0) throw invalidArg(DOM, "virDomainMemoryStats", "nr_stats", "nr_stats in virDomainMemoryStats must be greater than zero");
    return entry(this.d, "domainMemoryStats", "virDomainMemoryStats", DOM)(this.ref, nrStats, flags);
  }

  // ---- streams ----
  /** virDomainOpenConsole: attach `stream` to the domain's console (or devName). */
  async openConsole(devName: string | null, stream: Stream, flags = 0): Promise<void> {
    checkFlags(flags, "virDomainOpenConsole", DOM);
    if (devName !== null) checkString(devName, "dev_name", "virDomainOpenConsole", DOM);
    await entry(this.w("virDomainOpenConsole"), "domainOpenConsole", "virDomainOpenConsole", DOM)(this.ref, devName, stream, flags);
  }
  async screenshot(stream: Stream, screen = 0, flags = 0): Promise<string | null> {
    checkFlags(flags, "virDomainScreenshot", DOM);
    return entry(this.w("virDomainScreenshot"), "domainScreenshot", "virDomainScreenshot", DOM)(this.ref, stream, screen, flags);
  }

  // ---- snapshots ----
  async snapshotCreateXML(xml: string, flags = 0): Promise<DomainSnapshot> {
    checkReadOnly(this.conn.flags, "virDomainSnapshotCreateXML", SNAP);
    checkString(xml, "xmlDesc", "virDomainSnapshotCreateXML", SNAP);
    checkFlags(flags, "virDomainSnapshotCreateXML", SNAP);
    return new DomainSnapshot(this, await entry(this.d, "domainSnapshotCreateXML", "virDomainSnapshotCreateXML", SNAP)(this.ref, xml, flags));
  }
  async snapshotNum(flags = 0): Promise<number> {
    checkFlags(flags, "virDomainSnapshotNum", SNAP);
    return entry(this.d, "domainSnapshotNum", "virDomainSnapshotNum", SNAP)(this.ref, flags);
  }
  async snapshotListNames(flags = 0): Promise<string[]> {
    checkFlags(flags, "virDomainSnapshotListNames", SNAP);
    return entry(this.d, "domainSnapshotListNames", "virDomainSnapshotListNames", SNAP)(this.ref, 16384, flags);
  }
  async listAllSnapshots(flags = 0): Promise<DomainSnapshot[]> {
    checkFlags(flags, "virDomainListAllSnapshots", SNAP);
    const refs = await entry(this.d, "domainListAllSnapshots", "virDomainListAllSnapshots", SNAP)(this.ref, flags);
    return refs.map((r) => new DomainSnapshot(this, r));
  }
  async snapshotLookupByName(name: string, flags = 0): Promise<DomainSnapshot> {
    checkString(name, "name", "virDomainSnapshotLookupByName", SNAP);
    checkFlags(flags, "virDomainSnapshotLookupByName", SNAP);
    return new DomainSnapshot(this, await entry(this.d, "domainSnapshotLookupByName", "virDomainSnapshotLookupByName", SNAP)(this.ref, name, flags));
  }
  async hasCurrentSnapshot(flags = 0): Promise<boolean> {
    checkFlags(flags, "virDomainHasCurrentSnapshot", SNAP);
    return entry(this.d, "domainHasCurrentSnapshot", "virDomainHasCurrentSnapshot", SNAP)(this.ref, flags);
  }
  async snapshotCurrent(flags = 0): Promise<DomainSnapshot> {
    checkFlags(flags, "virDomainSnapshotCurrent", SNAP);
    return new DomainSnapshot(this, await entry(this.d, "domainSnapshotCurrent", "virDomainSnapshotCurrent", SNAP)(this.ref, flags));
  }
}

export class DomainSnapshot {
  constructor(
    readonly domain: Domain,
    readonly ref: DomainSnapshotRef,
  ) {}

  private get d(): HypervisorConnection {
    return this.domain.conn.driver;
  }

  getName(): string {
    return this.ref.name;
  }
  async getXMLDesc(flags = 0): Promise<string> {
    checkFlags(flags, "virDomainSnapshotGetXMLDesc", SNAP);
    if (this.domain.conn.flags & VIR_CONNECT_RO && flags & VIR_DOMAIN_XML_SECURE) {
      throw virError(SNAP, VirErrorNumber.VIR_ERR_OPERATION_DENIED, "virDomainSnapshotGetXMLDesc with secure flag");
    }
    return entry(this.d, "domainSnapshotGetXMLDesc", "virDomainSnapshotGetXMLDesc", SNAP)(this.ref, flags);
  }
  async getParent(flags = 0): Promise<DomainSnapshot> {
    return new DomainSnapshot(this.domain, await entry(this.d, "domainSnapshotGetParent", "virDomainSnapshotGetParent", SNAP)(this.ref, flags));
  }
  async isCurrent(flags = 0): Promise<boolean> {
    return entry(this.d, "domainSnapshotIsCurrent", "virDomainSnapshotIsCurrent", SNAP)(this.ref, flags);
  }
  async hasMetadata(flags = 0): Promise<boolean> {
    return entry(this.d, "domainSnapshotHasMetadata", "virDomainSnapshotHasMetadata", SNAP)(this.ref, flags);
  }
  async numChildren(flags = 0): Promise<number> {
    return entry(this.d, "domainSnapshotNumChildren", "virDomainSnapshotNumChildren", SNAP)(this.ref, flags);
  }
  async listAllChildren(flags = 0): Promise<DomainSnapshot[]> {
    const refs = await entry(this.d, "domainSnapshotListAllChildren", "virDomainSnapshotListAllChildren", SNAP)(this.ref, flags);
    return refs.map((r) => new DomainSnapshot(this.domain, r));
  }
  /** virDomainRevertToSnapshot. */
  async revert(flags = 0): Promise<void> {
    checkReadOnly(this.domain.conn.flags, "virDomainRevertToSnapshot", SNAP);
    checkFlags(flags, "virDomainRevertToSnapshot", SNAP);
    await entry(this.d, "domainRevertToSnapshot", "virDomainRevertToSnapshot", SNAP)(this.ref, flags);
  }
  /** virDomainSnapshotDelete. */
  async delete(flags = 0): Promise<void> {
    checkReadOnly(this.domain.conn.flags, "virDomainSnapshotDelete", SNAP);
    checkFlags(flags, "virDomainSnapshotDelete", SNAP);
    await entry(this.d, "domainSnapshotDelete", "virDomainSnapshotDelete", SNAP)(this.ref, flags);
  }
}
