// The words virsh prints for libvirt enums (tools/virsh-domain-monitor.c VIR_ENUM_IMPL tables)
// and for typed parameters (tools/vsh.c vshGetTypedParamValue).
import type { TypedParam } from "@virtkit/libvirt";

/** virshDomainState, indexed by virDomainState. */
const DOMAIN_STATE = ["no state", "running", "idle", "paused", "in shutdown", "shut off", "crashed", "pmsuspended"];

/** Reasons per state (virshDomain*Reason), indexed by virDomainState then by reason. */
const DOMAIN_STATE_REASONS: readonly (readonly string[])[] = [
  ["unknown"],
  ["unknown", "booted", "migrated", "restored", "from snapshot", "unpaused", "migration canceled", "save canceled", "event wakeup", "crashed", "post-copy", "post-copy failed"],
  ["unknown"],
  ["unknown", "user", "migrating", "saving", "dumping", "I/O error", "watchdog", "from snapshot", "shutting down", "creating snapshot", "crashed", "starting up", "post-copy", "post-copy failed"],
  ["unknown", "user"],
  ["unknown", "shutdown", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot", "daemon"],
  ["unknown", "panicked"],
  ["unknown"],
];

export function domainStateToString(state: number): string {
  return DOMAIN_STATE[state] ?? "no state";
}

export function domainStateReasonToString(state: number, reason: number): string {
  return DOMAIN_STATE_REASONS[state]?.[reason] ?? "unknown";
}

/** vshGetTypedParamValue */
export function typedParamValue(p: TypedParam): string {
  const v = p.value;
  switch (v.type) {
    case 1:
    case 2:
      return String(v.value);
    case 3:
    case 4:
      return v.value.toString();
    case 5:
      return v.value.toFixed(6);
    case 6:
      return v.value ? "yes" : "no";
    case 7:
      return v.value;
  }
}

/** virshStoragePoolState / the "State:" of pool-info and pool-list */
export const POOL_STATE = ["inactive", "building", "running", "degraded", "inaccessible"];

/** vol-info "Type:" (virshVolumeTypeToString) */
export const VOL_TYPE = ["file", "block", "dir", "network", "netdir", "ploop"];

/** vshPrettyCapacity: a byte count with the largest unit that keeps it >= 1 (two decimals). */
export function prettyCapacity(val: number): { value: number; unit: string } {
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
  if (val < 1024) return { value: val, unit: "B" };
  let v = val;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return { value: v, unit: units[i]! };
}
