// The remote driver (src/remote/remote_driver.c, remote_sockets.c): the driver table implemented
// over the RPC client. It opens the socket the URI names, performs the handshake virsh performs
// (AUTH_LIST, SUPPORTS_FEATURE 10, CONNECT_OPEN, SUPPORTS_FEATURE 14 and 15; reference §4) and
// maps every entry onto its REMOTE procedure.
import type {
  ConnectDriver,
  DomainEventCallback,
  DomainRef,
  HypervisorConnection,
  OpenContext,
  VcpuInfo,
  VirURI,
} from "../../api/driver.js";
import type { Stream } from "../../api/stream.js";
import { formatURI } from "../../api/uri.js";
import { VIR_DOMAIN_EVENT_ID_TRAY_CHANGE } from "../../api/constants.js";
import { virError } from "../../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";
import { VirNetClient } from "../../rpc/client.js";
import {
  VIR_DRV_FEATURE_PROGRAM_KEEPALIVE,
  VIR_DRV_FEATURE_REMOTE_CLOSE_CALLBACK,
  VIR_DRV_FEATURE_REMOTE_EVENT_CALLBACK,
} from "../../rpc/remote-dispatch.js";
import * as P from "../../rpc/remote-procedures.js";
import { REMOTE_AUTH_NONE, REMOTE_NODE_MAX_CELLS, remoteMsgs, type RemoteMsg } from "../../rpc/remote-protocol.js";
import { XdrReader } from "../../rpc/xdr.js";

const REMOTE = VirErrorDomain.VIR_FROM_REMOTE;

/** Query parameters the remote driver consumes itself (not sent to the daemon). */
const CLIENT_PARAMS = [
  "name", "command", "socket", "auth", "netcat", "keyfile", "known_hosts", "no_verify",
  "no_tty", "pkipath", "tls_priority", "mode", "proxy", "sshauth", "known_hosts_verify",
];

export const LIBVIRTD_PRIV_UNIX_SOCKET = "/run/libvirt/libvirt-sock";
export const LIBVIRTD_PRIV_UNIX_SOCKET_RO = "/run/libvirt/libvirt-sock-ro";
export const LIBVIRTD_TCP_PORT = 16509;

/** The name CONNECT_OPEN carries: the URI without transport, server and client-only parameters. */
export function remoteOpenName(uri: VirURI): string {
  if (uri.scheme === "remote") return "";
  return formatURI({ ...uri, transport: "", server: "", user: "", port: 0 }, { dropParams: CLIENT_PARAMS });
}

async function dial(uri: VirURI, readOnly: boolean): Promise<VirNetClient> {
  const transport = uri.transport || (uri.server ? "tls" : "unix");
  if (transport === "unix") {
    if (uri.server) {
      throw virError(REMOTE, VirErrorNumber.VIR_ERR_INVALID_ARG, `using unix socket and remote server '${uri.server}' is not supported.`);
    }
    const path = uri.params.get("socket") ?? (readOnly ? LIBVIRTD_PRIV_UNIX_SOCKET_RO : LIBVIRTD_PRIV_UNIX_SOCKET);
    return VirNetClient.connectUnix(path);
  }
  if (transport === "tcp") {
    return VirNetClient.connectTcp(uri.server || "localhost", uri.port || LIBVIRTD_TCP_PORT);
  }
  throw virError(REMOTE, VirErrorNumber.VIR_ERR_INVALID_ARG, `transport '${transport}' is not supported by this remote driver (unix and tcp are)`);
}

interface LocalCallback {
  serverID: number;
  eventID: number;
  cb: DomainEventCallback;
}

export class RemoteConnection implements HypervisorConnection {
  private readonly callbacks = new Map<number, LocalCallback>();
  private nextLocalID = 0;
  private closeCb: ((reason: number) => void) | null = null;
  private keepaliveSupported = false;
  private closeCallbackSupported = false;

  private constructor(readonly client: VirNetClient) {
    client.onEvent = (proc, payload) => { this.onEvent(proc, payload); };
    client.onClose = (reason) => { this.closeCb?.(reason); };
  }

