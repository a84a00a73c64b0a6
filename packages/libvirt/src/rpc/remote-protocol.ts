// Payload structs of the REMOTE program (src/remote/remote_protocol.x, libvirt 9.0), written in the
// .x field order, and the table that binds each implemented procedure to its
// remote_<proc>_args / _ret / _msg struct. Procedures without a payload struct use `empty`.
import * as P from "./remote-procedures.js";
import {
  array,
  charArrayString,
  charString,
  double,
  empty,
  hyper,
  hyperBig,
  int,
  opaque,
  opaqueFixed,
  optional,
  string,
  struct,
  uchar,
  uhyper,
  uhyperBig,
  uint,
  union,
  ushort,
  char,
  type Codec,
  type Infer,
} from "./xdr-codec.js";

/** remote_protocol.x limits. */
export const REMOTE_STRING_MAX = 4194304;
export const REMOTE_DOMAIN_LIST_MAX = 16384;
export const REMOTE_CPUMAP_MAX = 2048;
export const REMOTE_VCPUINFO_MAX = 16384;
export const REMOTE_CPUMAPS_MAX = 8388608;
export const REMOTE_NETWORK_LIST_MAX = 16384;
export const REMOTE_STORAGE_POOL_LIST_MAX = 16384;
export const REMOTE_STORAGE_VOL_LIST_MAX = 16384;
export const REMOTE_AUTH_TYPE_LIST_MAX = 20;
export const REMOTE_DOMAIN_MEMORY_STATS_MAX = 1024;
export const REMOTE_DOMAIN_SNAPSHOT_LIST_MAX = 16384;
/** VIR_SECURITY_MODEL_BUFLEN, VIR_SECURITY_LABEL_BUFLEN, VIR_SECURITY_DOI_BUFLEN (libvirt-host.h). */
export const REMOTE_SECURITY_MODEL_MAX = 256 + 1;
export const REMOTE_SECURITY_LABEL_MAX = 4096 + 1;
export const REMOTE_SECURITY_DOI_MAX = 256 + 1;
export const REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX = 262144;
export const REMOTE_DOMAIN_MESSAGES_MAX = 2048;
export const REMOTE_DOMAIN_BLOCK_STATS_PARAMETERS_MAX = 16;
export const REMOTE_DOMAIN_MEMORY_PARAMETERS_MAX = 16;
export const REMOTE_NODE_MAX_CELLS = 1024;
export const REMOTE_DOMAIN_INTERFACE_MAX = 2048;
export const REMOTE_DOMAIN_IP_ADDR_MAX = 2048;

/** enum remote_auth_type. */
export const REMOTE_AUTH_NONE = 0;
export const REMOTE_AUTH_SASL = 1;
export const REMOTE_AUTH_POLKIT = 2;

/** virTypedParameterType (libvirt-common.h). */
export const VIR_TYPED_PARAM_INT = 1;
export const VIR_TYPED_PARAM_UINT = 2;
export const VIR_TYPED_PARAM_LLONG = 3;
export const VIR_TYPED_PARAM_ULLONG = 4;
export const VIR_TYPED_PARAM_DOUBLE = 5;
export const VIR_TYPED_PARAM_BOOLEAN = 6;
export const VIR_TYPED_PARAM_STRING = 7;

// ---- basic typedefs ----
export const remote_nonnull_string = string(REMOTE_STRING_MAX);
export const remote_string = optional(remote_nonnull_string);
export const remote_uuid = opaqueFixed(16);

export const remote_nonnull_domain = struct({ name: remote_nonnull_string, uuid: remote_uuid, id: int });
export const remote_nonnull_network = struct({ name: remote_nonnull_string, uuid: remote_uuid });
export const remote_nonnull_storage_pool = struct({ name: remote_nonnull_string, uuid: remote_uuid });
export const remote_nonnull_storage_vol = struct({
  pool: remote_nonnull_string,
  name: remote_nonnull_string,
  key: remote_nonnull_string,
});
export const remote_nonnull_domain_snapshot = struct({ name: remote_nonnull_string, dom: remote_nonnull_domain });
export const remote_domain = optional(remote_nonnull_domain);

