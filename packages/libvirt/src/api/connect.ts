// virConnect (src/libvirt.c, libvirt-host.c, libvirt-domain.c connect-level entry points):
// open a driver by URI, then validate and forward every call to the driver table.
import { VirError, virError } from "../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../errors/virterror.js";
import { canonicalizeFilename, checkExclusiveFlags, checkFlags, checkNonNull, checkReadOnly, checkString, entry, invalidArg, parseUUID } from "./check.js";
import { VIR_CONNECT_RO, VIR_DOMAIN_SAVE_PAUSED, VIR_DOMAIN_SAVE_RUNNING } from "./constants.js";
import { Domain } from "./domain.js";
import type { DomainEventCallback, DomainRef, HypervisorConnection, NodeInfo, SecurityModel, VirURI } from "./driver.js";
import { Network } from "./network.js";
import { openDriverConnection } from "./registry.js";
import { StoragePool, StorageVol } from "./storage.js";
import { Stream } from "./stream.js";
import { formatURI, parseURI } from "./uri.js";

/** LIBVIR_VERSION_NUMBER of the release whose behaviour this library models. */
export const LIBVIR_VERSION_NUMBER = 9000000;

const HOST = VirErrorDomain.VIR_FROM_NONE;
const DOM = VirErrorDomain.VIR_FROM_DOMAIN;
const NET = VirErrorDomain.VIR_FROM_NETWORK;
const STO = VirErrorDomain.VIR_FROM_STORAGE;

export interface OpenOptions {
  readOnly?: boolean;
  /** Set by the daemon: the remote driver then declines local URIs. */
  insideDaemon?: boolean;
}

/** A domain event callback as registered through the public API. */
export type ConnectDomainEventCallback = (conn: Connect, dom: Domain, ev: Parameters<DomainEventCallback>[0]) => void;

export class Connect {
  private closed = false;
  private readonly closeCallbacks: ((conn: Connect, reason: number) => void)[] = [];

  private constructor(
    readonly driver: HypervisorConnection,
    readonly uri: VirURI,
    readonly flags: number,
  ) {}

  /** virConnectOpen / virConnectOpenReadOnly. */
  static async open(name: string | null | undefined, opts: OpenOptions = {}): Promise<Connect> {
    const uriStr = name ?? process.env.LIBVIRT_DEFAULT_URI;
    if (uriStr === undefined || uriStr === "") {
      // libvirt would probe the daemon for a default; without a URI there is no driver to pick.
      throw virError(HOST, VirErrorNumber.VIR_ERR_NO_CONNECT, null);
    }
    if (typeof uriStr !== "string") throw invalidArg(HOST, "virConnectOpen", "name", "name in virConnectOpen must be a string");
    const uri = parseURI(uriStr);
    const flags = opts.readOnly ? VIR_CONNECT_RO : 0;
    const drv = await openDriverConnection(uri, flags, { insideDaemon: opts.insideDaemon ?? false });
    const conn = new Connect(drv, uri, flags);
    return conn;
  }

  /** Wrap an already open driver connection (used by drivers and tests). */
  static fromDriver(drv: HypervisorConnection, uri: string, flags = 0): Connect {
    return new Connect(drv, parseURI(uri), flags);
  }

  get readOnly(): boolean {
    return (this.flags & VIR_CONNECT_RO) !== 0;
  }

  private live(api: string): HypervisorConnection {
    if (this.closed) throw virError(HOST, VirErrorNumber.VIR_ERR_INVALID_CONN, api);
    return this.driver;
  }

