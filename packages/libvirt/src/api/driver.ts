// The driver table behind the public API, modelled on libvirt's virHypervisorDriver,
// virNetworkDriver and virStorageDriver (src/driver-hypervisor.h, driver-network.h,
// driver-storage.h). One object per open connection implements the entries it supports; every
// entry is optional and the API raises VIR_ERR_NO_SUPPORT for a missing one. Objects travel as
// plain references, the same shape as remote_nonnull_* on the wire, so the remote driver and the
// daemon pass them through unchanged.
import type { Stream } from "./stream.js";

export type MaybePromise<T> = T | Promise<T>;

/** virDomainPtr's identity: name, raw 16-byte UUID, id (-1 when inactive). */
export interface DomainRef {
  readonly name: string;
  readonly uuid: Uint8Array;
  readonly id: number;
}
export interface NetworkRef {
  readonly name: string;
  readonly uuid: Uint8Array;
}
export interface StoragePoolRef {
  readonly name: string;
  readonly uuid: Uint8Array;
}
export interface StorageVolRef {
  readonly pool: string;
  readonly name: string;
  readonly key: string;
}
export interface DomainSnapshotRef {
  readonly name: string;
  readonly dom: DomainRef;
}

/** virNodeInfo. */
export interface NodeInfo {
  model: string;
  /** KiB */
  memory: number;
  cpus: number;
  mhz: number;
  nodes: number;
  sockets: number;
  cores: number;
  threads: number;
}

/** virDomainIPAddress: type is VIR_IP_ADDR_TYPE_*. */
export interface DomainIPAddress {
  type: number;
  addr: string;
  prefix: number;
}

/** virDomainInterface: one guest interface and its addresses (virDomainInterfaceAddresses). */
export interface DomainInterface {
  name: string;
  /** MAC address, or null when the source does not know it */
  hwaddr: string | null;
  addrs: DomainIPAddress[];
}

/** virDomainInfo. */
export interface DomainInfo {
  state: number;
  /** KiB */
  maxMem: number;
  /** KiB */
  memory: number;
  nrVirtCpu: number;
  /** nanoseconds */
  cpuTime: bigint;
}

/**
 * virDomainJobInfo: the domain's current background job (save, dump, migration). Times in
 * milliseconds, the rest in bytes; data* = mem* + file*. An idle domain answers type
 * VIR_DOMAIN_JOB_NONE and zeros.
 */
export interface DomainJobInfo {
  type: number;
  timeElapsed: number;
  timeRemaining: number;
  dataTotal: number;
  dataProcessed: number;
  dataRemaining: number;
  memTotal: number;
  memProcessed: number;
  memRemaining: number;
  fileTotal: number;
  fileProcessed: number;
  fileRemaining: number;
}

/** virVcpuInfo plus the CPU affinity map of that vCPU. */
export interface VcpuInfo {
  number: number;
  state: number;
  cpuTime: bigint;
  cpu: number;
  cpumap: Uint8Array;
}

export interface DomainState {
  state: number;
  reason: number;
}

/** virSecurityModel / virSecurityLabel. */
export interface SecurityModel {
  model: string;
  doi: string;
}
export interface SecurityLabel {
  label: string;
  enforcing: boolean;
}

export interface BlockStats {
  rd_req: number;
  rd_bytes: number;
  wr_req: number;
  wr_bytes: number;
  errs: number;
}

export interface InterfaceStats {
  rx_bytes: number;
  rx_packets: number;
  rx_errs: number;
  rx_drop: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errs: number;
  tx_drop: number;
}

export interface MemoryStat {
  tag: number;
  val: number;
}

/** virTypedParameter: the type code (VIR_TYPED_PARAM_*) and its value. */
export type TypedParamValue =
  | { type: 1; value: number }
  | { type: 2; value: number }
  | { type: 3; value: bigint }
  | { type: 4; value: bigint }
  | { type: 5; value: number }
  | { type: 6; value: number }
  | { type: 7; value: string };
export interface TypedParam {
  field: string;
  value: TypedParamValue;
}
export interface DomainStatsRecord {
  dom: DomainRef;
  params: TypedParam[];
}

