import { describe, expect, it } from "vitest";
import { XdrError, XdrReader, XdrWriter } from "./xdr.js";
import { array, charArrayString, charString, optional, string, struct, int, uhyper, uchar, ushort, uhyperBig } from "./xdr-codec.js";
import { remoteProcs, remote_nonnull_domain } from "./remote-protocol.js";
import { REMOTE_PROC_CONNECT_OPEN, REMOTE_PROC_DOMAIN_GET_INFO, REMOTE_PROC_NODE_GET_INFO, REMOTE_PROC_NODE_GET_SECURITY_MODEL } from "./remote-procedures.js";

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

describe("XDR primitives", () => {
  it("pads strings to a 4-byte boundary with zeros", () => {
    const w = new XdrWriter(4);
    w.string("test:///default", 100);
    expect(hex(w.view0())).toBe("0000000f" + Buffer.from("test:///default").toString("hex") + "00");
  });

  it("round-trips hyper values across the 32-bit boundary, negative included", () => {
    const w = new XdrWriter();
    w.u64(8388608 * 1024 * 1024);
    w.i64(-5);
    w.u64(2n ** 64n - 1n);
    const r = new XdrReader(w.toBytes());
    expect(r.u64()).toBe(8388608 * 1024 * 1024);
    expect(r.i64()).toBe(-5);
    expect(r.u64big()).toBe(2n ** 64n - 1n);
  });

  it("rejects a string longer than its maximum on both sides", () => {
    const w = new XdrWriter();
    expect(() => { w.string("abcdef", 5); }).toThrow(XdrError);
    w.reset();
    w.string("abcdef", 10);
    expect(() => new XdrReader(w.toBytes()).string(5)).toThrow(/exceeds maximum 5/);
  });

  it("reports truncated data instead of reading past the end", () => {
    expect(() => new XdrReader(new Uint8Array(6)).u64()).toThrow(/truncated/);
    const w = new XdrWriter();
    w.u32(1000);
    expect(() => string(4096).dec(new XdrReader(w.toBytes()))).toThrow(/truncated/);
  });

  it("refuses array counts over the maximum or larger than the bytes left", () => {
    const w = new XdrWriter();
    w.u32(3);
    w.u32(1);
    expect(() => array(int, 2).dec(new XdrReader(w.toBytes()))).toThrow(/exceeds maximum 2/);
    expect(() => array(int, 10).dec(new XdrReader(w.toBytes()))).toThrow(/truncated/);
  });
});

describe("rpcgen type mapping (reference §3.2)", () => {
  it("encodes char model[32] as 32 four-byte words (a 188-byte NODE_GET_INFO reply)", () => {
    const w = new XdrWriter();
    remoteProcs[REMOTE_PROC_NODE_GET_INFO].ret.enc(w, {
      model: "i686", memory: 3145728, cpus: 16, mhz: 1400, nodes: 2, sockets: 2, cores: 2, threads: 2,
    });
    const b = w.toBytes();
    // 32*4 + 8 + 6*4 = 160 bytes of payload; with the 28-byte header that is the captured 188.
    expect(b.length).toBe(160);
    expect(hex(b.subarray(0, 20))).toBe("0000006900000036000000380000003600000000");
    expect(charString(32).dec(new XdrReader(b))).toBe("i686");
  });

  it("sends the security model as 4-byte chars including the NUL", () => {
    const w = new XdrWriter();
    remoteProcs[REMOTE_PROC_NODE_GET_SECURITY_MODEL].ret.enc(w, { model: "testSecurity", doi: "" });
    const r = new XdrReader(w.toBytes());
    expect(r.u32()).toBe(13);
    expect(charArrayString(257).dec(new XdrReader(w.toBytes()))).toBe("testSecurity");
  });

  it("encodes remote_domain_get_info_ret in 32 bytes (a 60-byte reply packet) (unsigned char and short are words)", () => {
    const w = new XdrWriter();
    const c = struct({ state: uchar, maxMem: uhyper, memory: uhyper, nrVirtCpu: ushort, cpuTime: uhyperBig });
    c.enc(w, { state: 1, maxMem: 8388608, memory: 2097152, nrVirtCpu: 2, cpuTime: 123n });
    expect(w.pos).toBe(32);
    expect(remoteProcs[REMOTE_PROC_DOMAIN_GET_INFO].ret.dec(new XdrReader(w.toBytes()))).toEqual({
      state: 1, maxMem: 8388608, memory: 2097152, nrVirtCpu: 2, cpuTime: 123n,
    });
  });

  it("encodes CONNECT_OPEN args exactly as captured", () => {
    const w = new XdrWriter();
    remoteProcs[REMOTE_PROC_CONNECT_OPEN].args.enc(w, { name: "test:///default", flags: 0 });
    expect(hex(w.view0())).toBe("000000010000000f" + Buffer.from("test:///default").toString("hex") + "0000000000");
  });

  it("round-trips optional domains and rejects a bad presence word", () => {
    const c = optional(remote_nonnull_domain);
    const w = new XdrWriter();
    const d = { name: "test", uuid: new Uint8Array(16).fill(7), id: -1 };
    c.enc(w, d);
    c.enc(w, null);
    const r = new XdrReader(w.toBytes());
    expect(c.dec(r)).toEqual(d);
    expect(c.dec(r)).toBeNull();
    const bad = new XdrWriter();
    bad.u32(2);
    expect(() => c.dec(new XdrReader(bad.toBytes()))).toThrow(/optional/);
  });
});
