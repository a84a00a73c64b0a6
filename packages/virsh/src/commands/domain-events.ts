// Group "Domain Events" (tools/virsh-domain-event.c): `event` registers for one or all
// domain event types, prints each event as virsh does, and ends after the first event, on
// --timeout, or on SIGINT (--loop keeps going until one of the latter two).
import { VirError, type Domain, type DomainEvent } from "@virtkit/libvirt";
import type { CmdDef, CmdGroup } from "../shell/command-def.js";
import { exclusive } from "../shell/option-rules.js";
import type { ParsedCommand } from "../shell/parsed-command.js";
import type { Shell } from "../shell/shell.js";
import { INT_MAX } from "../shell/numbers.js";
import { optDomain } from "./lookup.js";

/** virshDomainEventCallbacks names, indexed by VIR_DOMAIN_EVENT_ID_*. */
export const EVENT_NAMES = [
  "lifecycle",
  "reboot",
  "rtc-change",
  "watchdog",
  "io-error",
  "graphics",
  "io-error-reason",
  "control-error",
  "block-job",
  "disk-change",
  "tray-change",
  "pm-wakeup",
  "pm-suspend",
  "balloon-change",
  "pm-suspend-disk",
  "device-removed",
  "block-job-2",
  "tunable",
  "agent-lifecycle",
  "device-added",
  "migration-iteration",
  "job-completed",
  "device-removal-failed",
  "metadata-change",
  "block-threshold",
  "memory-failure",
  "memory-device-size-change",
];

/** virshDomainEvent and the detail strings per event (virshDomainEvent*). */
const LIFECYCLE_EVENT = ["Defined", "Undefined", "Started", "Suspended", "Resumed", "Stopped", "Shutdown", "PMSuspended", "Crashed"];
const LIFECYCLE_DETAIL: readonly (readonly string[])[] = [
  ["Added", "Updated", "Renamed", "Snapshot"],
  ["Removed", "Renamed"],
  ["Booted", "Migrated", "Restored", "Snapshot", "Event wakeup"],
  ["Paused", "Migrated", "I/O Error", "Watchdog", "Restored", "Snapshot", "API error", "Post-copy", "Post-copy Error"],
  ["Unpaused", "Migrated", "Snapshot", "Post-copy", "Post-copy Error"],
  ["Shutdown", "Destroyed", "Crashed", "Migrated", "Saved", "Failed", "Snapshot"],
  ["Finished", "Finished after guest request", "Finished after host request"],
  ["Memory", "Disk"],
  ["Panicked", "Crashloaded"],
];

export function lifecycleText(event: number, detail: number): string {
  return `${LIFECYCLE_EVENT[event] ?? "unknown"} ${LIFECYCLE_DETAIL[event]?.[detail] ?? "unknown"}`;
}

/** The line virsh prints for one event (virshEvent*Print). */
function eventLine(name: string, dom: Domain, ev: DomainEvent): string {
  if (ev.eventID === 0 && "event" in ev && "detail" in ev) {
    return `event 'lifecycle' for domain '${dom.name()}': ${lifecycleText(ev.event, ev.detail)}\n`;
  }
  if (ev.eventID === VIR_DOMAIN_EVENT_ID_TRAY_CHANGE && "payload" in ev) {
    // virshEventTrayChangePrint
    const p = ev.payload as { devAlias: string; reason: number };
    return `event '${name}' for domain '${dom.name()}' disk ${p.devAlias}: ${TRAY_CHANGE_REASON[p.reason] ?? "unknown"}\n`;
  }
  return `event '${name}' for domain '${dom.name()}'\n`;
}

/** virshEventTrayChangeReason (VIR_DOMAIN_EVENT_TRAY_CHANGE_OPEN, _CLOSE). */
const TRAY_CHANGE_REASON = ["opened", "closed"];
/** VIR_DOMAIN_EVENT_ID_TRAY_CHANGE */
const VIR_DOMAIN_EVENT_ID_TRAY_CHANGE = 10;

