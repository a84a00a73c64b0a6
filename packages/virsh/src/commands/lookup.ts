// Object lookups by option (tools/virsh-util.c virshCommandOptDomainBy, virsh-network.c
// virshCommandOptNetworkBy, virsh-pool.c virshCommandOptPoolBy, virsh-volume.c
// virshCommandOptVolBy): try id, UUID and name as virsh does, and print virsh's "failed to get"
// line when nothing matched.
import { VirError, parseUUID, type Domain, type Network, type StoragePool, type StorageVol } from "@virtkit/libvirt";
import { CommandFailed, type ParsedCommand } from "../shell/parsed-command.js";
import { VSH_ERR_DEBUG, VSH_ERR_INFO, type Shell } from "../shell/shell.js";
import { INT_MAX, INT_MIN, parseSigned } from "../shell/numbers.js";

export const VIRSH_BYID = 1 << 0;
export const VIRSH_BYUUID = 1 << 1;
export const VIRSH_BYNAME = 1 << 2;
export const VIRSH_BYMAC = 1 << 3;

/** VIR_UUID_STRING_BUFLEN - 1 */
const UUID_STRING_LEN = 36;

async function quiet<T>(ctl: Shell, p: () => Promise<T>): Promise<T | null> {
  try {
    return await p();
  } catch (e) {
    if (e instanceof VirError) {
      ctl.saveError(e);
      return null;
    }
    throw e;
  }
}

/** virshLookupDomainInternal: id, then UUID, then name; the libvirt error is dropped. */
export async function lookupDomain(ctl: Shell, cmdname: string, name: string, flags = VIRSH_BYID | VIRSH_BYUUID | VIRSH_BYNAME): Promise<Domain> {
  const conn = ctl.c;
  let dom: Domain | null = null;
  if (flags & VIRSH_BYID) {
    const id = parseSigned(name, INT_MIN, INT_MAX);
    if (id !== null && id >= 0n) {
      ctl.debug(VSH_ERR_DEBUG, `${cmdname}: <domain> looks like ID\n`);
      dom = await quiet(ctl, () => conn.lookupByID(Number(id)));
    }
  }
  if (!dom && flags & VIRSH_BYUUID && name.length === UUID_STRING_LEN) {
    ctl.debug(VSH_ERR_DEBUG, `${cmdname}: <domain> trying as domain UUID\n`);
    dom = await quiet(ctl, () => conn.lookupByUUIDString(name));
  }
  if (!dom && flags & VIRSH_BYNAME) {
    ctl.debug(VSH_ERR_DEBUG, `${cmdname}: <domain> trying as domain NAME\n`);
    dom = await quiet(ctl, () => conn.lookupByName(name));
  }
  ctl.resetError();
  if (!dom) {
    ctl.error(`failed to get domain '${name}'`);
    throw new CommandFailed();
  }
  return dom;
}

/** virshCommandOptDomainBy: the domain named by option `optname` ("domain"). */
export async function optDomain(ctl: Shell, cmd: ParsedCommand, flags = VIRSH_BYID | VIRSH_BYUUID | VIRSH_BYNAME, optname = "domain"): Promise<{ dom: Domain; name: string }> {
  const n = cmd.requiredString(ctl, optname);
  ctl.debug(VSH_ERR_INFO, `${cmd.name}: found option <${optname}>: ${n}\n`);
  return { dom: await lookupDomain(ctl, cmd.name, n, flags), name: n };
}

/** virshCommandOptNetworkBy (the libvirt error is kept and reported after virsh's line). */
export async function optNetwork(ctl: Shell, cmd: ParsedCommand, flags = VIRSH_BYUUID | VIRSH_BYNAME, optname = "network"): Promise<{ net: Network; name: string }> {
  const conn = ctl.c;
  const n = cmd.requiredString(ctl, optname);
  ctl.debug(VSH_ERR_INFO, `${cmd.name}: found option <${optname}>: ${n}\n`);
  let net: Network | null = null;
  if (flags & VIRSH_BYUUID && n.length === UUID_STRING_LEN) {
    ctl.debug(VSH_ERR_DEBUG, `${cmd.name}: <${optname}> trying as network UUID\n`);
    const raw = parseUUID(n);
    if (raw) net = await quiet(ctl, () => conn.networkLookupByUUID(raw));
  }
  if (!net && flags & VIRSH_BYNAME) {
    ctl.debug(VSH_ERR_DEBUG, `${cmd.name}: <${optname}> trying as network NAME\n`);
    net = await quiet(ctl, () => conn.networkLookupByName(n));
  }
  if (!net) {
    ctl.error(`failed to get network '${n}'`);
    throw new CommandFailed();
  }
  return { net, name: n };
}