export interface StoragePoolInfo {
  state: number;
  capacity: number;
  allocation: number;
  available: number;
}
export interface StorageVolInfo {
  type: number;
  capacity: number;
  allocation: number;
}

export interface CpuMap {
  /** Number of host CPUs. */
  cpus: number;
  online: number;
  map: Uint8Array;
}

/** A domain event as delivered to a registered callback (VIR_DOMAIN_EVENT_ID_*). */
export type DomainEvent =
  | { eventID: 0; dom: DomainRef; event: number; detail: number }
  | { eventID: 1; dom: DomainRef }
  | { eventID: number; dom: DomainRef; payload?: unknown };

export type DomainEventCallback = (ev: DomainEvent) => void;

/** Why a connection went away (virConnectCloseReason). */
export const VIR_CONNECT_CLOSE_REASON_ERROR = 0;
export const VIR_CONNECT_CLOSE_REASON_EOF = 1;
export const VIR_CONNECT_CLOSE_REASON_KEEPALIVE = 2;
export const VIR_CONNECT_CLOSE_REASON_CLIENT = 3;

/**
 * One open driver connection. The entry names are libvirt's driver-table field names; argument
 * order follows the C API minus the object pointer, which is passed as a reference.
 */
export interface HypervisorConnection {
  /** virConnectGetType's answer for this driver ("TEST", "QEMU"). */
  readonly type?: string;
  connectClose(): MaybePromise<void>;
  connectGetType?(): MaybePromise<string>;
  connectGetVersion?(): MaybePromise<number>;
  connectGetLibVersion?(): MaybePromise<number>;
  connectGetHostname?(): MaybePromise<string>;
  connectGetURI?(): MaybePromise<string>;
  connectGetSysinfo?(flags: number): MaybePromise<string>;
  connectGetMaxVcpus?(type: string | null): MaybePromise<number>;
  connectGetCapabilities?(): MaybePromise<string>;
  connectIsSecure?(): MaybePromise<boolean>;
  connectIsEncrypted?(): MaybePromise<boolean>;
  connectIsAlive?(): MaybePromise<boolean>;
  connectSupportsFeature?(feature: number): MaybePromise<boolean>;
  connectSetKeepAlive?(interval: number, count: number): MaybePromise<void>;
  connectRegisterCloseCallback?(cb: (reason: number) => void): MaybePromise<void>;
  connectUnregisterCloseCallback?(): MaybePromise<void>;
  nodeGetInfo?(): MaybePromise<NodeInfo>;
  nodeGetFreeMemory?(): MaybePromise<number>;
  nodeGetSecurityModel?(): MaybePromise<SecurityModel>;
  nodeGetCPUMap?(flags: number): MaybePromise<CpuMap>;
  /** virNodeGetCellsFreeMemory: free bytes of cells startCell.. (at most maxCells). */
  nodeGetCellsFreeMemory?(startCell: number, maxCells: number): MaybePromise<number[]>;