/** virTimeStringNowRaw: "YYYY-MM-DD HH:MM:SS.mmm+0000" in UTC. */
function timestampNow(): string {
  const d = new Date();
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}+0000`;
}

async function cmdEvent(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const all = cmd.bool("all");
  const loop = cmd.bool("loop");
  const timestamp = cmd.bool("timestamp");
  exclusive(ctl, "all", all, "event", cmd.has("event"));
  exclusive(ctl, "list", cmd.bool("list"), "all", all);
  exclusive(ctl, "list", cmd.bool("list"), "event", cmd.has("event"));
  if (cmd.bool("list")) {
    for (const n of EVENT_NAMES) ctl.print(`${n}\n`);
    return true;
  }
  const eventName = cmd.string(ctl, "event");
  if (eventName === null && !all) {
    ctl.error("one of --list, --all, or --event <type> is required");
    return false;
  }
  const wanted = EVENT_NAMES.map((n, i) => ({ n, i })).filter((e) => eventName === null || e.n === eventName);
  if (wanted.length === 0) {
    ctl.error(`unknown event type ${eventName ?? ""}`);
    return false;
  }
  // vshCommandOptTimeoutToMs
  let timeout = 0;
  const t = cmd.uint(ctl, "timeout");
  if (t !== null) {
    if (t === 0 || t > Number(INT_MAX) / 1000) {
      ctl.error(`Numeric value '${t}' for <timeout> option is malformed or out of range`);
      return false;
    }
    timeout = t * 1000;
  }
  const dom = cmd.has("domain") ? (await optDomain(ctl, cmd)).dom : null;
  const conn = ctl.c;
  let count = 0;
  const ids: number[] = [];
  ctl.startEventWait();
  let ret: boolean;
  try {
    for (const [k, w] of wanted.entries()) {
      try {
        ids.push(
          await conn.domainEventRegisterAny(dom, w.i, (_c, d, ev) => {
            if (!loop && count) return;
            const line = eventLine(w.n, d, ev);
            ctl.print(timestamp ? `${timestampNow()}: ${line}` : line);
            count++;
            if (!loop) ctl.finishEventWait("done");
          }),
        );
      } catch (e) {
        // Registering for all: failures after the first are an older server's missing events.
        if (k === 0 || !(e instanceof VirError)) throw e;
      }
    }
    const why = await ctl.waitEvent(timeout > 0 ? timeout : -1);
    if (why === "interrupt") ctl.print("event loop interrupted\n");
    else if (why === "timeout") ctl.print("event loop timed out\n");
    if (why === "disconnect") ret = false;
    else {
      ctl.print(`events received: ${count}\n`);
      ret = count > 0;
    }
  } finally {
    ctl.cleanupEventWait();
  }
  for (const id of ids) {
    try {
      await conn.domainEventDeregisterAny(id);
    } catch (e) {
      if (!(e instanceof VirError)) throw e;
      ret = false;
    }
  }
  return ret;
}

const commands: CmdDef[] = [
  {
    name: "event",
    help: "Domain Events",
    desc: "List event types, or wait for domain events to occur",
    opts: [
      { name: "domain", type: "string", help: "filter by domain name, id or uuid", complete: "domain" },
      { name: "event", type: "string", help: "which event type to wait for" },
      { name: "all", type: "bool", help: "wait for all events instead of just one type" },
      { name: "loop", type: "bool", help: "loop until timeout or interrupt, rather than one-shot" },
      { name: "timeout", type: "int", help: "timeout seconds" },
      { name: "list", type: "bool", help: "list valid event types" },
      { name: "timestamp", type: "bool", help: "show timestamp for each printed event" },
    ],
    handler: cmdEvent,
  },
];

export const domainEvents: CmdGroup = { name: "Domain Events", keyword: "events", commands };