  /** virConnectClose. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.driver.connectClose();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // ---- host ----
  async getType(): Promise<string> {
    const d = this.live("virConnectGetType");
    if (d.connectGetType) return d.connectGetType();
    if (d.type) return d.type;
    throw virError(HOST, VirErrorNumber.VIR_ERR_NO_SUPPORT, "virConnectGetType");
  }
  async getVersion(): Promise<number> {
    return entry(this.live("virConnectGetVersion"), "connectGetVersion", "virConnectGetVersion", HOST)();
  }
  async getLibVersion(): Promise<number> {
    const d = this.live("virConnectGetLibVersion");
    return d.connectGetLibVersion ? d.connectGetLibVersion() : LIBVIR_VERSION_NUMBER;
  }
  async getHostname(): Promise<string> {
    return entry(this.live("virConnectGetHostname"), "connectGetHostname", "virConnectGetHostname", HOST)();
  }
  /** virConnectGetURI: formatted locally from the URI the connection was opened with. */
  async getURI(): Promise<string> {
    const d = this.live("virConnectGetURI");
    if (d.connectGetURI) return d.connectGetURI();
    return formatURI(this.uri);
  }
  async getSysinfo(flags = 0): Promise<string> {
    checkFlags(flags, "virConnectGetSysinfo", HOST);
    return entry(this.live("virConnectGetSysinfo"), "connectGetSysinfo", "virConnectGetSysinfo", HOST)(flags);
  }
  async getMaxVcpus(type: string | null = null): Promise<number> {
    return entry(this.live("virConnectGetMaxVcpus"), "connectGetMaxVcpus", "virConnectGetMaxVcpus", HOST)(type);
  }
  async getCapabilities(): Promise<string> {
    return entry(this.live("virConnectGetCapabilities"), "connectGetCapabilities", "virConnectGetCapabilities", HOST)();
  }
  /** virNodeGetInfo. */
  async getInfo(): Promise<NodeInfo> {
    return entry(this.live("virNodeGetInfo"), "nodeGetInfo", "virNodeGetInfo", HOST)();
  }
  /** virNodeGetFreeMemory (bytes). */
  async getFreeMemory(): Promise<number> {
    return entry(this.live("virNodeGetFreeMemory"), "nodeGetFreeMemory", "virNodeGetFreeMemory", HOST)();
  }
  async getSecurityModel(): Promise<SecurityModel> {
    return entry(this.live("virNodeGetSecurityModel"), "nodeGetSecurityModel", "virNodeGetSecurityModel", HOST)();
  }
  async getCPUMap(flags = 0): Promise<{ cpus: number; online: number; map: Uint8Array }> {
    checkFlags(flags, "virNodeGetCPUMap", HOST);
    return entry(this.live("virNodeGetCPUMap"), "nodeGetCPUMap", "virNodeGetCPUMap", HOST)(flags);
  }
  /**
   * virNodeGetCellsFreeMemory: the free memory (bytes) of NUMA cells startCell, startCell + 1, ...
   * — at most maxCells values, fewer when the host has fewer cells.
   */
  async getCellsFreeMemory(startCell: number, maxCells: number): Promise<number[]> {
    const api = "virNodeGetCellsFreeMemory";
    const d = this.live(api);
    if (typeof maxCells !== "number" || !Number.isInteger(maxCells) || maxCells <= 0) {
      throw invalidArg(HOST, api, "maxCells", `maxCells in ${api} must be greater than zero`);
    }
    if (typeof startCell !== "number" || !Number.isInteger(startCell) || startCell < 0) {
      throw invalidArg(HOST, api, "startCell", `startCell in ${api} must be zero or greater`);
    }
    // the C API takes int arguments
    if (maxCells > 0x7fffffff || startCell > 0x7fffffff) throw invalidArg(HOST, api, maxCells > 0x7fffffff ? "maxCells" : "startCell", `argument out of range in ${api}`);
    return entry(d, "nodeGetCellsFreeMemory", api, HOST)(startCell, maxCells);
  }
  async isSecure(): Promise<boolean> {
    return entry(this.live("virConnectIsSecure"), "connectIsSecure", "virConnectIsSecure", HOST)();
  }
  async isEncrypted(): Promise<boolean> {
    return entry(this.live("virConnectIsEncrypted"), "connectIsEncrypted", "virConnectIsEncrypted", HOST)();
  }
  async isAlive(): Promise<boolean> {
    if (this.closed) return false;
    return this.driver.connectIsAlive ? this.driver.connectIsAlive() : true;
  }
  /** Internal virConnectSupportsFeature (VIR_DRV_FEATURE_*). */
  async supportsFeature(feature: number): Promise<boolean> {
    const d = this.live("virConnectSupportsFeature");
    return d.connectSupportsFeature ? d.connectSupportsFeature(feature) : false;
  }
  /** virConnectSetKeepAlive: only meaningful for remote connections. */
  async setKeepAlive(interval: number, count: number): Promise<void> {
    const d = this.live("virConnectSetKeepAlive");
    if (!d.connectSetKeepAlive) throw virError(HOST, VirErrorNumber.VIR_ERR_NO_SUPPORT, "virConnectSetKeepAlive");
    await d.connectSetKeepAlive(interval, count);
  }

