import { BlockError } from "./block-error.js";
import { QCOW_MAX_SNAPSHOT_EXTRA_DATA, QCOW_MAX_SNAPSHOTS_SIZE, readU64, writeU64 } from "./qcow2-header.js";

/** One entry of the qcow2 snapshot table (qcow2.txt "Snapshot table"). */
export interface Qcow2Snapshot {
  l1TableOffset: number;
  l1Size: number;
  id: string;
  name: string;
  dateSec: number;
  dateNsec: number;
  vmClockNsec: number;
  /** vm_state_size, 64-bit when the extra data carries it */
  vmStateSize: number;
  /** virtual disk size at snapshot time */
  diskSize: number;
  /** instruction count, -1 when absent (icount field not present) */
  icount: number;
  /** extra_data_size as found on disk (>= 24 when we write it) */
  extraDataSize: number;
  /** extra data bytes beyond the 24 we understand, preserved */
  unknownExtra: Uint8Array;
}

/** Fixed part of a snapshot table entry, bytes 0..39. */
export const QCOW2_SNAPSHOT_HEADER_SIZE = 40;
/** QCowSnapshotExtraData: vm_state_size_large, disk_size, icount. */
export const QCOW2_SNAPSHOT_EXTRA_SIZE = 24;

const latin1 = new TextDecoder("latin1");
const utf8 = new TextEncoder();

/**
 * Parses `nb` entries from the raw table bytes (qcow2_do_read_snapshots).
 * `defaultDiskSize` is used when the entry predates the disk_size field.
 */
export function parseSnapshotTable(raw: Uint8Array, nb: number, defaultDiskSize: number): { snapshots: Qcow2Snapshot[]; size: number } {
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: Qcow2Snapshot[] = [];
  let off = 0;
  const need = (n: number): void => {
    if (off + n > raw.length) throw new BlockError("Failed to read snapshot table: Input/output error", "EIO");
  };
  for (let i = 0; i < nb; i++) {
    off = (off + 7) & ~7;
    need(QCOW2_SNAPSHOT_HEADER_SIZE);
    const l1TableOffset = readU64(v, off);
    const l1Size = v.getUint32(off + 8);
    const idSize = v.getUint16(off + 12);
    const nameSize = v.getUint16(off + 14);
    const dateSec = v.getUint32(off + 16);
    const dateNsec = v.getUint32(off + 20);
    const vmClockNsec = readU64(v, off + 24);
    let vmStateSize = v.getUint32(off + 32);
    const extraDataSize = v.getUint32(off + 36);
    off += QCOW2_SNAPSHOT_HEADER_SIZE;
    if (extraDataSize > QCOW_MAX_SNAPSHOT_EXTRA_DATA) {
      throw new BlockError(`Too much extra metadata in snapshot table entry ${i}`, "EFBIG");
    }
    need(extraDataSize);
    let diskSize = defaultDiskSize;
    let icount = -1;
    if (extraDataSize >= 8) vmStateSize = readU64(v, off);
    if (extraDataSize >= 16) diskSize = readU64(v, off + 8);
    if (extraDataSize >= 24) {
      const hi = v.getUint32(off + 16), lo = v.getUint32(off + 20);
      icount = hi === 0xffffffff && lo === 0xffffffff ? -1 : hi * 0x100000000 + lo;
    }
    const unknownExtra = extraDataSize > QCOW2_SNAPSHOT_EXTRA_SIZE ? raw.slice(off + QCOW2_SNAPSHOT_EXTRA_SIZE, off + extraDataSize) : new Uint8Array(0);
    off += extraDataSize;
    need(idSize + nameSize);
    const id = latin1.decode(raw.subarray(off, off + idSize));
    off += idSize;
    const name = new TextDecoder().decode(raw.subarray(off, off + nameSize));
    off += nameSize;
    if (off > QCOW_MAX_SNAPSHOTS_SIZE) throw new BlockError("Snapshot table is too big", "EFBIG");
    out.push({ l1TableOffset, l1Size, id, name, dateSec, dateNsec, vmClockNsec, vmStateSize, diskSize, icount, extraDataSize, unknownExtra });
  }
  return { snapshots: out, size: off };
}

/** Size in bytes of the table as qcow2_write_snapshots lays it out. */
export function snapshotTableSize(snaps: readonly Qcow2Snapshot[]): number {
  let off = 0;
  for (const s of snaps) {
    off = (off + 7) & ~7;
    off += QCOW2_SNAPSHOT_HEADER_SIZE + Math.max(QCOW2_SNAPSHOT_EXTRA_SIZE, QCOW2_SNAPSHOT_EXTRA_SIZE + s.unknownExtra.length);
    off += utf8.encode(s.id).length + utf8.encode(s.name).length;
  }
  return off;
}

export function serializeSnapshotTable(snaps: readonly Qcow2Snapshot[]): Uint8Array {
  const size = snapshotTableSize(snaps);
  if (size > QCOW_MAX_SNAPSHOTS_SIZE) throw new BlockError("Snapshot table is too big", "EFBIG");
  const raw = new Uint8Array(size);
  const v = new DataView(raw.buffer);
  let off = 0;
  for (const s of snaps) {
    off = (off + 7) & ~7;
    const id = utf8.encode(s.id);
    const name = utf8.encode(s.name);
    const extra = QCOW2_SNAPSHOT_EXTRA_SIZE + s.unknownExtra.length;
    writeU64(v, off, s.l1TableOffset);
    v.setUint32(off + 8, s.l1Size);
    v.setUint16(off + 12, id.length);
    v.setUint16(off + 14, name.length);
    v.setUint32(off + 16, s.dateSec);
    v.setUint32(off + 20, s.dateNsec);
    writeU64(v, off + 24, s.vmClockNsec);
    // Larger VM states go only in the 64-bit field (qcow2_write_snapshots).
    v.setUint32(off + 32, s.vmStateSize > 0xffffffff ? 0 : s.vmStateSize);
    v.setUint32(off + 36, extra);
    off += QCOW2_SNAPSHOT_HEADER_SIZE;
    writeU64(v, off, s.vmStateSize);
    writeU64(v, off + 8, s.diskSize);
    if (s.icount < 0) {
      v.setUint32(off + 16, 0xffffffff);
      v.setUint32(off + 20, 0xffffffff);
    } else writeU64(v, off + 16, s.icount);
    raw.set(s.unknownExtra, off + QCOW2_SNAPSHOT_EXTRA_SIZE);
    off += extra;
    raw.set(id, off);
    off += id.length;
    raw.set(name, off);
    off += name.length;
  }
  return raw;
}