  connectListDomains?(maxids: number): MaybePromise<number[]>;
  connectNumOfDomains?(): MaybePromise<number>;
  connectListDefinedDomains?(maxnames: number): MaybePromise<string[]>;
  connectNumOfDefinedDomains?(): MaybePromise<number>;
  connectListAllDomains?(flags: number): MaybePromise<DomainRef[]>;
  connectGetAllDomainStats?(doms: DomainRef[], stats: number, flags: number): MaybePromise<DomainStatsRecord[]>;
  domainLookupByID?(id: number): MaybePromise<DomainRef>;
  domainLookupByName?(name: string): MaybePromise<DomainRef>;
  domainLookupByUUID?(uuid: Uint8Array): MaybePromise<DomainRef>;
  domainCreateXML?(xml: string, flags: number): MaybePromise<DomainRef>;
  /** The flag-less entries are optional: the API falls back to the *Flags entry with flags 0. */
  domainDefineXML?(xml: string): MaybePromise<DomainRef>;
  domainDefineXMLFlags?(xml: string, flags: number): MaybePromise<DomainRef>;
  domainUndefine?(dom: DomainRef): MaybePromise<void>;
  domainUndefineFlags?(dom: DomainRef, flags: number): MaybePromise<void>;
  domainCreate?(dom: DomainRef): MaybePromise<DomainRef>;
  domainCreateWithFlags?(dom: DomainRef, flags: number): MaybePromise<DomainRef>;
  domainDestroy?(dom: DomainRef): MaybePromise<void>;
  domainDestroyFlags?(dom: DomainRef, flags: number): MaybePromise<void>;
  domainShutdown?(dom: DomainRef): MaybePromise<void>;
  domainShutdownFlags?(dom: DomainRef, flags: number): MaybePromise<void>;
  domainReboot?(dom: DomainRef, flags: number): MaybePromise<void>;
  domainReset?(dom: DomainRef, flags: number): MaybePromise<void>;
  domainSuspend?(dom: DomainRef): MaybePromise<void>;
  domainResume?(dom: DomainRef): MaybePromise<void>;
  domainGetInfo?(dom: DomainRef): MaybePromise<DomainInfo>;
  domainGetState?(dom: DomainRef, flags: number): MaybePromise<DomainState>;
  domainGetJobInfo?(dom: DomainRef): MaybePromise<DomainJobInfo>;
  domainGetXMLDesc?(dom: DomainRef, flags: number): MaybePromise<string>;
  domainGetOSType?(dom: DomainRef): MaybePromise<string>;
  domainGetHostname?(dom: DomainRef, flags: number): MaybePromise<string>;
  domainGetMaxMemory?(dom: DomainRef): MaybePromise<number>;
  domainSetMaxMemory?(dom: DomainRef, memory: number): MaybePromise<void>;
  domainSetMemory?(dom: DomainRef, memory: number): MaybePromise<void>;
  domainSetMemoryFlags?(dom: DomainRef, memory: number, flags: number): MaybePromise<void>;
  domainUpdateDeviceFlags?(dom: DomainRef, xml: string, flags: number): MaybePromise<void>;
  domainSetVcpus?(dom: DomainRef, nvcpus: number): MaybePromise<void>;
  domainSetVcpusFlags?(dom: DomainRef, nvcpus: number, flags: number): MaybePromise<void>;
  domainGetVcpusFlags?(dom: DomainRef, flags: number): MaybePromise<number>;
  domainGetMaxVcpus?(dom: DomainRef): MaybePromise<number>;
  domainGetVcpus?(dom: DomainRef, maxinfo: number, maplen: number): MaybePromise<VcpuInfo[]>;
  /** virDomainGetVcpuPinInfo: one affinity map of `maplen` bytes per vCPU (at most ncpumaps). */
  domainGetVcpuPinInfo?(dom: DomainRef, ncpumaps: number, maplen: number, flags: number): MaybePromise<Uint8Array[]>;
  domainGetAutostart?(dom: DomainRef): MaybePromise<boolean>;
  domainSetAutostart?(dom: DomainRef, autostart: boolean): MaybePromise<void>;
  domainIsActive?(dom: DomainRef): MaybePromise<boolean>;
  domainIsPersistent?(dom: DomainRef): MaybePromise<boolean>;
  domainIsUpdated?(dom: DomainRef): MaybePromise<boolean>;
  domainGetSecurityLabel?(dom: DomainRef): MaybePromise<SecurityLabel>;
  domainGetMetadata?(dom: DomainRef, type: number, uri: string | null, flags: number): MaybePromise<string>;
  domainSetMetadata?(dom: DomainRef, type: number, metadata: string | null, key: string | null, uri: string | null, flags: number): MaybePromise<void>;
  domainGetMessages?(dom: DomainRef, flags: number): MaybePromise<string[]>;
  domainManagedSave?(dom: DomainRef, flags: number): MaybePromise<void>;
  domainHasManagedSaveImage?(dom: DomainRef, flags: number): MaybePromise<boolean>;
  domainManagedSaveRemove?(dom: DomainRef, flags: number): MaybePromise<void>;
  /** `to` / `from` arrive absolute: the public API canonicalizes them as libvirt does. */
  domainSave?(dom: DomainRef, to: string): MaybePromise<void>;
  domainSaveFlags?(dom: DomainRef, to: string, dxml: string | null, flags: number): MaybePromise<void>;
  domainRestore?(from: string): MaybePromise<void>;
  domainRestoreFlags?(from: string, dxml: string | null, flags: number): MaybePromise<void>;
  domainSaveImageGetXMLDesc?(file: string, flags: number): MaybePromise<string>;
  domainInterfaceAddresses?(dom: DomainRef, source: number, flags: number): MaybePromise<DomainInterface[]>;
  domainBlockStats?(dom: DomainRef, path: string): MaybePromise<BlockStats>;
  domainInterfaceStats?(dom: DomainRef, device: string): MaybePromise<InterfaceStats>;
  domainMemoryStats?(dom: DomainRef, nrStats: number, flags: number): MaybePromise<MemoryStat[]>;
  domainOpenConsole?(dom: DomainRef, devName: string | null, stream: Stream, flags: number): MaybePromise<void>;
  domainScreenshot?(dom: DomainRef, stream: Stream, screen: number, flags: number): MaybePromise<string | null>;