  /** virConnectRegisterCloseCallback. */
  async registerCloseCallback(cb: (conn: Connect, reason: number) => void): Promise<void> {
    const d = this.live("virConnectRegisterCloseCallback");
    if (this.closeCallbacks.length > 0) {
      throw virError(HOST, VirErrorNumber.VIR_ERR_OPERATION_INVALID, "A close callback is already registered");
    }
    this.closeCallbacks.push(cb);
    if (d.connectRegisterCloseCallback) {
      await d.connectRegisterCloseCallback((reason) => {
        for (const f of this.closeCallbacks) f(this, reason);
      });
    }
  }
  async unregisterCloseCallback(): Promise<void> {
    const d = this.live("virConnectUnregisterCloseCallback");
    if (this.closeCallbacks.length === 0) {
      throw virError(HOST, VirErrorNumber.VIR_ERR_OPERATION_INVALID, "A different callback was requested");
    }
    this.closeCallbacks.length = 0;
    if (d.connectUnregisterCloseCallback) await d.connectUnregisterCloseCallback();
  }

  // ---- domains ----
  domain(ref: DomainRef): Domain {
    return new Domain(this, ref);
  }

  async listDomainsID(maxids = 16384): Promise<number[]> {
    return entry(this.live("virConnectListDomains"), "connectListDomains", "virConnectListDomains", DOM)(maxids);
  }
  async numOfDomains(): Promise<number> {
    return entry(this.live("virConnectNumOfDomains"), "connectNumOfDomains", "virConnectNumOfDomains", DOM)();
  }
  async listDefinedDomains(maxnames = 16384): Promise<string[]> {
    return entry(this.live("virConnectListDefinedDomains"), "connectListDefinedDomains", "virConnectListDefinedDomains", DOM)(maxnames);
  }
  async numOfDefinedDomains(): Promise<number> {
    return entry(this.live("virConnectNumOfDefinedDomains"), "connectNumOfDefinedDomains", "virConnectNumOfDefinedDomains", DOM)();
  }
  async listAllDomains(flags = 0): Promise<Domain[]> {
    checkFlags(flags, "virConnectListAllDomains", DOM);
    const refs = await entry(this.live("virConnectListAllDomains"), "connectListAllDomains", "virConnectListAllDomains", DOM)(flags);
    return refs.map((r) => new Domain(this, r));
  }
  /** virConnectGetAllDomainStats / virDomainListGetStats (doms empty = all). */
  async getAllDomainStats(stats = 0, flags = 0, doms: Domain[] = []): Promise<{ dom: Domain; params: import("./driver.js").TypedParam[] }[]> {
    checkFlags(flags, "virConnectGetAllDomainStats", DOM);
    const recs = await entry(this.live("virConnectGetAllDomainStats"), "connectGetAllDomainStats", "virConnectGetAllDomainStats", DOM)(
      doms.map((d) => d.ref),
      stats,
      flags,
    );
    return recs.map((r) => ({ dom: new Domain(this, r.dom), params: r.params }));
  }
  async lookupByID(id: number): Promise<Domain> {
    if (!Number.isInteger(id) || id < 0) throw invalidArg(DOM, "virDomainLookupByID", "id", "id in virDomainLookupByID must be non-negative");
    return new Domain(this, await entry(this.live("virDomainLookupByID"), "domainLookupByID", "virDomainLookupByID", DOM)(id));
  }
  async lookupByName(name: string): Promise<Domain> {
    checkString(name, "name", "virDomainLookupByName", DOM);
    return new Domain(this, await entry(this.live("virDomainLookupByName"), "domainLookupByName", "virDomainLookupByName", DOM)(name));
  }
  async lookupByUUID(uuid: Uint8Array): Promise<Domain> {
    checkNonNull(uuid, "uuid", "virDomainLookupByUUID", DOM);
    if (!(uuid instanceof Uint8Array) || uuid.length !== 16) throw invalidArg(DOM, "virDomainLookupByUUID", "uuid", "uuid in virDomainLookupByUUID must be 16 bytes");
    return new Domain(this, await entry(this.live("virDomainLookupByUUID"), "domainLookupByUUID", "virDomainLookupByUUID", DOM)(uuid));
  }
  async lookupByUUIDString(uuid: string): Promise<Domain> {
    checkString(uuid, "uuidstr", "virDomainLookupByUUIDString", DOM);
    const raw = parseUUID(uuid);
    if (!raw) throw invalidArg(DOM, "virDomainLookupByUUIDString", "uuidstr", "uuidstr in virDomainLookupByUUIDString must be a valid UUID");
    return this.lookupByUUID(raw);
  }
  /** virDomainCreateXML: a transient domain, started. */
  async createXML(xml: string, flags = 0): Promise<Domain> {
    checkReadOnly(this.flags, "virDomainCreateXML", DOM);
    checkString(xml, "xmlDesc", "virDomainCreateXML", DOM);
    checkFlags(flags, "virDomainCreateXML", DOM);
    return new Domain(this, await entry(this.live("virDomainCreateXML"), "domainCreateXML", "virDomainCreateXML", DOM)(xml, flags));
  }
  /** virDomainDefineXML. */
  async defineXML(xml: string): Promise<Domain> {
    checkReadOnly(this.flags, "virDomainDefineXML", DOM);
    checkString(xml, "xml", "virDomainDefineXML", DOM);
    const d = this.live("virDomainDefineXML");
    if (d.domainDefineXML) return new Domain(this, await d.domainDefineXML(xml));
    return new Domain(this, await entry(d, "domainDefineXMLFlags", "virDomainDefineXML", DOM)(xml, 0));
  }
  async defineXMLFlags(xml: string, flags: number): Promise<Domain> {
    checkReadOnly(this.flags, "virDomainDefineXMLFlags", DOM);
    checkString(xml, "xml", "virDomainDefineXMLFlags", DOM);
    checkFlags(flags, "virDomainDefineXMLFlags", DOM);
    return new Domain(this, await entry(this.live("virDomainDefineXMLFlags"), "domainDefineXMLFlags", "virDomainDefineXMLFlags", DOM)(xml, flags));
  }

