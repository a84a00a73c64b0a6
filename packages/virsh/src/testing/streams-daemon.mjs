// A private daemon for the console tests: @virtkit/libvirt's VirNetServer (the RPC server our
// libvirtd is built on) on a unix socket, serving a driver whose one running domain "guest" has
// a serial console. The guest side is a tiny line discipline: it greets with "guest login: ",
// echoes what it receives, and answers each line ("\r") with "welcome <line>" and a prompt, so a
// test sees guest output, sees its input reach the guest, and sees the guest react to it.
//
//   node console-daemon.mjs SOCKET_PATH
/* global process, setImmediate, TextEncoder */
import { VirErrorDomain, VirErrorNumber, VirNetServer, virError, Connect } from "@virtkit/libvirt";

const [sock] = process.argv.slice(2);
const UUID = Uint8Array.from([0xc0, 0x50, 0x1e, 0x00, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1]);
const GUEST = { name: "guest", uuid: UUID, id: 7 };

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