/** virshCommandOptPoolBy */
export async function optPool(ctl: Shell, cmd: ParsedCommand, optname = "pool", flags = VIRSH_BYUUID | VIRSH_BYNAME): Promise<{ pool: StoragePool; name: string }> {
  const conn = ctl.c;
  const n = cmd.requiredString(ctl, optname);
  ctl.debug(VSH_ERR_INFO, `${cmd.name}: found option <${optname}>: ${n}\n`);
  let pool: StoragePool | null = null;
  if (flags & VIRSH_BYUUID && n.length === UUID_STRING_LEN) {
    ctl.debug(VSH_ERR_DEBUG, `${cmd.name}: <${optname}> trying as pool UUID\n`);
    const raw = parseUUID(n);
    if (raw) pool = await quiet(ctl, () => conn.storagePoolLookupByUUID(raw));
  }
  if (!pool && flags & VIRSH_BYNAME) {
    ctl.debug(VSH_ERR_DEBUG, `${cmd.name}: <${optname}> trying as pool NAME\n`);
    pool = await quiet(ctl, () => conn.storagePoolLookupByName(n));
  }
  if (!pool) {
    ctl.error(`failed to get pool '${n}'`);
    throw new CommandFailed();
  }
  return { pool, name: n };
}

/** virshCommandOptVolBy: by name inside --pool, else by key, else by path. */
export async function optVol(ctl: Shell, cmd: ParsedCommand, optname = "vol", pooloptname: string | null = "pool", flags = VIRSH_BYUUID | VIRSH_BYNAME): Promise<{ vol: StorageVol; name: string }> {
  const conn = ctl.c;
  const n = cmd.requiredString(ctl, optname);
  const p = pooloptname !== null ? cmd.string(ctl, pooloptname) : null;
  let pool: StoragePool | null = null;
  if (p !== null && pooloptname !== null) {
    pool = (await optPool(ctl, cmd, pooloptname, flags)).pool;
    const active = await quiet(ctl, () => pool!.isActive());
    if (active !== true) {
      ctl.error(`pool '${p}' is not active`);
      throw new CommandFailed();
    }
  }
  ctl.debug(VSH_ERR_DEBUG, `${cmd.name}: found option <${optname}>: ${n}\n`);
  let vol: StorageVol | null = null;
  if (pool && flags & VIRSH_BYNAME) {
    ctl.debug(VSH_ERR_DEBUG, `${cmd.name}: <${optname}> trying as vol name\n`);
    const pl = pool;
    vol = await quiet(ctl, () => pl.storageVolLookupByName(n));
  }
  if (!vol && flags & VIRSH_BYUUID) {
    ctl.debug(VSH_ERR_DEBUG, `${cmd.name}: <${optname}> trying as vol key\n`);
    vol = await quiet(ctl, () => conn.storageVolLookupByKey(n));
  }
  if (!vol && flags & VIRSH_BYUUID) {
    ctl.debug(VSH_ERR_DEBUG, `${cmd.name}: <${optname}> trying as vol path\n`);
    vol = await quiet(ctl, () => conn.storageVolLookupByPath(n));
  }
  if (!vol) {
    if (pool || pooloptname === null) ctl.error(`failed to get vol '${n}'`);
    else ctl.error(`failed to get vol '${n}', specifying --${pooloptname} might help`);
    throw new CommandFailed();
  }
  ctl.resetError();
  if (pool) {
    const volpool = await quiet(ctl, () => vol.storagePoolLookupByVolume());
    if (volpool && volpool.name() !== pool.name()) {
      ctl.resetError();
      ctl.error(`Requested volume '${n}' is not in pool '${pool.name()}'`);
      throw new CommandFailed();
    }
  }
  return { vol, name: n };
}
