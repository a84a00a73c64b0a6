// Internal snapshots for the qemu driver (libvirt 9.0 src/qemu/qemu_snapshot.c), with libvirt's
// metadata files (libDir/snapshot/DOMAIN/NAME.xml, <active> marking the current one):
// - a running or paused domain: the emulator's savevm (machine state kept in the emulator's
//   x-snapshot-dir, libDir/snapshot/DOMAIN/state). virtkit's emulator snapshots machine state
//   only, so a domain with a writable disk is refused as QEMU refuses disks that cannot hold an
//   internal snapshot ("Device '...' is writable but does not support snapshots");
// - a shut-off domain: an internal snapshot in each qcow2 disk (what `qemu-img snapshot -c`
//   does, through @virtkit/qemu's qcow2 code); raw disks are refused.
// Revert to a running snapshot loads it in the running emulator (loadvm) or starts a new one with
// -loadvm; revert to a shut-off snapshot stops the domain and applies the disks' snapshots.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Qcow2Driver, openImage } from "@virtkit/qemu";
import * as C from "../../api/constants.js";
import { checkSupportedFlags } from "../../api/check.js";
import type { DomainSnapshotRef } from "../../api/driver.js";
import type { DomainDef } from "../../conf/domain-def.js";
import {
  formatSnapshotXML,
  parseSnapshotXML,
  VIR_DOMAIN_SNAPSHOT_FORMAT_CURRENT,
  VIR_DOMAIN_SNAPSHOT_FORMAT_INTERNAL,
  VIR_DOMAIN_SNAPSHOT_FORMAT_SECURE,
  VIR_DOMAIN_SNAPSHOT_PARSE_INTERNAL,
  VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE,
  VIR_DOMAIN_SNAPSHOT_PARSE_VALIDATE,
  type SnapshotDef,
} from "../../conf/snapshot-conf.js";
import { virError } from "../../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";
import { isActive, type QemuDomainObj } from "./qemu-domain.js";
import type { QemuDriver } from "./qemu-driver.js";
import { monitorCommand, startProcess, stopProcess } from "./qemu-process.js";

const SNAP = VirErrorDomain.VIR_FROM_DOMAIN_SNAPSHOT;
const QEMU = VirErrorDomain.VIR_FROM_QEMU;
const E = VirErrorNumber;

interface SnapEntry {
  def: SnapshotDef;
}

interface DomainSnapshots {
  list: Map<string, SnapEntry>;
  current: string | null;
}

export class QemuSnapshots {
  private readonly byDomain = new Map<string, DomainSnapshots>();

  constructor(private readonly drv: QemuDriver) {}

  private dir(name: string): string {
    return join(this.drv.paths.snapshotDir, name);
  }

  /** qemuDomainSnapshotLoad: the domain's metadata files, read once. */
  private load(o: QemuDomainObj): DomainSnapshots {
    const key = o.def.uuid;
    let s = this.byDomain.get(key);
    if (s) return s;
    s = { list: new Map(), current: null };
    const dir = this.dir(o.def.name);
    if (existsSync(dir)) {
      for (const f of readdirSync(dir).sort()) {
        if (!f.endsWith(".xml")) continue;
        try {
          const def = parseSnapshotXML(readFileSync(join(dir, f), "utf8"), {
            flags: VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE | VIR_DOMAIN_SNAPSHOT_PARSE_INTERNAL,
            postParse: this.drv.postParse,
          });
          if (def.name === null) continue;
          s.list.set(def.name, { def });
          if (def.current) s.current = def.name;
        } catch {
          /* qemuDomainSnapshotLoad skips a broken file */
        }
      }
    }
    this.byDomain.set(key, s);
    return s;
  }

