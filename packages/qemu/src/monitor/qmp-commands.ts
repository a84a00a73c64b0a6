import { MigrationError, migrateToFile, migrationInfo, queryMigrate } from "../migration/file-migration.js";
import { READ_ONLY_MODES, type ReadOnlyMode, qmpBlockdevChangeMedium, qmpEject } from "./block-media.js";
import type { Hmp } from "./hmp.js";
import type { MonitorHost } from "./monitor-host.js";
import type { JsonValue } from "./qmp-json.js";

/*
 * The QMP commands (QEMU qapi/*.json schemas, their qmp_* handlers), each with its argument schema
 * so that calls are checked the way QAPI's generated visitors check them: unknown members are
 * "Parameter 'x' is unexpected", missing ones "Parameter 'x' is missing", wrong types "Invalid
 * parameter type for 'x', expected: string".
 */

/** QMP error classes (qapi/error.json QapiErrorClass). */
export type QmpErrorClass = "GenericError" | "CommandNotFound" | "DeviceNotActive" | "DeviceNotFound" | "KVMMissingCap";

export class QmpError extends Error {
  constructor(
    readonly errorClass: QmpErrorClass,
    readonly desc: string,
  ) {
    super(desc);
  }
}

type ArgType = "str" | "bool" | "int" | "any" | "array";

interface QmpCommand {
  args: Record<string, { type: ArgType; optional?: boolean }>;
  handler: (args: Record<string, JsonValue>, ctx: QmpCommandContext) => JsonValue | Promise<JsonValue>;
  /** Allowed before capabilities negotiation. */
  negotiation?: boolean;
}

export interface QmpCommandContext {
  host: MonitorHost;
  hmp: Hmp;
  /** Enables capabilities for this session (qmp_capabilities). */
  negotiate(enable: string[]): void;
}

const TYPE_NAMES: Record<ArgType, string> = { str: "string", bool: "boolean", int: "integer", any: "any", array: "array" };

function checkType(name: string, v: JsonValue, type: ArgType): void {
  const ok =
    type === "any" ||
    (type === "str" && typeof v === "string") ||
    (type === "bool" && typeof v === "boolean") ||
    (type === "int" && typeof v === "number" && Number.isInteger(v)) ||
    (type === "array" && Array.isArray(v));
  if (!ok) {
    throw new QmpError("GenericError", `Invalid parameter type for '${name}', expected: ${TYPE_NAMES[type]}`);
  }
}

const empty = {};