export type RemoteNonnullDomain = Infer<typeof remote_nonnull_domain>;
export type RemoteNonnullNetwork = Infer<typeof remote_nonnull_network>;
export type RemoteNonnullStoragePool = Infer<typeof remote_nonnull_storage_pool>;
export type RemoteNonnullStorageVol = Infer<typeof remote_nonnull_storage_vol>;
export type RemoteNonnullDomainSnapshot = Infer<typeof remote_nonnull_domain_snapshot>;

export const remote_typed_param_value = union({
  [VIR_TYPED_PARAM_INT]: int,
  [VIR_TYPED_PARAM_UINT]: uint,
  [VIR_TYPED_PARAM_LLONG]: hyperBig,
  [VIR_TYPED_PARAM_ULLONG]: uhyperBig,
  [VIR_TYPED_PARAM_DOUBLE]: double,
  [VIR_TYPED_PARAM_BOOLEAN]: int,
  [VIR_TYPED_PARAM_STRING]: remote_nonnull_string,
});
export const remote_typed_param = struct({ field: remote_nonnull_string, value: remote_typed_param_value });
export type RemoteTypedParam = Infer<typeof remote_typed_param>;

export const remote_vcpu_info = struct({ number: uint, state: int, cpu_time: uhyperBig, cpu: int });
export const remote_domain_memory_stat = struct({ tag: int, val: uhyper });
export const remote_domain_ip_addr = struct({ type: int, addr: remote_nonnull_string, prefix: uint });
export const remote_domain_interface = struct({
  name: remote_nonnull_string,
  hwaddr: remote_string,
  addrs: array(remote_domain_ip_addr, REMOTE_DOMAIN_IP_ADDR_MAX),
});
export const remote_domain_stats_record = struct({
  dom: remote_nonnull_domain,
  params: array(remote_typed_param, REMOTE_CONNECT_GET_ALL_DOMAIN_STATS_MAX),
});

// ---- shorthands for the many one-field structs ----
const dom = { dom: remote_nonnull_domain };
const domFlags = struct({ dom: remote_nonnull_domain, flags: uint });
const domOnly = struct(dom);
const domRet = struct(dom);
const netOnly = struct({ net: remote_nonnull_network });
const poolOnly = struct({ pool: remote_nonnull_storage_pool });
const poolFlags = struct({ pool: remote_nonnull_storage_pool, flags: uint });
const poolRet = struct({ pool: remote_nonnull_storage_pool });
const netRet = struct({ net: remote_nonnull_network });
const volRet = struct({ vol: remote_nonnull_storage_vol });
const volFlags = struct({ vol: remote_nonnull_storage_vol, flags: uint });
const snapFlags = struct({ snap: remote_nonnull_domain_snapshot, flags: uint });
const snapRet = struct({ snap: remote_nonnull_domain_snapshot });
const xmlRet = struct({ xml: remote_nonnull_string });
const numRet = struct({ num: int });
const autostartRet = struct({ autostart: int });
const activeRet = struct({ active: int });
const persistentRet = struct({ persistent: int });
const resultRet = struct({ result: int });
const nameFlags = { name: remote_nonnull_string };
const lifecycleMsg = struct({ dom: remote_nonnull_domain, event: int, detail: int });
const rebootMsg = struct({ dom: remote_nonnull_domain });
/** remote_domain_event_tray_change_msg: the disk's alias and VIR_DOMAIN_EVENT_TRAY_CHANGE_OPEN (0) / _CLOSE (1). */
const trayChangeMsg = struct({ dom: remote_nonnull_domain, devAlias: remote_nonnull_string, reason: int });

export interface ProcCodecs<A, R> {
  readonly args: Codec<A>;
  readonly ret: Codec<R>;
}
function proc<A, R>(args: Codec<A>, ret: Codec<R>): ProcCodecs<A, R> {
  return { args, ret };
}
const E = empty;