  private write(o: QemuDomainObj, s: DomainSnapshots, name: string): void {
    const e = s.list.get(name);
    if (!e) return;
    const dir = this.dir(o.def.name);
    mkdirSync(dir, { recursive: true });
    let flags = VIR_DOMAIN_SNAPSHOT_FORMAT_SECURE | VIR_DOMAIN_SNAPSHOT_FORMAT_INTERNAL;
    if (s.current === name) flags |= VIR_DOMAIN_SNAPSHOT_FORMAT_CURRENT;
    const file = join(dir, `${name}.xml`);
    writeFileSync(`${file}.new`, formatSnapshotXML(e.def, { flags }), { mode: 0o600 });
    renameSync(`${file}.new`, file);
  }

  private setCurrent(o: QemuDomainObj, s: DomainSnapshots, name: string | null): void {
    const old = s.current;
    s.current = name;
    if (old !== null && old !== name) this.write(o, s, old);
    if (name !== null) this.write(o, s, name);
  }

  count(o: QemuDomainObj): number {
    return this.load(o).list.size;
  }

  dropAllMetadata(o: QemuDomainObj): void {
    rmSync(this.dir(o.def.name), { recursive: true, force: true });
    this.byDomain.delete(o.def.uuid);
  }

  get(o: QemuDomainObj, name: string): SnapshotDef {
    const e = this.load(o).list.get(name);
    if (!e) throw virError(SNAP, E.VIR_ERR_NO_DOMAIN_SNAPSHOT, `no domain snapshot with matching name '${name}'`);
    return e.def;
  }

  current(o: QemuDomainObj): string | null {
    return this.load(o).current;
  }

  getXMLDesc(o: QemuDomainObj, name: string, flags: number): string {
    checkSupportedFlags(flags, 1 /* VIR_DOMAIN_SNAPSHOT_XML_SECURE */, "qemuDomainSnapshotGetXMLDesc", QEMU);
    const def = this.get(o, name);
    return formatSnapshotXML(def, { flags: flags & 1 ? VIR_DOMAIN_SNAPSHOT_FORMAT_SECURE : 0 });
  }

  /** virDomainSnapshotObjListGetNames: roots/children, descendants, leaves, topological order. */
  list(o: QemuDomainObj, from: string | null, flags: number): string[] {
    const s = this.load(o);
    if (from !== null) this.get(o, from);
    const children = (p: string | null): string[] => [...s.list.values()].filter((e) => e.def.parentName === p).map((e) => e.def.name ?? "");
    const descendants = (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS) !== 0;
    let names: string[];
    if (from === null) {
      names = descendants ? [...s.list.keys()] : (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS) !== 0 ? children(null) : [...s.list.keys()];
      if (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_ROOTS) names = children(null);
    } else if (descendants) {
      names = [];
      const walk = (p: string): void => {
        for (const c of children(p)) {
          names.push(c);
          walk(c);
        }
      };
      walk(from);
    } else names = children(from);
    if (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_TOPOLOGICAL && from === null) {
      const ordered: string[] = [];
      const walk = (p: string | null): void => {
        for (const c of children(p)) {
          if (names.includes(c)) ordered.push(c);
          walk(c);
        }
      };
      walk(null);
      names = ordered;
    }
    const isLeaf = (n: string): boolean => children(n).length === 0;
    if (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_LEAVES) names = names.filter(isLeaf);
    if (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_NO_LEAVES) names = names.filter((n) => !isLeaf(n));
    if (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_NO_METADATA) names = [];
    const st = (n: string): string => s.list.get(n)?.def.state ?? "";
    if (flags & (C.VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE | C.VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE | C.VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY)) {
      names = names.filter(
        (n) =>
          (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_INACTIVE && st(n) === "shutoff") ||
          (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_ACTIVE && (st(n) === "running" || st(n) === "paused")) ||
          (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_DISK_ONLY && st(n) === "disk-snapshot"),
      );
    }
    if (flags & C.VIR_DOMAIN_SNAPSHOT_LIST_EXTERNAL) names = [];
    return names;
  }