  domainSnapshotCreateXML?(dom: DomainRef, xml: string, flags: number): MaybePromise<DomainSnapshotRef>;
  domainSnapshotGetXMLDesc?(snap: DomainSnapshotRef, flags: number): MaybePromise<string>;
  domainSnapshotNum?(dom: DomainRef, flags: number): MaybePromise<number>;
  domainSnapshotListNames?(dom: DomainRef, maxnames: number, flags: number): MaybePromise<string[]>;
  domainListAllSnapshots?(dom: DomainRef, flags: number): MaybePromise<DomainSnapshotRef[]>;
  domainSnapshotListAllChildren?(snap: DomainSnapshotRef, flags: number): MaybePromise<DomainSnapshotRef[]>;
  domainSnapshotNumChildren?(snap: DomainSnapshotRef, flags: number): MaybePromise<number>;
  domainSnapshotLookupByName?(dom: DomainRef, name: string, flags: number): MaybePromise<DomainSnapshotRef>;
  domainHasCurrentSnapshot?(dom: DomainRef, flags: number): MaybePromise<boolean>;
  domainSnapshotCurrent?(dom: DomainRef, flags: number): MaybePromise<DomainSnapshotRef>;
  domainSnapshotGetParent?(snap: DomainSnapshotRef, flags: number): MaybePromise<DomainSnapshotRef>;
  domainSnapshotIsCurrent?(snap: DomainSnapshotRef, flags: number): MaybePromise<boolean>;
  domainSnapshotHasMetadata?(snap: DomainSnapshotRef, flags: number): MaybePromise<boolean>;
  domainRevertToSnapshot?(snap: DomainSnapshotRef, flags: number): MaybePromise<void>;
  domainSnapshotDelete?(snap: DomainSnapshotRef, flags: number): MaybePromise<void>;

  connectDomainEventRegisterAny?(dom: DomainRef | null, eventID: number, cb: DomainEventCallback): MaybePromise<number>;
  connectDomainEventDeregisterAny?(callbackID: number): MaybePromise<void>;

  // virNetworkDriver
  connectNumOfNetworks?(): MaybePromise<number>;
  connectListAllNetworks?(flags: number): MaybePromise<NetworkRef[]>;
  networkLookupByName?(name: string): MaybePromise<NetworkRef>;
  networkLookupByUUID?(uuid: Uint8Array): MaybePromise<NetworkRef>;
  networkDefineXML?(xml: string): MaybePromise<NetworkRef>;
  networkUndefine?(net: NetworkRef): MaybePromise<void>;
  networkCreate?(net: NetworkRef): MaybePromise<void>;
  networkDestroy?(net: NetworkRef): MaybePromise<void>;
  networkGetXMLDesc?(net: NetworkRef, flags: number): MaybePromise<string>;
  networkGetBridgeName?(net: NetworkRef): MaybePromise<string>;
  networkGetAutostart?(net: NetworkRef): MaybePromise<boolean>;
  networkSetAutostart?(net: NetworkRef, autostart: boolean): MaybePromise<void>;
  networkIsActive?(net: NetworkRef): MaybePromise<boolean>;
  networkIsPersistent?(net: NetworkRef): MaybePromise<boolean>;