  // ---- save images ----
  /** virDomainRestore: the flag-less entry, or virDomainRestoreFlags with no flags. */
  async restore(from: string): Promise<void> {
    checkReadOnly(this.flags, "virDomainRestore", DOM);
    checkString(from, "from", "virDomainRestore", DOM);
    const d = this.live("virDomainRestore");
    const path = canonicalizeFilename(from);
    if (d.domainRestore) await d.domainRestore(path);
    else await entry(d, "domainRestoreFlags", "virDomainRestore", DOM)(path, null, 0);
  }
  /**
   * virDomainRestoreFlags: start the domain saved in `from` (made absolute here); `dxml`
   * replaces its stored XML, VIR_DOMAIN_SAVE_RUNNING / _PAUSED override the saved run state.
   */
  async restoreFlags(from: string, dxml: string | null = null, flags = 0): Promise<void> {
    const api = "virDomainRestoreFlags";
    const d = this.live(api);
    checkReadOnly(this.flags, api, DOM);
    checkString(from, "from", api, DOM);
    if (dxml !== null) checkString(dxml, "dxml", api, DOM);
    checkFlags(flags, api, DOM);
    checkExclusiveFlags(flags, VIR_DOMAIN_SAVE_RUNNING, "VIR_DOMAIN_SAVE_RUNNING", VIR_DOMAIN_SAVE_PAUSED, "VIR_DOMAIN_SAVE_PAUSED", api, DOM);
    await entry(d, "domainRestoreFlags", api, DOM)(canonicalizeFilename(from), dxml, flags);
  }
  /** virDomainSaveImageGetXMLDesc: the domain XML stored in a save image. */
  async saveImageGetXMLDesc(file: string, flags = 0): Promise<string> {
    const api = "virDomainSaveImageGetXMLDesc";
    const d = this.live(api);
    checkString(file, "file", api, DOM);
    checkReadOnly(this.flags, api, DOM);
    checkFlags(flags, api, DOM);
    return entry(d, "domainSaveImageGetXMLDesc", api, DOM)(canonicalizeFilename(file), flags);
  }

  /** virConnectDomainEventRegisterAny: returns the callback id. */
  async domainEventRegisterAny(dom: Domain | null, eventID: number, cb: ConnectDomainEventCallback): Promise<number> {
    if (!Number.isInteger(eventID) || eventID < 0 || eventID >= 27) {
      throw invalidArg(DOM, "virConnectDomainEventRegisterAny", "eventID", `eventID in virConnectDomainEventRegisterAny must be less than 27`);
    }
    if (typeof cb !== "function") throw invalidArg(DOM, "virConnectDomainEventRegisterAny", "cb", "cb in virConnectDomainEventRegisterAny must not be NULL");
    const reg = entry(this.live("virConnectDomainEventRegisterAny"), "connectDomainEventRegisterAny", "virConnectDomainEventRegisterAny", DOM);
    return reg(dom?.ref ?? null, eventID, (ev) => { cb(this, new Domain(this, ev.dom), ev); });
  }
  async domainEventDeregisterAny(callbackID: number): Promise<void> {
    if (!Number.isInteger(callbackID) || callbackID < 0) {
      throw invalidArg(DOM, "virConnectDomainEventDeregisterAny", "callbackID", "callbackID in virConnectDomainEventDeregisterAny must be non-negative");
    }
    await entry(this.live("virConnectDomainEventDeregisterAny"), "connectDomainEventDeregisterAny", "virConnectDomainEventDeregisterAny", DOM)(callbackID);
  }

