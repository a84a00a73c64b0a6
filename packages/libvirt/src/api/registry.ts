// virRegisterConnectDriver / virConnectOpen driver selection (src/libvirt.c virConnectOpenInternal):
// a URI with a transport or a server goes to the remote driver; otherwise each local driver is
// asked in registration order, and outside the daemon the remote driver takes whatever is left
// (a client reaches qemu:///system through the daemon's socket).
import { virError } from "../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../errors/virterror.js";
import type { ConnectDriver, HypervisorConnection, OpenContext, VirURI } from "./driver.js";

const localDrivers: ConnectDriver[] = [];
let remoteDriver: ConnectDriver | null = null;

/** Register a connection driver. A driver with `remote: true` becomes the remote driver. */
export function virRegisterConnectDriver(d: ConnectDriver): void {
  if (d.remote) {
    remoteDriver = d;
    return;
  }
  const i = localDrivers.findIndex((x) => x.name === d.name);
  if (i >= 0) localDrivers[i] = d;
  else localDrivers.push(d);
}

export function virUnregisterConnectDriver(name: string): void {
  const i = localDrivers.findIndex((x) => x.name === name);
  if (i >= 0) localDrivers.splice(i, 1);
  if (remoteDriver?.name === name) remoteDriver = null;
}

export function registeredDrivers(): readonly ConnectDriver[] {
  return remoteDriver ? [...localDrivers, remoteDriver] : [...localDrivers];
}

/**
 * A driver whose implementation is imported only when a URI it accepts is opened (so that a
 * remote-only user never loads, say, the emulator behind the qemu driver).
 */
export function lazyConnectDriver(
  name: string,
  probe: (uri: VirURI, ctx: OpenContext) => boolean,
  load: () => Promise<ConnectDriver>,
): ConnectDriver {
  let loaded: Promise<ConnectDriver> | null = null;
  return {
    name,
    probe,
    async open(uri, flags, ctx) {
      loaded ??= load();
      return (await loaded).open(uri, flags, ctx);
    },
  };
}

export async function openDriverConnection(uri: VirURI, flags: number, ctx: OpenContext): Promise<HypervisorConnection> {
  const hasTransport = uri.transport !== "" || uri.server !== "";
  if (!hasTransport) {
    for (const d of localDrivers) {
      if (d.probe(uri, ctx)) return d.open(uri, flags, ctx);
    }
  }
  if (remoteDriver?.probe(uri, ctx)) return remoteDriver.open(uri, flags, ctx);
  throw virError(VirErrorDomain.VIR_FROM_NONE, VirErrorNumber.VIR_ERR_NO_CONNECT, uri.uri);
}

/**
 * qemu:/// URIs the qemu driver serves: /system and /session inside the daemon, /embed
 * (an in-process driver rooted at ?root=DIR) anywhere.
 */
export function probeQemuURI(uri: VirURI, ctx: OpenContext): boolean {
  if (uri.scheme !== "qemu" || uri.transport !== "" || uri.server !== "") return false;
  if (uri.path === "/embed") return true;
  return ctx.insideDaemon && (uri.path === "/system" || uri.path === "/session");
}

/**
 * The registration hook for the qemu driver: `load` is imported only when a qemu:/// URI is
 * opened, so a process that only talks to a daemon never loads the emulator.
 */
export function registerQemuDriverLoader(load: () => Promise<ConnectDriver>): void {
  virRegisterConnectDriver(lazyConnectDriver("QEMU", probeQemuURI, load));
}