/** Procedures the client and server implement, with their args/ret structs. */
export const remoteProcs = {
  [P.REMOTE_PROC_CONNECT_OPEN]: proc(struct({ name: remote_string, flags: uint }), E),
  [P.REMOTE_PROC_CONNECT_CLOSE]: proc(E, E),
  [P.REMOTE_PROC_CONNECT_GET_TYPE]: proc(E, struct({ type: remote_nonnull_string })),
  [P.REMOTE_PROC_CONNECT_GET_VERSION]: proc(E, struct({ hv_ver: uhyper })),
  [P.REMOTE_PROC_CONNECT_GET_MAX_VCPUS]: proc(struct({ type: remote_string }), struct({ max_vcpus: int })),
  [P.REMOTE_PROC_NODE_GET_INFO]: proc(
    E,
    struct({ model: charString(32), memory: uhyper, cpus: int, mhz: int, nodes: int, sockets: int, cores: int, threads: int }),
  ),
  [P.REMOTE_PROC_CONNECT_GET_CAPABILITIES]: proc(E, struct({ capabilities: remote_nonnull_string })),
  [P.REMOTE_PROC_DOMAIN_CREATE]: proc(domOnly, E),
  [P.REMOTE_PROC_DOMAIN_CREATE_XML]: proc(struct({ xml_desc: remote_nonnull_string, flags: uint }), domRet),
  [P.REMOTE_PROC_DOMAIN_DEFINE_XML]: proc(struct({ xml: remote_nonnull_string }), domRet),
  [P.REMOTE_PROC_DOMAIN_DESTROY]: proc(domOnly, E),
  [P.REMOTE_PROC_DOMAIN_GET_XML_DESC]: proc(domFlags, xmlRet),
  [P.REMOTE_PROC_DOMAIN_GET_AUTOSTART]: proc(domOnly, autostartRet),
  [P.REMOTE_PROC_DOMAIN_GET_INFO]: proc(
    domOnly,
    struct({ state: uchar, maxMem: uhyper, memory: uhyper, nrVirtCpu: ushort, cpuTime: uhyperBig }),
  ),
  // remote_protocol.x remote_domain_get_job_info_ret
  [P.REMOTE_PROC_DOMAIN_GET_JOB_INFO]: proc(
    domOnly,
    struct({
      type: int,
      timeElapsed: uhyper,
      timeRemaining: uhyper,
      dataTotal: uhyper,
      dataProcessed: uhyper,
      dataRemaining: uhyper,
      memTotal: uhyper,
      memProcessed: uhyper,
      memRemaining: uhyper,
      fileTotal: uhyper,
      fileProcessed: uhyper,
      fileRemaining: uhyper,
    }),
  ),
  [P.REMOTE_PROC_DOMAIN_GET_MAX_MEMORY]: proc(domOnly, struct({ memory: uhyper })),
  [P.REMOTE_PROC_DOMAIN_GET_MAX_VCPUS]: proc(domOnly, numRet),
  [P.REMOTE_PROC_DOMAIN_GET_OS_TYPE]: proc(domOnly, struct({ type: remote_nonnull_string })),
  [P.REMOTE_PROC_DOMAIN_GET_VCPUS]: proc(
    struct({ dom: remote_nonnull_domain, maxinfo: int, maplen: int }),
    struct({ info: array(remote_vcpu_info, REMOTE_VCPUINFO_MAX), cpumaps: opaque(REMOTE_CPUMAPS_MAX) }),
  ),
  [P.REMOTE_PROC_DOMAIN_GET_VCPU_PIN_INFO]: proc(
    struct({ dom: remote_nonnull_domain, ncpumaps: int, maplen: int, flags: uint }),
    struct({ cpumaps: opaque(REMOTE_CPUMAPS_MAX), num: int }),
  ),
  [P.REMOTE_PROC_CONNECT_LIST_DEFINED_DOMAINS]: proc(
    struct({ maxnames: int }),
    struct({ names: array(remote_nonnull_string, REMOTE_DOMAIN_LIST_MAX) }),
  ),
  [P.REMOTE_PROC_DOMAIN_LOOKUP_BY_ID]: proc(struct({ id: int }), domRet),
  [P.REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME]: proc(struct(nameFlags), domRet),
  [P.REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID]: proc(struct({ uuid: remote_uuid }), domRet),
  [P.REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS]: proc(E, numRet),
  [P.REMOTE_PROC_DOMAIN_REBOOT]: proc(domFlags, E),
  [P.REMOTE_PROC_DOMAIN_RESUME]: proc(domOnly, E),
  [P.REMOTE_PROC_DOMAIN_SET_AUTOSTART]: proc(struct({ dom: remote_nonnull_domain, autostart: int }), E),
  [P.REMOTE_PROC_DOMAIN_SET_MAX_MEMORY]: proc(struct({ dom: remote_nonnull_domain, memory: uhyper }), E),
  [P.REMOTE_PROC_DOMAIN_SET_MEMORY]: proc(struct({ dom: remote_nonnull_domain, memory: uhyper }), E),
  [P.REMOTE_PROC_DOMAIN_SET_VCPUS]: proc(struct({ dom: remote_nonnull_domain, nvcpus: uint }), E),
  [P.REMOTE_PROC_DOMAIN_SHUTDOWN]: proc(domOnly, E),
  [P.REMOTE_PROC_DOMAIN_SUSPEND]: proc(domOnly, E),
  [P.REMOTE_PROC_DOMAIN_UNDEFINE]: proc(domOnly, E),
  [P.REMOTE_PROC_CONNECT_LIST_DOMAINS]: proc(struct({ maxids: int }), struct({ ids: array(int, REMOTE_DOMAIN_LIST_MAX) })),
  [P.REMOTE_PROC_NETWORK_CREATE]: proc(netOnly, E),
  [P.REMOTE_PROC_NETWORK_DEFINE_XML]: proc(struct({ xml: remote_nonnull_string }), netRet),
  [P.REMOTE_PROC_NETWORK_DESTROY]: proc(netOnly, E),
  [P.REMOTE_PROC_NETWORK_GET_XML_DESC]: proc(struct({ net: remote_nonnull_network, flags: uint }), xmlRet),
  [P.REMOTE_PROC_NETWORK_GET_AUTOSTART]: proc(netOnly, autostartRet),
  [P.REMOTE_PROC_NETWORK_GET_BRIDGE_NAME]: proc(netOnly, struct({ name: remote_nonnull_string })),
  [P.REMOTE_PROC_NETWORK_LOOKUP_BY_NAME]: proc(struct(nameFlags), netRet),
  [P.REMOTE_PROC_NETWORK_LOOKUP_BY_UUID]: proc(struct({ uuid: remote_uuid }), netRet),
  [P.REMOTE_PROC_NETWORK_SET_AUTOSTART]: proc(struct({ net: remote_nonnull_network, autostart: int }), E),
  [P.REMOTE_PROC_NETWORK_UNDEFINE]: proc(netOnly, E),
  [P.REMOTE_PROC_CONNECT_NUM_OF_DOMAINS]: proc(E, numRet),
  [P.REMOTE_PROC_CONNECT_NUM_OF_NETWORKS]: proc(E, numRet),
  [P.REMOTE_PROC_CONNECT_GET_HOSTNAME]: proc(E, struct({ hostname: remote_nonnull_string })),
  [P.REMOTE_PROC_CONNECT_SUPPORTS_FEATURE]: proc(struct({ feature: int }), struct({ supported: int })),
  [P.REMOTE_PROC_DOMAIN_BLOCK_STATS]: proc(
    struct({ dom: remote_nonnull_domain, path: remote_nonnull_string }),
    struct({ rd_req: hyper, rd_bytes: hyper, wr_req: hyper, wr_bytes: hyper, errs: hyper }),
  ),
  [P.REMOTE_PROC_DOMAIN_INTERFACE_STATS]: proc(
    struct({ dom: remote_nonnull_domain, device: remote_nonnull_string }),
    struct({
      rx_bytes: hyper, rx_packets: hyper, rx_errs: hyper, rx_drop: hyper,
      tx_bytes: hyper, tx_packets: hyper, tx_errs: hyper, tx_drop: hyper,
    }),
  ),
  [P.REMOTE_PROC_AUTH_LIST]: proc(E, struct({ types: array(int, REMOTE_AUTH_TYPE_LIST_MAX) })),
  [P.REMOTE_PROC_CONNECT_NUM_OF_STORAGE_POOLS]: proc(E, numRet),
  [P.REMOTE_PROC_STORAGE_POOL_CREATE]: proc(poolFlags, E),
  [P.REMOTE_PROC_STORAGE_POOL_DESTROY]: proc(poolOnly, E),
  [P.REMOTE_PROC_STORAGE_POOL_DEFINE_XML]: proc(struct({ xml: remote_nonnull_string, flags: uint }), poolRet),
  [P.REMOTE_PROC_STORAGE_POOL_UNDEFINE]: proc(poolOnly, E),
  [P.REMOTE_PROC_STORAGE_POOL_REFRESH]: proc(poolFlags, E),
  [P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME]: proc(struct(nameFlags), poolRet),
  [P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_UUID]: proc(struct({ uuid: remote_uuid }), poolRet),
  [P.REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_VOLUME]: proc(struct({ vol: remote_nonnull_storage_vol }), poolRet),
  [P.REMOTE_PROC_STORAGE_POOL_GET_INFO]: proc(
    poolOnly,
    struct({ state: uchar, capacity: uhyper, allocation: uhyper, available: uhyper }),
  ),
  [P.REMOTE_PROC_STORAGE_POOL_GET_XML_DESC]: proc(poolFlags, xmlRet),
  [P.REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART]: proc(poolOnly, autostartRet),
  [P.REMOTE_PROC_STORAGE_POOL_SET_AUTOSTART]: proc(struct({ pool: remote_nonnull_storage_pool, autostart: int }), E),
  [P.REMOTE_PROC_STORAGE_POOL_NUM_OF_VOLUMES]: proc(poolOnly, numRet),
  [P.REMOTE_PROC_STORAGE_POOL_LIST_VOLUMES]: proc(
    struct({ pool: remote_nonnull_storage_pool, maxnames: int }),
    struct({ names: array(remote_nonnull_string, REMOTE_STORAGE_VOL_LIST_MAX) }),
  ),
  [P.REMOTE_PROC_STORAGE_VOL_CREATE_XML]: proc(
    struct({ pool: remote_nonnull_storage_pool, xml: remote_nonnull_string, flags: uint }),
    volRet,
  ),
  [P.REMOTE_PROC_STORAGE_VOL_DELETE]: proc(volFlags, E),
  [P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME]: proc(
    struct({ pool: remote_nonnull_storage_pool, name: remote_nonnull_string }),
    volRet,
  ),
  [P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_KEY]: proc(struct({ key: remote_nonnull_string }), volRet),
  [P.REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_PATH]: proc(struct({ path: remote_nonnull_string }), volRet),
  [P.REMOTE_PROC_STORAGE_VOL_GET_INFO]: proc(
    struct({ vol: remote_nonnull_storage_vol }),
    struct({ type: char, capacity: uhyper, allocation: uhyper }),
  ),
  [P.REMOTE_PROC_STORAGE_VOL_GET_INFO_FLAGS]: proc(volFlags, struct({ type: char, capacity: uhyper, allocation: uhyper })),
  [P.REMOTE_PROC_STORAGE_VOL_GET_XML_DESC]: proc(volFlags, xmlRet),
  [P.REMOTE_PROC_STORAGE_VOL_GET_PATH]: proc(struct({ vol: remote_nonnull_storage_vol }), struct({ name: remote_nonnull_string })),
  [P.REMOTE_PROC_NODE_GET_FREE_MEMORY]: proc(E, struct({ freeMem: uhyper })),
  [P.REMOTE_PROC_CONNECT_GET_URI]: proc(E, struct({ uri: remote_nonnull_string })),
  [P.REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL]: proc(
    domOnly,
    struct({ label: charArrayString(REMOTE_SECURITY_LABEL_MAX), enforcing: int }),
  ),
  [P.REMOTE_PROC_NODE_GET_SECURITY_MODEL]: proc(
    E,
    struct({ model: charArrayString(REMOTE_SECURITY_MODEL_MAX), doi: charArrayString(REMOTE_SECURITY_DOI_MAX) }),
  ),
  [P.REMOTE_PROC_CONNECT_IS_SECURE]: proc(E, struct({ secure: int })),
  [P.REMOTE_PROC_DOMAIN_IS_ACTIVE]: proc(domOnly, activeRet),
  [P.REMOTE_PROC_DOMAIN_IS_PERSISTENT]: proc(domOnly, persistentRet),
  [P.REMOTE_PROC_DOMAIN_IS_UPDATED]: proc(domOnly, struct({ updated: int })),
  [P.REMOTE_PROC_NETWORK_IS_ACTIVE]: proc(netOnly, activeRet),
  [P.REMOTE_PROC_NETWORK_IS_PERSISTENT]: proc(netOnly, persistentRet),
  [P.REMOTE_PROC_STORAGE_POOL_IS_ACTIVE]: proc(poolOnly, activeRet),
  [P.REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT]: proc(poolOnly, persistentRet),
  [P.REMOTE_PROC_CONNECT_GET_LIB_VERSION]: proc(E, struct({ lib_ver: uhyper })),
  [P.REMOTE_PROC_DOMAIN_MEMORY_STATS]: proc(
    struct({ dom: remote_nonnull_domain, maxStats: uint, flags: uint }),
    struct({ stats: array(remote_domain_memory_stat, REMOTE_DOMAIN_MEMORY_STATS_MAX) }),
  ),
  [P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER_ANY]: proc(struct({ eventID: int }), E),
  [P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER_ANY]: proc(struct({ eventID: int }), E),
  [P.REMOTE_PROC_DOMAIN_MANAGED_SAVE]: proc(domFlags, E),
  [P.REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE]: proc(domFlags, resultRet),
  [P.REMOTE_PROC_DOMAIN_MANAGED_SAVE_REMOVE]: proc(domFlags, E),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML]: proc(
    struct({ dom: remote_nonnull_domain, xml_desc: remote_nonnull_string, flags: uint }),
    snapRet,
  ),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC]: proc(snapFlags, xmlRet),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_NUM]: proc(domFlags, numRet),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_NAMES]: proc(
    struct({ dom: remote_nonnull_domain, maxnames: int, flags: uint }),
    struct({ names: array(remote_nonnull_string, REMOTE_DOMAIN_SNAPSHOT_LIST_MAX) }),
  ),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_LOOKUP_BY_NAME]: proc(
    struct({ dom: remote_nonnull_domain, name: remote_nonnull_string, flags: uint }),
    snapRet,
  ),
  [P.REMOTE_PROC_DOMAIN_HAS_CURRENT_SNAPSHOT]: proc(domFlags, resultRet),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT]: proc(domFlags, snapRet),
  [P.REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT]: proc(snapFlags, E),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_DELETE]: proc(snapFlags, E),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_GET_PARENT]: proc(snapFlags, snapRet),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_IS_CURRENT]: proc(snapFlags, struct({ current: int })),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_HAS_METADATA]: proc(snapFlags, struct({ metadata: int })),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_NUM_CHILDREN]: proc(snapFlags, numRet),
  [P.REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS]: proc(
    struct({ dom: remote_nonnull_domain, need_results: int, flags: uint }),
    struct({ snapshots: array(remote_nonnull_domain_snapshot, REMOTE_DOMAIN_SNAPSHOT_LIST_MAX), ret: int }),
  ),
  [P.REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN]: proc(
    struct({ snapshot: remote_nonnull_domain_snapshot, need_results: int, flags: uint }),
    struct({ snapshots: array(remote_nonnull_domain_snapshot, REMOTE_DOMAIN_SNAPSHOT_LIST_MAX), ret: int }),
  ),
  [P.REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS]: proc(domFlags, domRet),
  [P.REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS]: proc(struct({ dom: remote_nonnull_domain, nvcpus: uint, flags: uint }), E),
  [P.REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS]: proc(domFlags, numRet),
  [P.REMOTE_PROC_DOMAIN_OPEN_CONSOLE]: proc(struct({ dom: remote_nonnull_domain, dev_name: remote_string, flags: uint }), E),
  [P.REMOTE_PROC_CONNECT_GET_SYSINFO]: proc(struct({ flags: uint }), struct({ sysinfo: remote_nonnull_string })),
  [P.REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS]: proc(struct({ dom: remote_nonnull_domain, memory: uhyper, flags: uint }), E),
  [P.REMOTE_PROC_DOMAIN_UPDATE_DEVICE_FLAGS]: proc(struct({ dom: remote_nonnull_domain, xml: remote_nonnull_string, flags: uint }), E),
  [P.REMOTE_PROC_STORAGE_VOL_UPLOAD]: proc(
    struct({ vol: remote_nonnull_storage_vol, offset: uhyper, length: uhyper, flags: uint }),
    E,
  ),
  [P.REMOTE_PROC_STORAGE_VOL_DOWNLOAD]: proc(
    struct({ vol: remote_nonnull_storage_vol, offset: uhyper, length: uhyper, flags: uint }),
    E,
  ),
  [P.REMOTE_PROC_DOMAIN_SCREENSHOT]: proc(struct({ dom: remote_nonnull_domain, screen: uint, flags: uint }), struct({ mime: remote_string })),
  [P.REMOTE_PROC_DOMAIN_GET_STATE]: proc(domFlags, struct({ state: int, reason: int })),
  [P.REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS]: proc(domFlags, E),
  [P.REMOTE_PROC_DOMAIN_DESTROY_FLAGS]: proc(domFlags, E),
  [P.REMOTE_PROC_DOMAIN_RESET]: proc(domFlags, E),
  [P.REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS]: proc(domFlags, E),
  [P.REMOTE_PROC_DOMAIN_SET_METADATA]: proc(
    struct({ dom: remote_nonnull_domain, type: int, metadata: remote_string, key: remote_string, uri: remote_string, flags: uint }),
    E,
  ),
  [P.REMOTE_PROC_DOMAIN_GET_METADATA]: proc(
    struct({ dom: remote_nonnull_domain, type: int, uri: remote_string, flags: uint }),
    struct({ metadata: remote_nonnull_string }),
  ),
  [P.REMOTE_PROC_DOMAIN_GET_HOSTNAME]: proc(domFlags, struct({ hostname: remote_nonnull_string })),
  [P.REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS]: proc(
    struct({ need_results: int, flags: uint }),
    struct({ domains: array(remote_nonnull_domain, REMOTE_DOMAIN_LIST_MAX), ret: uint }),
  ),
  [P.REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS]: proc(
    struct({ need_results: int, flags: uint }),
    struct({ pools: array(remote_nonnull_storage_pool, REMOTE_STORAGE_POOL_LIST_MAX), ret: uint }),
  ),
  [P.REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES]: proc(
    struct({ pool: remote_nonnull_storage_pool, need_results: int, flags: uint }),
    struct({ vols: array(remote_nonnull_storage_vol, REMOTE_STORAGE_VOL_LIST_MAX), ret: uint }),
  ),
  [P.REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS]: proc(
    struct({ need_results: int, flags: uint }),
    struct({ nets: array(remote_nonnull_network, REMOTE_NETWORK_LIST_MAX), ret: uint }),
  ),
  [P.REMOTE_PROC_NODE_GET_CPU_MAP]: proc(
    struct({ need_map: int, need_online: int, flags: uint }),
    struct({ cpumap: opaque(REMOTE_CPUMAP_MAX), online: uint, ret: int }),
  ),
  [P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY]: proc(
    struct({ eventID: int, dom: remote_domain }),
    struct({ callbackID: int }),
  ),
  [P.REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY]: proc(struct({ callbackID: int }), E),
  [P.REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS]: proc(
    struct({ doms: array(remote_nonnull_domain, REMOTE_DOMAIN_LIST_MAX), stats: uint, flags: uint }),
    struct({ retStats: array(remote_domain_stats_record, REMOTE_DOMAIN_LIST_MAX) }),
  ),
  [P.REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS]: proc(struct({ xml: remote_nonnull_string, flags: uint }), domRet),
  [P.REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK]: proc(E, E),
  [P.REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK]: proc(E, E),
  [P.REMOTE_PROC_DOMAIN_GET_MESSAGES]: proc(domFlags, struct({ msgs: array(remote_nonnull_string, REMOTE_DOMAIN_MESSAGES_MAX) })),
  [P.REMOTE_PROC_DOMAIN_SAVE]: proc(struct({ dom: remote_nonnull_domain, to: remote_nonnull_string }), E),
  [P.REMOTE_PROC_DOMAIN_RESTORE]: proc(struct({ from: remote_nonnull_string }), E),
  [P.REMOTE_PROC_DOMAIN_SAVE_FLAGS]: proc(
    struct({ dom: remote_nonnull_domain, to: remote_nonnull_string, dxml: remote_string, flags: uint }),
    E,
  ),
  [P.REMOTE_PROC_DOMAIN_RESTORE_FLAGS]: proc(struct({ from: remote_nonnull_string, dxml: remote_string, flags: uint }), E),
  [P.REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC]: proc(struct({ file: remote_nonnull_string, flags: uint }), xmlRet),
  [P.REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES]: proc(
    struct({ dom: remote_nonnull_domain, source: uint, flags: uint }),
    struct({ ifaces: array(remote_domain_interface, REMOTE_DOMAIN_INTERFACE_MAX) }),
  ),
  [P.REMOTE_PROC_NODE_GET_CELLS_FREE_MEMORY]: proc(
    struct({ startCell: int, maxcells: int }),
    struct({ cells: array(uhyper, REMOTE_NODE_MAX_CELLS) }),
  ),
} as const;