export const QMP_COMMANDS: Readonly<Record<string, QmpCommand>> = {
  qmp_capabilities: {
    args: { enable: { type: "array", optional: true } },
    negotiation: true,
    handler: (args, ctx) => {
      const enable = (args.enable ?? []) as JsonValue[];
      for (const cap of enable) {
        if (cap !== "oob") {
          // QEMU's QAPI enum visitor, reporting the list element without a name.
          throw new QmpError("GenericError", `Parameter 'null' does not accept value '${typeof cap === "string" ? cap : JSON.stringify(cap)}'`);
        }
      }
      ctx.negotiate(enable as string[]);
      return empty;
    },
  },
  "query-status": {
    args: {},
    handler: (_a, { host }) => {
      const s = host.machine.runState;
      return { status: s, singlestep: false, running: s === "running" };
    },
  },
  "query-version": {
    args: {},
    handler: (_a, { host }) => ({
      qemu: { micro: host.version.micro, minor: host.version.minor, major: host.version.major },
      package: host.version.package,
    }),
  },
  "query-name": {
    args: {},
    handler: (_a, { host }): JsonValue => (host.machine.name === undefined ? {} : { name: host.machine.name }),
  },
  "query-uuid": {
    args: {},
    handler: (_a, { host }) => ({ UUID: host.machine.uuid ?? "00000000-0000-0000-0000-000000000000" }),
  },
  "query-kvm": {
    args: {},
    handler: (_a, { host }) => ({ enabled: host.machine.accel.name === "kvm", present: true }),
  },
  "query-cpus-fast": {
    args: {},
    handler: (_a, { host }) =>
      host.machine.vcpus.map((v) => ({
        "thread-id": host.threadId,
        props: { "core-id": 0, "thread-id": 0, "socket-id": v.index },
        "qom-path": `/machine/unattached/device[${v.index}]`,
        "cpu-index": v.index,
        target: "i386",
      })),
  },
  "query-block": {
    args: {},
    handler: (_a, { host }) =>
      host.blockDevices().map((b) => ({
        ...(b.detached === true ? {} : { "io-status": "ok" }),
        device: b.device,
        locked: b.locked ?? false,
        removable: b.removable,
        ...(b.inserted === false
          ? {}
          : {
              inserted: {
                ro: b.readOnly,
                drv: b.format,
                encrypted: false,
                file: b.file,
                image: { "virtual-size": b.virtualSize, filename: b.file, format: b.format },
              },
            }),
        ...(b.qdev !== undefined ? { qdev: b.qdev } : {}),
        ...(b.trayOpen !== undefined ? { tray_open: b.trayOpen } : {}),
        type: "unknown",
      })),
  },
  "query-chardev": {
    args: {},
    handler: (_a, { host }) => host.chardevs().map((c) => ({ "frontend-open": c.frontendOpen, filename: c.filename, label: c.label })),
  },
  "query-commands": {
    args: {},
    handler: () => Object.keys(QMP_COMMANDS).map((name) => ({ name })),
  },
  stop: {
    args: {},
    handler: (_a, { host }) => {
      host.machine.vmStop("paused");
      return empty;
    },
  },
  cont: {
    args: {},
    handler: (_a, { host }) => {
      const err = host.machine.cont();
      if (err !== undefined) {
        throw new QmpError("GenericError", err);
      }
      return empty;
    },
  },
  system_reset: {
    args: {},
    handler: (_a, { host }) => {
      host.machine.resetRequest("host-qmp-system-reset");
      host.machine.processRequests();
      return empty;
    },
  },
  system_powerdown: {
    args: {},
    handler: (_a, { host }) => {
      host.machine.powerdownRequest();
      host.machine.processRequests();
      return empty;
    },
  },
  quit: {
    args: {},
    handler: (_a, { host }) => {
      host.machine.quit();
      host.machine.processRequests();
      return empty;
    },
  },
  /*
   * qmp_migrate over the "file:" transport (the only one virtkit has): the stream goes into the
   * file at the URI's offset in steps after the command returned; query-migrate reports the
   * progress and the outcome. blk/inc (block migration) are
   * refused as QEMU 7.2 refuses them without the block migration capability.
   */
  migrate: {
    args: { uri: { type: "str" }, blk: { type: "bool", optional: true }, inc: { type: "bool", optional: true }, detach: { type: "bool", optional: true }, resume: { type: "bool", optional: true } },
    handler: (args, { host }) => {
      if (args.blk === true || args.inc === true) {
        throw new QmpError("GenericError", "QEMU compiled without old-style (blk/-b, inc/-i) block migration");
      }
      if (migrationInfo(host.machine).status === "active") {
        throw new QmpError("GenericError", "There's a migration process in progress");
      }
      try {
        migrateToFile(host.machine, args.uri as string);
      } catch (e) {
        if (e instanceof MigrationError) {
          throw new QmpError("GenericError", e.message);
        }
        throw e;
      }
      return empty;
    },
  },
  "query-migrate": {
    args: {},
    handler: (_a, { host }): JsonValue => queryMigrate(host.machine),
  },
  /** qmp_eject (qapi/block.json "eject"). */
  eject: {
    args: { device: { type: "str", optional: true }, id: { type: "str", optional: true }, force: { type: "bool", optional: true } },
    handler: async (args, { host }) => {
      await qmpEject(host, args.device as string | undefined, args.id as string | undefined, (args.force as boolean | undefined) ?? false);
      return empty;
    },
  },
  /** qmp_blockdev_change_medium (qapi/block.json); read-only-mode is BlockdevChangeReadOnlyMode. */
  "blockdev-change-medium": {
    args: {
      device: { type: "str", optional: true },
      id: { type: "str", optional: true },
      filename: { type: "str" },
      format: { type: "str", optional: true },
      force: { type: "bool", optional: true },
      "read-only-mode": { type: "str", optional: true },
    },
    handler: async (args, { host }) => {
      const mode = args["read-only-mode"] as string | undefined;
      if (mode !== undefined && !(READ_ONLY_MODES as readonly string[]).includes(mode)) {
        throw new QmpError("GenericError", `Parameter 'read-only-mode' does not accept value '${mode}'`);
      }
      await qmpBlockdevChangeMedium(host, {
        filename: args.filename as string,
        ...(args.device !== undefined ? { device: args.device as string } : {}),
        ...(args.id !== undefined ? { id: args.id as string } : {}),
        ...(args.format !== undefined ? { format: args.format as string } : {}),
        ...(args.force !== undefined ? { force: args.force as boolean } : {}),
        ...(mode !== undefined ? { readOnlyMode: mode as ReadOnlyMode } : {}),
      });
      return empty;
    },
  },
  "human-monitor-command": {
    args: { "command-line": { type: "str" }, "cpu-index": { type: "int", optional: true } },
    handler: async (args, { hmp }) => {
      const out = await hmp.execute(args["command-line"] as string);
      return out.replaceAll("\n", "\r\n");
    },
  },
};

/** Checks `args` against the command's schema (QAPI visitor errors). */
export function checkArgs(cmd: QmpCommand, args: Record<string, JsonValue>): void {
  for (const [name, v] of Object.entries(args)) {
    const spec = cmd.args[name];
    if (spec === undefined) {
      throw new QmpError("GenericError", `Parameter '${name}' is unexpected`);
    }
    checkType(name, v, spec.type);
  }
  for (const [name, spec] of Object.entries(cmd.args)) {
    if (spec.optional !== true && !(name in args)) {
      throw new QmpError("GenericError", `Parameter '${name}' is missing`);
    }
  }
}

export type { QmpCommand };
