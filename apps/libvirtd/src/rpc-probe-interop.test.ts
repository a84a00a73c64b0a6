// Hand-built packets (reference §3.4) sent to a real private libvirtd and to ours: the replies
// (type, status, serial, error code/domain/message) or the closing of the connection must match.
import { connect, type Socket } from "node:net";
import { describe, expect, it } from "vitest";
import { rpc } from "@virtkit/libvirt";
import { hasOurBuild, hasRealLibvirtd, startOurLibvirtd, startRealLibvirtd } from "./testing/daemons.js";

const missing = [!hasRealLibvirtd && "libvirtd (libvirt-daemon)", !hasOurBuild && "dist/cli.js (run the build first)"].filter(Boolean);
if (missing.length) console.warn(`rpc-probe-interop: skipping, missing ${missing.join(", ")}`);

const { REMOTE_PROGRAM, KEEPALIVE_PROGRAM } = rpc;

interface Probe {
  name: string;
  /** packets to send, in order */
  send: Uint8Array[];
  /** how many replies to collect before judging (0: expect the connection to close) */
  expect: number;
  /** send each packet only after the previous one was answered (calls race otherwise) */
  lockstep?: boolean;
}

function call(proc: number, serial: number, body?: (w: rpc.XdrWriter) => void, over: Partial<rpc.VirNetMessageHeader> = {}): Uint8Array {
  return rpc.packet({ prog: REMOTE_PROGRAM, vers: 1, proc, type: 0, serial, status: 0, ...over }, body);
}
const open = (serial: number, name = "test:///default") =>
  call(1, serial, (w) => { rpc.remoteProcs[rpc.REMOTE_PROC_CONNECT_OPEN].args.enc(w, { name, flags: 0 }); });

const PROBES: Probe[] = [
  { name: "call before open", send: [call(3, 5)], expect: 1 },
  { name: "open as first packet", send: [open(0)], expect: 1 },
  { name: "second open drops the first", send: [open(1), open(2), call(3, 3)], expect: 3, lockstep: true },
  { name: "unknown procedure", send: [open(1), call(9999, 2), call(3, 3)], expect: 3, lockstep: true },
  { name: "unknown program", send: [call(1, 4, undefined, { prog: 0x20008099 })], expect: 1 },
  { name: "wrong version", send: [call(1, 5, undefined, { vers: 7 })], expect: 1 },
  { name: "truncated args", send: [call(1, 1, (w) => { w.u32(1); w.u32(100); })], expect: 1 },
  { name: "trailing bytes ignored", send: [call(1, 2, (w) => { rpc.remoteProcs[1].args.enc(w, { name: "test:///default", flags: 0 }); w.u32(7); })], expect: 1 },
  { name: "string over REMOTE_STRING_MAX", send: [call(1, 1, (w) => { w.u32(1); w.u32(4194305); })], expect: 1 },
  { name: "client REPLY ignored, PING answered", send: [rpc.packet({ prog: REMOTE_PROGRAM, vers: 1, proc: 3, type: 1, serial: 9, status: 0 }), rpc.KEEPALIVE_PING_PACKET], expect: 1 },
  { name: "NULL name open", send: [call(1, 1, (w) => { w.u32(0); w.u32(0); })], expect: 1 },
  { name: "unknown URI", send: [open(1, "bogus:///x")], expect: 1 },
  { name: "lookup unknown domain", send: [open(1), call(23, 2, (w) => { w.string("nosuch", 100); })], expect: 2, lockstep: true },
  { name: "close replies then closes", send: [open(0), call(2, 1)], expect: 3, lockstep: true },
  { name: "length word 16", send: [Uint8Array.from([0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])], expect: 0 },
  { name: "length word 0x7fffffff", send: [Uint8Array.from([0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0])], expect: 0 },
];

/** Send a probe, describe what came back: one line per reply, plus "closed" if the peer hung up. */
function runProbe(sock: string, p: Probe): Promise<string[]> {
  return new Promise((resolve) => {
    const s: Socket = connect(sock);
    const dec = new rpc.VirNetPacketDecoder();
    const out: string[] = [];
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      s.destroy();
      resolve(out);
    };
    let sent = 0;
    s.on("connect", () => {
      if (p.lockstep) s.write(p.send[sent++]!);
      else for (const b of p.send) s.write(b);
    });
    s.on("data", (b: Buffer) => {
      for (const pkt of dec.push(b)) {
        const h = pkt.header;
        let line = `prog=${h.prog.toString(16)} vers=${h.vers} proc=${h.proc} type=${h.type} serial=${h.serial} status=${h.status} len=${pkt.raw.length}`;
        if (h.status === 1 && h.prog === REMOTE_PROGRAM) {
          const e = rpc.decodeRemoteError(pkt.payload);
          line += ` error=${e.code}/${e.domain} ${e.message}`;
        }
        if (h.prog === KEEPALIVE_PROGRAM) line = `keepalive proc=${h.proc}`;
        out.push(line);
      }
      if (p.lockstep && sent < p.send.length && out.length >= sent) s.write(p.send[sent++]!);
      if (out.length >= p.expect && p.expect > 0 && p.name !== "close replies then closes") finish();
    });
    s.on("close", () => {
      if (done) return;
      out.push("closed");
      finish();
    });
    s.on("error", () => undefined);
  });
}

describe.skipIf(missing.length > 0)("raw protocol probes: our libvirtd answers as the real libvirtd does", () => {
  it("gives the same replies and closes the same connections", async () => {
    const real = await startRealLibvirtd();
    const ours = await startOurLibvirtd();
    try {
      for (const p of PROBES) {
        // "close" waits for the socket to close, so its expected count includes "closed".
        const a = await runProbe(real.sock, p);
        const b = await runProbe(ours.sock, p);
        expect(b, p.name).toEqual(a);
      }
    } finally {
      await real.stop();
      await ours.stop();
    }
  }, 120_000);
});