  static async open(uri: VirURI, flags: number): Promise<RemoteConnection> {
    const client = await dial(uri, (flags & 1) !== 0);
    const rc = new RemoteConnection(client);
    try {
      const auth = await client.call(P.REMOTE_PROC_AUTH_LIST, {});
      if (!auth.types.includes(REMOTE_AUTH_NONE) && auth.types.length > 0) {
        throw virError(REMOTE, VirErrorNumber.VIR_ERR_AUTH_FAILED, `unsupported authentication type ${auth.types[0]}`);
      }
      rc.keepaliveSupported = (await client.call(P.REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, { feature: VIR_DRV_FEATURE_PROGRAM_KEEPALIVE })).supported !== 0;
      await client.call(P.REMOTE_PROC_CONNECT_OPEN, { name: remoteOpenName(uri), flags });
      const ev = await client.call(P.REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, { feature: VIR_DRV_FEATURE_REMOTE_EVENT_CALLBACK });
      if (ev.supported === 0) throw virError(REMOTE, VirErrorNumber.VIR_ERR_NO_SUPPORT, "daemon without REMOTE_EVENT_CALLBACK support");
      rc.closeCallbackSupported = (await client.call(P.REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, { feature: VIR_DRV_FEATURE_REMOTE_CLOSE_CALLBACK })).supported !== 0;
    } catch (e) {
      client.close();
      throw e;
    }
    return rc;
  }

  private onEvent(proc: number, payload: Uint8Array): void {
    try {
      const r = new XdrReader(payload);
      if (proc === P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE) {
        const m: RemoteMsg<typeof P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE> = remoteMsgs[P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE].dec(r);
        this.deliver(m.callbackID, { eventID: 0, dom: m.msg.dom, event: m.msg.event, detail: m.msg.detail });
      } else if (proc === P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT) {
        const m = remoteMsgs[P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT].dec(r);
        this.deliver(m.callbackID, { eventID: 1, dom: m.msg.dom });
      } else if (proc === P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_TRAY_CHANGE) {
        const m = remoteMsgs[P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_TRAY_CHANGE].dec(r);
        this.deliver(m.callbackID, { eventID: VIR_DOMAIN_EVENT_ID_TRAY_CHANGE, dom: m.msg.dom, payload: { devAlias: m.msg.devAlias, reason: m.msg.reason } });
      } else if (proc === P.REMOTE_PROC_CONNECT_EVENT_CONNECTION_CLOSED) {
        const m = remoteMsgs[P.REMOTE_PROC_CONNECT_EVENT_CONNECTION_CLOSED].dec(r);
        this.closeCb?.(m.reason);
      }
    } catch {
      /* a malformed event is dropped, as virNetClientProgramDispatch does */
    }
  }

  private deliver(serverID: number, ev: Parameters<DomainEventCallback>[0]): void {
    for (const c of this.callbacks.values()) if (c.serverID === serverID) c.cb(ev);
  }

  async connectClose(): Promise<void> {
    if (!this.client.isOpen) return;
    try {
      if (this.closeCb && this.closeCallbackSupported) await this.client.call(P.REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK, {});
      await this.client.call(P.REMOTE_PROC_CONNECT_CLOSE, {});
    } finally {
      this.closeCb = null;
      this.client.close();
    }
  }

  connectIsAlive(): boolean {
    return this.client.isOpen;
  }
  connectSetKeepAlive(interval: number, count: number): void {
    if (!this.keepaliveSupported) {
      throw virError(REMOTE, VirErrorNumber.VIR_ERR_OPERATION_UNSUPPORTED, "the caller doesn't support keepalive protocol; perhaps it's missing event loop implementation");
    }
    this.client.startKeepAlive(interval, count);
  }
  async connectRegisterCloseCallback(cb: (reason: number) => void): Promise<void> {
    this.closeCb = cb;
    if (this.closeCallbackSupported) await this.client.call(P.REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK, {});
  }
  async connectUnregisterCloseCallback(): Promise<void> {
    this.closeCb = null;
    if (this.closeCallbackSupported) await this.client.call(P.REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK, {});
  }

