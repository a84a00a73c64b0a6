// qemuDomainChangeEjectableMedia's monitor conversation (the -drive path of qemu_hotplug.c) against
// a scripted monitor: an unlocked tray, a tray the guest holds locked and opens when asked (the
// DEVICE_TRAY_MOVED event ends libvirt's wait), one it never opens (CHANGE_MEDIA_TIMEOUT, then
// QEMU's refusal is the error), and --force.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JsonValue, QmpClient } from "@virtkit/qemu";
import { afterEach, describe, expect, it, vi } from "vitest";
import { qemuDriverPostParse } from "../../conf/domain-hooks-qemu.js";
import type { DiskDef } from "../../conf/domain-def.js";
import { CHANGE_MEDIA_TIMEOUT_MS, changeDiskLive, handleTrayMoved, parseUpdateDevice } from "./qemu-hotplug.js";
import type { QemuDomainObj } from "./qemu-domain.js";

const dir = mkdtempSync(join(tmpdir(), "virtkit-hotplug-"));
const isoA = join(dir, "a.iso");
const isoB = join(dir, "b.iso");
writeFileSync(isoA, "a");
writeFileSync(isoB, "b");
const config = qemuDriverPostParse().config;

function cd(source: string | null): DiskDef {
  const d = parseUpdateDevice(
    `<disk type='file' device='cdrom'><driver name='qemu' type='raw'/>${source === null ? "" : `<source file='${source}'/>`}<target dev='hdc' bus='ide'/><readonly/></disk>`,
    config,
  );
  if ("unsupported" in d) throw new Error("not a disk");
  return d;
}

const LOCKED = { error: { class: "GenericError", desc: "Device 'drive-ide0-1-0' is locked and force was not specified, wait for tray to open and try again" } };

/**
 * A domain with hdc (isoA) whose monitor answers eject as QEMU does: with the tray unlocked (or
 * forced) it opens it (event before the return); locked, it refuses and, when `guestOpens`, the
 * guest opens the tray a little later. blockdev-change-medium closes it.
 */
function domain(locked: boolean, guestOpens: boolean): { obj: QemuDomainObj; calls: string[] } {
  const orig = cd(isoA);
  orig.info.alias = "ide0-1-0";
  const calls: string[] = [];
  const obj = { def: { disks: [orig] } } as unknown as QemuDomainObj;
  const move = (open: boolean): void => {
    handleTrayMoved(obj, { device: "drive-ide0-1-0", "tray-open": open, id: "ide0-1-0" });
  };
  const monitor = {
    closedNow: false,
    execute(command: string, args?: Record<string, JsonValue>): Promise<Record<string, JsonValue>> {
      calls.push(`${command} ${JSON.stringify(args)}`);
      if (command === "eject") {
        if (orig.tray === "open") return Promise.resolve({ return: {} });
        if (locked && args?.force !== true) {
          if (guestOpens) setTimeout(() => move(true), 20);
          return Promise.resolve(LOCKED);
        }
        move(true);
        return Promise.resolve({ return: {} });
      }
      move(false);
      return Promise.resolve({ return: {} });
    },
  };
  obj.monitor = monitor as unknown as QmpClient;
  return { obj, calls };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("changing a CD-ROM's medium through the monitor", () => {
  it("an unlocked tray: eject, then blockdev-change-medium with the new image", async () => {
    const { obj, calls } = domain(false, false);
    await changeDiskLive(obj, cd(isoB), false);
    expect(calls).toEqual([
      `eject {"device":"drive-ide0-1-0","force":false}`,
      `blockdev-change-medium {"device":"drive-ide0-1-0","filename":"${isoB}","format":"raw"}`,
    ]);
    expect(obj.def.disks[0]!.src.path).toBe(isoB);
    expect(obj.def.disks[0]!.tray).toBe("closed");
  });

  it("a locked tray the guest opens when asked: libvirt waits for the event and ejects again", async () => {
    const { obj, calls } = domain(true, true);
    await changeDiskLive(obj, cd(null), false);
    expect(calls).toEqual([`eject {"device":"drive-ide0-1-0","force":false}`, `eject {"device":"drive-ide0-1-0","force":false}`]);
    expect(obj.def.disks[0]!.src.path).toBeNull();
    expect(obj.def.disks[0]!.tray).toBe("open");
  });

  it("a locked tray that stays shut: after CHANGE_MEDIA_TIMEOUT QEMU's refusal is the error, nothing changed", async () => {
    vi.useFakeTimers();
    const { obj, calls } = domain(true, false);
    const p = changeDiskLive(obj, cd(isoB), false);
    const caught = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(CHANGE_MEDIA_TIMEOUT_MS);
    const err = (await caught) as Error;
    expect(err.message).toBe(`internal error: unable to execute QEMU command 'eject': ${LOCKED.error.desc}`);
    expect(calls).toHaveLength(1);
    expect(obj.def.disks[0]!.src.path).toBe(isoA);
  });

  it("--force opens a locked tray at once", async () => {
    const { obj, calls } = domain(true, false);
    await changeDiskLive(obj, cd(isoB), true);
    expect(calls[0]).toBe(`eject {"device":"drive-ide0-1-0","force":true}`);
    expect(obj.def.disks[0]!.src.path).toBe(isoB);
  });
});
