// qemuConnectOpen (libvirt 9.0 src/qemu/qemu_driver.c): which qemu:/// URIs open which driver
// instance. Inside the daemon, qemu:///system needs a privileged daemon and qemu:///session an
// unprivileged one; qemu:///embed?root=DIR runs the driver in the calling process with all its
// files under DIR (libvirt's embedded driver). One driver state per root, shared by its
// connections; an embedded one shuts down when its last connection closes (its emulators keep
// running and are found again by the next open), the daemon's lives as long as the daemon.
import { isAbsolute, resolve } from "node:path";
import type { ConnectDriver, HypervisorConnection, OpenContext, VirURI } from "../../api/driver.js";
import { probeQemuURI } from "../../api/registry.js";
import { virError } from "../../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";
import { driverPaths } from "../persist.js";
import { NetworkDriver } from "../network/network-driver.js";
import { StorageDriver } from "../storage/storage-driver.js";
import { qemuDriverPaths } from "./qemu-conf.js";
import { QemuConnection } from "./qemu-connection.js";
import { QemuDriver } from "./qemu-driver.js";

const QEMU = VirErrorDomain.VIR_FROM_QEMU;
const E = VirErrorNumber;

const drivers = new Map<string, Promise<QemuDriver>>();

function privileged(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

async function openDriver(key: string, mode: { privileged: boolean; root: string | null }, embedded: boolean): Promise<QemuDriver> {
  let p = drivers.get(key);
  if (!p) {
    p = (async () => {
      const drv = new QemuDriver(qemuDriverPaths(mode), embedded, new StorageDriver(driverPaths("storage", mode)), new NetworkDriver(driverPaths("network", mode), driverPaths("dnsmasq", mode).libDir));
      await drv.initialize();
      return drv;
    })();
    drivers.set(key, p);
    p.catch(() => drivers.delete(key));
  }
  return p;
}

export const qemuConnectDriver: ConnectDriver = {
  name: "QEMU",
  probe: probeQemuURI,
  async open(uri: VirURI, _flags: number, _ctx: OpenContext): Promise<HypervisorConnection> {
    let root: string | null;
    let embedded: boolean;
    let uriText: string;
    if (uri.path === "/embed") {
      const r = uri.params.get("root");
      if (r === undefined || r === "") throw virError(QEMU, E.VIR_ERR_INVALID_ARG, "root parameter required for embedded driver");
      if (!isAbsolute(r)) throw virError(QEMU, E.VIR_ERR_INVALID_ARG, `root path must be absolute: ${r}`);
      root = resolve(r);
      embedded = true;
      uriText = `qemu:///embed?root=${root}`;
    } else {
      const priv = privileged();
      if (priv && uri.path !== "/system") throw virError(QEMU, E.VIR_ERR_INTERNAL_ERROR, `unexpected QEMU URI path '${uri.path}', try qemu:///system`);
      if (!priv && uri.path !== "/session") throw virError(QEMU, E.VIR_ERR_INTERNAL_ERROR, `unexpected QEMU URI path '${uri.path}', try qemu:///session`);
      root = process.env.VIRTKIT_QEMU_ROOT ? resolve(process.env.VIRTKIT_QEMU_ROOT) : null;
      embedded = false;
      uriText = `qemu://${uri.path}`;
    }
    const mode = { privileged: !embedded && privileged(), root };
    const key = `${embedded ? "embed" : "daemon"}:${root ?? (mode.privileged ? "system" : "session")}`;
    const drv = await openDriver(key, mode, embedded);
    drv.refs++;
    return new QemuConnection(drv, uriText, () => {
      drv.refs--;
      if (embedded && drv.refs === 0) {
        drivers.delete(key);
        drv.shutdown();
      }
    });
  },
};
