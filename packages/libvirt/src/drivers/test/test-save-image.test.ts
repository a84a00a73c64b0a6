// virDomainSaveFlags / virDomainRestoreFlags / virDomainSaveImageGetXMLDesc on the test driver:
// the image bytes (TestGuestMagic, length, XML), the states and events, and the real driver's
// errors. The expectations were taken from a real libvirtd 9.0 test driver; packages/virsh's
// golden suite compares the image files our daemon and the real one write, byte for byte.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Connect } from "../../api/connect.js";
import * as C from "../../api/constants.js";
import type { DomainEvent } from "../../api/driver.js";
import { VirError } from "../../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";
import { registerTestDriver } from "./register.js";
import { TEST_SAVE_MAGIC_SIZE, readTestSaveImage, writeTestSaveImage } from "./test-save-image.js";
import { connectionsFor, fail } from "../../testing/connections.js";

beforeAll(() => { registerTestDriver(); });

const dir = mkdtempSync(join(tmpdir(), "test-save-image-"));
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

const connect = connectionsFor("test:///default");
const conn = (readOnly = false): Promise<Connect> => connect(undefined, readOnly);

describe("the test driver's save image", () => {
  it("is the magic with its NUL, the XML length as a little-endian int, then the XML", () => {
    const path = join(dir, "fmt.save");
    writeTestSaveImage(path, "x", "<domain/>");
    const b = readFileSync(path);
    expect(b.subarray(0, 15).toString("latin1")).toBe("TestGuestMagic\0");
    expect(TEST_SAVE_MAGIC_SIZE).toBe(15);
    expect(b.readInt32LE(15)).toBe(9);
    expect(b.subarray(19).toString()).toBe("<domain/>");
    expect(b.length).toBe(28);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readTestSaveImage(path)).toBe("<domain/>");
  });

  it("refuses missing, short, foreign and oversized images with test_driver.c's errors", () => {
    const err = (path: string): VirError => {
      try {
        readTestSaveImage(path);
      } catch (e) {
        return e as VirError;
      }
      throw new Error("no error");
    };
    const missing = err(join(dir, "nosuch.save"));
    expect([missing.code, missing.domain, missing.message]).toEqual([VirErrorNumber.VIR_ERR_SYSTEM_ERROR, VirErrorDomain.VIR_FROM_TEST, `cannot read domain image '${join(dir, "nosuch.save")}': No such file or directory`]);
    expect(missing.int1).toBe(2);

    const short = join(dir, "short.save");
    writeFileSync(short, "TestGuest");
    expect(err(short).message).toBe(`incomplete save header in '${short}': Success`);
    expect(err(dir).message).toBe(`incomplete save header in '${dir}': Is a directory`);

    const foreign = join(dir, "foreign.save");
    writeFileSync(foreign, "<domain type='test'><name>x</name></domain>");
    expect([err(foreign).code, err(foreign).message]).toEqual([VirErrorNumber.VIR_ERR_INTERNAL_ERROR, "internal error: mismatched header magic"]);

    const noLen = join(dir, "nolen.save");
    writeFileSync(noLen, Buffer.from("TestGuestMagic\0\x01\x00", "latin1"));
    expect(err(noLen).message).toBe(`failed to read metadata length in '${noLen}': Success`);

    const big = join(dir, "big.save");
    const hdr = Buffer.alloc(19);
    hdr.write("TestGuestMagic\0", "latin1");
    hdr.writeInt32LE(8193, 15);
    writeFileSync(big, hdr);
    expect(err(big).message).toBe("internal error: length of metadata out of range");
    hdr.writeInt32LE(0, 15);
    writeFileSync(big, hdr);
    expect(err(big).message).toBe("internal error: length of metadata out of range");
    hdr.writeInt32LE(100, 15);
    writeFileSync(big, Buffer.concat([hdr, Buffer.from("<domain>")]));
    expect(err(big).message).toBe(`incomplete metadata in '${big}': Success`);
  });
});