  /** The disks an internal snapshot covers: writable file disks. */
  private writableDisks(def: DomainDef): { dst: string; path: string; format: string }[] {
    return def.disks
      .filter((d) => d.device === "disk" && !d.src.readonly && d.src.path !== null)
      .map((d) => ({ dst: d.dst ?? "", path: d.src.path!, format: d.src.format ?? "raw" }));
  }

  private async forEachQcow2(def: DomainDef, op: (d: Qcow2Driver) => Promise<unknown>): Promise<void> {
    for (const disk of this.writableDisks(def)) {
      if (disk.format !== "qcow2") throw virError(QEMU, E.VIR_ERR_OPERATION_INVALID, `Disk device '${disk.dst}' does not support snapshotting`);
    }
    for (const disk of this.writableDisks(def)) {
      const drv = await openImage(disk.path, { format: "qcow2", readOnly: false, openBacking: false });
      try {
        if (!(drv instanceof Qcow2Driver)) throw virError(QEMU, E.VIR_ERR_OPERATION_INVALID, `Disk device '${disk.dst}' does not support snapshotting`);
        await op(drv);
        await drv.flush();
      } catch (e) {
        if (e instanceof Error && !("code" in e && typeof (e as { domain?: number }).domain === "number")) {
          throw virError(QEMU, E.VIR_ERR_OPERATION_FAILED, `internal snapshot of disk '${disk.dst}' failed: ${e.message}`);
        }
        throw e;
      } finally {
        await drv.close();
      }
    }
  }

  private async hmp(o: QemuDomainObj, line: string): Promise<void> {
    const out = (await monitorCommand(o, "human-monitor-command", { "command-line": line })) as string;
    const text = out.replace(/\r?\n$/, "").replace(/\r\n/g, "\n");
    if (text !== "") throw virError(QEMU, E.VIR_ERR_OPERATION_FAILED, `Failed to ${line.split(" ")[0]} snapshot: ${text.replace(/^Error: /, "")}`);
  }

  /** qemuSnapshotCreateXML for internal snapshots. */
  async create(o: QemuDomainObj, xml: string, flags: number): Promise<DomainSnapshotRef> {
    checkSupportedFlags(
      flags,
      C.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE | C.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT | C.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA | C.VIR_DOMAIN_SNAPSHOT_CREATE_HALT |
        C.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | C.VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT | C.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE | C.VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC |
        C.VIR_DOMAIN_SNAPSHOT_CREATE_LIVE | C.VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE,
      "qemuDomainSnapshotCreateXML",
      QEMU,
    );
    if (flags & (C.VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | C.VIR_DOMAIN_SNAPSHOT_CREATE_REUSE_EXT)) {
      throw virError(QEMU, E.VIR_ERR_OPERATION_UNSUPPORTED, "external (disk-only) snapshots are not supported by virtkit's qemu driver");
    }
    if (flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_QUIESCE) throw virError(QEMU, E.VIR_ERR_ARGUMENT_UNSUPPORTED, "QEMU guest agent is not configured");
    const s = this.load(o);
    let parse = 0;
    if (flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE) parse |= VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE;
    if (flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE) parse |= VIR_DOMAIN_SNAPSHOT_PARSE_VALIDATE;
    const def = parseSnapshotXML(xml, { flags: parse, postParse: this.drv.postParse });
    const name = def.name ?? "";
    if (flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE) {
      s.list.set(name, { def });
      if (flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT) this.setCurrent(o, s, name);
      else this.write(o, s, name);
      return { name, dom: this.drv.ref(o) };
    }
    if (s.list.has(name)) throw virError(SNAP, E.VIR_ERR_OPERATION_INVALID, `domain snapshot '${name}' already exists`);
    if (def.memory === "external" || def.disks.some((d) => d.snapshot === "external")) {
      throw virError(QEMU, E.VIR_ERR_OPERATION_UNSUPPORTED, "external snapshots are not supported by virtkit's qemu driver");
    }
    const active = isActive(o);
    const state = active ? (o.state === C.VIR_DOMAIN_PAUSED ? "paused" : "running") : "shutoff";
    if (active) {
      const writable = this.writableDisks(o.def);
      if (writable.length > 0) {
        throw virError(QEMU, E.VIR_ERR_OPERATION_FAILED, `internal snapshot of a running domain: Device 'drive-${o.def.disks.find((d) => d.dst === writable[0]!.dst)?.info.alias ?? writable[0]!.dst}' is writable but does not support snapshots`);
      }
      await this.hmp(o, `savevm ${name}`);
    } else {
      await this.forEachQcow2(o.def, (d) => d.createSnapshot(name));
    }
    def.state = state;
    def.memory = active ? "internal" : "no";
    def.dom = structuredClone(o.newDef ?? o.def);
    def.dom.id = -1;
    def.disks = (o.newDef ?? o.def).disks.map((d) => ({
      name: d.dst ?? "",
      snapshot: d.src.readonly ? "no" : "internal",
      snapshotDeleteInProgress: false,
      src: { ...d.src, path: null, format: null, backingStore: null },
    }));
    def.parentName = s.current;
    if (!(flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_NO_METADATA)) {
      s.list.set(name, { def });
      this.setCurrent(o, s, name);
    }
    if (flags & C.VIR_DOMAIN_SNAPSHOT_CREATE_HALT && active) {
      await stopProcess(this.drv, o, C.VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT, C.VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT);
    }
    return { name, dom: this.drv.ref(o) };
  }

