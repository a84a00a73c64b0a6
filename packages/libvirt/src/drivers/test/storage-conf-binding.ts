// The test driver's storage pools and volumes on packages/libvirt/src/conf/storage-conf.ts.
import { parseUUID } from "../../api/check.js";
import { formatPoolXML, formatVolumeXML, parsePoolXML, parseVolumeXML, type StoragePoolDef, type StorageVolDef } from "../../conf/storage-conf.js";
import type { PoolConfOps } from "./test-conf.js";

export const testPoolConf: PoolConfOps<StoragePoolDef, StorageVolDef> = {
  parse: (xml) => parsePoolXML(xml),
  /** The driver owns capacity/allocation/available; the definition carries them for formatting. */
  format: (pool, _flags, stats) => {
    pool.capacity = BigInt(stats.capacity);
    pool.allocation = BigInt(stats.allocation);
    pool.available = BigInt(stats.available);
    return formatPoolXML(pool);
  },
  name: (pool) => pool.name,
  uuid: (pool) => {
    const b = parseUUID(pool.uuid);
    if (!b) throw new Error(`conf produced a malformed UUID '${pool.uuid}'`);
    return b;
  },
  type: (pool) => pool.type,
  targetPath: (pool) => pool.targetPath ?? "",
  parseVol: (pool, xml) => parseVolumeXML(xml, { pool }),
  formatVol: (pool, vol) => formatVolumeXML(vol, { pool }),
  volName: (vol) => vol.name,
  volCapacity: (vol) => Number(vol.capacity),
  volAllocation: (vol) => Number(vol.allocation),
  setVolPath: (vol, path, key) => {
    vol.target.path = path;
    vol.key = key;
  },
};
