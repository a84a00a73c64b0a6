// The qemu driver's state (libvirt 9.0 src/qemu/qemu_driver.c qemuStateInitialize and virQEMUDriver):
// one instance per root, shared by every connection to it. At start it loads the persistent
// configs, reads the status files of domains that were running and reconnects to them (or marks
// them crashed), and autostarts domains once per boot of the root (virDriverShouldAutostart's
// "autostarted" marker). The embedded driver takes the root's lock (driver.pid) so two processes
// never run the same root.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import * as C from "../../api/constants.js";
import { formatUUID } from "../../api/check.js";
import type { DomainEvent, DomainEventCallback, DomainRef } from "../../api/driver.js";
import { parseDomainNode, parseDomainXML, formatDomainXML } from "../../conf/domain-conf.js";
import type { DomainDef } from "../../conf/domain-def.js";
import type { DomainPostParse } from "../../conf/domain-driver-hooks.js";
import { VIR_DOMAIN_DEF_PARSE_INACTIVE, VIR_DOMAIN_DEF_PARSE_STATUS, VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE } from "../../conf/domain-flags.js";
import { qemuDriverPostParse, type QemuEmulatorCaps } from "../../conf/domain-hooks-qemu.js";
import { virError } from "../../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";
import { loadDomainConfigs, saveDomainConfig, saveDomainStatus } from "../persist.js";
import { NetworkDriver } from "../network/network-driver.js";
import { StorageDriver } from "../storage/storage-driver.js";
import { probeEmulator, toEmulatorCaps, type QemuBinaryCaps } from "./qemu-capabilities.js";
import { defaultEmulator, type QemuDriverPaths } from "./qemu-conf.js";
import { newDomainObj, withJob, type QemuDomainObj } from "./qemu-domain.js";
import { reconnectProcess, startProcess, processAlive } from "./qemu-process.js";
import { formatDomainStatus, parseDomainStatus } from "./qemu-status.js";

const QEMU = VirErrorDomain.VIR_FROM_QEMU;
const E = VirErrorNumber;

