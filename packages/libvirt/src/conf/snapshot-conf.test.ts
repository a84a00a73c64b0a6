import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseDomainXML } from "./domain-conf.js";
import { goldenErrorTests, goldenInputs } from "./golden-errors.test-helper.js";
import {
  alignSnapshotDisks,
  formatSnapshotXML,
  parseSnapshotXML,
  snapshotDefIsExternal,
  testDriverPrepareSnapshot,
  VIR_DOMAIN_SNAPSHOT_FORMAT_SECURE,
  VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE,
  VIR_DOMAIN_SNAPSHOT_PARSE_VALIDATE,
  type SnapshotDef,
} from "./snapshot-conf.js";

const CONF = new URL("../../test-data/conf/", import.meta.url);
const DIR = new URL("snapshot/", CONF);
const read = (name: string): string => readFileSync(new URL(name, DIR), "utf8");
const inputs = goldenInputs(DIR, readdirSync(DIR));

/** the test driver's running domain 'test' (its live definition) */
const testDomain = (): ReturnType<typeof parseDomainXML> => parseDomainXML(readFileSync(new URL("builtin/domain-test.live.xml", CONF), "utf8"), { flags: 0 });

/** testDomainSnapshotCreateXML on the running domain 'test' */
function createLikeTestDriver(xml: string, now: number, parent: string | null, parseFlags = 0): SnapshotDef {
  const snap = parseSnapshotXML(xml, { flags: parseFlags, now: () => now });
  testDriverPrepareSnapshot(snap, testDomain(), "running");
  snap.parentName = parent;
  return snap;
}

/** testDomainSnapshotRedefine -> virDomainSnapshotRedefinePrep (alignment) */
function redefineLikeTestDriver(xml: string): SnapshotDef {
  const snap = parseSnapshotXML(xml, { flags: VIR_DOMAIN_SNAPSHOT_PARSE_REDEFINE });
  const loc = snap.state === "disk-snapshot" || snapshotDefIsExternal(snap) ? "external" : "internal";
  alignSnapshotDisks(snap, null, loc, true);
  return snap;
}

describe("snapshot XML matches a real libvirtd test driver (snapshot-create + snapshot-dumpxml)", () => {
  it("has a corpus", () => expect(inputs.length).toBeGreaterThanOrEqual(8));
  let parent: string | null = null;
  for (const name of inputs) {
    const golden = read(`${name}.out.xml`);
    const time = Number(/<creationTime>(\d+)<\/creationTime>/.exec(golden)![1]);
    const myParent = parent;
    parent = /<name>([^<]*)<\/name>/.exec(golden)![1]!;
    describe(name, () => {
      it("created snapshot", () => {
        expect(formatSnapshotXML(createLikeTestDriver(read(`${name}.in.xml`), time, myParent))).toBe(golden);
      });
      it("with VIR_DOMAIN_SNAPSHOT_XML_SECURE", () => {
        const snap = createLikeTestDriver(read(`${name}.in.xml`), time, myParent);
        expect(formatSnapshotXML(snap, { flags: VIR_DOMAIN_SNAPSHOT_FORMAT_SECURE })).toBe(read(`${name}.secure.xml`));
      });
      it("redefined from its own output (--redefine)", () => {
        expect(formatSnapshotXML(redefineLikeTestDriver(golden))).toBe(read(`${name}.redefine.xml`));
      });
    });
  }
  it("names a snapshot without <name> after its creation time", () => {
    const snap = parseSnapshotXML("<domainsnapshot/>", { now: () => 1700000000.7 });
    expect(snap.name).toBe("1700000000");
    expect(snap.creationTime).toBe(1700000000n);
  });
  it("writes <domain><uuid> when the snapshot has no domain definition", () => {
    const snap = parseSnapshotXML("<domainsnapshot><name>a</name></domainsnapshot>", { now: () => 5 });
    expect(formatSnapshotXML(snap, { domainUUID: "6695eb01-f6a4-8304-79aa-97f2502e193f" })).toBe(
      "<domainsnapshot>\n  <name>a</name>\n  <creationTime>5</creationTime>\n  <domain>\n    <uuid>6695eb01-f6a4-8304-79aa-97f2502e193f</uuid>\n  </domain>\n</domainsnapshot>\n",
    );
  });
});

describe("snapshot errors match a real libvirtd (virDomainSnapshotCreateXML through python3-libvirt)", () => {
  goldenErrorTests(new URL("snapshot-errors/", CONF), (xml, file) =>
    createLikeTestDriver(xml, 0, null, file.startsWith("validate-") ? VIR_DOMAIN_SNAPSHOT_PARSE_VALIDATE : 0),
  );
});