  // ---- host ----
  async connectGetType() { return (await this.client.call(P.REMOTE_PROC_CONNECT_GET_TYPE, {})).type; }
  async connectGetVersion() { return (await this.client.call(P.REMOTE_PROC_CONNECT_GET_VERSION, {})).hv_ver; }
  async connectGetLibVersion() { return (await this.client.call(P.REMOTE_PROC_CONNECT_GET_LIB_VERSION, {})).lib_ver; }
  async connectGetHostname() { return (await this.client.call(P.REMOTE_PROC_CONNECT_GET_HOSTNAME, {})).hostname; }
  async connectGetSysinfo(flags: number) { return (await this.client.call(P.REMOTE_PROC_CONNECT_GET_SYSINFO, { flags })).sysinfo; }
  async connectGetMaxVcpus(type: string | null) { return (await this.client.call(P.REMOTE_PROC_CONNECT_GET_MAX_VCPUS, { type })).max_vcpus; }
  async connectGetCapabilities() { return (await this.client.call(P.REMOTE_PROC_CONNECT_GET_CAPABILITIES, {})).capabilities; }
  async connectIsSecure() { return (await this.client.call(P.REMOTE_PROC_CONNECT_IS_SECURE, {})).secure !== 0; }
  /** remoteConnectIsEncrypted asks the daemon too (a unix socket is not encrypted). */
  async connectIsEncrypted() {
    await this.client.call(P.REMOTE_PROC_CONNECT_IS_SECURE, {});
    return false;
  }
  async connectSupportsFeature(feature: number) {
    return (await this.client.call(P.REMOTE_PROC_CONNECT_SUPPORTS_FEATURE, { feature })).supported !== 0;
  }
  async nodeGetInfo() { return this.client.call(P.REMOTE_PROC_NODE_GET_INFO, {}); }
  async nodeGetFreeMemory() { return (await this.client.call(P.REMOTE_PROC_NODE_GET_FREE_MEMORY, {})).freeMem; }
  async nodeGetSecurityModel() { return this.client.call(P.REMOTE_PROC_NODE_GET_SECURITY_MODEL, {}); }
  /** remoteNodeGetCellsFreeMemory: the reply array holds at most REMOTE_NODE_MAX_CELLS. */
  async nodeGetCellsFreeMemory(startCell: number, maxCells: number) {
    if (maxCells > REMOTE_NODE_MAX_CELLS) {
      throw virError(REMOTE, VirErrorNumber.VIR_ERR_RPC, `too many NUMA cells: ${maxCells} > ${REMOTE_NODE_MAX_CELLS}`);
    }
    return (await this.client.call(P.REMOTE_PROC_NODE_GET_CELLS_FREE_MEMORY, { startCell, maxcells: maxCells })).cells;
  }
  async nodeGetCPUMap(flags: number) {
    const r = await this.client.call(P.REMOTE_PROC_NODE_GET_CPU_MAP, { need_map: 1, need_online: 1, flags });
    return { cpus: r.ret, online: r.online, map: r.cpumap };
  }

