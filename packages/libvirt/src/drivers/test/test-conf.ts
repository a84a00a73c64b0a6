// What the test driver needs from the XML configuration layer (src/conf in libvirt: domain_conf,
// network_conf, storage_conf, snapshot_conf, capabilities). The driver keeps object state
// (running/paused, ids, autostart, snapshots tree) itself and treats definitions as opaque values
// that this interface parses, formats, reads and edits, so the same driver runs on any conf
// implementation; `conf-binding.ts` binds it to packages/libvirt/src/conf.

/** VIR_DOMAIN_DEF_PARSE_* (domain_conf.h) the test driver passes. */
export const VIR_DOMAIN_DEF_PARSE_INACTIVE = 1 << 1;
export const VIR_DOMAIN_DEF_PARSE_VALIDATE_SCHEMA = 1 << 6;
export const VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE = 1 << 8;

export interface DiskInfo {
  /** <target dev> */
  dst: string;
  /** <source file|dev|...> or "" */
  src: string;
}

/** One <interface> as testDomainInterfaceAddresses reads it. */
export interface NetInterfaceInfo {
  /** virDomainNetType name: "network", "bridge", "user", ... */
  type: string;
  /** <source network=...> of a type='network' interface, else null */
  network: string | null;
  /** canonical "aa:bb:cc:dd:ee:ff" */
  mac: string;
  /** <target dev=...>, null when none */
  ifname: string | null;
}

/** An IP address as raw bytes in network order (4 for IPv4, 16 for IPv6). */
export interface IPAddressBytes {
  family: "ipv4" | "ipv6";
  bytes: number[];
}

export interface DomainConfOps<Def> {
  /** virDomainDefParseString (flags: VIR_DOMAIN_DEF_PARSE_*), post-parse defaults applied. */
  parse(xml: string, flags: number): Def;
  /** virDomainDefFormat with VIR_DOMAIN_XML_* flags; `id` non-null formats the live id attribute. */
  format(def: Def, flags: number, id: number | null): string;
  copy(def: Def): Def;
  name(def: Def): string;
  /** Raw 16-byte UUID. */
  uuid(def: Def): Uint8Array;
  /** virDomainDefGetMemoryTotal, KiB. */
  maxMemory(def: Def): number;
  setMaxMemory(def: Def, kib: number): void;
  /** def->mem.cur_balloon, KiB. */
  currentMemory(def: Def): number;
  setCurrentMemory(def: Def, kib: number): void;
  /** max_memory (memory hotplug), 0 when not set. */
  hotplugMemoryMax(def: Def): number;
  numaNodeCount(def: Def): number;
  vcpus(def: Def): number;
  maxVcpus(def: Def): number;
  setVcpus(def: Def, n: number): void;
  setMaxVcpus(def: Def, n: number): void;
  osType(def: Def): string;
  /** <vcpu cpuset=...> as host CPU numbers (def->cpumask), null when absent. */
  cpuset(def: Def): number[] | null;
  disks(def: Def): DiskInfo[];
  hasMemballoon(def: Def): boolean;
  /** Lifecycle actions as their XML names ("destroy", "restart", "preserve", ...). */
  onPoweroff(def: Def): string;
  onReboot(def: Def): string;
  /** Interfaces without a target dev get "testnetN" (testDomainGenerateIfnames). */
  generateIfnames(def: Def): void;
  /** <title> / <description> (null if absent). */
  title(def: Def): string | null;
  description(def: Def): string | null;
  setTitle(def: Def, v: string | null): void;
  setDescription(def: Def, v: string | null): void;
  interfaces(def: Def): NetInterfaceInfo[];
}

export interface SnapshotDefInfo {
  name: string;
  description: string | null;
  /** Creation time (seconds), set by the driver when absent. */
  creationTime: number | null;
  /** Snapshot state as its XML name (running, paused, shutoff, disk-snapshot). */
  state: string | null;
}

export interface SnapshotConfOps<Def, Snap> {
  /** virDomainSnapshotDefParseString. */
  parse(xml: string, flags: number): Snap;
  info(snap: Snap): SnapshotDefInfo;
  /** Fill in what the driver decides: creation time, state, the domain copy and the parent. */
  complete(snap: Snap, domain: Def, state: string, creationTime: number, parent: string | null): void;
  /** virDomainSnapshotDefFormat. */
  format(snap: Snap, flags: number, current: boolean): string;
  domain(snap: Snap): Def | null;
}

export interface NetworkConfOps<Net> {
  parse(xml: string): Net;
  format(net: Net, flags: number): string;
  name(net: Net): string;
  uuid(net: Net): Uint8Array;
  bridge(net: Net): string | null;
  /**
   * The first <ip> of the network as testDomainInterfaceAddressFromNet uses it: where its
   * first DHCP range starts (the address itself without a range) and the prefix
   * (virSocketAddrGetIPPrefix, -1 when none can be derived). Null for a network without <ip>.
   */
  firstIP(net: Net): { start: IPAddressBytes; prefix: number } | null;
  /** virSocketAddrFormat. */
  formatIP(addr: IPAddressBytes): string;
}

export interface PoolConfOps<Pool, Vol> {
  parse(xml: string): Pool;
  format(pool: Pool, flags: number, stats: { capacity: number; allocation: number; available: number }): string;
  name(pool: Pool): string;
  uuid(pool: Pool): Uint8Array;
  /** <pool type=...> name ("dir", "logical", ...). */
  type(pool: Pool): string;
  targetPath(pool: Pool): string;
  parseVol(pool: Pool, xml: string, flags: number): Vol;
  formatVol(pool: Pool, vol: Vol, flags: number): string;
  volName(vol: Vol): string;
  volCapacity(vol: Vol): number;
  volAllocation(vol: Vol): number;
  /** Set the driver-decided path and key. */
  setVolPath(vol: Vol, path: string, key: string): void;
}

/**
 * Everything but `domain` is optional: a configuration layer without network, storage, snapshot
 * or capabilities support leaves those objects out of the test driver (they are then absent,
 * and the APIs that need them report VIR_ERR_NO_SUPPORT).
 */
export interface TestConf<Def = unknown, Snap = unknown, Net = unknown, Pool = unknown, Vol = unknown> {
  domain: DomainConfOps<Def>;
  snapshot?: SnapshotConfOps<Def, Snap>;
  network?: NetworkConfOps<Net>;
  pool?: PoolConfOps<Pool, Vol>;
  /** The test driver's capabilities document (testBuildCapabilities). */
  capabilities?: () => string;
}
