import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { confError, VIR_ERR_INTERNAL_ERROR } from "./conf-error.js";
import { goldenErrorTests, goldenInputs } from "./golden-errors.test-helper.js";
import { formatPoolXML, formatVolumeXML, parsePoolXML, parseVolumeXML, sanitizePath, type StoragePoolDef, type StorageVolDef } from "./storage-conf.js";

const CONF = new URL("../../test-data/conf/", import.meta.url);
const POOLS = new URL("pool/", CONF);
const VOLS = new URL("vol/", CONF);
const readIn = (dir: URL, name: string): string => readFileSync(new URL(name, dir), "utf8");

/** testStoragePoolDefineXML: the test driver's fixed sizes */
function defineLikeTestDriver(xml: string): StoragePoolDef {
  const def = parsePoolXML(xml);
  def.capacity = 107374182400n;
  def.allocation = 0n;
  def.available = def.capacity - def.allocation;
  return def;
}

const defaultPool = defineLikeTestDriver(readIn(CONF, "builtin/pool-default.xml"));

/** testStorageVolCreateXML in the built-in default-pool */
function createLikeTestDriver(xml: string): StorageVolDef {
  const vol = parseVolumeXML(xml, { pool: defaultPool });
  if (defaultPool.allocation + vol.allocation > defaultPool.capacity) {
    const e = confError(VIR_ERR_INTERNAL_ERROR, `Not enough free space in pool for volume '${vol.name}'`, 12 /* VIR_FROM_TEST */);
    throw e;
  }
  vol.target.path = `${defaultPool.targetPath}/${vol.name}`;
  vol.key = vol.target.path;
  return vol;
}

describe("storage pool XML matches a real libvirtd test driver (pool-define + pool-dumpxml)", () => {
  const inputs = goldenInputs(POOLS, readdirSync(POOLS));
  it("has a corpus", () => expect(inputs.length).toBeGreaterThanOrEqual(10));
  for (const name of inputs) {
    it(name, () => {
      const out = formatPoolXML(defineLikeTestDriver(readIn(POOLS, `${name}.in.xml`)));
      expect(out).toBe(readIn(POOLS, `${name}.out.xml`));
      expect(out).toBe(readIn(POOLS, `${name}.live.xml`));
      expect(formatPoolXML(defineLikeTestDriver(out))).toBe(out);
    });
  }
  it("the test driver's built-in default-pool", () => {
    const golden = readIn(CONF, "builtin/pool-default.xml");
    expect(formatPoolXML(defineLikeTestDriver(golden))).toBe(golden);
  });
});

describe("storage pool errors match a real libvirtd", () => {
  goldenErrorTests(new URL("pool-errors/", CONF), (xml) => defineLikeTestDriver(xml));
});

describe("storage volume XML matches a real libvirtd test driver (vol-create + vol-dumpxml)", () => {
  const inputs = goldenInputs(VOLS, readdirSync(VOLS));
  it("has a corpus", () => expect(inputs.length).toBeGreaterThanOrEqual(6));
  for (const name of inputs) {
    it(name, () => {
      const out = formatVolumeXML(createLikeTestDriver(readIn(VOLS, `${name}.in.xml`)), { pool: defaultPool });
      expect(out).toBe(readIn(VOLS, `${name}.out.xml`));
      expect(formatVolumeXML(createLikeTestDriver(out), { pool: defaultPool })).toBe(out);
    });
  }
});

describe("storage volume errors match a real libvirtd", () => {
  goldenErrorTests(new URL("vol-errors/", CONF), (xml) => createLikeTestDriver(xml));
});

describe("virFileSanitizePath", () => {
  const cases: [string, string][] = [
    ["//", "//"],
    ["///", "/"],
    ["/../foo", "/../foo"],
    ["/foo///bar/", "/foo/bar"],
    ["//foo//bar", "//foo/bar"],
    ["foo/", "foo"],
    ["/", "/"],
    ["gluster://host//vol", "gluster://host//vol"],
  ];
  for (const [input, want] of cases) it(`${input} -> ${want}`, () => expect(sanitizePath(input)).toBe(want));
});
