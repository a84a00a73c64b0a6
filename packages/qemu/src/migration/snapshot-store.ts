import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { PcMachine } from "../machine/pc.js";
import type { SnapshotInfo } from "../monitor/monitor-host.js";
import { VmStateError, loadVmState, saveVmState } from "./vmstate.js";

/*
 * Named machine snapshots (HMP savevm / loadvm / delvm / info snapshots). QEMU keeps them inside
 * qcow2 images; virtkit keeps each one as a vmstate stream file in a directory, with an index
 * (snapshots.json) holding what "info snapshots" shows: id, tag, size, date and guest clock.
 */
export class SnapshotStore {
  constructor(
    private readonly pc: PcMachine,
    readonly dir: string,
  ) {}

  private indexPath(): string {
    return join(this.dir, "snapshots.json");
  }

  private async index(): Promise<SnapshotInfo[]> {
    try {
      return JSON.parse(await readFile(this.indexPath(), "utf8")) as SnapshotInfo[];
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") {
        return [];
      }
      throw e;
    }
  }

  private fileFor(id: string): string {
    return join(this.dir, `snapshot-${id}.vmstate`);
  }

  list(): Promise<SnapshotInfo[]> {
    return this.index();
  }

  /** savevm: stops the VM for the save and resumes it if it was running. */
  async save(name: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const list = await this.index();
    const wasRunning = this.pc.running;
    this.pc.vmStop("save-vm");
    try {
      // no block request may be half done in the saved state (QEMU's bdrv_drain_all before savevm)
      await this.pc.drainIde();
      const data = saveVmState(this.pc);
      const existing = list.find((s) => s.name === name);
      const id = existing?.id ?? String(list.reduce((m, s) => Math.max(m, Number(s.id) || 0), 0) + 1);
      await writeFile(this.fileFor(id), data);
      const now = Date.now();
      const info: SnapshotInfo = { id, name, vmStateSize: data.length, dateSec: Math.floor(now / 1000), dateNsec: (now % 1000) * 1e6, vmClockNs: this.pc.clock.now() };
      const next = list.filter((s) => s.name !== name);
      next.push(info);
      await writeFile(this.indexPath(), JSON.stringify(next));
    } finally {
      if (wasRunning) {
        this.pc.vmStart();
      }
    }
  }

  private async find(name: string): Promise<SnapshotInfo> {
    const s = (await this.index()).find((x) => x.name === name || x.id === name);
    if (s === undefined) {
      throw new VmStateError(`Snapshot '${name}' does not exist in one or more devices`);
    }
    return s;
  }

  /** loadvm: the VM stays stopped unless it was running before. */
  async load(name: string): Promise<void> {
    const s = await this.find(name);
    const data = new Uint8Array(await readFile(this.fileFor(s.id)));
    const { wasRunning } = loadVmState(this.pc, data);
    if (wasRunning) {
      this.pc.vmStart();
    }
  }

  async delete(name: string): Promise<void> {
    const s = await this.find(name);
    await rm(this.fileFor(s.id), { force: true });
    const list = (await this.index()).filter((x) => x.id !== s.id);
    await writeFile(this.indexPath(), JSON.stringify(list));
  }

  /** Whether the directory exists (for tools listing snapshots). */
  async exists(): Promise<boolean> {
    try {
      return (await stat(this.dir)).isDirectory();
    } catch {
      return false;
    }
  }
}
