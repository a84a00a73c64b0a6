// The test driver (src/test/test_driver.c, libvirt 9.0): an in-memory hypervisor with the
// built-in default configuration (domain "test" running, network "default", pool
// "default-pool", the virNodeInfo below). test:///default state is shared by every connection
// in the process and reset when the last one closes, as testOpenDefault/testConnectClose do.
import { hostname } from "node:os";
import { readFileSync } from "node:fs";
import * as C from "../../api/constants.js";
import { checkSupportedFlags, formatUUID } from "../../api/check.js";
import type { Stream } from "../../api/stream.js";
import type {
  ConnectDriver,
  DomainEvent,
  DomainEventCallback,
  DomainInterface,
  DomainRef,
  DomainSnapshotRef,
  HypervisorConnection,
  NetworkRef,
  NodeInfo,
  StoragePoolRef,
  StorageVolRef,
  TypedParam,
  VcpuInfo,
  VirURI,
} from "../../api/driver.js";
import { VirError, virError } from "../../errors/vir-error.js";
import { VIR_ERR_ERROR, VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";
import { VIR_DOMAIN_DEF_PARSE_INACTIVE, VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE, VIR_DOMAIN_DEF_PARSE_VALIDATE_SCHEMA, type TestConf } from "./test-conf.js";
import { readTestSaveImage, writeTestSaveImage } from "./test-save-image.js";
import { TEST_DEFAULT_CONFIG, parseTestConfig } from "./test-default-config.js";

const TEST = VirErrorDomain.VIR_FROM_TEST;
const E = VirErrorNumber;

/** testDriver's defaultNodeInfo: "i686", 3 GiB, 16 CPUs at 1400 MHz, 2 nodes x 2 sockets x 2 cores x 2 threads. */
export const TEST_DEFAULT_NODE_INFO: Readonly<NodeInfo> = {
  model: "i686",
  memory: 1024 * 1024 * 3,
  cpus: 16,
  mhz: 1400,
  nodes: 2,
  sockets: 2,
  cores: 2,
  threads: 2,
};
/** defaultPoolCap: 100 GiB. */
export const TEST_DEFAULT_POOL_CAPACITY = 100 * 1024 * 1024 * 1024;
export const TEST_HV_VERSION = 2; // testConnectGetVersion: 0.0.2
export const TEST_MAX_VCPUS = 32; // testConnectGetMaxVcpus
export const TEST_SECURITY_MODEL = "testSecurity";
/** PKGDATADIR "/test-screenshot.png" of a Debian libvirt install (libvirt-daemon ships it). */
export const TEST_SCREENSHOT_PATH = process.env.VIRTKIT_TEST_SCREENSHOT ?? "/usr/share/libvirt/test-screenshot.png";

function err(code: number, detail?: string | null): VirError {
  return virError(TEST, code, detail ?? null);
}

function sameUUID(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface SnapObj<Snap> {
  def: Snap;
  name: string;
  parent: string | null;
}

interface DomObj<Def, Snap> {
  def: Def;
  /** The persistent definition while the domain runs (virDomainObj newDef). */
  newDef: Def | null;
  id: number;
  state: number;
  reason: number;
  persistent: boolean;
  autostart: boolean;
  hasManagedSave: boolean;
  snapshots: Map<string, SnapObj<Snap>>;
  currentSnapshot: string | null;
  /** Order of creation, which virsh does not rely on but keeps listings stable. */
  seq: number;
}

interface NetObj<Net> {
  def: Net;
  active: boolean;
  persistent: boolean;
  autostart: boolean;
}

interface PoolObj<Pool, Vol> {
  def: Pool;
  active: boolean;
  persistent: boolean;
  autostart: boolean;
  capacity: number;
  allocation: number;
  available: number;
  vols: Vol[];
}

interface EventCallback {
  id: number;
  conn: TestConnection;
  dom: Uint8Array | null;
  eventID: number;
  cb: DomainEventCallback;
}

/** One test driver instance (testDriver): what all connections to the same config share. */
export class TestDriverState<Def = unknown, Snap = unknown, Net = unknown, Pool = unknown, Vol = unknown> {
  nodeInfo: NodeInfo = { ...TEST_DEFAULT_NODE_INFO };
  /**
   * testCell: testOpenDefault sets up 2 NUMA cells, mem (i + 1) * 2048 * 1024 and freeMem
   * (i + 1) * 1024 * 1024; a file config has none (testOpenFromFile sets numCells = 0).
   */
  cells: { mem: number; freeMem: number }[] = [];
  readonly domains: DomObj<Def, Snap>[] = [];
  readonly networks: NetObj<Net>[] = [];
  readonly pools: PoolObj<Pool, Vol>[] = [];
  private nextDomID = 1;
  private seq = 0;
  private readonly callbacks: EventCallback[] = [];
  private nextCallbackID = 0;
  refs = 0;

  constructor(readonly conf: TestConf<Def, Snap, Net, Pool, Vol>) {}

  /** testOpenFromFile / testOpenDefault: populate from a <node> document. */
  load(xml: string): void {
    const cfg = parseTestConfig(xml);
    if (cfg.nodeInfo) this.nodeInfo = { ...this.nodeInfo, ...cfg.nodeInfo };
    for (const d of cfg.domains) {
      const def = this.conf.domain.parse(d.xml, VIR_DOMAIN_DEF_PARSE_INACTIVE);
      this.conf.domain.generateIfnames(def);
      const obj = this.addDomain(def, !d.transient);
      obj.hasManagedSave = d.hasManagedSave;
      if (d.runstate !== C.VIR_DOMAIN_SHUTOFF) this.startState(obj, C.VIR_DOMAIN_RUNNING_BOOTED);
      else this.shutdownState(obj, 0);
      obj.state = d.runstate;
      obj.reason = 0;
    }
    const netConf = this.conf.network;
    for (const n of netConf ? cfg.networks : []) {
      const def = netConf!.parse(n);
      this.networks.push({ def, active: true, persistent: true, autostart: false });
    }
    const poolConf = this.conf.pool;
    for (const p of poolConf ? cfg.pools : []) {
      const def = poolConf!.parse(p.xml);
      const pool: PoolObj<Pool, Vol> = {
        def,
        active: true,
        persistent: true,
        autostart: false,
        capacity: TEST_DEFAULT_POOL_CAPACITY,
        allocation: 0,
        available: TEST_DEFAULT_POOL_CAPACITY,
        vols: [],
      };
      for (const v of p.volumes) this.addVolume(pool, v, 0);
      this.pools.push(pool);
    }
  }

  // ---- domains ----
  addDomain(def: Def, persistent: boolean): DomObj<Def, Snap> {
    const obj: DomObj<Def, Snap> = {
      def,
      newDef: null,
      id: -1,
      state: C.VIR_DOMAIN_SHUTOFF,
      reason: C.VIR_DOMAIN_SHUTOFF_UNKNOWN,
      persistent,
      autostart: false,
      hasManagedSave: false,
      snapshots: new Map(),
      currentSnapshot: null,
      seq: this.seq++,
    };
    this.domains.push(obj);
    return obj;
  }

  removeDomain(obj: DomObj<Def, Snap>): void {
    const i = this.domains.indexOf(obj);
    if (i >= 0) this.domains.splice(i, 1);
  }

  ref(obj: DomObj<Def, Snap>): DomainRef {
    return { name: this.conf.domain.name(obj.def), uuid: this.conf.domain.uuid(obj.def), id: obj.id };
  }

  isActive(obj: DomObj<Def, Snap>): boolean {
    return obj.id !== -1;
  }

  /** testDomainStartState. */
  startState(obj: DomObj<Def, Snap>, reason: number): void {
    obj.state = C.VIR_DOMAIN_RUNNING;
    obj.reason = reason;
    obj.id = this.nextDomID++;
    // virDomainObjSetDefTransient: the running def becomes a copy, the config stays as newDef.
    if (obj.persistent && !obj.newDef) {
      obj.newDef = obj.def;
      obj.def = this.conf.domain.copy(obj.def);
    }
    obj.hasManagedSave = false;
  }

  /** testDomainShutdownState. */
  shutdownState(obj: DomObj<Def, Snap>, reason: number): void {
    // virDomainObjRemoveTransientDef
    if (obj.newDef) {
      obj.def = obj.newDef;
      obj.newDef = null;
    }
    obj.state = C.VIR_DOMAIN_SHUTOFF;
    obj.reason = reason;
    obj.id = -1;
  }

  findByUUID(uuid: Uint8Array): DomObj<Def, Snap> | undefined {
    return this.domains.find((d) => sameUUID(this.conf.domain.uuid(d.def), uuid));
  }
  findByName(name: string): DomObj<Def, Snap> | undefined {
    return this.domains.find((d) => this.conf.domain.name(d.def) === name);
  }

  // ---- events (virObjectEventState) ----
  register(conn: TestConnection, dom: Uint8Array | null, eventID: number, cb: DomainEventCallback): number {
    const id = this.nextCallbackID++;
    this.callbacks.push({ id, conn, dom, eventID, cb });
    return id;
  }

  deregister(conn: TestConnection, id: number): void {
    const i = this.callbacks.findIndex((c) => c.id === id && c.conn === conn);
    if (i < 0) throw err(E.VIR_ERR_INVALID_ARG, `could not find event callback ${id} for deletion`);
    this.callbacks.splice(i, 1);
  }

  dropConnection(conn: TestConnection): void {
    for (let i = this.callbacks.length - 1; i >= 0; i--) if (this.callbacks[i]!.conn === conn) this.callbacks.splice(i, 1);
  }

  /** virObjectEventStateQueue: delivered from the event loop, after the API call returns. */
  queue(ev: DomainEvent): void {
    setImmediate(() => {
      for (const c of [...this.callbacks]) {
        if (c.eventID !== ev.eventID) continue;
        if (c.dom && !sameUUID(c.dom, ev.dom.uuid)) continue;
        try {
          c.cb(ev);
        } catch {
          /* a failing callback must not break delivery to the others */
        }
      }
    });
  }

  lifecycle(obj: DomObj<Def, Snap>, event: number, detail: number): void {
    this.queue({ eventID: C.VIR_DOMAIN_EVENT_ID_LIFECYCLE, dom: this.ref(obj), event, detail });
  }

  // ---- storage ----
  addVolume(pool: PoolObj<Pool, Vol>, xml: string, flags: number): Vol {
    const p = this.conf.pool;
    if (!p) throw err(E.VIR_ERR_NO_SUPPORT, "virStorageVolCreateXML");
    const vol = p.parseVol(pool.def, xml, flags);
    const name = p.volName(vol);
    if (pool.vols.some((v) => p.volName(v) === name)) throw err(E.VIR_ERR_OPERATION_FAILED, "storage vol already exists");
    if (pool.allocation + p.volAllocation(vol) > pool.capacity) {
      throw err(E.VIR_ERR_INTERNAL_ERROR, `Not enough free space in pool for volume '${name}'`);
    }
    const path = `${p.targetPath(pool.def)}/${name}`;
    p.setVolPath(vol, path, path);
    pool.vols.push(vol);
    pool.allocation += p.volAllocation(vol);
    pool.available = pool.capacity - pool.allocation;
    return vol;
  }
}

/** One test:// connection: the driver table over a (possibly shared) TestDriverState. */
export class TestConnection implements HypervisorConnection {
  readonly type = "TEST";
  private closed = false;

  constructor(
    readonly state: TestDriverState,
    private readonly onClose: () => void,
    private readonly uri: string,
  ) {}

  private get conf() {
    return this.state.conf;
  }
  /** The configuration layer's network/storage/snapshot support, or VIR_ERR_NO_SUPPORT. */
  private get netConf() {
    const c = this.state.conf.network;
    if (!c) throw virError(VirErrorDomain.VIR_FROM_NETWORK, E.VIR_ERR_NO_SUPPORT, "network XML");
    return c;
  }
  private get poolConf() {
    const c = this.state.conf.pool;
    if (!c) throw virError(VirErrorDomain.VIR_FROM_STORAGE, E.VIR_ERR_NO_SUPPORT, "storage XML");
    return c;
  }
  private get snapConf() {
    const c = this.state.conf.snapshot;
    if (!c) throw virError(VirErrorDomain.VIR_FROM_DOMAIN_SNAPSHOT, E.VIR_ERR_NO_SUPPORT, "snapshot XML");
    return c;
  }

  connectClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.state.dropConnection(this);
    this.onClose();
  }

  connectGetType(): string {
    return "TEST";
  }
  connectGetVersion(): number {
    return TEST_HV_VERSION;
  }
  connectGetHostname(): string {
    return hostname();
  }
  connectGetURI(): string {
    return this.uri;
  }
  connectGetMaxVcpus(): number {
    return TEST_MAX_VCPUS;
  }
  connectGetCapabilities(): string {
    if (!this.conf.capabilities) throw err(E.VIR_ERR_NO_SUPPORT, "virConnectGetCapabilities");
    return this.conf.capabilities();
  }
  connectGetSysinfo(flags: number): string {
    checkSupportedFlags(flags, 0, "testConnectGetSysinfo", TEST);
    return (
      "<sysinfo type='smbios'>\n  <bios>\n    <entry name='vendor'>LENOVO</entry>\n" +
      "    <entry name='version'>G4ETA1WW (2.61 )</entry>\n    <entry name='date'>05/07/2014</entry>\n" +
      "    <entry name='release'>2.61</entry>\n  </bios>\n</sysinfo>\n"
    );
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
  /** testConnectSupportsFeature: TYPED_PARAM_STRING (9) and NETWORK_UPDATE_HAS_CORRECT_ORDER (16). */
  connectSupportsFeature(feature: number): boolean {
    return feature === 9 || feature === 16;
  }
  nodeGetInfo(): NodeInfo {
    return { ...this.state.nodeInfo };
  }
  /**
   * testNodeGetFreeMemory: the sum of the cells' freeMem (the default config has 1 MiB + 2 MiB),
   * added up in an `unsigned int` as test_driver.c does.
   */
  nodeGetFreeMemory(): number {
    let sum = 0;
    for (const c of this.state.cells) sum = (sum + c.freeMem) >>> 0;
    return sum;
  }
  /** testNodeGetCellsFreeMemory: reports each cell's `mem` (not freeMem), as test_driver.c does. */
  nodeGetCellsFreeMemory(startCell: number, maxCells: number): number[] {
    const cells = this.state.cells;
    if (startCell >= cells.length) throw err(E.VIR_ERR_INVALID_ARG, "Range exceeds available cells");
    return cells.slice(startCell, startCell + maxCells).map((c) => c.mem);
  }
  nodeGetSecurityModel() {
    return { model: TEST_SECURITY_MODEL, doi: "" };
  }
  /** testNodeGetCPUMap: 8 CPUs, map 0x15, 3 online. */
  nodeGetCPUMap(flags: number) {
    checkSupportedFlags(flags, 0, "testNodeGetCPUMap", TEST);
    return { cpus: 8, online: 3, map: Uint8Array.of(0x15) };
  }

  // ---- domain lookup ----
  private obj(ref: DomainRef) {
    const o = this.state.findByUUID(ref.uuid);
    if (!o) throw err(E.VIR_ERR_NO_DOMAIN, `no domain with matching uuid '${formatUUID(ref.uuid)}' (${ref.name})`);
    return o;
  }

  connectNumOfDomains(): number {
    return this.state.domains.filter((d) => this.state.isActive(d)).length;
  }
  connectListDomains(maxids: number): number[] {
    return this.state.domains.filter((d) => this.state.isActive(d)).map((d) => d.id).slice(0, Math.max(0, maxids));
  }
  connectNumOfDefinedDomains(): number {
    return this.state.domains.filter((d) => !this.state.isActive(d)).length;
  }
  connectListDefinedDomains(maxnames: number): string[] {
    return this.state.domains.filter((d) => !this.state.isActive(d)).map((d) => this.conf.domain.name(d.def)).slice(0, Math.max(0, maxnames));
  }
  /** virDomainObjListExport with the VIR_CONNECT_LIST_DOMAINS_* filters. */
  connectListAllDomains(flags: number): DomainRef[] {
    checkSupportedFlags(flags, 0xffff, "testConnectListAllDomains", TEST);
    return this.state.domains.filter((d) => this.matches(d, flags)).map((d) => this.state.ref(d));
  }

  private matches(d: DomObj<unknown, unknown>, flags: number): boolean {
    const active = this.state.isActive(d);
    const pair = (a: number, b: number, v: boolean) => !(flags & (a | b)) || (flags & a && v) || (flags & b && !v);
    if (!pair(C.VIR_CONNECT_LIST_DOMAINS_ACTIVE, C.VIR_CONNECT_LIST_DOMAINS_INACTIVE, active)) return false;
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
    if (!pair(C.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE, C.VIR_CONNECT_LIST_DOMAINS_NO_MANAGEDSAVE, d.hasManagedSave)) return false;
    if (!pair(C.VIR_CONNECT_LIST_DOMAINS_AUTOSTART, C.VIR_CONNECT_LIST_DOMAINS_NO_AUTOSTART, d.autostart)) return false;
    if (!pair(C.VIR_CONNECT_LIST_DOMAINS_HAS_SNAPSHOT, C.VIR_CONNECT_LIST_DOMAINS_NO_SNAPSHOT, d.snapshots.size > 0)) return false;
    if (flags & C.VIR_CONNECT_LIST_DOMAINS_HAS_CHECKPOINT) return false;
    return true;
  }

  domainLookupByID(id: number): DomainRef {
    const o = this.state.domains.find((d) => d.id === id && id !== -1);
    if (!o) throw err(E.VIR_ERR_NO_DOMAIN);
    return this.state.ref(o);
  }
  domainLookupByName(name: string): DomainRef {
    const o = this.state.findByName(name);
    if (!o) throw err(E.VIR_ERR_NO_DOMAIN);
    return this.state.ref(o);
  }
  domainLookupByUUID(uuid: Uint8Array): DomainRef {
    const o = this.state.findByUUID(uuid);
    if (!o) throw err(E.VIR_ERR_NO_DOMAIN);
    return this.state.ref(o);
  }

  // ---- define / create ----
  /** virDomainObjListAdd's checks for a new definition against existing ones. */
  private checkNewDef(def: unknown, live: boolean): DomObj<unknown, unknown> | null {
    const name = this.conf.domain.name(def);
    const uuid = this.conf.domain.uuid(def);
    const byUUID = this.state.findByUUID(uuid);
    if (byUUID) {
      const oldName = this.conf.domain.name(byUUID.def);
      if (oldName !== name) {
        throw virError(VirErrorDomain.VIR_FROM_DOMAIN, E.VIR_ERR_OPERATION_FAILED, `domain '${oldName}' is already defined with uuid ${formatUUID(uuid)}`);
      }
      if (live && this.state.isActive(byUUID)) {
        throw virError(VirErrorDomain.VIR_FROM_DOMAIN, E.VIR_ERR_OPERATION_INVALID, `domain '${name}' is already active`);
      }
      return byUUID;
    }
    const byName = this.state.findByName(name);
    if (byName) {
      throw virError(VirErrorDomain.VIR_FROM_DOMAIN, E.VIR_ERR_OPERATION_FAILED, `domain '${name}' already exists with uuid ${formatUUID(this.conf.domain.uuid(byName.def))}`);
    }
    return null;
  }

  domainCreateXML(xml: string, flags: number): DomainRef {
    checkSupportedFlags(flags, C.VIR_DOMAIN_START_VALIDATE, "testDomainCreateXML", TEST);
    let parse = VIR_DOMAIN_DEF_PARSE_INACTIVE;
    if (flags & C.VIR_DOMAIN_START_VALIDATE) parse |= VIR_DOMAIN_DEF_PARSE_VALIDATE_SCHEMA;
    const def = this.conf.domain.parse(xml, parse);
    this.conf.domain.generateIfnames(def);
    const existing = this.checkNewDef(def, true);
    let obj: DomObj<unknown, unknown>;
    if (existing) {
      // A persistent inactive domain started with new live config.
      existing.newDef = existing.def;
      existing.def = def;
      obj = existing;
    } else {
      obj = this.state.addDomain(def, false);
    }
    this.state.startState(obj, C.VIR_DOMAIN_RUNNING_BOOTED);
    this.state.lifecycle(obj, C.VIR_DOMAIN_EVENT_STARTED, C.VIR_DOMAIN_EVENT_STARTED_BOOTED);
    return this.state.ref(obj);
  }

  domainDefineXMLFlags(xml: string, flags: number): DomainRef {
    checkSupportedFlags(flags, C.VIR_DOMAIN_DEFINE_VALIDATE, "testDomainDefineXMLFlags", TEST);
    let parse = VIR_DOMAIN_DEF_PARSE_INACTIVE;
    if (flags & C.VIR_DOMAIN_DEFINE_VALIDATE) parse |= VIR_DOMAIN_DEF_PARSE_VALIDATE_SCHEMA;
    const def = this.conf.domain.parse(xml, parse);
    this.conf.domain.generateIfnames(def);
    const existing = this.checkNewDef(def, false);
    let obj: DomObj<unknown, unknown>;
    let detail: number = C.VIR_DOMAIN_EVENT_DEFINED_ADDED;
    if (existing) {
      if (this.state.isActive(existing)) existing.newDef = def;
      else existing.def = def;
      existing.persistent = true;
      obj = existing;
      detail = C.VIR_DOMAIN_EVENT_DEFINED_UPDATED;
    } else {
      obj = this.state.addDomain(def, true);
    }
    this.state.lifecycle(obj, C.VIR_DOMAIN_EVENT_DEFINED, detail);
    return this.state.ref(obj);
  }

  domainUndefineFlags(ref: DomainRef, flags: number): void {
    checkSupportedFlags(flags, C.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | C.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA, "testDomainUndefineFlags", TEST);
    const o = this.obj(ref);
    if (o.hasManagedSave && !(flags & C.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)) {
      throw err(E.VIR_ERR_OPERATION_INVALID, "Refusing to undefine while domain managed save image exists");
    }
    if (!this.state.isActive(o) && o.snapshots.size > 0 && !(flags & C.VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA)) {
      throw err(E.VIR_ERR_OPERATION_INVALID, `cannot delete inactive domain with ${o.snapshots.size} snapshots`);
    }
    this.state.lifecycle(o, C.VIR_DOMAIN_EVENT_UNDEFINED, C.VIR_DOMAIN_EVENT_UNDEFINED_REMOVED);
    o.hasManagedSave = false;
    if (!o.persistent && !this.state.isActive(o)) {
      this.state.removeDomain(o);
      return;
    }
    if (!o.persistent) throw virError(VirErrorDomain.VIR_FROM_DOMAIN, E.VIR_ERR_OPERATION_INVALID, "cannot undefine transient domain");
    if (this.state.isActive(o)) {
      o.persistent = false;
      o.newDef = null;
    } else this.state.removeDomain(o);
  }

  // ---- lifecycle ----
  domainCreateWithFlags(ref: DomainRef, flags: number): DomainRef {
    checkSupportedFlags(flags, 0, "testDomainCreateWithFlags", TEST);
    const o = this.obj(ref);
    if (o.state !== C.VIR_DOMAIN_SHUTOFF) throw err(E.VIR_ERR_INTERNAL_ERROR, `Domain '${ref.name}' is already running`);
    this.state.startState(o, C.VIR_DOMAIN_RUNNING_BOOTED);
    this.state.lifecycle(o, C.VIR_DOMAIN_EVENT_STARTED, C.VIR_DOMAIN_EVENT_STARTED_BOOTED);
    return this.state.ref(o);
  }

  private checkActive(o: DomObj<unknown, unknown>): void {
    if (!this.state.isActive(o)) throw virError(VirErrorDomain.VIR_FROM_DOMAIN, E.VIR_ERR_OPERATION_INVALID, "domain is not running");
  }

  /** After a stop: transient domains disappear. */
  private stopped(o: DomObj<unknown, unknown>, reason: number, detail: number): void {
    this.state.shutdownState(o, reason);
    this.state.lifecycle(o, C.VIR_DOMAIN_EVENT_STOPPED, detail);
    if (!o.persistent) this.state.removeDomain(o);
  }

  domainDestroyFlags(ref: DomainRef, flags: number): void {
    checkSupportedFlags(flags, C.VIR_DOMAIN_DESTROY_GRACEFUL, "testDomainDestroyFlags", TEST);
    const o = this.obj(ref);
    this.checkActive(o);
    this.stopped(o, C.VIR_DOMAIN_SHUTOFF_DESTROYED, C.VIR_DOMAIN_EVENT_STOPPED_DESTROYED);
  }

  /** testDomainActionSetState: what on_poweroff / on_reboot do to the test domain. */
  private actionSetState(o: DomObj<unknown, unknown>, action: string): void {
    switch (action) {
      case "destroy":
        o.state = C.VIR_DOMAIN_SHUTOFF;
        o.reason = C.VIR_DOMAIN_SHUTOFF_SHUTDOWN;
        break;
      case "restart":
      case "rename-restart":
        o.state = C.VIR_DOMAIN_RUNNING;
        o.reason = C.VIR_DOMAIN_RUNNING_BOOTED;
        break;
      case "preserve":
        o.state = C.VIR_DOMAIN_SHUTDOWN;
        o.reason = C.VIR_DOMAIN_SHUTDOWN_UNKNOWN;
        break;
      case "coredump-restart":
        o.state = C.VIR_DOMAIN_RUNNING;
        o.reason = C.VIR_DOMAIN_RUNNING_CRASHED;
        break;
      case "coredump-destroy":
        o.state = C.VIR_DOMAIN_SHUTOFF;
        o.reason = C.VIR_DOMAIN_SHUTOFF_CRASHED;
        break;
      default:
        o.state = C.VIR_DOMAIN_SHUTOFF;
        o.reason = C.VIR_DOMAIN_SHUTOFF_SHUTDOWN;
    }
  }

  domainShutdownFlags(ref: DomainRef, flags: number): void {
    checkSupportedFlags(flags, 0, "testDomainShutdownFlags", TEST);
    const o = this.obj(ref);
    if (o.state === C.VIR_DOMAIN_SHUTOFF) throw err(E.VIR_ERR_INTERNAL_ERROR, `domain '${ref.name}' not running`);
    this.actionSetState(o, this.conf.domain.onPoweroff(o.def));
    if (o.state === C.VIR_DOMAIN_SHUTOFF) this.stopped(o, C.VIR_DOMAIN_SHUTOFF_SHUTDOWN, C.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN);
  }

  domainReboot(ref: DomainRef, flags: number): void {
    checkSupportedFlags(
      flags,
      C.VIR_DOMAIN_REBOOT_DEFAULT | C.VIR_DOMAIN_REBOOT_ACPI_POWER_BTN | C.VIR_DOMAIN_REBOOT_GUEST_AGENT |
        C.VIR_DOMAIN_REBOOT_INITCTL | C.VIR_DOMAIN_REBOOT_SIGNAL | C.VIR_DOMAIN_REBOOT_PARAVIRT,
      "testDomainReboot",
      TEST,
    );
    const o = this.obj(ref);
    this.checkActive(o);
    this.actionSetState(o, this.conf.domain.onReboot(o.def));
    if (o.state === C.VIR_DOMAIN_SHUTOFF) this.stopped(o, C.VIR_DOMAIN_SHUTOFF_SHUTDOWN, C.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN);
  }

  /** testDomainReset: only checks the domain is active. */
  domainReset(ref: DomainRef, flags: number): void {
    checkSupportedFlags(flags, 0, "testDomainReset", TEST);
    this.checkActive(this.obj(ref));
  }

  domainSuspend(ref: DomainRef): void {
    const o = this.obj(ref);
    if (o.state === C.VIR_DOMAIN_SHUTOFF || o.state === C.VIR_DOMAIN_PAUSED) throw err(E.VIR_ERR_INTERNAL_ERROR, `domain '${ref.name}' not running`);
    o.state = C.VIR_DOMAIN_PAUSED;
    o.reason = C.VIR_DOMAIN_PAUSED_USER;
    this.state.lifecycle(o, C.VIR_DOMAIN_EVENT_SUSPENDED, C.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
  }

  domainResume(ref: DomainRef): void {
    const o = this.obj(ref);
    if (o.state !== C.VIR_DOMAIN_PAUSED) throw err(E.VIR_ERR_INTERNAL_ERROR, `domain '${ref.name}' not paused`);
    o.state = C.VIR_DOMAIN_RUNNING;
    o.reason = C.VIR_DOMAIN_RUNNING_UNPAUSED;
    this.state.lifecycle(o, C.VIR_DOMAIN_EVENT_RESUMED, C.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED);
  }

  // ---- information ----
  domainGetInfo(ref: DomainRef) {
    const o = this.obj(ref);
    const d = this.conf.domain;
    return {
      state: o.state,
      maxMem: d.maxMemory(o.def),
      memory: d.currentMemory(o.def),
      nrVirtCpu: d.vcpus(o.def),
      // g_get_real_time() * 1000: a fake, increasing CPU time.
      cpuTime: BigInt(Date.now()) * 1000000n,
    };
  }
  domainGetState(ref: DomainRef, flags: number) {
    checkSupportedFlags(flags, 0, "testDomainGetState", TEST);
    const o = this.obj(ref);
    return { state: o.state, reason: o.reason };
  }
  domainGetXMLDesc(ref: DomainRef, flags: number): string {
    checkSupportedFlags(flags, C.VIR_DOMAIN_XML_SECURE | C.VIR_DOMAIN_XML_INACTIVE | C.VIR_DOMAIN_XML_UPDATE_CPU | C.VIR_DOMAIN_XML_MIGRATABLE, "testDomainGetXMLDesc", TEST);
    const o = this.obj(ref);
    const inactive = (flags & C.VIR_DOMAIN_XML_INACTIVE) !== 0 && o.newDef !== null;
    const def = inactive ? o.newDef! : o.def;
    const live = this.state.isActive(o) && !(flags & C.VIR_DOMAIN_XML_INACTIVE);
    return this.conf.domain.format(def, flags, live ? o.id : null);
  }
  domainGetOSType(ref: DomainRef): string {
    this.obj(ref);
    return "linux";
  }
  domainGetMaxMemory(ref: DomainRef): number {
    return this.conf.domain.maxMemory(this.obj(ref).def);
  }
  domainSetMaxMemory(ref: DomainRef, memory: number): void {
    this.setMemoryFlags(ref, memory, C.VIR_DOMAIN_MEM_MAXIMUM, "testDomainSetMemoryFlags");
  }
  domainSetMemory(ref: DomainRef, memory: number): void {
    this.setMemoryFlags(ref, memory, C.VIR_DOMAIN_AFFECT_LIVE, "testDomainSetMemoryFlags");
  }
  domainSetMemoryFlags(ref: DomainRef, memory: number, flags: number): void {
    this.setMemoryFlags(ref, memory, flags, "testDomainSetMemoryFlags");
  }

  /** virDomainObjGetOneDefState: which definition a LIVE/CONFIG/CURRENT call edits. */
  private oneDef(o: DomObj<unknown, unknown>, flags: number): { def: unknown; live: boolean } {
    const liveFlag = (flags & C.VIR_DOMAIN_AFFECT_LIVE) !== 0;
    const configFlag = (flags & C.VIR_DOMAIN_AFFECT_CONFIG) !== 0;
    if (liveFlag && configFlag) {
      throw virError(VirErrorDomain.VIR_FROM_DOMAIN, E.VIR_ERR_INVALID_ARG, "Flags 'VIR_DOMAIN_AFFECT_LIVE' and 'VIR_DOMAIN_AFFECT_CONFIG' are mutually exclusive");
    }
    const active = this.state.isActive(o);
    let live = liveFlag || (!configFlag && active);
    if (live && !active) throw virError(VirErrorDomain.VIR_FROM_DOMAIN, E.VIR_ERR_OPERATION_INVALID, "domain is not running");
    if (!live && !o.persistent) throw virError(VirErrorDomain.VIR_FROM_DOMAIN, E.VIR_ERR_OPERATION_INVALID, "transient domains do not have any persistent config");
    if (!live && active && o.newDef) return { def: o.newDef, live: false };
    live = live && active;
    return { def: o.def, live };
  }

  private setMemoryFlags(ref: DomainRef, memory: number, flags: number, fn: string): void {
    checkSupportedFlags(flags, C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_AFFECT_CONFIG | C.VIR_DOMAIN_MEM_MAXIMUM, fn, TEST);
    const o = this.obj(ref);
    const { def, live } = this.oneDef(o, flags);
    const d = this.conf.domain;
    if (flags & C.VIR_DOMAIN_MEM_MAXIMUM) {
      if (live) throw err(E.VIR_ERR_OPERATION_INVALID, "cannot resize the maximum memory on an active domain");
      if (d.numaNodeCount(def) > 0) throw err(E.VIR_ERR_OPERATION_INVALID, "initial memory size of a domain with NUMA nodes cannot be modified with this API");
      const hot = d.hotplugMemoryMax(def);
      if (hot && hot < memory) throw err(E.VIR_ERR_OPERATION_INVALID, "cannot set initial memory size greater than the maximum memory size");
      d.setMaxMemory(def, memory);
      if (d.currentMemory(def) > memory) d.setCurrentMemory(def, memory);
    } else {
      if (memory > d.maxMemory(def)) throw err(E.VIR_ERR_INVALID_ARG, "cannot set memory higher than max memory");
      d.setCurrentMemory(def, memory);
    }
  }

  domainSetVcpus(ref: DomainRef, nvcpus: number): void {
    this.domainSetVcpusFlags(ref, nvcpus, C.VIR_DOMAIN_AFFECT_LIVE);
  }
  domainSetVcpusFlags(ref: DomainRef, nvcpus: number, flags: number): void {
    checkSupportedFlags(flags, C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_AFFECT_CONFIG | C.VIR_DOMAIN_VCPU_MAXIMUM, "testDomainSetVcpusFlags", TEST);
    if (nvcpus > TEST_MAX_VCPUS) {
      throw err(E.VIR_ERR_INVALID_ARG, `requested cpu amount exceeds maximum supported amount (${nvcpus} > ${TEST_MAX_VCPUS})`);
    }
    const o = this.obj(ref);
    const d = this.conf.domain;
    // virDomainObjGetDefs
    const liveFlag = (flags & C.VIR_DOMAIN_AFFECT_LIVE) !== 0 || ((flags & 3) === 0 && this.state.isActive(o));
    const configFlag = (flags & C.VIR_DOMAIN_AFFECT_CONFIG) !== 0 || ((flags & 3) === 0 && !this.state.isActive(o));
    if (liveFlag && !this.state.isActive(o)) throw virError(VirErrorDomain.VIR_FROM_DOMAIN, E.VIR_ERR_OPERATION_INVALID, "domain is not running");
    if (configFlag && !o.persistent) throw virError(VirErrorDomain.VIR_FROM_DOMAIN, E.VIR_ERR_OPERATION_INVALID, "transient domains do not have any persistent config");
    const def = liveFlag ? o.def : null;
    const persistentDef = configFlag ? (o.newDef ?? o.def) : null;
    if (def && d.maxVcpus(def) < nvcpus) throw err(E.VIR_ERR_INVALID_ARG, `requested cpu amount exceeds maximum (${nvcpus} > ${d.maxVcpus(def)})`);
    if (persistentDef && !(flags & C.VIR_DOMAIN_VCPU_MAXIMUM) && d.maxVcpus(persistentDef) < nvcpus) {
      throw err(E.VIR_ERR_INVALID_ARG, `requested cpu amount exceeds maximum (${nvcpus} > ${d.maxVcpus(persistentDef)})`);
    }
    if (def) d.setVcpus(def, nvcpus);
    if (persistentDef) {
      if (flags & C.VIR_DOMAIN_VCPU_MAXIMUM) d.setMaxVcpus(persistentDef, nvcpus);
      else d.setVcpus(persistentDef, nvcpus);
    }
  }
  domainGetVcpusFlags(ref: DomainRef, flags: number): number {
    checkSupportedFlags(flags, C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_AFFECT_CONFIG | C.VIR_DOMAIN_VCPU_MAXIMUM, "testDomainGetVcpusFlags", TEST);
    const o = this.obj(ref);
    const { def } = this.oneDef(o, flags & 3);
    return flags & C.VIR_DOMAIN_VCPU_MAXIMUM ? this.conf.domain.maxVcpus(def) : this.conf.domain.vcpus(def);
  }
  domainGetMaxVcpus(ref: DomainRef): number {
    return this.domainGetVcpusFlags(ref, C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_VCPU_MAXIMUM);
  }
  /** testDomainGetVcpus: every vCPU runs on the last host CPU of its (full) affinity map. */
  domainGetVcpus(ref: DomainRef, maxinfo: number, maplen: number): VcpuInfo[] {
    const o = this.obj(ref);
    if (!this.state.isActive(o)) throw err(E.VIR_ERR_OPERATION_INVALID, "cannot list vcpus for an inactive domain");
    const n = this.state.nodeInfo;
    const hostcpus = n.nodes * n.sockets * n.cores * n.threads;
    const statbase = BigInt(Date.now()) * 1000n;
    const count = Math.min(maxinfo, this.conf.domain.vcpus(o.def));
    const out: VcpuInfo[] = [];
    for (let i = 0; i < count; i++) {
      const map = new Uint8Array(maplen);
      for (let c = 0; c < hostcpus && c < maplen * 8; c++) map[c >> 3]! |= 1 << (c & 7);
      out.push({ number: i, state: C.VIR_VCPU_RUNNING, cpuTime: statbase / 10n, cpu: hostcpus - 1, cpumap: map });
    }
    return out;
  }
  /** testDomainGetVcpuPinInfo / virDomainDefGetVcpuPinInfoHelper: the cpuset, or every host CPU. */
  domainGetVcpuPinInfo(ref: DomainRef, ncpumaps: number, maplen: number, flags: number): Uint8Array[] {
    const o = this.obj(ref);
    const { def } = this.oneDef(o, flags);
    const n = this.state.nodeInfo;
    const hostcpus = n.nodes * n.sockets * n.cores * n.threads;
    const set = this.conf.domain.cpuset(def);
    const out: Uint8Array[] = [];
    for (let i = 0; i < this.conf.domain.maxVcpus(def) && i < ncpumaps; i++) {
      const map = new Uint8Array(maplen);
      const cpus = set ?? Array.from({ length: hostcpus }, (_v, k) => k);
      for (const c of cpus) if (c < maplen * 8) map[c >> 3]! |= 1 << (c & 7);
      out.push(map);
    }
    return out;
  }
  domainGetAutostart(ref: DomainRef): boolean {
    return this.obj(ref).autostart;
  }
  domainSetAutostart(ref: DomainRef, autostart: boolean): void {
    this.obj(ref).autostart = autostart;
  }
  domainIsActive(ref: DomainRef): boolean {
    return this.state.isActive(this.obj(ref));
  }
  domainIsPersistent(ref: DomainRef): boolean {
    return this.obj(ref).persistent;
  }
  /** testDomainIsUpdated: always 0, without even looking the domain up. */
  domainIsUpdated(): boolean {
    return false;
  }
  domainGetSecurityLabel(ref: DomainRef) {
    const o = this.obj(ref);
    return this.state.isActive(o) ? { label: "libvirt-test", enforcing: true } : { label: "", enforcing: false };
  }
  /** virDomainObjGetMetadata: title/description, or an element by namespace URI. */
  domainGetMetadata(ref: DomainRef, type: number, uri: string | null, flags: number): string {
    checkSupportedFlags(flags, C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_AFFECT_CONFIG, "testDomainGetMetadata", TEST);
    const o = this.obj(ref);
    const { def } = this.oneDef(o, flags);
    let v: string | null = null;
    if (type === C.VIR_DOMAIN_METADATA_DESCRIPTION) v = this.conf.domain.description(def);
    else if (type === C.VIR_DOMAIN_METADATA_TITLE) v = this.conf.domain.title(def);
    else if (type === C.VIR_DOMAIN_METADATA_ELEMENT) {
      if (!uri) throw virError(VirErrorDomain.VIR_FROM_DOMAIN, E.VIR_ERR_INVALID_ARG, "uri in virDomainGetMetadata must not be NULL");
    } else {
      throw virError(VirErrorDomain.VIR_FROM_DOMAIN, E.VIR_ERR_INVALID_ARG, "unknown metadata type");
    }
    if (v === null) throw virError(VirErrorDomain.VIR_FROM_DOMAIN, E.VIR_ERR_NO_DOMAIN_METADATA, "Requested metadata element is not present");
    return v;
  }
  domainSetMetadata(ref: DomainRef, type: number, metadata: string | null, _key: string | null, _uri: string | null, flags: number): void {
    checkSupportedFlags(flags, C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_AFFECT_CONFIG, "testDomainSetMetadata", TEST);
    const o = this.obj(ref);
    const { def } = this.oneDef(o, flags);
    const v = metadata === "" ? null : metadata;
    if (type === C.VIR_DOMAIN_METADATA_DESCRIPTION) this.conf.domain.setDescription(def, v);
    else if (type === C.VIR_DOMAIN_METADATA_TITLE) this.conf.domain.setTitle(def, v);
    else throw virError(VirErrorDomain.VIR_FROM_DOMAIN, E.VIR_ERR_ARGUMENT_UNSUPPORTED, "metadata element editing is not supported by this configuration layer");
  }
  domainGetMessages(ref: DomainRef, flags: number): string[] {
    checkSupportedFlags(flags, C.VIR_DOMAIN_MESSAGE_DEPRECATION | C.VIR_DOMAIN_MESSAGE_TAINTING, "testDomainGetMessages", TEST);
    this.obj(ref);
    return [];
  }
  domainGetHostname(ref: DomainRef, flags: number): string {
    checkSupportedFlags(flags, 0, "testDomainGetHostname", TEST);
    const o = this.obj(ref);
    this.checkActive(o);
    return `${ref.name}host`;
  }

  /**
   * testDomainScreenshot: the PNG libvirt installs as PKGDATADIR/test-screenshot.png, streamed
   * as virFDStreamOpenFile would (data, then EOF).
   */
  domainScreenshot(ref: DomainRef, stream: Stream, _screen: number, flags: number): string {
    checkSupportedFlags(flags, 0, "testDomainScreenshot", TEST);
    this.obj(ref);
    let data: Uint8Array;
    try {
      data = readFileSync(TEST_SCREENSHOT_PATH);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw virError(VirErrorDomain.VIR_FROM_STREAMS, E.VIR_ERR_SYSTEM_ERROR, `Unable to open stream for '${TEST_SCREENSHOT_PATH}': ${code === "ENOENT" ? "No such file or directory" : (e as Error).message}`);
    }
    const sink = stream.attach({ send: () => undefined, finish: () => undefined, abort: () => undefined });
    setImmediate(() => {
      sink.data(data);
      sink.eof();
    });
    return "image/png";
  }

  // ---- managed save ----
  domainManagedSave(ref: DomainRef, flags: number): void {
    checkSupportedFlags(flags, C.VIR_DOMAIN_SAVE_BYPASS_CACHE | C.VIR_DOMAIN_SAVE_RUNNING | C.VIR_DOMAIN_SAVE_PAUSED, "testDomainManagedSave", TEST);
    const o = this.obj(ref);
    this.checkActive(o);
    if (!o.persistent) throw err(E.VIR_ERR_OPERATION_INVALID, "cannot do managed save for transient domain");
    this.state.shutdownState(o, C.VIR_DOMAIN_SHUTOFF_SAVED);
    this.state.lifecycle(o, C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_SAVED);
    o.hasManagedSave = true;
  }
  domainHasManagedSaveImage(ref: DomainRef, flags: number): boolean {
    checkSupportedFlags(flags, 0, "testDomainHasManagedSaveImage", TEST);
    return this.obj(ref).hasManagedSave;
  }
  domainManagedSaveRemove(ref: DomainRef, flags: number): void {
    checkSupportedFlags(flags, 0, "testDomainManagedSaveRemove", TEST);
    this.obj(ref).hasManagedSave = false;
  }

  // ---- save / restore (testDomainSaveFlags, testDomainRestoreFlags) ----
  /** The image holds the running definition as virDomainDefFormat(def, SECURE) writes it. */
  domainSaveFlags(ref: DomainRef, path: string, dxml: string | null, flags: number): void {
    checkSupportedFlags(flags, 0, "testDomainSaveFlags", TEST);
    if (dxml !== null) throw err(E.VIR_ERR_ARGUMENT_UNSUPPORTED, "xml modification unsupported");
    const o = this.obj(ref);
    this.checkActive(o);
    writeTestSaveImage(path, this.conf.domain.name(o.def), this.conf.domain.format(o.def, C.VIR_DOMAIN_XML_SECURE, o.id));
    this.stopped(o, C.VIR_DOMAIN_SHUTOFF_SAVED, C.VIR_DOMAIN_EVENT_STOPPED_SAVED);
  }
  domainSave(ref: DomainRef, path: string): void {
    this.domainSaveFlags(ref, path, null, 0);
  }

  /**
   * The image's definition becomes the running one (virDomainObjListAdd with ADD_LIVE |
   * CHECK_LIVE): an inactive persistent domain of the same name and UUID keeps its
   * configuration, an unknown one comes back transient; it runs (restored) with a new id.
   */
  domainRestoreFlags(path: string, dxml: string | null, flags: number): void {
    checkSupportedFlags(flags, 0, "testDomainRestoreFlags", TEST);
    if (dxml !== null) throw err(E.VIR_ERR_ARGUMENT_UNSUPPORTED, "xml modification unsupported");
    const def = this.loadSaveImage(path);
    this.conf.domain.generateIfnames(def);
    const existing = this.checkNewDef(def, true);
    let obj: DomObj<unknown, unknown>;
    if (existing) {
      // virDomainObjAssignDef(live): the current definition waits as newDef for the stop
      existing.newDef ??= existing.def;
      existing.def = def;
      obj = existing;
    } else {
      obj = this.state.addDomain(def, false);
    }
    this.state.startState(obj, C.VIR_DOMAIN_RUNNING_RESTORED);
    this.state.lifecycle(obj, C.VIR_DOMAIN_EVENT_STARTED, C.VIR_DOMAIN_EVENT_STARTED_RESTORED);
  }
  domainRestore(path: string): void {
    this.domainRestoreFlags(path, null, 0);
  }

  /** testDomainSaveImageGetXMLDesc: the stored definition, parsed and formatted again. */
  domainSaveImageGetXMLDesc(path: string, flags: number): string {
    checkSupportedFlags(flags, C.VIR_DOMAIN_SAVE_IMAGE_XML_SECURE, "testDomainSaveImageGetXMLDesc", TEST);
    return this.conf.domain.format(this.loadSaveImage(path), C.VIR_DOMAIN_XML_SECURE, null);
  }

  /** testDomainSaveImageOpen: the image's XML parsed as an inactive definition, unvalidated. */
  private loadSaveImage(path: string): unknown {
    return this.conf.domain.parse(readTestSaveImage(path), VIR_DOMAIN_DEF_PARSE_INACTIVE | VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE);
  }

  // ---- interface addresses (testDomainInterfaceAddresses) ----
  /**
   * Every source gets the same made-up answer: one IPv4 (or IPv6) address per interface. A
   * type='network' interface gets the network's first DHCP range start (or its address) plus
   * 20 * (id - 1) + i + 1 with the network's prefix, any other type 192.168.0.(i + 1)/24.
   */
  domainInterfaceAddresses(ref: DomainRef, source: number, flags: number): DomainInterface[] {
    checkSupportedFlags(flags, 0, "testDomainInterfaceAddresses", TEST);
    if (source >= C.VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LAST) {
      throw err(E.VIR_ERR_ARGUMENT_UNSUPPORTED, `Unknown IP address data source ${source | 0}`);
    }
    const o = this.obj(ref);
    this.checkActive(o);
    return this.conf.domain.interfaces(o.def).map((net, i) => {
      const iface: DomainInterface = { name: net.ifname ?? "", hwaddr: net.mac, addrs: [] };
      if (net.type === "network") {
        iface.addrs.push(this.addressFromNetwork(net.network ?? "", 20 * (o.id - 1) + i + 1));
      } else {
        iface.addrs.push({ type: C.VIR_IP_ADDR_TYPE_IPV4, addr: `192.168.0.${1 + i}`, prefix: 24 });
      }
      return iface;
    });
  }

  /** testDomainInterfaceAddressFromNet: offset the last byte (IPv6) or the whole address (IPv4). */
  private addressFromNetwork(name: string, offset: number) {
    const netConf = this.netConf;
    const n = this.state.networks.find((x) => netConf.name(x.def) === name);
    if (!n) throw err(E.VIR_ERR_NO_NETWORK, `no network with matching name '${name}'`);
    const ip = netConf.firstIP(n.def);
    // test_driver.c dereferences the network's first <ip> without checking it exists
    if (!ip) throw err(E.VIR_ERR_OPERATION_INVALID, `network '${name}' has no IP address to derive a guest address from`);
    const bytes = [...ip.start.bytes];
    if (ip.start.family === "ipv6") {
      bytes[15] = (bytes[15]! + offset) & 0xff;
    } else {
      const v = ((((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0) + offset) >>> 0;
      bytes.splice(0, 4, v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
    }
    return {
      type: ip.start.family === "ipv6" ? C.VIR_IP_ADDR_TYPE_IPV6 : C.VIR_IP_ADDR_TYPE_IPV4,
      addr: netConf.formatIP({ family: ip.start.family, bytes }),
      // virSocketAddrGetIPPrefix's -1 lands in an unsigned int
      prefix: ip.prefix >>> 0,
    };
  }

  // ---- statistics ----
  domainBlockStats(ref: DomainRef, path: string) {
    if (path === "") throw err(E.VIR_ERR_OPERATION_UNSUPPORTED, "summary statistics are not supported yet");
    const o = this.obj(ref);
    this.checkActive(o);
    if (!this.conf.domain.disks(o.def).some((d) => d.dst === path || d.src === path)) throw err(E.VIR_ERR_INVALID_ARG, `invalid path: ${path}`);
    const statbase = Date.now() * 1000;
    return {
      rd_req: Math.floor(statbase / 10),
      rd_bytes: Math.floor(statbase / 20),
      wr_req: Math.floor(statbase / 30),
      wr_bytes: Math.floor(statbase / 40),
      errs: Math.floor(statbase / 2000000),
    };
  }
  /** testDomainMemoryStats: balloon-derived numbers when a memballoon exists. */
  domainMemoryStats(ref: DomainRef, nrStats: number, flags: number) {
    checkSupportedFlags(flags, 0, "testDomainMemoryStats", TEST);
    const o = this.obj(ref);
    this.checkActive(o);
    const cur = this.conf.domain.currentMemory(o.def);
    if (!this.conf.domain.hasMemballoon(o.def)) return [];
    const all: [number, number][] = [
      [C.VIR_DOMAIN_MEMORY_STAT_ACTUAL_BALLOON, cur],
      [C.VIR_DOMAIN_MEMORY_STAT_SWAP_IN, 0],
      [C.VIR_DOMAIN_MEMORY_STAT_SWAP_OUT, 0],
      [C.VIR_DOMAIN_MEMORY_STAT_MAJOR_FAULT, 0],
      [C.VIR_DOMAIN_MEMORY_STAT_MINOR_FAULT, 0],
      [C.VIR_DOMAIN_MEMORY_STAT_UNUSED, Math.floor(cur / 2)],
      [C.VIR_DOMAIN_MEMORY_STAT_AVAILABLE, cur],
      [C.VIR_DOMAIN_MEMORY_STAT_USABLE, Math.floor(cur / 2)],
      [C.VIR_DOMAIN_MEMORY_STAT_LAST_UPDATE, 627319920],
      [C.VIR_DOMAIN_MEMORY_STAT_DISK_CACHES, Math.floor(cur / 8)],
      [C.VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGALLOC, 0],
      [C.VIR_DOMAIN_MEMORY_STAT_HUGETLB_PGFAIL, 0],
      [C.VIR_DOMAIN_MEMORY_STAT_RSS, Math.floor(cur / 2)],
    ];
    return all.slice(0, nrStats).map(([tag, val]) => ({ tag, val }));
  }
  /** testConnectGetAllDomainStats: "state" (and "iothread", empty here) groups. */
  connectGetAllDomainStats(doms: DomainRef[], stats: number, flags: number) {
    checkSupportedFlags(
      flags,
      C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ACTIVE | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_INACTIVE |
        C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_PERSISTENT | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_TRANSIENT |
        C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_RUNNING | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_PAUSED |
        C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_SHUTOFF | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_OTHER |
        C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT | C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_BACKING |
        C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS,
      "testConnectGetAllDomainStats",
      TEST,
    );
    const supported = C.VIR_DOMAIN_STATS_STATE | C.VIR_DOMAIN_STATS_IOTHREAD;
    if (stats === 0) stats = supported;
    else if (flags & C.VIR_CONNECT_GET_ALL_DOMAINS_STATS_ENFORCE_STATS && stats & ~supported) {
      throw err(E.VIR_ERR_ARGUMENT_UNSUPPORTED, `Stats types bits 0x${(stats & ~supported).toString(16)} are not supported by this daemon`);
    }
    const lflags = flags & 0xff;
    const objs = doms.length ? doms.map((r) => this.obj(r)).filter((o) => this.matches(o, lflags)) : this.state.domains.filter((o) => this.matches(o, lflags));
    return objs.map((o) => {
      const params: TypedParam[] = [];
      if (stats & C.VIR_DOMAIN_STATS_STATE) {
        params.push({ field: "state.state", value: { type: 1, value: o.state } });
        params.push({ field: "state.reason", value: { type: 1, value: o.reason } });
      }
      return { dom: this.state.ref(o), params };
    });
  }

  // ---- snapshots ----
  private snap(ref: DomainSnapshotRef) {
    const o = this.obj(ref.dom);
    const s = o.snapshots.get(ref.name);
    if (!s) throw err(E.VIR_ERR_NO_DOMAIN_SNAPSHOT, `no domain snapshot with matching name '${ref.name}'`);
    return { o, s };
  }
  private snapRef(o: DomObj<unknown, unknown>, name: string): DomainSnapshotRef {
    return { name, dom: this.state.ref(o) };
  }

  domainSnapshotCreateXML(ref: DomainRef, xml: string, flags: number): DomainSnapshotRef {
    checkSupportedFlags(
      flags,
      C.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | C.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT | C.VIR_DOMAIN_SNAPSHOT_CREATE_HALT |
        C.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE | C.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC | C.VIR_DOMAIN_SNAPSHOT_CREATE_LIVE |
        C.VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE,
      "testDomainSnapshotCreateXML",
      TEST,
    );
    const redefine = (flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE) !== 0;
    const o = this.obj(ref);
    if (!o.persistent && flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_HALT) throw err(E.VIR_ERR_OPERATION_INVALID, "cannot halt after transient domain snapshot");
    const sc = this.snapConf;
    const def = sc.parse(xml, flags);
    const info = sc.info(def);
    if (redefine) {
      const s: SnapObj<unknown> = { def, name: info.name, parent: o.currentSnapshot };
      o.snapshots.set(info.name, s);
      if (flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT) o.currentSnapshot = info.name;
      return this.snapRef(o, info.name);
    }
    if (o.snapshots.has(info.name)) {
      // virDomainMomentAssignDef
      throw virError(VirErrorDomain.VIR_FROM_DOMAIN, E.VIR_ERR_OPERATION_FAILED, `domain moment ${info.name} already exists`);
    }
    const stateName = ["nostate", "running", "blocked", "paused", "shutdown", "shutoff", "crashed", "pmsuspended"][o.state] ?? "nostate";
    sc.complete(def, this.conf.domain.copy(o.def), stateName, Math.floor(Date.now() / 1000), o.currentSnapshot);
    o.snapshots.set(info.name, { def, name: info.name, parent: o.currentSnapshot });
    if (flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_HALT && this.state.isActive(o)) {
      this.state.shutdownState(o, C.VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT);
      this.state.lifecycle(o, C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT);
    }
    o.currentSnapshot = info.name;
    return this.snapRef(o, info.name);
  }
  domainSnapshotGetXMLDesc(ref: DomainSnapshotRef, flags: number): string {
    checkSupportedFlags(flags, C.VIR_DOMAIN_SNAPSHOT_XML_SECURE, "testDomainSnapshotGetXMLDesc", TEST);
    const { o, s } = this.snap(ref);
    return this.snapConf.format(s.def, flags, o.currentSnapshot === s.name);
  }
  private listSnaps(o: DomObj<unknown, unknown>, from: SnapObj<unknown> | null, flags: number): SnapObj<unknown>[] {
    let list = [...o.snapshots.values()];
    if (from) {
      const descendants = (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS) !== 0;
      const isDesc = (s: SnapObj<unknown>): boolean => {
        let p = s.parent;
        while (p !== null) {
          if (p === from.name) return true;
          if (!descendants) return false;
          p = o.snapshots.get(p)?.parent ?? null;
        }
        return false;
      };
      list = list.filter((s) => (descendants ? isDesc(s) : s.parent === from.name));
    } else if (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS) {
      list = list.filter((s) => s.parent === null);
    }
    if (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES) list = list.filter((s) => ![...o.snapshots.values()].some((c) => c.parent === s.name));
    if (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES) list = list.filter((s) => [...o.snapshots.values()].some((c) => c.parent === s.name));
    if (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA) list = [];
    const st = flags & (C.VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE | C.VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE | C.VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY);
    if (st) {
      list = list.filter((s) => {
        const state = this.snapConf.info(s.def).state;
        return (
          (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE && (state === "running" || state === "paused")) ||
          (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE && state === "shutoff") ||
          (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY && state === "disk-snapshot")
        );
      });
    }
    return list;
  }
  domainSnapshotNum(ref: DomainRef, flags: number): number {
    return this.listSnaps(this.obj(ref), null, flags).length;
  }
  domainSnapshotListNames(ref: DomainRef, maxnames: number, flags: number): string[] {
    return this.listSnaps(this.obj(ref), null, flags).map((s) => s.name).slice(0, maxnames);
  }
  domainListAllSnapshots(ref: DomainRef, flags: number): DomainSnapshotRef[] {
    const o = this.obj(ref);
    return this.listSnaps(o, null, flags).map((s) => this.snapRef(o, s.name));
  }
  domainSnapshotListAllChildren(ref: DomainSnapshotRef, flags: number): DomainSnapshotRef[] {
    const { o, s } = this.snap(ref);
    return this.listSnaps(o, s, flags).map((c) => this.snapRef(o, c.name));
  }
  domainSnapshotNumChildren(ref: DomainSnapshotRef, flags: number): number {
    const { o, s } = this.snap(ref);
    return this.listSnaps(o, s, flags).length;
  }
  domainSnapshotLookupByName(ref: DomainRef, name: string, flags: number): DomainSnapshotRef {
    checkSupportedFlags(flags, 0, "testDomainSnapshotLookupByName", TEST);
    const o = this.obj(ref);
    if (!o.snapshots.has(name)) throw err(E.VIR_ERR_NO_DOMAIN_SNAPSHOT, `no domain snapshot with matching name '${name}'`);
    return this.snapRef(o, name);
  }
  domainHasCurrentSnapshot(ref: DomainRef, flags: number): boolean {
    checkSupportedFlags(flags, 0, "testDomainHasCurrentSnapshot", TEST);
    return this.obj(ref).currentSnapshot !== null;
  }
  domainSnapshotCurrent(ref: DomainRef, flags: number): DomainSnapshotRef {
    checkSupportedFlags(flags, 0, "testDomainSnapshotCurrent", TEST);
    const o = this.obj(ref);
    if (o.currentSnapshot === null) throw err(E.VIR_ERR_NO_DOMAIN_SNAPSHOT, "the domain does not have a current snapshot");
    return this.snapRef(o, o.currentSnapshot);
  }
  domainSnapshotGetParent(ref: DomainSnapshotRef, flags: number): DomainSnapshotRef {
    checkSupportedFlags(flags, 0, "testDomainSnapshotGetParent", TEST);
    const { o, s } = this.snap(ref);
    if (s.parent === null) throw err(E.VIR_ERR_NO_DOMAIN_SNAPSHOT, `snapshot '${s.name}' does not have a parent`);
    return this.snapRef(o, s.parent);
  }
  domainSnapshotIsCurrent(ref: DomainSnapshotRef, flags: number): boolean {
    checkSupportedFlags(flags, 0, "testDomainSnapshotIsCurrent", TEST);
    const { o, s } = this.snap(ref);
    return o.currentSnapshot === s.name;
  }
  domainSnapshotHasMetadata(ref: DomainSnapshotRef, flags: number): boolean {
    checkSupportedFlags(flags, 0, "testDomainSnapshotHasMetadata", TEST);
    this.snap(ref);
    return true;
  }
  domainRevertToSnapshot(ref: DomainSnapshotRef, flags: number): void {
    checkSupportedFlags(flags, C.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | C.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED | C.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE, "testDomainRevertToSnapshot", TEST);
    const { o, s } = this.snap(ref);
    const info = this.snapConf.info(s.def);
    const running = info.state === "running" || info.state === "paused";
    if (!o.persistent && !running && !(flags & (C.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | C.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED))) {
      throw err(E.VIR_ERR_OPERATION_INVALID, "transient domain needs to request run or pause to revert to inactive snapshot");
    }
    const dom = this.snapConf.domain(s.def);
    if (!dom) throw err(E.VIR_ERR_SNAPSHOT_REVERT_RISKY, `snapshot '${s.name}' lacks domain '${ref.dom.name}' rollback info`);
    o.currentSnapshot = null;
    const config = this.conf.domain.copy(dom);
    const assign = () => {
      if (this.state.isActive(o) && o.persistent) o.newDef = config;
      o.def = o.persistent && this.state.isActive(o) ? this.conf.domain.copy(config) : config;
      if (!this.state.isActive(o)) o.newDef = null;
    };
    if (running) {
      if (this.state.isActive(o)) {
        this.state.shutdownState(o, C.VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT);
        this.state.lifecycle(o, C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT);
      }
      assign();
      this.state.startState(o, C.VIR_DOMAIN_RUNNING_FROM_SNAPSHOT);
      this.state.lifecycle(o, C.VIR_DOMAIN_EVENT_STARTED, C.VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT);
      if (!(flags & C.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING) && (info.state === "paused" || flags & C.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED)) {
        o.state = C.VIR_DOMAIN_PAUSED;
        o.reason = C.VIR_DOMAIN_PAUSED_FROM_SNAPSHOT;
        this.state.lifecycle(o, C.VIR_DOMAIN_EVENT_SUSPENDED, C.VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT);
      }
    } else {
      assign();
      if (this.state.isActive(o)) {
        this.state.shutdownState(o, C.VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT);
        this.state.lifecycle(o, C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT);
      }
      if (flags & (C.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | C.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED)) {
        this.state.startState(o, C.VIR_DOMAIN_RUNNING_FROM_SNAPSHOT);
        this.state.lifecycle(o, C.VIR_DOMAIN_EVENT_STARTED, C.VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT);
        if (flags & C.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED) {
          o.state = C.VIR_DOMAIN_PAUSED;
          o.reason = C.VIR_DOMAIN_PAUSED_FROM_SNAPSHOT;
          this.state.lifecycle(o, C.VIR_DOMAIN_EVENT_SUSPENDED, C.VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT);
        }
      }
    }
    o.currentSnapshot = s.name;
  }
  domainSnapshotDelete(ref: DomainSnapshotRef, flags: number): void {
    checkSupportedFlags(flags, C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN | C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY, "testDomainSnapshotDelete", TEST);
    const { o, s } = this.snap(ref);
    const children = (p: string) => [...o.snapshots.values()].filter((c) => c.parent === p);
    if (flags & (C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN | C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)) {
      const drop = (p: string): void => {
        for (const c of children(p)) {
          drop(c.name);
          if (o.currentSnapshot === c.name) o.currentSnapshot = s.name;
          o.snapshots.delete(c.name);
        }
      };
      drop(s.name);
    } else {
      for (const c of children(s.name)) c.parent = s.parent;
    }
    if (!(flags & C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)) {
      if (o.currentSnapshot === s.name) o.currentSnapshot = s.parent !== null && o.snapshots.has(s.parent) ? s.parent : null;
      o.snapshots.delete(s.name);
    }
  }

  // ---- events ----
  connectDomainEventRegisterAny(dom: DomainRef | null, eventID: number, cb: DomainEventCallback): number {
    if (dom) this.obj(dom);
    return this.state.register(this, dom ? dom.uuid : null, eventID, cb);
  }
  connectDomainEventDeregisterAny(id: number): void {
    this.state.deregister(this, id);
  }

  // ---- networks ----
  private netObj(ref: NetworkRef) {
    const n = this.state.networks.find((x) => sameUUID(this.netConf.uuid(x.def), ref.uuid));
    if (!n) throw err(E.VIR_ERR_NO_NETWORK, `no network with matching uuid '${formatUUID(ref.uuid)}'`);
    return n;
  }
  private netRef(n: NetObj<unknown>): NetworkRef {
    return { name: this.netConf.name(n.def), uuid: this.netConf.uuid(n.def) };
  }
  connectNumOfNetworks(): number {
    return this.state.networks.filter((n) => n.active).length;
  }
  connectListAllNetworks(flags: number): NetworkRef[] {
    checkSupportedFlags(flags, 0x3f, "testConnectListAllNetworks", TEST);
    const pair = (a: number, b: number, v: boolean) => !(flags & (a | b)) || (flags & a && v) || (flags & b && !v);
    return this.state.networks
      .filter((n) => pair(C.VIR_CONNECT_LIST_NETWORKS_ACTIVE, C.VIR_CONNECT_LIST_NETWORKS_INACTIVE, n.active))
      .filter((n) => pair(C.VIR_CONNECT_LIST_NETWORKS_PERSISTENT, C.VIR_CONNECT_LIST_NETWORKS_TRANSIENT, n.persistent))
      .filter((n) => pair(C.VIR_CONNECT_LIST_NETWORKS_AUTOSTART, C.VIR_CONNECT_LIST_NETWORKS_NO_AUTOSTART, n.autostart))
      .map((n) => this.netRef(n));
  }
  networkLookupByName(name: string): NetworkRef {
    const n = this.state.networks.find((x) => this.netConf.name(x.def) === name);
    if (!n) throw err(E.VIR_ERR_NO_NETWORK, `no network with matching name '${name}'`);
    return this.netRef(n);
  }
  networkLookupByUUID(uuid: Uint8Array): NetworkRef {
    const n = this.state.networks.find((x) => sameUUID(this.netConf.uuid(x.def), uuid));
    if (!n) throw err(E.VIR_ERR_NO_NETWORK, `no network with matching uuid '${formatUUID(uuid)}'`);
    return this.netRef(n);
  }
  networkDefineXML(xml: string): NetworkRef {
    const def = this.netConf.parse(xml);
    const name = this.netConf.name(def);
    const existing = this.state.networks.find((x) => this.netConf.name(x.def) === name);
    if (existing) {
      existing.def = def;
      existing.persistent = true;
      return this.netRef(existing);
    }
    const n: NetObj<unknown> = { def, active: false, persistent: true, autostart: false };
    this.state.networks.push(n);
    return this.netRef(n);
  }
  networkUndefine(ref: NetworkRef): void {
    const n = this.netObj(ref);
    if (n.active) throw err(E.VIR_ERR_OPERATION_INVALID, `Network '${ref.name}' is still running`);
    this.state.networks.splice(this.state.networks.indexOf(n), 1);
  }
  networkCreate(ref: NetworkRef): void {
    const n = this.netObj(ref);
    if (n.active) throw err(E.VIR_ERR_OPERATION_INVALID, `Network '${ref.name}' is already running`);
    n.active = true;
  }
  networkDestroy(ref: NetworkRef): void {
    const n = this.netObj(ref);
    if (!n.active) throw virError(VirErrorDomain.VIR_FROM_NETWORK, E.VIR_ERR_OPERATION_INVALID, `network '${ref.name}' is not active`);
    n.active = false;
    if (!n.persistent) this.state.networks.splice(this.state.networks.indexOf(n), 1);
  }
  networkGetXMLDesc(ref: NetworkRef, flags: number): string {
    checkSupportedFlags(flags, C.VIR_NETWORK_XML_INACTIVE, "testNetworkGetXMLDesc", TEST);
    return this.netConf.format(this.netObj(ref).def, flags);
  }
  networkGetBridgeName(ref: NetworkRef): string {
    const b = this.netConf.bridge(this.netObj(ref).def);
    if (!b) throw err(E.VIR_ERR_INTERNAL_ERROR, `network '${ref.name}' does not have a bridge name.`);
    return b;
  }
  networkGetAutostart(ref: NetworkRef): boolean {
    return this.netObj(ref).autostart;
  }
  networkSetAutostart(ref: NetworkRef, autostart: boolean): void {
    this.netObj(ref).autostart = autostart;
  }
  networkIsActive(ref: NetworkRef): boolean {
    return this.netObj(ref).active;
  }
  networkIsPersistent(ref: NetworkRef): boolean {
    return this.netObj(ref).persistent;
  }

  // ---- storage ----
  private poolObj(ref: { name: string }, mustBeActive = false) {
    const p = this.state.pools.find((x) => this.poolConf.name(x.def) === ref.name);
    if (!p) throw virError(VirErrorDomain.VIR_FROM_STORAGE, E.VIR_ERR_NO_STORAGE_POOL, `no storage pool with matching name '${ref.name}'`);
    if (mustBeActive && !p.active) throw virError(VirErrorDomain.VIR_FROM_STORAGE, E.VIR_ERR_OPERATION_INVALID, `storage pool '${ref.name}' is not active`);
    return p;
  }
  private poolRef(p: PoolObj<unknown, unknown>): StoragePoolRef {
    return { name: this.poolConf.name(p.def), uuid: this.poolConf.uuid(p.def) };
  }
  private volRef(p: PoolObj<unknown, unknown>, v: unknown): StorageVolRef {
    const path = `${this.poolConf.targetPath(p.def)}/${this.poolConf.volName(v)}`;
    return { pool: this.poolConf.name(p.def), name: this.poolConf.volName(v), key: path };
  }
  private volObj(ref: StorageVolRef) {
    const p = this.poolObj({ name: ref.pool }, true);
    const v = p.vols.find((x) => this.poolConf.volName(x) === ref.name);
    if (!v) throw virError(VirErrorDomain.VIR_FROM_STORAGE, E.VIR_ERR_NO_STORAGE_VOL, `no storage vol with matching name '${ref.name}'`);
    return { p, v };
  }
  connectNumOfStoragePools(): number {
    return this.state.pools.filter((p) => p.active).length;
  }
  connectListAllStoragePools(flags: number): StoragePoolRef[] {
    checkSupportedFlags(flags, 0x7ffff, "testConnectListAllStoragePools", TEST);
    const pair = (a: number, b: number, v: boolean) => !(flags & (a | b)) || (flags & a && v) || (flags & b && !v);
    return this.state.pools
      .filter((p) => pair(C.VIR_CONNECT_LIST_STORAGE_POOLS_ACTIVE, C.VIR_CONNECT_LIST_STORAGE_POOLS_INACTIVE, p.active))
      .filter((p) => pair(C.VIR_CONNECT_LIST_STORAGE_POOLS_PERSISTENT, C.VIR_CONNECT_LIST_STORAGE_POOLS_TRANSIENT, p.persistent))
      .filter((p) => pair(C.VIR_CONNECT_LIST_STORAGE_POOLS_AUTOSTART, C.VIR_CONNECT_LIST_STORAGE_POOLS_NO_AUTOSTART, p.autostart))
      .map((p) => this.poolRef(p));
  }
  storagePoolLookupByName(name: string): StoragePoolRef {
    return this.poolRef(this.poolObj({ name }));
  }
  storagePoolLookupByUUID(uuid: Uint8Array): StoragePoolRef {
    const p = this.state.pools.find((x) => sameUUID(this.poolConf.uuid(x.def), uuid));
    if (!p) throw virError(VirErrorDomain.VIR_FROM_STORAGE, E.VIR_ERR_NO_STORAGE_POOL, `no storage pool with matching uuid '${formatUUID(uuid)}'`);
    return this.poolRef(p);
  }
  storagePoolLookupByVolume(vol: StorageVolRef): StoragePoolRef {
    return this.poolRef(this.poolObj({ name: vol.pool }));
  }
  storagePoolDefineXML(xml: string, flags: number): StoragePoolRef {
    checkSupportedFlags(flags, 0, "testStoragePoolDefineXML", TEST);
    const def = this.poolConf.parse(xml);
    const name = this.poolConf.name(def);
    if (this.state.pools.some((p) => this.poolConf.name(p.def) === name)) {
      throw virError(VirErrorDomain.VIR_FROM_STORAGE, E.VIR_ERR_OPERATION_FAILED, `pool '${name}' already exists`);
    }
    const p: PoolObj<unknown, unknown> = { def, active: false, persistent: true, autostart: false, capacity: 0, allocation: 0, available: 0, vols: [] };
    this.state.pools.push(p);
    return this.poolRef(p);
  }
  storagePoolUndefine(ref: StoragePoolRef): void {
    const p = this.poolObj(ref);
    if (p.active) throw virError(VirErrorDomain.VIR_FROM_STORAGE, E.VIR_ERR_OPERATION_INVALID, `storage pool '${ref.name}' is still active`);
    this.state.pools.splice(this.state.pools.indexOf(p), 1);
  }
  storagePoolCreate(ref: StoragePoolRef, flags: number): void {
    checkSupportedFlags(flags, 7, "testStoragePoolCreate", TEST);
    const p = this.poolObj(ref);
    if (p.active) throw virError(VirErrorDomain.VIR_FROM_STORAGE, E.VIR_ERR_OPERATION_INVALID, `storage pool '${ref.name}' is already active`);
    p.active = true;
    p.capacity = TEST_DEFAULT_POOL_CAPACITY;
    p.available = p.capacity - p.allocation;
  }
  storagePoolDestroy(ref: StoragePoolRef): void {
    const p = this.poolObj(ref, true);
    p.active = false;
    if (!p.persistent) this.state.pools.splice(this.state.pools.indexOf(p), 1);
  }
  storagePoolRefresh(ref: StoragePoolRef, flags: number): void {
    checkSupportedFlags(flags, 0, "testStoragePoolRefresh", TEST);
    this.poolObj(ref, true);
  }
  storagePoolGetInfo(ref: StoragePoolRef) {
    const p = this.poolObj(ref);
    return { state: p.active ? C.VIR_STORAGE_POOL_RUNNING : C.VIR_STORAGE_POOL_INACTIVE, capacity: p.capacity, allocation: p.allocation, available: p.available };
  }
  storagePoolGetXMLDesc(ref: StoragePoolRef, flags: number): string {
    checkSupportedFlags(flags, C.VIR_STORAGE_XML_INACTIVE, "testStoragePoolGetXMLDesc", TEST);
    const p = this.poolObj(ref);
    return this.poolConf.format(p.def, flags, p);
  }
  storagePoolGetAutostart(ref: StoragePoolRef): boolean {
    return this.poolObj(ref).autostart;
  }
  storagePoolSetAutostart(ref: StoragePoolRef, autostart: boolean): void {
    const p = this.poolObj(ref);
    if (!p.persistent) throw virError(VirErrorDomain.VIR_FROM_STORAGE, E.VIR_ERR_INVALID_ARG, "cannot set autostart for transient pool");
    p.autostart = autostart;
  }
  storagePoolIsActive(ref: StoragePoolRef): boolean {
    return this.poolObj(ref).active;
  }
  storagePoolIsPersistent(ref: StoragePoolRef): boolean {
    return this.poolObj(ref).persistent;
  }
  storagePoolNumOfVolumes(ref: StoragePoolRef): number {
    return this.poolObj(ref, true).vols.length;
  }
  storagePoolListAllVolumes(ref: StoragePoolRef, flags: number): StorageVolRef[] {
    checkSupportedFlags(flags, 0, "testStoragePoolListAllVolumes", TEST);
    const p = this.poolObj(ref, true);
    return p.vols.map((v) => this.volRef(p, v));
  }
  storageVolLookupByName(ref: StoragePoolRef, name: string): StorageVolRef {
    const p = this.poolObj(ref, true);
    const v = p.vols.find((x) => this.poolConf.volName(x) === name);
    if (!v) throw virError(VirErrorDomain.VIR_FROM_STORAGE, E.VIR_ERR_NO_STORAGE_VOL, `no storage vol with matching name '${name}'`);
    return this.volRef(p, v);
  }
  storageVolLookupByKey(key: string): StorageVolRef {
    for (const p of this.state.pools) {
      if (!p.active) continue;
      for (const v of p.vols) {
        const r = this.volRef(p, v);
        if (r.key === key) return r;
      }
    }
    throw virError(VirErrorDomain.VIR_FROM_STORAGE, E.VIR_ERR_NO_STORAGE_VOL, `no storage vol with matching key '${key}'`);
  }
  storageVolLookupByPath(path: string): StorageVolRef {
    for (const p of this.state.pools) {
      if (!p.active) continue;
      for (const v of p.vols) {
        const r = this.volRef(p, v);
        if (r.key === path) return r;
      }
    }
    throw virError(VirErrorDomain.VIR_FROM_STORAGE, E.VIR_ERR_NO_STORAGE_VOL, `no storage vol with matching path '${path}'`);
  }
  storageVolCreateXML(ref: StoragePoolRef, xml: string, flags: number): StorageVolRef {
    checkSupportedFlags(flags, C.VIR_STORAGE_VOL_CREATE_VALIDATE, "testStorageVolCreateXML", TEST);
    const p = this.poolObj(ref, true);
    const v = this.state.addVolume(p, xml, flags);
    return this.volRef(p, v);
  }
  storageVolDelete(ref: StorageVolRef, flags: number): void {
    checkSupportedFlags(flags, 0, "testStorageVolDelete", TEST);
    const { p, v } = this.volObj(ref);
    p.allocation -= this.poolConf.volAllocation(v);
    p.available = p.capacity - p.allocation;
    p.vols.splice(p.vols.indexOf(v), 1);
  }
  /** testStorageVolumeTypeForPool: file for dir/fs/netfs, block otherwise. */
  storageVolGetInfo(ref: StorageVolRef) {
    const { p, v } = this.volObj(ref);
    const t = this.poolConf.type(p.def);
    const type = t === "dir" || t === "fs" || t === "netfs" ? C.VIR_STORAGE_VOL_FILE : C.VIR_STORAGE_VOL_BLOCK;
    return { type, capacity: this.poolConf.volCapacity(v), allocation: this.poolConf.volAllocation(v) };
  }
  storageVolGetInfoFlags(ref: StorageVolRef, flags: number) {
    checkSupportedFlags(flags, C.VIR_STORAGE_VOL_GET_PHYSICAL, "testStorageVolGetInfoFlags", TEST);
    return this.storageVolGetInfo(ref);
  }
  storageVolGetXMLDesc(ref: StorageVolRef, flags: number): string {
    checkSupportedFlags(flags, 0, "testStorageVolGetXMLDesc", TEST);
    const { p, v } = this.volObj(ref);
    return this.poolConf.formatVol(p.def, v, flags);
  }
  storageVolGetPath(ref: StorageVolRef): string {
    const { p, v } = this.volObj(ref);
    return this.volRef(p, v).key;
  }
}

/** Shared instances per URI path (test:///default) with their reference counts. */
const shared = new Map<string, TestDriverState>();

/** Register with virRegisterConnectDriver to serve test:/// URIs. */
export function createTestConnectDriver(conf: TestConf): ConnectDriver {
  return {
    name: "Test",
    probe(uri: VirURI) {
      return uri.scheme === "test" && uri.transport === "" && uri.server === "";
    },
    open(uri: VirURI): Promise<HypervisorConnection> {
      if (uri.path === "" || uri.path === "/") {
        return Promise.reject(err(E.VIR_ERR_INVALID_ARG, "testOpen: supply a path or use test:///default"));
      }
      const uriStr = `test://${uri.path}`;
      if (uri.path === "/default") {
        let st = shared.get(uri.path);
        if (!st) {
          st = new TestDriverState(conf);
          st.cells = [0, 1].map((i) => ({ mem: (i + 1) * 2048 * 1024, freeMem: (i + 1) * 1024 * 1024 }));
          st.load(TEST_DEFAULT_CONFIG);
          shared.set(uri.path, st);
        }
        st.refs++;
        const state = st;
        return Promise.resolve(
          new TestConnection(state, () => {
            state.refs--;
            if (state.refs === 0) shared.delete(uri.path);
          }, uriStr),
        );
      }
      // testOpenFromFile: a private driver per connection, loaded from the XML file.
      let text: string;
      try {
        text = readFileSync(uri.path, "utf8");
      } catch (e) {
        return Promise.reject(
          new VirError({
            code: E.VIR_ERR_SYSTEM_ERROR,
            domain: TEST,
            message: `failed to open ${uri.path}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "No such file or directory" : (e as Error).message}`,
            level: VIR_ERR_ERROR,
          }),
        );
      }
      const st = new TestDriverState(conf);
      st.load(text);
      return Promise.resolve(new TestConnection(st, () => undefined, uriStr));
    },
  };
}
