// Public API entry points virsh needs that @virtkit/libvirt does not expose yet
// (virConnectGetDomainCapabilities, virDomainSetMemoryStatsPeriod, virStorageVolWipe,
// virNetworkDefineXMLFlags, virStorageVolGetInfoFlags). A command calls the method when
// the library object has it; otherwise it fails exactly as libvirt does for a driver without the
// entry: VIR_ERR_NO_SUPPORT "this function is not supported by the connection driver: <api>".
import { VirErrorDomain, VirErrorNumber, virError, type Connect, type Domain, type Network, type StorageVol, type StorageVolInfo } from "@virtkit/libvirt";

type Method<A extends unknown[], R> = (...args: A) => Promise<R>;
/** The resolution of an API call that returns nothing. */
type Done = undefined;

function method<A extends unknown[], R>(obj: object, name: string): Method<A, R> | null {
  const f = (obj as Record<string, unknown>)[name];
  return typeof f === "function" ? (f as Method<A, R>).bind(obj) : null;
}

function noSupport(api: string, from: number): never {
  throw virError(from, VirErrorNumber.VIR_ERR_NO_SUPPORT, api);
}

export async function getDomainCapabilities(conn: Connect, emulatorbin: string | null, arch: string | null, machine: string | null, virttype: string | null, flags: number): Promise<string> {
  const f = method<[string | null, string | null, string | null, string | null, number], string>(conn, "getDomainCapabilities");
  if (!f) noSupport("virConnectGetDomainCapabilities", VirErrorDomain.VIR_FROM_NONE);
  return f(emulatorbin, arch, machine, virttype, flags);
}

export async function domainSetMemoryStatsPeriod(dom: Domain, period: number, flags: number): Promise<void> {
  const f = method<[number, number], Done>(dom, "setMemoryStatsPeriod");
  if (!f) noSupport("virDomainSetMemoryStatsPeriod", VirErrorDomain.VIR_FROM_DOMAIN);
  await f(period, flags);
}

export async function storageVolWipe(vol: StorageVol, flags: number): Promise<void> {
  const f = method<[number], Done>(vol, "wipe");
  if (!f) noSupport("virStorageVolWipe", VirErrorDomain.VIR_FROM_STORAGE);
  await f(flags);
}

export async function networkDefineXMLFlags(conn: Connect, xml: string, flags: number): Promise<Network> {
  const f = method<[string, number], Network>(conn, "networkDefineXMLFlags");
  if (!f) noSupport("virNetworkDefineXMLFlags", VirErrorDomain.VIR_FROM_NETWORK);
  return f(xml, flags);
}

export async function storageVolGetInfoFlags(vol: StorageVol, flags: number): Promise<StorageVolInfo> {
  const f = method<[number], StorageVolInfo>(vol, "infoFlags");
  if (!f) noSupport("virStorageVolGetInfoFlags", VirErrorDomain.VIR_FROM_STORAGE);
  return f(flags);
}
