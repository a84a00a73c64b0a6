// The test driver's domain snapshots on packages/libvirt/src/conf/snapshot-conf.ts.
import type { DomainDef } from "../../conf/domain-def.js";
import { testDriverPostParse } from "../../conf/domain-hooks-test.js";
import {
  formatSnapshotXML,
  parseSnapshotXML,
  testDriverPrepareSnapshot,
  VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE,
  VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE,
  VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE,
  VIR_DOMAIN_SNAPSHOT_PARSE_VALIDATE,
  type SnapshotDef,
  type SnapshotState,
} from "../../conf/snapshot-conf.js";
import type { SnapshotConfOps } from "./test-conf.js";

export const testSnapshotConf: SnapshotConfOps<DomainDef, SnapshotDef> = {
  /** testDomainSnapshotCreateXML's parse flags from its create flags. */
  parse: (xml, createFlags) => {
    let flags = 0;
    if (createFlags & VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE) flags |= VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE;
    if (createFlags & VIR_DOMAIN_SNAPSHOT_CREATE_VALIDATE) flags |= VIR_DOMAIN_SNAPSHOT_PARSE_VALIDATE;
    return parseSnapshotXML(xml, { flags, postParse: testDriverPostParse });
  },
  info: (snap) => ({
    name: snap.name ?? "",
    description: snap.description,
    creationTime: snap.creationTime === 0n ? null : Number(snap.creationTime),
    state: snap.state,
  }),
  complete: (snap, domain, state, _creationTime, parent) => {
    testDriverPrepareSnapshot(snap, domain, state as SnapshotState);
    snap.parentName = parent;
  },
  format: (snap, flags) => formatSnapshotXML(snap, { flags }),
  domain: (snap) => snap.dom,
};