export type RemoteProcNumber = keyof typeof remoteProcs;
export type RemoteArgs<N extends RemoteProcNumber> = Infer<(typeof remoteProcs)[N]["args"]>;
export type RemoteRet<N extends RemoteProcNumber> = Infer<(typeof remoteProcs)[N]["ret"]>;

/** Event MESSAGE payloads (remote_<proc>_msg). */
export const remoteMsgs = {
  [P.REMOTE_PROC_DOMAIN_EVENT_LIFECYCLE]: lifecycleMsg,
  [P.REMOTE_PROC_DOMAIN_EVENT_REBOOT]: rebootMsg,
  [P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE]: struct({ callbackID: int, msg: lifecycleMsg }),
  [P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT]: struct({ callbackID: int, msg: rebootMsg }),
  [P.REMOTE_PROC_DOMAIN_EVENT_TRAY_CHANGE]: trayChangeMsg,
  [P.REMOTE_PROC_DOMAIN_EVENT_CALLBACK_TRAY_CHANGE]: struct({ callbackID: int, msg: trayChangeMsg }),
  [P.REMOTE_PROC_CONNECT_EVENT_CONNECTION_CLOSED]: struct({ reason: int }),
} as const;
export type RemoteMsgNumber = keyof typeof remoteMsgs;
export type RemoteMsg<N extends RemoteMsgNumber> = Infer<(typeof remoteMsgs)[N]>;

/** Untyped lookup for dispatch tables. */
export function remoteProcCodecs(proc: number): ProcCodecs<unknown, unknown> | undefined {
  return (remoteProcs as Record<number, ProcCodecs<unknown, unknown> | undefined>)[proc];
}