  // ---- domains ----
  async connectNumOfDomains() { return (await this.client.call(P.REMOTE_PROC_CONNECT_NUM_OF_DOMAINS, {})).num; }
  async connectListDomains(maxids: number) { return (await this.client.call(P.REMOTE_PROC_CONNECT_LIST_DOMAINS, { maxids })).ids; }
  async connectNumOfDefinedDomains() { return (await this.client.call(P.REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS, {})).num; }
  async connectListDefinedDomains(maxnames: number) { return (await this.client.call(P.REMOTE_PROC_CONNECT_LIST_DEFINED_DOMAINS, { maxnames })).names; }
  async connectListAllDomains(flags: number) { return (await this.client.call(P.REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS, { need_results: 1, flags })).domains; }
  async connectGetAllDomainStats(doms: DomainRef[], stats: number, flags: number) {
    return (await this.client.call(P.REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS, { doms: [...doms], stats, flags })).retStats;
  }
  async domainLookupByID(id: number) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_ID, { id })).dom; }
  async domainLookupByName(name: string) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME, { name })).dom; }
  async domainLookupByUUID(uuid: Uint8Array) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID, { uuid })).dom; }
  async domainCreateXML(xml: string, flags: number) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_CREATE_XML, { xml_desc: xml, flags })).dom; }
  async domainDefineXML(xml: string) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_DEFINE_XML, { xml })).dom; }
  async domainDefineXMLFlags(xml: string, flags: number) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS, { xml, flags })).dom; }
  async domainUndefine(dom: DomainRef) { await this.client.call(P.REMOTE_PROC_DOMAIN_UNDEFINE, { dom }); }
  async domainUndefineFlags(dom: DomainRef, flags: number) { await this.client.call(P.REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS, { dom, flags }); }
  /** remoteDomainCreate: DOMAIN_CREATE returns nothing, so the id is refreshed by UUID lookup. */
  async domainCreate(dom: DomainRef) {
    await this.client.call(P.REMOTE_PROC_DOMAIN_CREATE, { dom });
    return (await this.client.call(P.REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID, { uuid: dom.uuid })).dom;
  }
  async domainCreateWithFlags(dom: DomainRef, flags: number) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS, { dom, flags })).dom; }
  async domainDestroy(dom: DomainRef) { await this.client.call(P.REMOTE_PROC_DOMAIN_DESTROY, { dom }); }
  async domainDestroyFlags(dom: DomainRef, flags: number) { await this.client.call(P.REMOTE_PROC_DOMAIN_DESTROY_FLAGS, { dom, flags }); }
  async domainShutdown(dom: DomainRef) { await this.client.call(P.REMOTE_PROC_DOMAIN_SHUTDOWN, { dom }); }
  async domainShutdownFlags(dom: DomainRef, flags: number) { await this.client.call(P.REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS, { dom, flags }); }
  async domainReboot(dom: DomainRef, flags: number) { await this.client.call(P.REMOTE_PROC_DOMAIN_REBOOT, { dom, flags }); }
  async domainReset(dom: DomainRef, flags: number) { await this.client.call(P.REMOTE_PROC_DOMAIN_RESET, { dom, flags }); }
  async domainSuspend(dom: DomainRef) { await this.client.call(P.REMOTE_PROC_DOMAIN_SUSPEND, { dom }); }
  async domainResume(dom: DomainRef) { await this.client.call(P.REMOTE_PROC_DOMAIN_RESUME, { dom }); }
  async domainGetInfo(dom: DomainRef) { return this.client.call(P.REMOTE_PROC_DOMAIN_GET_INFO, { dom }); }
  async domainGetJobInfo(dom: DomainRef) { return this.client.call(P.REMOTE_PROC_DOMAIN_GET_JOB_INFO, { dom }); }
  async domainGetState(dom: DomainRef, flags: number) { return this.client.call(P.REMOTE_PROC_DOMAIN_GET_STATE, { dom, flags }); }
  async domainGetXMLDesc(dom: DomainRef, flags: number) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_GET_XML_DESC, { dom, flags })).xml; }
  async domainGetOSType(dom: DomainRef) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_GET_OS_TYPE, { dom })).type; }
  async domainGetHostname(dom: DomainRef, flags: number) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_GET_HOSTNAME, { dom, flags })).hostname; }
  async domainGetMaxMemory(dom: DomainRef) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_GET_MAX_MEMORY, { dom })).memory; }
  async domainSetMaxMemory(dom: DomainRef, memory: number) { await this.client.call(P.REMOTE_PROC_DOMAIN_SET_MAX_MEMORY, { dom, memory }); }
  async domainSetMemory(dom: DomainRef, memory: number) { await this.client.call(P.REMOTE_PROC_DOMAIN_SET_MEMORY, { dom, memory }); }
  async domainSetMemoryFlags(dom: DomainRef, memory: number, flags: number) { await this.client.call(P.REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS, { dom, memory, flags }); }
  async domainUpdateDeviceFlags(dom: DomainRef, xml: string, flags: number) { await this.client.call(P.REMOTE_PROC_DOMAIN_UPDATE_DEVICE_FLAGS, { dom, xml, flags }); }
  async domainSetVcpus(dom: DomainRef, nvcpus: number) { await this.client.call(P.REMOTE_PROC_DOMAIN_SET_VCPUS, { dom, nvcpus }); }
  async domainSetVcpusFlags(dom: DomainRef, nvcpus: number, flags: number) { await this.client.call(P.REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS, { dom, nvcpus, flags }); }
  async domainGetVcpusFlags(dom: DomainRef, flags: number) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS, { dom, flags })).num; }
  async domainGetMaxVcpus(dom: DomainRef) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_GET_MAX_VCPUS, { dom })).num; }
  async domainGetVcpus(dom: DomainRef, maxinfo: number, maplen: number): Promise<VcpuInfo[]> {
    const r = await this.client.call(P.REMOTE_PROC_DOMAIN_GET_VCPUS, { dom, maxinfo, maplen });
    if (r.info.length > maxinfo || r.cpumaps.length > maxinfo * maplen) {
      throw virError(REMOTE, VirErrorNumber.VIR_ERR_RPC, "remoteDomainGetVcpus: returned number of vcpus exceeds limit");
    }
    return r.info.map((v, i) => ({
      number: v.number,
      state: v.state,
      cpuTime: v.cpu_time,
      cpu: v.cpu,
      cpumap: r.cpumaps.slice(i * maplen, (i + 1) * maplen),
    }));
  }
  async domainGetVcpuPinInfo(dom: DomainRef, ncpumaps: number, maplen: number, flags: number): Promise<Uint8Array[]> {
    const r = await this.client.call(P.REMOTE_PROC_DOMAIN_GET_VCPU_PIN_INFO, { dom, ncpumaps, maplen, flags });
    if (r.num > ncpumaps || r.cpumaps.length > ncpumaps * maplen) {
      throw virError(REMOTE, VirErrorNumber.VIR_ERR_RPC, "remoteDomainGetVcpuPinInfo: returned number of cpumaps exceeds limit");
    }
    const out: Uint8Array[] = [];
    for (let i = 0; i < r.num; i++) out.push(r.cpumaps.slice(i * maplen, (i + 1) * maplen));
    return out;
  }
  async domainGetAutostart(dom: DomainRef) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_GET_AUTOSTART, { dom })).autostart !== 0; }
  async domainSetAutostart(dom: DomainRef, autostart: boolean) { await this.client.call(P.REMOTE_PROC_DOMAIN_SET_AUTOSTART, { dom, autostart: autostart ? 1 : 0 }); }
  async domainIsActive(dom: DomainRef) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_IS_ACTIVE, { dom })).active !== 0; }
  async domainIsPersistent(dom: DomainRef) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_IS_PERSISTENT, { dom })).persistent !== 0; }
  async domainIsUpdated(dom: DomainRef) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_IS_UPDATED, { dom })).updated !== 0; }
  async domainGetSecurityLabel(dom: DomainRef) {
    const r = await this.client.call(P.REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL, { dom });
    return { label: r.label, enforcing: r.enforcing !== 0 };
  }
  async domainGetMetadata(dom: DomainRef, type: number, uri: string | null, flags: number) {
    return (await this.client.call(P.REMOTE_PROC_DOMAIN_GET_METADATA, { dom, type, uri, flags })).metadata;
  }
  async domainSetMetadata(dom: DomainRef, type: number, metadata: string | null, key: string | null, uri: string | null, flags: number) {
    await this.client.call(P.REMOTE_PROC_DOMAIN_SET_METADATA, { dom, type, metadata, key, uri, flags });
  }
  async domainGetMessages(dom: DomainRef, flags: number) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_GET_MESSAGES, { dom, flags })).msgs; }
  async domainManagedSave(dom: DomainRef, flags: number) { await this.client.call(P.REMOTE_PROC_DOMAIN_MANAGED_SAVE, { dom, flags }); }
  async domainHasManagedSaveImage(dom: DomainRef, flags: number) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE, { dom, flags })).result !== 0; }
  async domainManagedSaveRemove(dom: DomainRef, flags: number) { await this.client.call(P.REMOTE_PROC_DOMAIN_MANAGED_SAVE_REMOVE, { dom, flags }); }
  async domainSave(dom: DomainRef, to: string) { await this.client.call(P.REMOTE_PROC_DOMAIN_SAVE, { dom, to }); }
  async domainSaveFlags(dom: DomainRef, to: string, dxml: string | null, flags: number) { await this.client.call(P.REMOTE_PROC_DOMAIN_SAVE_FLAGS, { dom, to, dxml, flags }); }
  async domainRestore(from: string) { await this.client.call(P.REMOTE_PROC_DOMAIN_RESTORE, { from }); }
  async domainRestoreFlags(from: string, dxml: string | null, flags: number) { await this.client.call(P.REMOTE_PROC_DOMAIN_RESTORE_FLAGS, { from, dxml, flags }); }
  async domainSaveImageGetXMLDesc(file: string, flags: number) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC, { file, flags })).xml; }
  async domainInterfaceAddresses(dom: DomainRef, source: number, flags: number) {
    return (await this.client.call(P.REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES, { dom, source, flags })).ifaces;
  }
  async domainBlockStats(dom: DomainRef, path: string) { return this.client.call(P.REMOTE_PROC_DOMAIN_BLOCK_STATS, { dom, path }); }
  async domainInterfaceStats(dom: DomainRef, device: string) { return this.client.call(P.REMOTE_PROC_DOMAIN_INTERFACE_STATS, { dom, device }); }
  async domainMemoryStats(dom: DomainRef, nrStats: number, flags: number) {
    return (await this.client.call(P.REMOTE_PROC_DOMAIN_MEMORY_STATS, { dom, maxStats: nrStats, flags })).stats;
  }
  async domainOpenConsole(dom: DomainRef, devName: string | null, stream: Stream, flags: number) {
    await this.client.callStream(P.REMOTE_PROC_DOMAIN_OPEN_CONSOLE, { dom, dev_name: devName, flags }, (b) => stream.attach(b));
  }
  async domainScreenshot(dom: DomainRef, stream: Stream, screen: number, flags: number) {
    const ret = await this.client.callStream(P.REMOTE_PROC_DOMAIN_SCREENSHOT, { dom, screen, flags }, (b) => stream.attach(b));
    return ret.mime;
  }

  // ---- snapshots ----
  async domainSnapshotCreateXML(dom: DomainRef, xml: string, flags: number) {
    return (await this.client.call(P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML, { dom, xml_desc: xml, flags })).snap;
  }
  async domainSnapshotGetXMLDesc(snap: { name: string; dom: DomainRef }, flags: number) {
    return (await this.client.call(P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC, { snap, flags })).xml;
  }
  async domainSnapshotNum(dom: DomainRef, flags: number) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_SNAPSHOT_NUM, { dom, flags })).num; }
  async domainSnapshotListNames(dom: DomainRef, maxnames: number, flags: number) {
    return (await this.client.call(P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_NAMES, { dom, maxnames, flags })).names;
  }
  async domainListAllSnapshots(dom: DomainRef, flags: number) {
    return (await this.client.call(P.REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS, { dom, need_results: 1, flags })).snapshots;
  }
  async domainSnapshotListAllChildren(snap: { name: string; dom: DomainRef }, flags: number) {
    return (await this.client.call(P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN, { snapshot: snap, need_results: 1, flags })).snapshots;
  }
  async domainSnapshotNumChildren(snap: { name: string; dom: DomainRef }, flags: number) {
    return (await this.client.call(P.REMOTE_PROC_DOMAIN_SNAPSHOT_NUM_CHILDREN, { snap, flags })).num;
  }
  async domainSnapshotLookupByName(dom: DomainRef, name: string, flags: number) {
    return (await this.client.call(P.REMOTE_PROC_DOMAIN_SNAPSHOT_LOOKUP_BY_NAME, { dom, name, flags })).snap;
  }
  async domainHasCurrentSnapshot(dom: DomainRef, flags: number) {
    return (await this.client.call(P.REMOTE_PROC_DOMAIN_HAS_CURRENT_SNAPSHOT, { dom, flags })).result !== 0;
  }
  async domainSnapshotCurrent(dom: DomainRef, flags: number) { return (await this.client.call(P.REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT, { dom, flags })).snap; }
  async domainSnapshotGetParent(snap: { name: string; dom: DomainRef }, flags: number) {
    return (await this.client.call(P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_PARENT, { snap, flags })).snap;
  }
  async domainSnapshotIsCurrent(snap: { name: string; dom: DomainRef }, flags: number) {
    return (await this.client.call(P.REMOTE_PROC_DOMAIN_SNAPSHOT_IS_CURRENT, { snap, flags })).current !== 0;
  }
  async domainSnapshotHasMetadata(snap: { name: string; dom: DomainRef }, flags: number) {
    return (await this.client.call(P.REMOTE_PROC_DOMAIN_SNAPSHOT_HAS_METADATA, { snap, flags })).metadata !== 0;
  }
  async domainRevertToSnapshot(snap: { name: string; dom: DomainRef }, flags: number) {
    await this.client.call(P.REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT, { snap, flags });
  }
  async domainSnapshotDelete(snap: { name: string; dom: DomainRef }, flags: number) {
    await this.client.call(P.REMOTE_PROC_DOMAIN_SNAPSHOT_DELETE, { snap, flags });
  }

  // ---- events ----
  async connectDomainEventRegisterAny(dom: DomainRef | null, eventID: number, cb: DomainEventCallback) {
    const r = await this.client.call(P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY, { eventID, dom });
    const id = this.nextLocalID++;
    this.callbacks.set(id, { serverID: r.callbackID, eventID, cb });
    return id;
  }
  async connectDomainEventDeregisterAny(callbackID: number) {
    const c = this.callbacks.get(callbackID);
    if (!c) throw virError(REMOTE, VirErrorNumber.VIR_ERR_INVALID_ARG, `callback ID ${callbackID} not registered`);
    this.callbacks.delete(callbackID);
    await this.client.call(P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY, { callbackID: c.serverID });
  }

  // ---- networks ----
  async connectNumOfNetworks() { return (await this.client.call(P.REMOTE_PROC_CONNECT_NUM_OF_NETWORKS, {})).num; }
  async connectListAllNetworks(flags: number) { return (await this.client.call(P.REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS, { need_results: 1, flags })).nets; }
  async networkLookupByName(name: string) { return (await this.client.call(P.REMOTE_PROC_NETWORK_LOOKUP_BY_NAME, { name })).net; }
  async networkLookupByUUID(uuid: Uint8Array) { return (await this.client.call(P.REMOTE_PROC_NETWORK_LOOKUP_BY_UUID, { uuid })).net; }
  async networkDefineXML(xml: string) { return (await this.client.call(P.REMOTE_PROC_NETWORK_DEFINE_XML, { xml })).net; }
  async networkUndefine(net: { name: string; uuid: Uint8Array }) { await this.client.call(P.REMOTE_PROC_NETWORK_UNDEFINE, { net }); }
  async networkCreate(net: { name: string; uuid: Uint8Array }) { await this.client.call(P.REMOTE_PROC_NETWORK_CREATE, { net }); }
  async networkDestroy(net: { name: string; uuid: Uint8Array }) { await this.client.call(P.REMOTE_PROC_NETWORK_DESTROY, { net }); }
  async networkGetXMLDesc(net: { name: string; uuid: Uint8Array }, flags: number) { return (await this.client.call(P.REMOTE_PROC_NETWORK_GET_XML_DESC, { net, flags })).xml; }
  async networkGetBridgeName(net: { name: string; uuid: Uint8Array }) { return (await this.client.call(P.REMOTE_PROC_NETWORK_GET_BRIDGE_NAME, { net })).name; }
  async networkGetAutostart(net: { name: string; uuid: Uint8Array }) { return (await this.client.call(P.REMOTE_PROC_NETWORK_GET_AUTOSTART, { net })).autostart !== 0; }
  async networkSetAutostart(net: { name: string; uuid: Uint8Array }, autostart: boolean) {
    await this.client.call(P.REMOTE_PROC_NETWORK_SET_AUTOSTART, { net, autostart: autostart ? 1 : 0 });
  }
  async networkIsActive(net: { name: string; uuid: Uint8Array }) { return (await this.client.call(P.REMOTE_PROC_NETWORK_IS_ACTIVE, { net })).active !== 0; }
  async networkIsPersistent(net: { name: string; uuid: Uint8Array }) { return (await this.client.call(P.REMOTE_PROC_NETWORK_IS_PERSISTENT, { net })).persistent !== 0; }

  // ---- storage ----
  async connectNumOfStoragePools() { return (await this.client.call(P.REMOTE_PROC_CONNECT_NUM_OF_STORAGE_POOLS, {})).num; }
  async connectListAllStoragePools(flags: number) { return (await this.client.call(P.REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS, { need_results: 1, flags })).pools; }
  async storagePoolLookupByName(name: string) { return (await this.client.call(P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME, { name })).pool; }
  async storagePoolLookupByUUID(uuid: Uint8Array) { return (await this.client.call(P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_UUID, { uuid })).pool; }
  async storagePoolLookupByVolume(vol: { pool: string; name: string; key: string }) { return (await this.client.call(P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_VOLUME, { vol })).pool; }
  async storagePoolDefineXML(xml: string, flags: number) { return (await this.client.call(P.REMOTE_PROC_STORAGE_POOL_DEFINE_XML, { xml, flags })).pool; }
  async storagePoolUndefine(pool: { name: string; uuid: Uint8Array }) { await this.client.call(P.REMOTE_PROC_STORAGE_POOL_UNDEFINE, { pool }); }
  async storagePoolCreate(pool: { name: string; uuid: Uint8Array }, flags: number) { await this.client.call(P.REMOTE_PROC_STORAGE_POOL_CREATE, { pool, flags }); }
  async storagePoolDestroy(pool: { name: string; uuid: Uint8Array }) { await this.client.call(P.REMOTE_PROC_STORAGE_POOL_DESTROY, { pool }); }
  async storagePoolRefresh(pool: { name: string; uuid: Uint8Array }, flags: number) { await this.client.call(P.REMOTE_PROC_STORAGE_POOL_REFRESH, { pool, flags }); }
  async storagePoolGetInfo(pool: { name: string; uuid: Uint8Array }) { return this.client.call(P.REMOTE_PROC_STORAGE_POOL_GET_INFO, { pool }); }
  async storagePoolGetXMLDesc(pool: { name: string; uuid: Uint8Array }, flags: number) { return (await this.client.call(P.REMOTE_PROC_STORAGE_POOL_GET_XML_DESC, { pool, flags })).xml; }
  async storagePoolGetAutostart(pool: { name: string; uuid: Uint8Array }) { return (await this.client.call(P.REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART, { pool })).autostart !== 0; }
  async storagePoolSetAutostart(pool: { name: string; uuid: Uint8Array }, autostart: boolean) {
    await this.client.call(P.REMOTE_PROC_STORAGE_POOL_SET_AUTOSTART, { pool, autostart: autostart ? 1 : 0 });
  }
  async storagePoolIsActive(pool: { name: string; uuid: Uint8Array }) { return (await this.client.call(P.REMOTE_PROC_STORAGE_POOL_IS_ACTIVE, { pool })).active !== 0; }
  async storagePoolIsPersistent(pool: { name: string; uuid: Uint8Array }) { return (await this.client.call(P.REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT, { pool })).persistent !== 0; }
  async storagePoolNumOfVolumes(pool: { name: string; uuid: Uint8Array }) { return (await this.client.call(P.REMOTE_PROC_STORAGE_POOL_NUM_OF_VOLUMES, { pool })).num; }
  async storagePoolListAllVolumes(pool: { name: string; uuid: Uint8Array }, flags: number) {
    return (await this.client.call(P.REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES, { pool, need_results: 1, flags })).vols;
  }
  async storageVolLookupByName(pool: { name: string; uuid: Uint8Array }, name: string) { return (await this.client.call(P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME, { pool, name })).vol; }
  async storageVolLookupByKey(key: string) { return (await this.client.call(P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_KEY, { key })).vol; }
  async storageVolLookupByPath(path: string) { return (await this.client.call(P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_PATH, { path })).vol; }
  async storageVolCreateXML(pool: { name: string; uuid: Uint8Array }, xml: string, flags: number) {
    return (await this.client.call(P.REMOTE_PROC_STORAGE_VOL_CREATE_XML, { pool, xml, flags })).vol;
  }
  async storageVolDelete(vol: { pool: string; name: string; key: string }, flags: number) { await this.client.call(P.REMOTE_PROC_STORAGE_VOL_DELETE, { vol, flags }); }
  async storageVolGetInfo(vol: { pool: string; name: string; key: string }) { return this.client.call(P.REMOTE_PROC_STORAGE_VOL_GET_INFO, { vol }); }
  async storageVolGetInfoFlags(vol: { pool: string; name: string; key: string }, flags: number) { return this.client.call(P.REMOTE_PROC_STORAGE_VOL_GET_INFO_FLAGS, { vol, flags }); }
  async storageVolGetXMLDesc(vol: { pool: string; name: string; key: string }, flags: number) { return (await this.client.call(P.REMOTE_PROC_STORAGE_VOL_GET_XML_DESC, { vol, flags })).xml; }
  async storageVolGetPath(vol: { pool: string; name: string; key: string }) { return (await this.client.call(P.REMOTE_PROC_STORAGE_VOL_GET_PATH, { vol })).name; }
  async storageVolUpload(vol: { pool: string; name: string; key: string }, stream: Stream, offset: number, length: number, flags: number) {
    await this.client.callStream(P.REMOTE_PROC_STORAGE_VOL_UPLOAD, { vol, offset, length, flags }, (b) => stream.attach(b));
  }
  async storageVolDownload(vol: { pool: string; name: string; key: string }, stream: Stream, offset: number, length: number, flags: number) {
    await this.client.callStream(P.REMOTE_PROC_STORAGE_VOL_DOWNLOAD, { vol, offset, length, flags }, (b) => stream.attach(b));
  }
}

/** The driver registration: takes URIs with a transport or server, and outside the daemon any URI no local driver took. */
export const remoteConnectDriver: ConnectDriver = {
  name: "remote",
  remote: true,
  probe(uri: VirURI, ctx: OpenContext): boolean {
    if (uri.transport !== "" || uri.server !== "") return true;
    return !ctx.insideDaemon;
  },
  async open(uri: VirURI, flags: number): Promise<HypervisorConnection> {
    return RemoteConnection.open(uri, flags);
  },
};