  // virStorageDriver
  connectNumOfStoragePools?(): MaybePromise<number>;
  connectListAllStoragePools?(flags: number): MaybePromise<StoragePoolRef[]>;
  storagePoolLookupByName?(name: string): MaybePromise<StoragePoolRef>;
  storagePoolLookupByUUID?(uuid: Uint8Array): MaybePromise<StoragePoolRef>;
  storagePoolLookupByVolume?(vol: StorageVolRef): MaybePromise<StoragePoolRef>;
  storagePoolDefineXML?(xml: string, flags: number): MaybePromise<StoragePoolRef>;
  storagePoolUndefine?(pool: StoragePoolRef): MaybePromise<void>;
  storagePoolCreate?(pool: StoragePoolRef, flags: number): MaybePromise<void>;
  storagePoolDestroy?(pool: StoragePoolRef): MaybePromise<void>;
  storagePoolRefresh?(pool: StoragePoolRef, flags: number): MaybePromise<void>;
  storagePoolGetInfo?(pool: StoragePoolRef): MaybePromise<StoragePoolInfo>;
  storagePoolGetXMLDesc?(pool: StoragePoolRef, flags: number): MaybePromise<string>;
  storagePoolGetAutostart?(pool: StoragePoolRef): MaybePromise<boolean>;
  storagePoolSetAutostart?(pool: StoragePoolRef, autostart: boolean): MaybePromise<void>;
  storagePoolIsActive?(pool: StoragePoolRef): MaybePromise<boolean>;
  storagePoolIsPersistent?(pool: StoragePoolRef): MaybePromise<boolean>;
  storagePoolNumOfVolumes?(pool: StoragePoolRef): MaybePromise<number>;
  storagePoolListAllVolumes?(pool: StoragePoolRef, flags: number): MaybePromise<StorageVolRef[]>;
  storageVolLookupByName?(pool: StoragePoolRef, name: string): MaybePromise<StorageVolRef>;
  storageVolLookupByKey?(key: string): MaybePromise<StorageVolRef>;
  storageVolLookupByPath?(path: string): MaybePromise<StorageVolRef>;
  storageVolCreateXML?(pool: StoragePoolRef, xml: string, flags: number): MaybePromise<StorageVolRef>;
  storageVolDelete?(vol: StorageVolRef, flags: number): MaybePromise<void>;
  storageVolGetInfo?(vol: StorageVolRef): MaybePromise<StorageVolInfo>;
  storageVolGetInfoFlags?(vol: StorageVolRef, flags: number): MaybePromise<StorageVolInfo>;
  storageVolGetXMLDesc?(vol: StorageVolRef, flags: number): MaybePromise<string>;
  storageVolGetPath?(vol: StorageVolRef): MaybePromise<string>;
  storageVolUpload?(vol: StorageVolRef, stream: Stream, offset: number, length: number, flags: number): MaybePromise<void>;
  storageVolDownload?(vol: StorageVolRef, stream: Stream, offset: number, length: number, flags: number): MaybePromise<void>;
}

/** A parsed connection URI (virURIParse). */
export interface VirURI {
  /** The full URI as given. */
  readonly uri: string;
  /** "test", "qemu" (without the transport). */
  readonly scheme: string;
  /** "unix", "tcp", "ssh", ... or "" */
  readonly transport: string;
  readonly user: string;
  readonly server: string;
  readonly port: number;
  /** "/default", "/system", "/embed" */
  readonly path: string;
  readonly params: ReadonlyMap<string, string>;
}

export interface OpenContext {
  /** True when opened inside the daemon (the remote driver then declines plain local URIs). */
  readonly insideDaemon: boolean;
}

/**
 * A registered connection driver. `probe` decides from the URI alone, without loading the
 * driver's code, whether it handles the URI; `open` may import the implementation lazily.
 */
export interface ConnectDriver {
  readonly name: string;
  /** Drivers with a transport/server are the remote driver's; local drivers say false for those. */
  readonly remote?: boolean;
  probe(uri: VirURI, ctx: OpenContext): boolean;
  open(uri: VirURI, flags: number, ctx: OpenContext): Promise<HypervisorConnection>;
}