  // ---- networks ----
  async listAllNetworks(flags = 0): Promise<Network[]> {
    checkFlags(flags, "virConnectListAllNetworks", NET);
    const refs = await entry(this.live("virConnectListAllNetworks"), "connectListAllNetworks", "virConnectListAllNetworks", NET)(flags);
    return refs.map((r) => new Network(this, r));
  }
  async numOfNetworks(): Promise<number> {
    return entry(this.live("virConnectNumOfNetworks"), "connectNumOfNetworks", "virConnectNumOfNetworks", NET)();
  }
  async networkLookupByName(name: string): Promise<Network> {
    checkString(name, "name", "virNetworkLookupByName", NET);
    return new Network(this, await entry(this.live("virNetworkLookupByName"), "networkLookupByName", "virNetworkLookupByName", NET)(name));
  }
  async networkLookupByUUID(uuid: Uint8Array): Promise<Network> {
    return new Network(this, await entry(this.live("virNetworkLookupByUUID"), "networkLookupByUUID", "virNetworkLookupByUUID", NET)(uuid));
  }
  async networkDefineXML(xml: string): Promise<Network> {
    checkReadOnly(this.flags, "virNetworkDefineXML", NET);
    checkString(xml, "xml", "virNetworkDefineXML", NET);
    return new Network(this, await entry(this.live("virNetworkDefineXML"), "networkDefineXML", "virNetworkDefineXML", NET)(xml));
  }

  // ---- storage ----
  async listAllStoragePools(flags = 0): Promise<StoragePool[]> {
    checkFlags(flags, "virConnectListAllStoragePools", STO);
    const refs = await entry(this.live("virConnectListAllStoragePools"), "connectListAllStoragePools", "virConnectListAllStoragePools", STO)(flags);
    return refs.map((r) => new StoragePool(this, r));
  }
  async numOfStoragePools(): Promise<number> {
    return entry(this.live("virConnectNumOfStoragePools"), "connectNumOfStoragePools", "virConnectNumOfStoragePools", STO)();
  }
  async storagePoolLookupByName(name: string): Promise<StoragePool> {
    checkString(name, "name", "virStoragePoolLookupByName", STO);
    return new StoragePool(this, await entry(this.live("virStoragePoolLookupByName"), "storagePoolLookupByName", "virStoragePoolLookupByName", STO)(name));
  }
  async storagePoolLookupByUUID(uuid: Uint8Array): Promise<StoragePool> {
    return new StoragePool(this, await entry(this.live("virStoragePoolLookupByUUID"), "storagePoolLookupByUUID", "virStoragePoolLookupByUUID", STO)(uuid));
  }
  async storagePoolDefineXML(xml: string, flags = 0): Promise<StoragePool> {
    checkReadOnly(this.flags, "virStoragePoolDefineXML", STO);
    checkString(xml, "xml", "virStoragePoolDefineXML", STO);
    return new StoragePool(this, await entry(this.live("virStoragePoolDefineXML"), "storagePoolDefineXML", "virStoragePoolDefineXML", STO)(xml, flags));
  }
  async storageVolLookupByKey(key: string): Promise<StorageVol> {
    checkString(key, "key", "virStorageVolLookupByKey", STO);
    return new StorageVol(this, await entry(this.live("virStorageVolLookupByKey"), "storageVolLookupByKey", "virStorageVolLookupByKey", STO)(key));
  }
  async storageVolLookupByPath(path: string): Promise<StorageVol> {
    checkString(path, "path", "virStorageVolLookupByPath", STO);
    return new StorageVol(this, await entry(this.live("virStorageVolLookupByPath"), "storageVolLookupByPath", "virStorageVolLookupByPath", STO)(path));
  }

  /** virStreamNew. */
  newStream(flags = 0): Stream {
    checkFlags(flags, "virStreamNew", VirErrorDomain.VIR_FROM_STREAMS);
    return new Stream(flags);
  }
}

export { VirError };