  /** qemuSnapshotRevert. */
  async revert(o: QemuDomainObj, name: string, flags: number): Promise<void> {
    checkSupportedFlags(flags, C.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | C.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED | C.VIR_DOMAIN_SNAPSHOT_REVERT_FORCE, "qemuDomainRevertToSnapshot", QEMU);
    const s = this.load(o);
    const def = this.get(o, name);
    const wantRunning = flags & C.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING ? true : flags & C.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED ? false : def.state === "running";
    if (def.state === "running" || def.state === "paused") {
      if (isActive(o)) {
        if (o.state === C.VIR_DOMAIN_RUNNING) {
          o.pausedReason = C.VIR_DOMAIN_PAUSED_FROM_SNAPSHOT;
          o.state = C.VIR_DOMAIN_PAUSED;
          o.reason = C.VIR_DOMAIN_PAUSED_FROM_SNAPSHOT;
          await monitorCommand(o, "stop");
        }
        await this.hmp(o, `loadvm ${name}`);
        if (wantRunning) {
          o.state = C.VIR_DOMAIN_RUNNING;
          o.reason = C.VIR_DOMAIN_RUNNING_FROM_SNAPSHOT;
          await monitorCommand(o, "cont");
          this.drv.lifecycle(o, C.VIR_DOMAIN_EVENT_RESUMED, C.VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT);
        } else {
          o.state = C.VIR_DOMAIN_PAUSED;
          o.reason = C.VIR_DOMAIN_PAUSED_FROM_SNAPSHOT;
          this.drv.lifecycle(o, C.VIR_DOMAIN_EVENT_SUSPENDED, C.VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT);
        }
        this.drv.saveStatus(o);
      } else {
        await startProcess(this.drv, o, {
          paused: true,
          runningReason: C.VIR_DOMAIN_RUNNING_FROM_SNAPSHOT,
          startedDetail: C.VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT,
          loadvm: name,
          events: false,
        });
        this.drv.lifecycle(o, C.VIR_DOMAIN_EVENT_STARTED, C.VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT);
        if (wantRunning) {
          o.state = C.VIR_DOMAIN_RUNNING;
          o.reason = C.VIR_DOMAIN_RUNNING_FROM_SNAPSHOT;
          await monitorCommand(o, "cont");
        } else {
          o.state = C.VIR_DOMAIN_PAUSED;
          o.reason = C.VIR_DOMAIN_PAUSED_FROM_SNAPSHOT;
          this.drv.lifecycle(o, C.VIR_DOMAIN_EVENT_SUSPENDED, C.VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT);
        }
        this.drv.saveStatus(o);
      }
    } else {
      if (isActive(o)) await stopProcess(this.drv, o, C.VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT, C.VIR_DOMAIN_EVENT_STOPPED_FROM_SNAPSHOT);
      await this.forEachQcow2(o.def, (d) => d.applySnapshot(name));
      if (flags & (C.VIR_DOMAIN_SNAPSHOT_REVERT_RUNNING | C.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED)) {
        const paused = (flags & C.VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED) !== 0;
        await startProcess(this.drv, o, { paused, runningReason: C.VIR_DOMAIN_RUNNING_FROM_SNAPSHOT, startedDetail: C.VIR_DOMAIN_EVENT_STARTED_FROM_SNAPSHOT });
      } else {
        o.state = C.VIR_DOMAIN_SHUTOFF;
        o.reason = C.VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT;
      }
    }
    this.setCurrent(o, s, name);
  }

