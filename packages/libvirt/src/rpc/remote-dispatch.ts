// The daemon side of the REMOTE program (src/remote/remote_daemon_dispatch.c): each procedure
// decodes into a call on the client's public-API connection, so the daemon enforces exactly what
// the library enforces (read-only, argument checks) and relays driver errors unchanged.
import type { Connect } from "../api/connect.js";
import { DomainSnapshot, type Domain } from "../api/domain.js";
import type { DomainRef, DomainSnapshotRef, NetworkRef, StoragePoolRef, StorageVolRef } from "../api/driver.js";
import { Network } from "../api/network.js";
import { StoragePool, StorageVol } from "../api/storage.js";
import type { Stream } from "../api/stream.js";
import { VirError, virError } from "../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../errors/virterror.js";
import * as P from "./remote-procedures.js";
import { REMOTE_DOMAIN_INTERFACE_MAX, REMOTE_DOMAIN_IP_ADDR_MAX, REMOTE_NODE_MAX_CELLS, type RemoteArgs, type RemoteProcNumber, type RemoteRet } from "./remote-protocol.js";

/** What a procedure handler may use of the client it runs for. */
export interface DispatchClient {
  /** The open connection, or "hypervisor connection not open". */
  conn(): Connect;
  open(name: string | null, flags: number): Promise<void>;
  closeRequested(): void;
  authTypes(): number[];
  /** Feature 10 (PROGRAM_KEEPALIVE): starts server keepalive. */
  startKeepAlive(): void;
  registerCloseCallback(): void;
  unregisterCloseCallback(): void;
  registerDomainEvent(dom: DomainRef | null, eventID: number, legacy: boolean): Promise<number>;
  deregisterDomainEvent(idOrEventID: number, legacy: boolean): Promise<void>;
  /** A stream for this call; wired to the wire once the reply is sent. */
  newStream(allowSkip?: boolean): Stream;
}

type Handler<N extends RemoteProcNumber> = (c: DispatchClient, a: RemoteArgs<N>) => Promise<RemoteRet<N>> | RemoteRet<N>;
type HandlerTable = { [N in RemoteProcNumber]?: Handler<N> };

const b = (v: boolean): number => (v ? 1 : 0);
const dom = (c: DispatchClient, r: DomainRef): Domain => c.conn().domain(r);
const snap = (c: DispatchClient, r: DomainSnapshotRef): DomainSnapshot => new DomainSnapshot(dom(c, r.dom), r);
const net = (c: DispatchClient, r: NetworkRef): Network => new Network(c.conn(), r);
const pool = (c: DispatchClient, r: StoragePoolRef): StoragePool => new StoragePool(c.conn(), r);
const vol = (c: DispatchClient, r: StorageVolRef): StorageVol => new StorageVol(c.conn(), r);

/** VIR_DRV_FEATURE_* numbers (libvirt_internal.h) the daemon answers itself. */
export const VIR_DRV_FEATURE_FD_PASSING = 8;
export const VIR_DRV_FEATURE_PROGRAM_KEEPALIVE = 10;
export const VIR_DRV_FEATURE_REMOTE_EVENT_CALLBACK = 14;
export const VIR_DRV_FEATURE_REMOTE_CLOSE_CALLBACK = 15;