function sameUUID(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

interface EventCallback {
  id: number;
  owner: object;
  dom: Uint8Array | null;
  eventID: number;
  cb: DomainEventCallback;
}

export class QemuDriver {
  readonly domains: QemuDomainObj[] = [];
  /** the conf layer's view of every probed emulator; qemuDriverPostParse looks domains up here */
  readonly capsList: QemuEmulatorCaps[] = [];
  readonly postParse: DomainPostParse;
  readonly storage: StorageDriver;
  readonly network: NetworkDriver;
  private readonly binaries = new Map<string, QemuBinaryCaps>();
  private readonly callbacks: EventCallback[] = [];
  private nextCallbackID = 0;
  private nextId = 1;
  refs = 0;
  private lockFd: number | null = null;
  readonly defaultEmulator: string | null;

  constructor(
    readonly paths: QemuDriverPaths,
    readonly embedded: boolean,
    storage: StorageDriver,
    network: NetworkDriver,
  ) {
    this.storage = storage;
    this.network = network;
    this.defaultEmulator = defaultEmulator();
    const base = qemuDriverPostParse({ caps: this.capsList });
    // with only i386 emulators, a domain without <type arch> is an i686 guest
    this.postParse = { ...base, config: { ...base.config, defArch: "i686" } };
  }

  /** qemuStateInitialize. */
  async initialize(): Promise<void> {
    for (const d of [this.paths.configDir, this.paths.stateDir, this.paths.libDir, this.paths.logDir]) mkdirSync(d, { recursive: true });
    this.acquireLock();
    if (this.defaultEmulator !== null) {
      try {
        await this.emulatorCaps(this.defaultEmulator);
      } catch {
        /* reported when a domain needs it */
      }
    }
    await this.storage.initialize();
    this.network.initialize();
    // persistent configs
    for (const c of loadDomainConfigs(this.paths.configDir, this.paths.autostartDir)) {
      try {
        await this.probeEmulatorIn(c.xml);
        const def = parseDomainXML(c.xml, { flags: VIR_DOMAIN_DEF_PARSE_INACTIVE | VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE, postParse: this.postParse });
        if (def.name !== c.name) continue;
        const obj = newDomainObj(def, true);
        obj.autostart = c.autostart;
        this.domains.push(obj);
      } catch {
        // virDomainObjListLoadAllConfigs skips a config it cannot load (and logs it)
      }
    }
    // status of running domains (qemuProcessReconnectAll)
    const reconnects: Promise<void>[] = [];
    if (existsSync(this.paths.stateDir)) {
      for (const f of readdirSync(this.paths.stateDir).sort()) {
        if (!f.endsWith(".xml")) continue;
        const file = join(this.paths.stateDir, f);
        let obj: QemuDomainObj;
        try {
          const st = parseDomainStatus(readFileSync(file, "utf8"));
          const live = parseDomainNode(st.domain, { flags: VIR_DOMAIN_DEF_PARSE_STATUS | VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE, postParse: this.postParse });
          const existing = this.domains.find((d) => d.def.uuid === live.uuid);
          obj = existing ?? newDomainObj(live, false);
          if (existing) {
            existing.newDef = existing.def;
            existing.def = live;
          } else this.domains.push(obj);
          obj.state = st.state;
          obj.reason = st.reason;
          obj.pid = st.pid;
          obj.monitorPath = st.monitorPath;
          obj.domainDir = st.libDir;
          if (live.id >= this.nextId) this.nextId = live.id + 1;
        } catch {
          rmSync(file, { force: true });
          continue;
        }
        reconnects.push(withJob(obj, () => reconnectProcess(this, obj)).catch(() => undefined));
      }
    }
    await Promise.all(reconnects);
    await this.autostart();
  }

  /** virDriverShouldAutostart + qemuAutostartDomains. */
  private async autostart(): Promise<void> {
    const marker = join(this.paths.stateDir, "autostarted");
    if (existsSync(marker)) return;
    writeFileSync(marker, "");
    for (const obj of this.domains) {
      if (!obj.autostart || obj.def.id !== -1) continue;
      await withJob(obj, () =>
        startProcess(this, obj, { paused: false, runningReason: C.VIR_DOMAIN_RUNNING_BOOTED, startedDetail: C.VIR_DOMAIN_EVENT_STARTED_BOOTED }),
      ).catch(() => undefined);
    }
  }

  /** virPidFileAcquirePath on the root's driver.pid: one process per root. */
  private acquireLock(): void {
    const file = join(this.paths.stateDir, "driver.pid");
    if (existsSync(file)) {
      const pid = Number(readFileSync(file, "utf8").trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw virError(VirErrorDomain.VIR_FROM_NONE, E.VIR_ERR_SYSTEM_ERROR, `Failed to acquire pid file '${file}': Resource temporarily unavailable`);
      }
    }
    const fd = openSync(file, "w", 0o644);
    writeSync(fd, `${process.pid}\n`);
    this.lockFd = fd;
  }

  /** qemuStateCleanup: monitors closed, the lock released; emulators keep running. */
  shutdown(): void {
    for (const d of this.domains) {
      const m = d.monitor;
      d.monitor = null;
      m?.close();
    }
    if (this.lockFd !== null) {
      closeSync(this.lockFd);
      this.lockFd = null;
      rmSync(join(this.paths.stateDir, "driver.pid"), { force: true });
    }
    this.network.shutdown();
  }

  // ---- emulators ----
  async emulatorCaps(emulator: string): Promise<QemuBinaryCaps> {
    const path = emulator !== "" ? emulator : (this.defaultEmulator ?? "");
    if (path === "") throw virError(QEMU, E.VIR_ERR_INTERNAL_ERROR, "no emulator: set VIRTKIT_QEMU_EMULATOR or build apps/qemu-system");
    const known = this.binaries.get(path);
    if (known) return known;
    let caps: QemuBinaryCaps;
    try {
      caps = await probeEmulator(path);
    } catch (e) {
      throw virError(QEMU, E.VIR_ERR_SYSTEM_ERROR, `Cannot check QEMU binary ${path}: ${(e as Error).message.includes("No such file") ? "No such file or directory" : (e as Error).message}`);
    }
    this.binaries.set(path, caps);
    const conf = toEmulatorCaps(caps);
    // the default emulator comes first so that domains without <emulator> get it
    if (path === this.defaultEmulator) this.capsList.unshift(conf);
    else this.capsList.push(conf);
    return caps;
  }

  /** Probes the binary a domain XML names in <emulator>, so post-parse knows it. */
  async probeEmulatorIn(xml: string): Promise<void> {
    const m = /<emulator>\s*([^<]*?)\s*<\/emulator>/.exec(xml);
    const path = m?.[1];
    if (path && existsSync(path) && !this.binaries.has(path)) await this.emulatorCaps(path).catch(() => undefined);
    if (this.capsList.length === 0 && this.defaultEmulator) await this.emulatorCaps(this.defaultEmulator);
  }

  /** Parses domain XML with the qemu driver's hooks (virDomainDefParseString). */
  async parseDomain(xml: string, flags: number): Promise<DomainDef> {
    await this.probeEmulatorIn(xml);
    return parseDomainXML(xml, { flags, postParse: this.postParse });
  }

  allocateId(): number {
    return this.nextId++;
  }

  /** Where the emulator keeps internal snapshot state of this domain (its x-snapshot-dir). */
  snapshotStateDir(name: string): string {
    return join(this.paths.snapshotDir, name, "state");
  }

  /** What an <interface type='network'> gets: the network must exist and be active. */
  networkForDomain(name: string): { forward: string | null } {
    return this.network.usableForDomain(name);
  }

  // ---- domains ----
  findByUUID(uuid: Uint8Array): QemuDomainObj | undefined {
    const s = formatUUID(uuid);
    return this.domains.find((d) => d.def.uuid === s);
  }
  findByName(name: string): QemuDomainObj | undefined {
    return this.domains.find((d) => d.def.name === name);
  }
  ref(obj: QemuDomainObj): DomainRef {
    const uuid = Buffer.from(obj.def.uuid.replaceAll("-", ""), "hex");
    return { name: obj.def.name, uuid: new Uint8Array(uuid), id: obj.def.id };
  }
  removeDomain(obj: QemuDomainObj): void {
    const i = this.domains.indexOf(obj);
    if (i >= 0) this.domains.splice(i, 1);
    obj.removed = true;
  }
  runJob<T>(obj: QemuDomainObj, fn: () => Promise<T> | T): Promise<T> {
    return withJob(obj, fn);
  }

  /** virDomainDefSave of the persistent definition. */
  saveConfig(def: DomainDef): void {
    saveDomainConfig(this.paths.configDir, def.name, def.uuid, formatDomainXML(def, { flags: C.VIR_DOMAIN_XML_SECURE | C.VIR_DOMAIN_XML_INACTIVE }));
  }

  /** virDomainObjSave: the status file of an active domain. */
  saveStatus(obj: QemuDomainObj): void {
    if (obj.def.id === -1 || obj.removed) return;
    const xml = formatDomainXML(obj.def, { flags: C.VIR_DOMAIN_XML_SECURE, live: { id: obj.def.id } });
    saveDomainStatus(this.paths.stateDir, obj.def.name, obj.def.uuid, formatDomainStatus({ state: obj.state, reason: obj.reason, pid: obj.pid, monitorPath: obj.monitorPath, libDir: obj.domainDir }, xml));
  }
  removeStatus(name: string): void {
    rmSync(join(this.paths.stateDir, `${name}.xml`), { force: true });
  }

  // ---- events (virObjectEventState) ----
  register(owner: object, dom: Uint8Array | null, eventID: number, cb: DomainEventCallback): number {
    const id = this.nextCallbackID++;
    this.callbacks.push({ id, owner, dom, eventID, cb });
    return id;
  }
  deregister(owner: object, id: number): void {
    const i = this.callbacks.findIndex((c) => c.id === id && c.owner === owner);
    if (i < 0) throw virError(QEMU, E.VIR_ERR_INVALID_ARG, `could not find event callback ${id} for deletion`);
    this.callbacks.splice(i, 1);
  }
  dropOwner(owner: object): void {
    for (let i = this.callbacks.length - 1; i >= 0; i--) if (this.callbacks[i]!.owner === owner) this.callbacks.splice(i, 1);
  }
  /** Delivered from the event loop after the current call, in order. */
  emit(ev: DomainEvent): void {
    setImmediate(() => {
      for (const c of [...this.callbacks]) {
        if (c.eventID !== ev.eventID) continue;
        if (c.dom && !sameUUID(c.dom, ev.dom.uuid)) continue;
        try {
          c.cb(ev);
        } catch {
          /* one failing callback does not stop the others */
        }
      }
    });
  }
  lifecycle(obj: QemuDomainObj, event: number, detail: number): void {
    this.emit({ eventID: C.VIR_DOMAIN_EVENT_ID_LIFECYCLE, dom: this.ref(obj), event, detail });
  }
}