  /** qemuSnapshotDelete: the state (unless METADATA_ONLY), then the metadata; children re-parented. */
  async delete(o: QemuDomainObj, name: string, flags: number): Promise<void> {
    checkSupportedFlags(flags, C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN | C.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY | C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY, "qemuDomainSnapshotDelete", QEMU);
    const s = this.load(o);
    const def = this.get(o, name);
    const children = (p: string): string[] => [...s.list.values()].filter((e) => e.def.parentName === p).map((e) => e.def.name ?? "");
    const targets: string[] = [];
    if (flags & (C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN | C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)) {
      const walk = (p: string): void => {
        for (const c of children(p)) {
          walk(c);
          targets.push(c);
        }
      };
      walk(name);
    }
    if (!(flags & C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY)) targets.push(name);
    for (const t of targets) {
      const td = s.list.get(t)!.def;
      if (!(flags & C.VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY)) await this.discardState(o, t, td.state ?? "");
      s.list.delete(t);
      rmSync(join(this.dir(o.def.name), `${t}.xml`), { force: true });
      if (s.current === t) s.current = null;
    }
    if (!(flags & (C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN | C.VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN_ONLY))) {
      for (const c of children(name)) {
        s.list.get(c)!.def.parentName = def.parentName;
        this.write(o, s, c);
      }
      if (s.current === null && targets.includes(name) && def.parentName !== null && s.list.has(def.parentName)) this.setCurrent(o, s, def.parentName);
    }
  }

  private async discardState(o: QemuDomainObj, name: string, state: string): Promise<void> {
    if (state === "running" || state === "paused") {
      if (isActive(o)) {
        await this.hmp(o, `delvm ${name}`);
        return;
      }
      // The emulator's snapshot store (index + one vmstate file per snapshot), edited as its delvm does.
      const dir = this.drv.snapshotStateDir(o.def.name);
      const index = join(dir, "snapshots.json");
      if (!existsSync(index)) return;
      const list = JSON.parse(readFileSync(index, "utf8")) as { id: string; name: string }[];
      const hit = list.find((x) => x.name === name);
      if (!hit) return;
      rmSync(join(dir, `snapshot-${hit.id}.vmstate`), { force: true });
      writeFileSync(index, JSON.stringify(list.filter((x) => x !== hit)));
      return;
    }
    if (state === "shutoff") {
      if (isActive(o)) {
        throw virError(QEMU, E.VIR_ERR_OPERATION_UNSUPPORTED, "deleting the disk state of a shut-off snapshot while the domain runs is not supported by virtkit's emulator");
      }
      await this.forEachQcow2(o.def, (d) => d.deleteSnapshot(name));
    }
  }
}