describe("virDomainSaveFlags / virDomainRestoreFlags on test:///default", () => {
  it("saves 'test' (shut off, saved; STOPPED SAVED), restores it (running, restored; STARTED RESTORED) with a new id", async () => {
    const c = await conn();
    const events: number[][] = [];
    await c.domainEventRegisterAny(null, C.VIR_DOMAIN_EVENT_ID_LIFECYCLE, (_c, _d, ev: DomainEvent) => {
      if ("event" in ev) events.push([ev.event, ev.detail]);
    });
    const t = await c.lookupByName("test");
    const path = join(dir, "t.save");
    const liveXML = await t.XMLDesc(C.VIR_DOMAIN_XML_SECURE);
    await t.saveFlags(path);
    expect(t.ID()).toBe(-1);
    expect(await t.state()).toEqual({ state: C.VIR_DOMAIN_SHUTOFF, reason: C.VIR_DOMAIN_SHUTOFF_SAVED });
    // the image holds the live definition as it was, id included
    expect(readTestSaveImage(path)).toBe(liveXML);
    expect(liveXML).toContain("<domain type='test' id='1'>");
    // virDomainSaveImageGetXMLDesc: the stored XML read back as an inactive definition
    const imageXML = await c.saveImageGetXMLDesc(path);
    expect(imageXML.startsWith("<domain type='test'>\n  <name>test</name>")).toBe(true);
    expect(imageXML).toContain("<target dev='testnet0'/>");

    const again = await fail(t.saveFlags(join(dir, "t2.save")));
    expect([again.code, again.message]).toEqual([VirErrorNumber.VIR_ERR_OPERATION_INVALID, "Requested operation is not valid: domain is not running"]);
    expect(existsSync(join(dir, "t2.save"))).toBe(false);

    await c.restoreFlags(path);
    const back = await c.lookupByName("test");
    expect(back.ID()).toBe(2);
    expect(await back.state()).toEqual({ state: C.VIR_DOMAIN_RUNNING, reason: C.VIR_DOMAIN_RUNNING_RESTORED });
    expect(await back.isPersistent()).toBe(true);
    const twice = await fail(c.restoreFlags(path));
    expect([twice.code, twice.domain, twice.message]).toEqual([VirErrorNumber.VIR_ERR_OPERATION_INVALID, VirErrorDomain.VIR_FROM_DOMAIN, "Requested operation is not valid: domain 'test' is already active"]);
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual([
      [C.VIR_DOMAIN_EVENT_STOPPED, C.VIR_DOMAIN_EVENT_STOPPED_SAVED],
      [C.VIR_DOMAIN_EVENT_STARTED, C.VIR_DOMAIN_EVENT_STARTED_RESTORED],
    ]);
  });

  it("brings a transient domain back transient after it vanished at save", async () => {
    const c = await conn();
    const d = await c.createXML("<domain type='test'><name>tr</name><uuid>0000c0de-0000-4000-8000-0000000000e1</uuid><memory>65536</memory><os><type>hvm</type></os><devices><interface type='user'><mac address='52:54:00:00:00:e1'/></interface></devices></domain>");
    const path = join(dir, "tr.save");
    await d.save(path);
    expect((await fail(c.lookupByName("tr"))).code).toBe(VirErrorNumber.VIR_ERR_NO_DOMAIN);
    await c.restore(path);
    const r = await c.lookupByName("tr");
    expect(await r.isPersistent()).toBe(false);
    expect(await r.state()).toEqual({ state: C.VIR_DOMAIN_RUNNING, reason: C.VIR_DOMAIN_RUNNING_RESTORED });
    await r.destroy();
  });

  it("makes relative paths absolute in the caller's working directory", async () => {
    const c = await conn();
    const t = await c.lookupByName("test");
    const rel = relative(process.cwd(), join(dir, "sub", "..", "rel.save"));
    await t.saveFlags(rel);
    expect(existsSync(join(dir, "rel.save"))).toBe(true);
    const e = await fail(c.restoreFlags(join(dir, "nosuch.save")));
    expect(e.message).toBe(`cannot read domain image '${join(dir, "nosuch.save")}': No such file or directory`);
    await c.restoreFlags(rel);
  });

  it("gives the real driver's errors for flags, dxml, bad paths, read-only connections", async () => {
    const c = await conn();
    const t = await c.lookupByName("test");
    const flags = await fail(t.saveFlags(join(dir, "f.save"), null, C.VIR_DOMAIN_SAVE_PAUSED));
    expect([flags.code, flags.message]).toEqual([VirErrorNumber.VIR_ERR_INVALID_ARG, "unsupported flags (0x4) in function testDomainSaveFlags"]);
    const both = await fail(t.saveFlags(join(dir, "f.save"), null, C.VIR_DOMAIN_SAVE_PAUSED | C.VIR_DOMAIN_SAVE_RUNNING));
    expect(both.message).toBe("Flags 'VIR_DOMAIN_SAVE_RUNNING' and 'VIR_DOMAIN_SAVE_PAUSED' are mutually exclusive");
    expect((await fail(t.saveFlags(join(dir, "f.save"), "<domain/>"))).message).toBe("argument unsupported: xml modification unsupported");
    const noDir = await fail(t.saveFlags("/nonexistent/dir/t.save"));
    expect([noDir.code, noDir.message]).toEqual([VirErrorNumber.VIR_ERR_SYSTEM_ERROR, "saving domain 'test' to '/nonexistent/dir/t.save': open failed: No such file or directory"]);
    expect((await t.state()).state).toBe(C.VIR_DOMAIN_RUNNING);
    expect((await fail(c.restoreFlags(join(dir, "x.save"), null, C.VIR_DOMAIN_SAVE_PAUSED))).message).toBe("unsupported flags (0x4) in function testDomainRestoreFlags");
    const foreign = join(dir, "not-an-image.xml");
    writeFileSync(foreign, "<domain type='test'><name>x</name></domain>\n");
    expect((await fail(c.restoreFlags(foreign))).message).toBe("internal error: mismatched header magic");

    const ro = await conn(true);
    const rot = await ro.lookupByName("test");
    expect((await fail(rot.saveFlags(join(dir, "ro.save")))).message).toBe("operation forbidden: read only access prevents virDomainSaveFlags");
    expect((await fail(ro.restoreFlags(join(dir, "ro.save")))).message).toBe("operation forbidden: read only access prevents virDomainRestoreFlags");
    expect((await fail(ro.saveImageGetXMLDesc(join(dir, "ro.save")))).message).toBe("operation forbidden: read only access prevents virDomainSaveImageGetXMLDesc");
  });

  it("refuses an image whose domain clashes with another of the same name", async () => {
    const c = await conn();
    const path = join(dir, "clash.save");
    mkdirSync(dir, { recursive: true });
    writeTestSaveImage(path, "test", "<domain type='test'><name>test</name><uuid>0000c0de-0000-4000-8000-0000000000c1</uuid><memory>65536</memory><os><type>hvm</type></os></domain>");
    const t = await c.lookupByName("test");
    await t.destroy();
    const e = await fail(c.restoreFlags(path));
    expect([e.code, e.message]).toEqual([VirErrorNumber.VIR_ERR_OPERATION_FAILED, "operation failed: domain 'test' already exists with uuid 6695eb01-f6a4-8304-79aa-97f2502e193f"]);
  });
});
