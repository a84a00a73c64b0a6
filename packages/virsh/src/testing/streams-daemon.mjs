// A private daemon for the stream tests: @virtkit/libvirt's VirNetServer (the RPC server our
// libvirtd is built on) on a unix socket, serving a driver with
// - one running domain "guest" whose serial console is a tiny line discipline: it greets with
//   "guest login: ", echoes what it receives, and answers each line ("\r") with
//   "welcome <line>" and a prompt, so a test sees guest output, its input reaching the guest,
//   and the guest reacting to it;
// - one active pool "pool0" with a volume "disk.img" (4 MiB, in memory) that supports upload
//   and download streams, sparse ones included (runs of 64 KiB zero blocks travel as holes).
//
//   node streams-daemon.mjs SOCKET_PATH
/* global process, setImmediate, TextEncoder */
import { VirErrorDomain, VirErrorNumber, VirNetServer, virError, Connect } from "@virtkit/libvirt";

const [sock] = process.argv.slice(2);
const UUID = Uint8Array.from([0xc0, 0x50, 0x1e, 0x00, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1]);
const GUEST = { name: "guest", uuid: UUID, id: 7 };
const POOL = { name: "pool0", uuid: Uint8Array.from([0xc0, 0x50, 0x1e, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 2]) };
const VOL = { pool: "pool0", name: "disk.img", key: "/pools/pool0/disk.img" };
const CAPACITY = 4 << 20;
const HOLE_BLOCK = 64 << 10;
/** The volume's bytes, shared by every connection. */
const volume = new Uint8Array(CAPACITY);

function noVol(what) {
  return virError(VirErrorDomain.VIR_FROM_STORAGE, VirErrorNumber.VIR_ERR_NO_STORAGE_VOL, what);
}

function consoleConnection() {
  return {
    type: "CONSOLETEST",
    connectClose: () => undefined,
    connectGetType: () => "CONSOLETEST",
    connectGetVersion: () => 1000000,
    connectGetHostname: () => "console-host",
    connectIsAlive: () => true,
    domainLookupByName(name) {
      if (name !== "guest") throw virError(VirErrorDomain.VIR_FROM_TEST, VirErrorNumber.VIR_ERR_NO_DOMAIN, `no domain with matching name '${name}'`);
      return GUEST;
    },
    domainLookupByID(id) {
      if (id !== GUEST.id) throw virError(VirErrorDomain.VIR_FROM_TEST, VirErrorNumber.VIR_ERR_NO_DOMAIN, `no domain with matching id ${id}`);
      return GUEST;
    },
    domainGetState: () => ({ state: 1, reason: 1 }),
    domainOpenConsole(_dom, _dev, stream) {
      let line = "";
      const enc = new TextEncoder();
      const sink = stream.attach({
        send: (data) => {
          for (const b of data) {
            if (b === 0x0d) {
              sink.data(enc.encode(`\r\nwelcome ${line}\r\n# `));
              line = "";
            } else {
              line += String.fromCharCode(b);
              sink.data(Uint8Array.of(b));
            }
          }
        },
        finish: () => undefined,
        abort: () => undefined,
      });
      setImmediate(() => sink.data(enc.encode("guest login: ")));
    },
    connectListAllStoragePools: () => [POOL],
    storagePoolLookupByName(name) {
      if (name !== POOL.name) throw virError(VirErrorDomain.VIR_FROM_STORAGE, VirErrorNumber.VIR_ERR_NO_STORAGE_POOL, `no storage pool with matching name '${name}'`);
      return POOL;
    },
    storagePoolLookupByVolume: () => POOL,
    storagePoolIsActive: () => true,
    storagePoolListAllVolumes: () => [VOL],
    storageVolLookupByName(_pool, name) {
      if (name !== VOL.name) throw noVol(`no storage vol with matching name '${name}'`);
      return VOL;
    },
    storageVolLookupByKey(key) {
      if (key !== VOL.key) throw noVol(`no storage vol with matching key ${key}`);
      return VOL;
    },
    storageVolLookupByPath(path) {
      if (path !== VOL.key) throw noVol(`no storage vol with matching path '${path}'`);
      return VOL;
    },
    storageVolGetPath: () => VOL.key,
    storageVolGetInfo: () => ({ type: 0, capacity: CAPACITY, allocation: CAPACITY }),
    storageVolUpload(_vol, stream, offset, length) {
      let pos = offset;
      const end = length > 0 ? offset + length : CAPACITY;
      const put = (bytes) => {
        const n = Math.min(bytes.length, end - pos);
        if (n > 0) volume.set(bytes.subarray(0, n), pos);
        pos += bytes.length;
      };
      stream.attach({
        send: (data) => put(data),
        sendHole: (len) => put(new Uint8Array(len)),
        finish: () => undefined,
        abort: () => undefined,
      });
    },
    storageVolDownload(_vol, stream, offset, length, flags) {
      const sparse = (flags & 1) !== 0;
      const end = length > 0 ? Math.min(CAPACITY, offset + length) : CAPACITY;
      const sink = stream.attach({ send: () => undefined, finish: () => undefined, abort: () => undefined });
      setImmediate(() => {
        for (let pos = offset; pos < end; ) {
          const n = Math.min(HOLE_BLOCK, end - pos);
          const block = volume.slice(pos, pos + n);
          if (sparse && block.every((b) => b === 0)) sink.hole(n);
          else sink.data(block);
          pos += n;
        }
        sink.eof();
      });
    },
  };
}

const server = new VirNetServer({
  keepaliveInterval: 5,
  keepaliveCount: 5,
  openConnection: (name) => Promise.resolve(Connect.fromDriver(consoleConnection(), name)),
});
await server.listenUnix(sock, { readOnly: false, mode: 0o700 });
const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