export const remoteDispatch: HandlerTable = {
  [P.REMOTE_PROC_CONNECT_OPEN]: async (c, a) => {
    await c.open(a.name, a.flags);
    return {};
  },
  [P.REMOTE_PROC_CONNECT_CLOSE]: (c) => {
    c.closeRequested();
    return {};
  },
  [P.REMOTE_PROC_AUTH_LIST]: (c) => ({ types: c.authTypes() }),
  [P.REMOTE_PROC_CONNECT_SUPPORTS_FEATURE]: async (c, a) => {
    if (a.feature === VIR_DRV_FEATURE_PROGRAM_KEEPALIVE) {
      c.startKeepAlive();
      return { supported: 1 };
    }
    const conn = c.conn();
    switch (a.feature) {
      case VIR_DRV_FEATURE_FD_PASSING:
      case VIR_DRV_FEATURE_REMOTE_EVENT_CALLBACK:
      case VIR_DRV_FEATURE_REMOTE_CLOSE_CALLBACK:
        return { supported: 1 };
      default:
        return { supported: b(await conn.supportsFeature(a.feature)) };
    }
  },
  [P.REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK]: (c) => {
    c.conn();
    c.registerCloseCallback();
    return {};
  },
  [P.REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK]: (c) => {
    c.conn();
    c.unregisterCloseCallback();
    return {};
  },
  [P.REMOTE_PROC_CONNECT_GET_TYPE]: async (c) => ({ type: await c.conn().getType() }),
  [P.REMOTE_PROC_CONNECT_GET_VERSION]: async (c) => ({ hv_ver: await c.conn().getVersion() }),
  [P.REMOTE_PROC_CONNECT_GET_LIB_VERSION]: async (c) => ({ lib_ver: await c.conn().getLibVersion() }),
  [P.REMOTE_PROC_CONNECT_GET_HOSTNAME]: async (c) => ({ hostname: await c.conn().getHostname() }),
  [P.REMOTE_PROC_CONNECT_GET_URI]: async (c) => ({ uri: await c.conn().getURI() }),
  [P.REMOTE_PROC_CONNECT_GET_SYSINFO]: async (c, a) => ({ sysinfo: await c.conn().getSysinfo(a.flags) }),
  [P.REMOTE_PROC_CONNECT_GET_MAX_VCPUS]: async (c, a) => ({ max_vcpus: await c.conn().getMaxVcpus(a.type) }),
  [P.REMOTE_PROC_CONNECT_GET_CAPABILITIES]: async (c) => ({ capabilities: await c.conn().getCapabilities() }),
  [P.REMOTE_PROC_CONNECT_IS_SECURE]: async (c) => ({ secure: b(await c.conn().isSecure()) }),
  [P.REMOTE_PROC_NODE_GET_INFO]: async (c) => c.conn().getInfo(),
  [P.REMOTE_PROC_NODE_GET_FREE_MEMORY]: async (c) => ({ freeMem: await c.conn().getFreeMemory() }),
  [P.REMOTE_PROC_NODE_GET_SECURITY_MODEL]: async (c) => c.conn().getSecurityModel(),
  // remoteDispatchNodeGetCellsFreeMemory (generated, gendispatch.pl): the bounds of the reply
  // array are checked before the call, and a call that finds no cell is an error too ("<= 0").
  [P.REMOTE_PROC_NODE_GET_CELLS_FREE_MEMORY]: async (c, a) => {
    if (a.maxcells < 0) throw virError(VirErrorDomain.VIR_FROM_RPC, VirErrorNumber.VIR_ERR_RPC, "maxcells must be non-negative");
    if (a.maxcells > REMOTE_NODE_MAX_CELLS) throw virError(VirErrorDomain.VIR_FROM_RPC, VirErrorNumber.VIR_ERR_RPC, "maxcells > REMOTE_NODE_MAX_CELLS");
    const cells = await c.conn().getCellsFreeMemory(a.startCell, a.maxcells);
    // virNetMessageSaveError without a last error
    if (cells.length === 0) throw new VirError({ code: VirErrorNumber.VIR_ERR_INTERNAL_ERROR, domain: VirErrorDomain.VIR_FROM_RPC, message: "Library function returned error but did not set virError" });
    return { cells };
  },
  [P.REMOTE_PROC_NODE_GET_CPU_MAP]: async (c, a) => {
    const m = await c.conn().getCPUMap(a.flags);
    return { cpumap: a.need_map ? m.map : new Uint8Array(0), online: a.need_online ? m.online : 0, ret: m.cpus };
  },

  // domains
  [P.REMOTE_PROC_CONNECT_NUM_OF_DOMAINS]: async (c) => ({ num: await c.conn().numOfDomains() }),
  [P.REMOTE_PROC_CONNECT_LIST_DOMAINS]: async (c, a) => {
    if (a.maxids > 16384) throw virError(VirErrorDomain.VIR_FROM_RPC, VirErrorNumber.VIR_ERR_RPC, "maxids > REMOTE_DOMAIN_LIST_MAX");
    return { ids: await c.conn().listDomainsID(a.maxids) };
  },
  [P.REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS]: async (c) => ({ num: await c.conn().numOfDefinedDomains() }),
  [P.REMOTE_PROC_CONNECT_LIST_DEFINED_DOMAINS]: async (c, a) => {
    if (a.maxnames > 16384) throw virError(VirErrorDomain.VIR_FROM_RPC, VirErrorNumber.VIR_ERR_RPC, "maxnames > REMOTE_DOMAIN_LIST_MAX");
    return { names: await c.conn().listDefinedDomains(a.maxnames) };
  },
  [P.REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS]: async (c, a) => {
    const doms = await c.conn().listAllDomains(a.flags);
    return { domains: a.need_results ? doms.map((d) => d.ref) : [], ret: doms.length };
  },
  [P.REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS]: async (c, a) => {
    const conn = c.conn();
    const recs = await conn.getAllDomainStats(a.stats, a.flags, a.doms.map((r) => conn.domain(r)));
    return { retStats: recs.map((r) => ({ dom: r.dom.ref, params: r.params })) };
  },
  [P.REMOTE_PROC_DOMAIN_LOOKUP_BY_ID]: async (c, a) => ({ dom: (await c.conn().lookupByID(a.id)).ref }),
  [P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME]: async (c, a) => ({ dom: (await c.conn().lookupByName(a.name)).ref }),
  [P.REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID]: async (c, a) => ({ dom: (await c.conn().lookupByUUID(a.uuid)).ref }),
  [P.REMOTE_PROC_DOMAIN_CREATE_XML]: async (c, a) => ({ dom: (await c.conn().createXML(a.xml_desc, a.flags)).ref }),
  [P.REMOTE_PROC_DOMAIN_DEFINE_XML]: async (c, a) => ({ dom: (await c.conn().defineXML(a.xml)).ref }),
  [P.REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS]: async (c, a) => ({ dom: (await c.conn().defineXMLFlags(a.xml, a.flags)).ref }),
  [P.REMOTE_PROC_DOMAIN_UNDEFINE]: async (c, a) => { await dom(c, a.dom).undefine(); return {}; },
  [P.REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS]: async (c, a) => { await dom(c, a.dom).undefineFlags(a.flags); return {}; },
  [P.REMOTE_PROC_DOMAIN_CREATE]: async (c, a) => { await dom(c, a.dom).create(); return {}; },
  [P.REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS]: async (c, a) => {
    const d = dom(c, a.dom);
    await d.createWithFlags(a.flags);
    return { dom: d.ref };
  },
  [P.REMOTE_PROC_DOMAIN_DESTROY]: async (c, a) => { await dom(c, a.dom).destroy(); return {}; },
  [P.REMOTE_PROC_DOMAIN_DESTROY_FLAGS]: async (c, a) => { await dom(c, a.dom).destroyFlags(a.flags); return {}; },
  [P.REMOTE_PROC_DOMAIN_SHUTDOWN]: async (c, a) => { await dom(c, a.dom).shutdown(); return {}; },
  [P.REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS]: async (c, a) => { await dom(c, a.dom).shutdownFlags(a.flags); return {}; },
  [P.REMOTE_PROC_DOMAIN_REBOOT]: async (c, a) => { await dom(c, a.dom).reboot(a.flags); return {}; },
  [P.REMOTE_PROC_DOMAIN_RESET]: async (c, a) => { await dom(c, a.dom).reset(a.flags); return {}; },
  [P.REMOTE_PROC_DOMAIN_SUSPEND]: async (c, a) => { await dom(c, a.dom).suspend(); return {}; },
  [P.REMOTE_PROC_DOMAIN_RESUME]: async (c, a) => { await dom(c, a.dom).resume(); return {}; },
  [P.REMOTE_PROC_DOMAIN_GET_INFO]: async (c, a) => dom(c, a.dom).info(),
  [P.REMOTE_PROC_DOMAIN_GET_JOB_INFO]: async (c, a) => dom(c, a.dom).getJobInfo(),
  [P.REMOTE_PROC_DOMAIN_GET_STATE]: async (c, a) => dom(c, a.dom).state(a.flags),
  [P.REMOTE_PROC_DOMAIN_GET_XML_DESC]: async (c, a) => ({ xml: await dom(c, a.dom).XMLDesc(a.flags) }),
  [P.REMOTE_PROC_DOMAIN_GET_OS_TYPE]: async (c, a) => ({ type: await dom(c, a.dom).OSType() }),
  [P.REMOTE_PROC_DOMAIN_GET_HOSTNAME]: async (c, a) => ({ hostname: await dom(c, a.dom).hostname(a.flags) }),
  [P.REMOTE_PROC_DOMAIN_GET_MAX_MEMORY]: async (c, a) => ({ memory: await dom(c, a.dom).maxMemory() }),
  [P.REMOTE_PROC_DOMAIN_SET_MAX_MEMORY]: async (c, a) => { await dom(c, a.dom).setMaxMemory(a.memory); return {}; },
  [P.REMOTE_PROC_DOMAIN_SET_MEMORY]: async (c, a) => { await dom(c, a.dom).setMemory(a.memory); return {}; },
  [P.REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS]: async (c, a) => { await dom(c, a.dom).setMemoryFlags(a.memory, a.flags); return {}; },
  [P.REMOTE_PROC_DOMAIN_UPDATE_DEVICE_FLAGS]: async (c, a) => { await dom(c, a.dom).updateDeviceFlags(a.xml, a.flags); return {}; },
  [P.REMOTE_PROC_DOMAIN_SET_VCPUS]: async (c, a) => { await dom(c, a.dom).setVcpus(a.nvcpus); return {}; },
  [P.REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS]: async (c, a) => { await dom(c, a.dom).setVcpusFlags(a.nvcpus, a.flags); return {}; },
  [P.REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS]: async (c, a) => ({ num: await dom(c, a.dom).vcpusFlags(a.flags) }),
  [P.REMOTE_PROC_DOMAIN_GET_MAX_VCPUS]: async (c, a) => ({ num: await dom(c, a.dom).maxVcpus() }),
  [P.REMOTE_PROC_DOMAIN_GET_VCPUS]: async (c, a) => {
    // remoteDispatchDomainGetVcpus: maxinfo * maplen is bounded by REMOTE_CPUMAPS_MAX.
    if (a.maxinfo > 16384) throw virError(VirErrorDomain.VIR_FROM_RPC, VirErrorNumber.VIR_ERR_RPC, "maxinfo > REMOTE_VCPUINFO_MAX");
    if (a.maxinfo * a.maplen > 8388608) throw virError(VirErrorDomain.VIR_FROM_RPC, VirErrorNumber.VIR_ERR_RPC, "maxinfo * maplen > REMOTE_CPUMAPS_MAX");
    const infos = await dom(c, a.dom).vcpus(a.maxinfo, a.maplen);
    const cpumaps = new Uint8Array(a.maxinfo * a.maplen);
    infos.forEach((v, i) => { cpumaps.set(v.cpumap.subarray(0, a.maplen), i * a.maplen); });
    return {
      info: infos.map((v) => ({ number: v.number, state: v.state, cpu_time: v.cpuTime, cpu: v.cpu })),
      cpumaps,
    };
  },
  [P.REMOTE_PROC_DOMAIN_GET_VCPU_PIN_INFO]: async (c, a) => {
    if (a.ncpumaps > 16384) throw virError(VirErrorDomain.VIR_FROM_RPC, VirErrorNumber.VIR_ERR_RPC, "ncpumaps > REMOTE_VCPUINFO_MAX");
    if (a.ncpumaps * a.maplen > 8388608) throw virError(VirErrorDomain.VIR_FROM_RPC, VirErrorNumber.VIR_ERR_RPC, "maxinfo * maplen > REMOTE_CPUMAPS_MAX");
    const maps = await dom(c, a.dom).vcpuPinInfo(a.ncpumaps, a.maplen, a.flags);
    const cpumaps = new Uint8Array(a.ncpumaps * a.maplen);
    maps.forEach((m, i) => { cpumaps.set(m.subarray(0, a.maplen), i * a.maplen); });
    return { cpumaps, num: maps.length };
  },
  [P.REMOTE_PROC_DOMAIN_GET_AUTOSTART]: async (c, a) => ({ autostart: b(await dom(c, a.dom).autostart()) }),
  [P.REMOTE_PROC_DOMAIN_SET_AUTOSTART]: async (c, a) => { await dom(c, a.dom).setAutostart(a.autostart !== 0); return {}; },
  [P.REMOTE_PROC_DOMAIN_IS_ACTIVE]: async (c, a) => ({ active: b(await dom(c, a.dom).isActive()) }),
  [P.REMOTE_PROC_DOMAIN_IS_PERSISTENT]: async (c, a) => ({ persistent: b(await dom(c, a.dom).isPersistent()) }),
  [P.REMOTE_PROC_DOMAIN_IS_UPDATED]: async (c, a) => ({ updated: b(await dom(c, a.dom).isUpdated()) }),
  [P.REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL]: async (c, a) => {
    const l = await dom(c, a.dom).securityLabel();
    return { label: l.label, enforcing: b(l.enforcing) };
  },
  [P.REMOTE_PROC_DOMAIN_GET_METADATA]: async (c, a) => ({ metadata: await dom(c, a.dom).metadata(a.type, a.uri, a.flags) }),
  [P.REMOTE_PROC_DOMAIN_SET_METADATA]: async (c, a) => {
    await dom(c, a.dom).setMetadata(a.type, a.metadata, a.key, a.uri, a.flags);
    return {};
  },
  [P.REMOTE_PROC_DOMAIN_GET_MESSAGES]: async (c, a) => ({ msgs: await dom(c, a.dom).messages(a.flags) }),
  [P.REMOTE_PROC_DOMAIN_MANAGED_SAVE]: async (c, a) => { await dom(c, a.dom).managedSave(a.flags); return {}; },
  [P.REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE]: async (c, a) => ({ result: b(await dom(c, a.dom).hasManagedSaveImage(a.flags)) }),
  [P.REMOTE_PROC_DOMAIN_MANAGED_SAVE_REMOVE]: async (c, a) => { await dom(c, a.dom).managedSaveRemove(a.flags); return {}; },
  [P.REMOTE_PROC_DOMAIN_SAVE]: async (c, a) => { await dom(c, a.dom).save(a.to); return {}; },
  [P.REMOTE_PROC_DOMAIN_SAVE_FLAGS]: async (c, a) => { await dom(c, a.dom).saveFlags(a.to, a.dxml, a.flags); return {}; },
  [P.REMOTE_PROC_DOMAIN_RESTORE]: async (c, a) => { await c.conn().restore(a.from); return {}; },
  [P.REMOTE_PROC_DOMAIN_RESTORE_FLAGS]: async (c, a) => { await c.conn().restoreFlags(a.from, a.dxml, a.flags); return {}; },
  [P.REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC]: async (c, a) => ({ xml: await c.conn().saveImageGetXMLDesc(a.file, a.flags) }),
  // remoteDispatchDomainInterfaceAddresses / remoteSerializeDomainInterface
  [P.REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES]: async (c, a) => {
    const ifaces = await dom(c, a.dom).interfaceAddresses(a.source, a.flags);
    if (ifaces.length > REMOTE_DOMAIN_INTERFACE_MAX) {
      throw virError(VirErrorDomain.VIR_FROM_REMOTE, VirErrorNumber.VIR_ERR_INTERNAL_ERROR, `Number of interfaces, ${ifaces.length} exceeds the max limit: ${REMOTE_DOMAIN_INTERFACE_MAX}`);
    }
    for (const i of ifaces) {
      if (i.addrs.length > REMOTE_DOMAIN_IP_ADDR_MAX) {
        throw virError(VirErrorDomain.VIR_FROM_REMOTE, VirErrorNumber.VIR_ERR_INTERNAL_ERROR, `Number of interfaces, ${i.addrs.length} exceeds the max limit: ${REMOTE_DOMAIN_IP_ADDR_MAX}`);
      }
    }
    return { ifaces };
  },
  [P.REMOTE_PROC_DOMAIN_BLOCK_STATS]: async (c, a) => dom(c, a.dom).blockStats(a.path),
  [P.REMOTE_PROC_DOMAIN_INTERFACE_STATS]: async (c, a) => dom(c, a.dom).interfaceStats(a.device),
  [P.REMOTE_PROC_DOMAIN_MEMORY_STATS]: async (c, a) => {
    if (a.maxStats > 1024) throw virError(VirErrorDomain.VIR_FROM_RPC, VirErrorNumber.VIR_ERR_RPC, "maxStats > REMOTE_DOMAIN_MEMORY_STATS_MAX");
    return { stats: await dom(c, a.dom).memoryStats(a.maxStats, a.flags) };
  },

  // snapshots
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML]: async (c, a) => ({ snap: (await dom(c, a.dom).snapshotCreateXML(a.xml_desc, a.flags)).ref }),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC]: async (c, a) => ({ xml: await snap(c, a.snap).getXMLDesc(a.flags) }),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_NUM]: async (c, a) => ({ num: await dom(c, a.dom).snapshotNum(a.flags) }),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_NAMES]: async (c, a) => ({ names: (await dom(c, a.dom).snapshotListNames(a.flags)).slice(0, Math.max(0, a.maxnames)) }),
  [P.REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS]: async (c, a) => {
    const s = await dom(c, a.dom).listAllSnapshots(a.flags);
    return { snapshots: a.need_results ? s.map((x) => x.ref) : [], ret: s.length };
  },
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN]: async (c, a) => {
    const s = await snap(c, a.snapshot).listAllChildren(a.flags);
    return { snapshots: a.need_results ? s.map((x) => x.ref) : [], ret: s.length };
  },
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_NUM_CHILDREN]: async (c, a) => ({ num: await snap(c, a.snap).numChildren(a.flags) }),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_LOOKUP_BY_NAME]: async (c, a) => ({ snap: (await dom(c, a.dom).snapshotLookupByName(a.name, a.flags)).ref }),
  [P.REMOTE_PROC_DOMAIN_HAS_CURRENT_SNAPSHOT]: async (c, a) => ({ result: b(await dom(c, a.dom).hasCurrentSnapshot(a.flags)) }),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT]: async (c, a) => ({ snap: (await dom(c, a.dom).snapshotCurrent(a.flags)).ref }),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_PARENT]: async (c, a) => ({ snap: (await snap(c, a.snap).getParent(a.flags)).ref }),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_IS_CURRENT]: async (c, a) => ({ current: b(await snap(c, a.snap).isCurrent(a.flags)) }),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_HAS_METADATA]: async (c, a) => ({ metadata: b(await snap(c, a.snap).hasMetadata(a.flags)) }),
  [P.REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT]: async (c, a) => { await snap(c, a.snap).revert(a.flags); return {}; },
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_DELETE]: async (c, a) => { await snap(c, a.snap).delete(a.flags); return {}; },

  // events
  [P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY]: async (c, a) => ({
    callbackID: await c.registerDomainEvent(a.dom, a.eventID, false),
  }),
  [P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY]: async (c, a) => {
    await c.deregisterDomainEvent(a.callbackID, false);
    return {};
  },
  [P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER_ANY]: async (c, a) => {
    await c.registerDomainEvent(null, a.eventID, true);
    return {};
  },
  [P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER_ANY]: async (c, a) => {
    await c.deregisterDomainEvent(a.eventID, true);
    return {};
  },

  // streams
  [P.REMOTE_PROC_DOMAIN_OPEN_CONSOLE]: async (c, a) => {
    await dom(c, a.dom).openConsole(a.dev_name, c.newStream(), a.flags);
    return {};
  },
  [P.REMOTE_PROC_DOMAIN_SCREENSHOT]: async (c, a) => ({ mime: await dom(c, a.dom).screenshot(c.newStream(), a.screen, a.flags) }),
  [P.REMOTE_PROC_STORAGE_VOL_UPLOAD]: async (c, a) => {
    await vol(c, a.vol).upload(c.newStream((a.flags & 1) !== 0), a.offset, a.length, a.flags);
    return {};
  },
  [P.REMOTE_PROC_STORAGE_VOL_DOWNLOAD]: async (c, a) => {
    await vol(c, a.vol).download(c.newStream((a.flags & 1) !== 0), a.offset, a.length, a.flags);
    return {};
  },

  // networks
  [P.REMOTE_PROC_CONNECT_NUM_OF_NETWORKS]: async (c) => ({ num: await c.conn().numOfNetworks() }),
  [P.REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS]: async (c, a) => {
    const nets = await c.conn().listAllNetworks(a.flags);
    return { nets: a.need_results ? nets.map((n) => n.ref) : [], ret: nets.length };
  },
  [P.REMOTE_PROC_NETWORK_LOOKUP_BY_NAME]: async (c, a) => ({ net: (await c.conn().networkLookupByName(a.name)).ref }),
  [P.REMOTE_PROC_NETWORK_LOOKUP_BY_UUID]: async (c, a) => ({ net: (await c.conn().networkLookupByUUID(a.uuid)).ref }),
  [P.REMOTE_PROC_NETWORK_DEFINE_XML]: async (c, a) => ({ net: (await c.conn().networkDefineXML(a.xml)).ref }),
  [P.REMOTE_PROC_NETWORK_UNDEFINE]: async (c, a) => { await net(c, a.net).undefine(); return {}; },
  [P.REMOTE_PROC_NETWORK_CREATE]: async (c, a) => { await net(c, a.net).create(); return {}; },
  [P.REMOTE_PROC_NETWORK_DESTROY]: async (c, a) => { await net(c, a.net).destroy(); return {}; },
  [P.REMOTE_PROC_NETWORK_GET_XML_DESC]: async (c, a) => ({ xml: await net(c, a.net).XMLDesc(a.flags) }),
  [P.REMOTE_PROC_NETWORK_GET_BRIDGE_NAME]: async (c, a) => ({ name: await net(c, a.net).bridgeName() }),
  [P.REMOTE_PROC_NETWORK_GET_AUTOSTART]: async (c, a) => ({ autostart: b(await net(c, a.net).autostart()) }),
  [P.REMOTE_PROC_NETWORK_SET_AUTOSTART]: async (c, a) => { await net(c, a.net).setAutostart(a.autostart !== 0); return {}; },
  [P.REMOTE_PROC_NETWORK_IS_ACTIVE]: async (c, a) => ({ active: b(await net(c, a.net).isActive()) }),
  [P.REMOTE_PROC_NETWORK_IS_PERSISTENT]: async (c, a) => ({ persistent: b(await net(c, a.net).isPersistent()) }),

  // storage
  [P.REMOTE_PROC_CONNECT_NUM_OF_STORAGE_POOLS]: async (c) => ({ num: await c.conn().numOfStoragePools() }),
  [P.REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS]: async (c, a) => {
    const pools = await c.conn().listAllStoragePools(a.flags);
    return { pools: a.need_results ? pools.map((p) => p.ref) : [], ret: pools.length };
  },
  [P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME]: async (c, a) => ({ pool: (await c.conn().storagePoolLookupByName(a.name)).ref }),
  [P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_UUID]: async (c, a) => ({ pool: (await c.conn().storagePoolLookupByUUID(a.uuid)).ref }),
  [P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_VOLUME]: async (c, a) => ({ pool: (await vol(c, a.vol).storagePoolLookupByVolume()).ref }),
  [P.REMOTE_PROC_STORAGE_POOL_DEFINE_XML]: async (c, a) => ({ pool: (await c.conn().storagePoolDefineXML(a.xml, a.flags)).ref }),
  [P.REMOTE_PROC_STORAGE_POOL_UNDEFINE]: async (c, a) => { await pool(c, a.pool).undefine(); return {}; },
  [P.REMOTE_PROC_STORAGE_POOL_CREATE]: async (c, a) => { await pool(c, a.pool).create(a.flags); return {}; },
  [P.REMOTE_PROC_STORAGE_POOL_DESTROY]: async (c, a) => { await pool(c, a.pool).destroy(); return {}; },
  [P.REMOTE_PROC_STORAGE_POOL_REFRESH]: async (c, a) => { await pool(c, a.pool).refresh(a.flags); return {}; },
  [P.REMOTE_PROC_STORAGE_POOL_GET_INFO]: async (c, a) => pool(c, a.pool).info(),
  [P.REMOTE_PROC_STORAGE_POOL_GET_XML_DESC]: async (c, a) => ({ xml: await pool(c, a.pool).XMLDesc(a.flags) }),
  [P.REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART]: async (c, a) => ({ autostart: b(await pool(c, a.pool).autostart()) }),
  [P.REMOTE_PROC_STORAGE_POOL_SET_AUTOSTART]: async (c, a) => { await pool(c, a.pool).setAutostart(a.autostart !== 0); return {}; },
  [P.REMOTE_PROC_STORAGE_POOL_IS_ACTIVE]: async (c, a) => ({ active: b(await pool(c, a.pool).isActive()) }),
  [P.REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT]: async (c, a) => ({ persistent: b(await pool(c, a.pool).isPersistent()) }),
  [P.REMOTE_PROC_STORAGE_POOL_NUM_OF_VOLUMES]: async (c, a) => ({ num: await pool(c, a.pool).numOfVolumes() }),
  [P.REMOTE_PROC_STORAGE_POOL_LIST_VOLUMES]: async (c, a) => ({
    names: (await pool(c, a.pool).listAllVolumes()).map((v) => v.name()).slice(0, Math.max(0, a.maxnames)),
  }),
  [P.REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES]: async (c, a) => {
    const vols = await pool(c, a.pool).listAllVolumes(a.flags);
    return { vols: a.need_results ? vols.map((v) => v.ref) : [], ret: vols.length };
  },
  [P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME]: async (c, a) => ({ vol: (await pool(c, a.pool).storageVolLookupByName(a.name)).ref }),
  [P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_KEY]: async (c, a) => ({ vol: (await c.conn().storageVolLookupByKey(a.key)).ref }),
  [P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_PATH]: async (c, a) => ({ vol: (await c.conn().storageVolLookupByPath(a.path)).ref }),
  [P.REMOTE_PROC_STORAGE_VOL_CREATE_XML]: async (c, a) => ({ vol: (await pool(c, a.pool).createXML(a.xml, a.flags)).ref }),
  [P.REMOTE_PROC_STORAGE_VOL_DELETE]: async (c, a) => { await vol(c, a.vol).delete(a.flags); return {}; },
  [P.REMOTE_PROC_STORAGE_VOL_GET_INFO]: async (c, a) => vol(c, a.vol).info(),
  [P.REMOTE_PROC_STORAGE_VOL_GET_INFO_FLAGS]: async (c, a) => vol(c, a.vol).info(),
  [P.REMOTE_PROC_STORAGE_VOL_GET_XML_DESC]: async (c, a) => ({ xml: await vol(c, a.vol).XMLDesc(a.flags) }),
  [P.REMOTE_PROC_STORAGE_VOL_GET_PATH]: async (c, a) => ({ name: await vol(c, a.vol).path() }),
};

export function remoteHandler(proc: number): ((c: DispatchClient, a: unknown) => Promise<unknown>) | undefined {
  const h = (remoteDispatch as Record<number, ((c: DispatchClient, a: unknown) => unknown) | undefined>)[proc];
  if (!h) return undefined;
  return (c, a) => Promise.resolve().then(() => h(c, a));
}
