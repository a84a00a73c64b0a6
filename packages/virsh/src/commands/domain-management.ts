// Group "Domain Management" (tools/virsh-domain.c): lifecycle (define, create, start,
// shutdown, reboot, reset, destroy, suspend, resume, undefine), save/restore and managed save,
// identity (domid, domname, domuuid, domhostname), XML (dumpxml, edit), resources (setmem,
// setmaxmem, setvcpus, vcpuinfo, autostart), screenshot and console.
import { closeSync, openSync, unlinkSync, writeSync } from "node:fs";
import {
  VIR_CONNECT_LIST_DOMAINS_ACTIVE,
  VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE,
  VIR_CONNECT_LIST_DOMAINS_PAUSED,
  VIR_CONNECT_LIST_DOMAINS_PERSISTENT,
  VIR_CONNECT_LIST_DOMAINS_RUNNING,
  VIR_CONNECT_LIST_DOMAINS_SHUTOFF,
  VIR_DOMAIN_CONSOLE_FORCE,
  VIR_DOMAIN_CONSOLE_SAFE,
  VIR_DOMAIN_DEFINE_VALIDATE,
  VIR_DOMAIN_DESTROY_GRACEFUL,
  VIR_DOMAIN_DESTROY_REMOVE_LOGS,
  VIR_DOMAIN_GET_HOSTNAME_AGENT,
  VIR_DOMAIN_GET_HOSTNAME_LEASE,
  VIR_DOMAIN_MEM_MAXIMUM,
  VIR_DOMAIN_REBOOT_ACPI_POWER_BTN,
  VIR_DOMAIN_REBOOT_GUEST_AGENT,
  VIR_DOMAIN_REBOOT_INITCTL,
  VIR_DOMAIN_REBOOT_PARAVIRT,
  VIR_DOMAIN_REBOOT_SIGNAL,
  VIR_DOMAIN_SAVE_BYPASS_CACHE,
  VIR_DOMAIN_SAVE_PAUSED,
  VIR_DOMAIN_SAVE_RESET_NVRAM,
  VIR_DOMAIN_SAVE_RUNNING,
  VIR_DOMAIN_SHUTOFF,
  VIR_DOMAIN_SNAPSHOT_LIST_METADATA,
  VIR_DOMAIN_START_AUTODESTROY,
  VIR_DOMAIN_START_BYPASS_CACHE,
  VIR_DOMAIN_START_FORCE_BOOT,
  VIR_DOMAIN_START_PAUSED,
  VIR_DOMAIN_START_RESET_NVRAM,
  VIR_DOMAIN_START_VALIDATE,
  VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA,
  VIR_DOMAIN_UNDEFINE_KEEP_NVRAM,
  VIR_DOMAIN_UNDEFINE_KEEP_TPM,
  VIR_DOMAIN_UNDEFINE_MANAGED_SAVE,
  VIR_DOMAIN_UNDEFINE_NVRAM,
  VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA,
  VIR_DOMAIN_UNDEFINE_TPM,
  VIR_DOMAIN_VCPU_GUEST,
  VIR_DOMAIN_VCPU_HOTPLUGGABLE,
  VIR_DOMAIN_VCPU_MAXIMUM,
  VIR_DOMAIN_XML_INACTIVE,
  VIR_DOMAIN_XML_MIGRATABLE,
  VIR_DOMAIN_XML_SECURE,
  VIR_DOMAIN_XML_UPDATE_CPU,
  VirError,
  VirErrorDomain,
  VirErrorNumber,
  virError,
  type Connect,
  type Domain,
  type StorageVol,
} from "@virtkit/libvirt";
import type { CmdDef, CmdGroup } from "../shell/command-def.js";
import { padEnd } from "../shell/help.js";
import { INT_MAX, INT_MIN, ULLONG_MAX, parseSigned } from "../shell/numbers.js";
import { exclusive, requires } from "../shell/option-rules.js";
import { CommandFailed, type ParsedCommand } from "../shell/parsed-command.js";
import type { Shell } from "../shell/shell.js";
import { cmdRunConsole } from "../util/console.js";
import { editObject } from "../util/edit.js";
import { printJobProgress, stderrIsTerminal, watchJob } from "../util/progress.js";
import { readFileAll, strerror } from "../util/read-file.js";
import { select } from "../util/xml-reader.js";
import { dumpXML } from "../util/xpath.js";
import { VIRSH_BYID, VIRSH_BYNAME, VIRSH_BYUUID, optDomain } from "./lookup.js";
import { changeMediaCmd } from "./change-media.js";
import { domainState, domainXmlDoc } from "./domain-monitoring.js";
import { storageVolWipe } from "./optional-api.js";
import { splitCommas } from "./virsh-itself.js";

/** VIR_DOMAIN_AFFECT_* */
const AFFECT_CURRENT = 0;
const AFFECT_LIVE = 1;
const AFFECT_CONFIG = 2;
/** VIR_STORAGE_VOL_DELETE_WITH_SNAPSHOTS */
const VOL_DELETE_WITH_SNAPSHOTS = 2;

const DOMAIN_OPT = { name: "domain", type: "data", required: true, help: "domain name, id or uuid", complete: "domain" } as const;
const domainOpt = (completeFlags: number) => ({ ...DOMAIN_OPT, completeFlags }) as const;

/** Read an XML file named by an option, the failure saved as libvirt's. */
function readXMLFile(path: string): string {
  try {
    return readFileAll(path);
  } catch (e) {
    if (e instanceof VirError) throw new CommandFailed(e);
    throw e;
  }
}

async function cmdAutostart(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom, name } = await optDomain(ctl, cmd);
  const autostart = !cmd.bool("disable");
  const r = await ctl.attempt(dom.setAutostart(autostart));
  if (!r.ok) {
    ctl.error(autostart ? `Failed to mark domain '${name}' as autostarted` : `Failed to unmark domain '${name}' as autostarted`);
    return false;
  }
  ctl.printExtra(autostart ? `Domain '${name}' marked as autostarted\n` : `Domain '${name}' unmarked as autostarted\n`);
  return true;
}

async function cmdConsole(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const force = cmd.bool("force");
  const safe = cmd.bool("safe");
  const { dom } = await optDomain(ctl, cmd);
  const devname = cmd.string(ctl, "devname");
  let flags = 0;
  if (force) flags |= VIR_DOMAIN_CONSOLE_FORCE;
  if (safe) flags |= VIR_DOMAIN_CONSOLE_SAFE;
  return cmdRunConsole(ctl, dom, devname, flags);
}

/**
 * virshFetchPassFdsList: the descriptors of --pass-fds (parse errors as virsh reports them). A
 * non-empty list needs virDomainCreateWithFiles / virDomainCreateXMLWithFiles, which this
 * library's API lacks: that call then fails as libvirt does for a driver without the entry.
 */
function passFds(ctl: Shell, cmd: ParsedCommand): number[] {
  const s = cmd.stringQuiet("pass-fds");
  if (s === null) return [];
  const fds: number[] = [];
  for (const part of s.split(",")) {
    const v = parseSigned(part, INT_MIN, INT_MAX);
    if (v === null) {
      ctl.error(`Unable to parse FD number '${part}'`);
      throw new CommandFailed();
    }
    fds.push(Number(v));
  }
  return fds;
}

function withFilesUnsupported(api: string): Promise<never> {
  return Promise.reject(virError(VirErrorDomain.VIR_FROM_DOMAIN, VirErrorNumber.VIR_ERR_NO_SUPPORT, api));
}

async function cmdCreate(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const console = cmd.bool("console");
  const from = cmd.requiredString(ctl, "file");
  const buffer = readXMLFile(from);
  const fds = passFds(ctl, cmd);
  let flags = 0;
  if (cmd.bool("paused")) flags |= VIR_DOMAIN_START_PAUSED;
  if (cmd.bool("autodestroy")) flags |= VIR_DOMAIN_START_AUTODESTROY;
  if (cmd.bool("validate")) flags |= VIR_DOMAIN_START_VALIDATE;
  if (cmd.bool("reset-nvram")) flags |= VIR_DOMAIN_START_RESET_NVRAM;
  const r = await ctl.attempt(fds.length > 0 ? withFilesUnsupported("virDomainCreateXMLWithFiles") : ctl.c.createXML(buffer, flags));
  if (!r.ok) {
    ctl.error(`Failed to create domain from ${from}`);
    return false;
  }
  ctl.printExtra(`Domain '${r.value.name()}' created from ${from}\n`);
  if (console) await cmdRunConsole(ctl, r.value, null, 0);
  return true;
}

async function cmdDefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const from = cmd.requiredString(ctl, "file");
  const flags = cmd.bool("validate") ? VIR_DOMAIN_DEFINE_VALIDATE : 0;
  const buffer = readXMLFile(from);
  const conn = ctl.c;
  const r = await ctl.attempt(flags ? conn.defineXMLFlags(buffer, flags) : conn.defineXML(buffer));
  if (!r.ok) {
    ctl.error(`Failed to define domain from ${from}`);
    return false;
  }
  ctl.printExtra(`Domain '${r.value.name()}' defined from ${from}\n`);
  return true;
}

async function cmdDestroy(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom, name } = await optDomain(ctl, cmd);
  let flags = 0;
  if (cmd.bool("graceful")) flags |= VIR_DOMAIN_DESTROY_GRACEFUL;
  if (cmd.bool("remove-logs")) flags |= VIR_DOMAIN_DESTROY_REMOVE_LOGS;
  const r = await ctl.attempt(flags ? dom.destroyFlags(flags) : dom.destroy());
  if (!r.ok) {
    ctl.error(`Failed to destroy domain '${name}'`);
    return false;
  }
  ctl.printExtra(`Domain '${name}' destroyed\n`);
  return true;
}

async function cmdDomHostname(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom } = await optDomain(ctl, cmd);
  const source = cmd.string(ctl, "source");
  let flags = 0;
  if (source !== null) {
    if (source === "agent") flags |= VIR_DOMAIN_GET_HOSTNAME_AGENT;
    else if (source === "lease") flags |= VIR_DOMAIN_GET_HOSTNAME_LEASE;
    else {
      ctl.error(`Unknown data source '${source}'`);
      return false;
    }
  }
  const r = await ctl.attempt(dom.hostname(flags));
  if (!r.ok) {
    ctl.error("failed to get hostname");
    return false;
  }
  ctl.print(`${r.value}\n`);
  return true;
}

async function cmdDomid(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom } = await optDomain(ctl, cmd, VIRSH_BYNAME | VIRSH_BYUUID);
  ctl.print(dom.ID() === -1 ? "-\n" : `${dom.ID()}\n`);
  return true;
}

async function cmdDomname(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom } = await optDomain(ctl, cmd, VIRSH_BYID | VIRSH_BYUUID);
  ctl.print(`${dom.name()}\n`);
  return true;
}

async function cmdDomuuid(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom } = await optDomain(ctl, cmd, VIRSH_BYNAME | VIRSH_BYID);
  ctl.print(`${dom.UUIDString()}\n`);
  return true;
}

async function cmdDumpXML(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let flags = 0;
  if (cmd.bool("inactive")) flags |= VIR_DOMAIN_XML_INACTIVE;
  if (cmd.bool("security-info")) flags |= VIR_DOMAIN_XML_SECURE;
  if (cmd.bool("update-cpu")) flags |= VIR_DOMAIN_XML_UPDATE_CPU;
  if (cmd.bool("migratable")) flags |= VIR_DOMAIN_XML_MIGRATABLE;
  const wrap = cmd.bool("wrap");
  const { dom } = await optDomain(ctl, cmd);
  const xpath = cmd.stringQuiet("xpath");
  const xml = await dom.XMLDesc(flags);
  return dumpXML(ctl, xml, xpath, wrap);
}

async function cmdEdit(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom } = await optDomain(ctl, cmd);
  let defineFlags = cmd.bool("skip-validate") ? 0 : VIR_DOMAIN_DEFINE_VALIDATE;
  const conn = ctl.c;
  const r = await editObject<Domain>(ctl, {
    getXML: () => dom.XMLDesc(VIR_DOMAIN_XML_SECURE | VIR_DOMAIN_XML_INACTIVE),
    notChanged: () => { ctl.printExtra(`Domain '${dom.name()}' XML configuration not changed.\n`); },
    define: async (xml) => {
      const d = await ctl.attempt(defineDomain(conn, xml, defineFlags));
      return d.ok ? d.value : null;
    },
    relax: () => { defineFlags &= ~VIR_DOMAIN_DEFINE_VALIDATE; },
  });
  if (r.done === "failed") return false;
  if (r.done === "edited") ctl.printExtra(`Domain '${r.obj ? r.obj.name() : "(null)"}' XML configuration edited.\n`);
  return true;
}

/** virshDomainDefine: DefineXMLFlags, retried without VALIDATE when the server lacks it. */
async function defineDomain(conn: Connect, xml: string, flags: number): Promise<Domain> {
  if (!flags) return conn.defineXML(xml);
  try {
    return await conn.defineXMLFlags(xml, flags);
  } catch (e) {
    if (e instanceof VirError && e.code === VirErrorNumber.VIR_ERR_NO_SUPPORT && flags === VIR_DOMAIN_DEFINE_VALIDATE) return conn.defineXML(xml);
    throw e;
  }
}

function saveFlags(cmd: ParsedCommand): number {
  let flags = 0;
  if (cmd.bool("bypass-cache")) flags |= VIR_DOMAIN_SAVE_BYPASS_CACHE;
  if (cmd.bool("running")) flags |= VIR_DOMAIN_SAVE_RUNNING;
  if (cmd.bool("paused")) flags |= VIR_DOMAIN_SAVE_PAUSED;
  return flags;
}

async function cmdManagedSave(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom, name } = await optDomain(ctl, cmd);
  const verbose = cmd.bool("verbose") || stderrIsTerminal();
  // virsh-domain.c cmdManagedSave: doManagedsave in a thread, virshWatchJob beside it
  const r = await ctl.attempt(watchJob(ctl, dom, verbose, "Managedsave", dom.managedSave(saveFlags(cmd))));
  if (!r.ok) {
    ctl.error(`Failed to save domain '${name}' state`);
    return false;
  }
  ctl.printExtra(`\nDomain '${name}' state saved by libvirt\n`);
  return true;
}

async function cmdManagedSaveRemove(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom, name } = await optDomain(ctl, cmd);
  const has = await ctl.attempt(dom.hasManagedSaveImage(0));
  if (!has.ok) {
    ctl.error("Failed to check for domain managed save image");
    return false;
  }
  if (!has.value) {
    ctl.printExtra(`Domain '${name}' has no manage save image; removal skipped`);
    return true;
  }
  const r = await ctl.attempt(dom.managedSaveRemove(0));
  if (!r.ok) {
    ctl.error(`Failed to remove managed save image for domain '${name}'`);
    return false;
  }
  ctl.printExtra(`Removed managedsave image for domain '${name}'`);
  return true;
}

/** Parse a comma-separated mode list against a table (cmdShutdown / cmdReboot). */
function modeFlags(ctl: Shell, mode: string | null, table: Record<string, number>, expecting: string): number {
  if (mode === null) return 0;
  let flags = 0;
  for (const m of mode.split(",")) {
    const f = table[m];
    if (f === undefined) {
      ctl.error(`Unknown mode ${m} value, expecting ${expecting}`);
      throw new CommandFailed();
    }
    flags |= f;
  }
  return flags;
}

const POWER_MODES: Record<string, number> = {
  acpi: VIR_DOMAIN_REBOOT_ACPI_POWER_BTN,
  agent: VIR_DOMAIN_REBOOT_GUEST_AGENT,
  initctl: VIR_DOMAIN_REBOOT_INITCTL,
  signal: VIR_DOMAIN_REBOOT_SIGNAL,
  paravirt: VIR_DOMAIN_REBOOT_PARAVIRT,
};

async function cmdReboot(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = modeFlags(ctl, cmd.string(ctl, "mode"), POWER_MODES, "'acpi', 'agent', 'initctl', 'signal' or 'paravirt'");
  const { dom, name } = await optDomain(ctl, cmd);
  const r = await ctl.attempt(dom.reboot(flags));
  if (!r.ok) {
    ctl.error(`Failed to reboot domain '${name}'`);
    return false;
  }
  ctl.printExtra(`Domain '${name}' is being rebooted\n`);
  return true;
}

async function cmdShutdown(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  // VIR_DOMAIN_SHUTDOWN_* carry the same values as the reboot modes.
  const flags = modeFlags(ctl, cmd.string(ctl, "mode"), POWER_MODES, "'acpi', 'agent', 'initctl', 'signal', or 'paravirt'");
  const { dom, name } = await optDomain(ctl, cmd);
  const r = await ctl.attempt(flags ? dom.shutdownFlags(flags) : dom.shutdown());
  if (!r.ok) {
    ctl.error(`Failed to shutdown domain '${name}'`);
    return false;
  }
  ctl.printExtra(`Domain '${name}' is being shutdown\n`);
  return true;
}

async function cmdReset(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom, name } = await optDomain(ctl, cmd);
  const r = await ctl.attempt(dom.reset(0));
  if (!r.ok) {
    ctl.error(`Failed to reset domain '${name}'`);
    return false;
  }
  ctl.printExtra(`Domain '${name}' was reset\n`);
  return true;
}

async function cmdRestore(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const from = cmd.requiredString(ctl, "file");
  let flags = saveFlags(cmd);
  if (cmd.bool("reset-nvram")) flags |= VIR_DOMAIN_SAVE_RESET_NVRAM;
  const xmlfile = cmd.string(ctl, "xml");
  const xml = xmlfile !== null ? readXMLFile(xmlfile) : null;
  // virsh-domain.c cmdRestore: the flag-less API when there is nothing to pass
  const r = await ctl.attempt(flags || xml !== null ? ctl.c.restoreFlags(from, xml, flags) : ctl.c.restore(from));
  if (!r.ok) {
    ctl.error(`Failed to restore domain from ${from}`);
    return false;
  }
  if (stderrIsTerminal()) {
    printJobProgress(ctl, "Restore", 0, 1);
    ctl.io.stderr("\n");
  }
  ctl.printExtra(`Domain restored from ${from}\n`);
  return true;
}

async function cmdResume(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom, name } = await optDomain(ctl, cmd);
  const r = await ctl.attempt(dom.resume());
  if (!r.ok) {
    ctl.error(`Failed to resume domain '${name}'`);
    return false;
  }
  ctl.printExtra(`Domain '${name}' resumed\n`);
  return true;
}

async function cmdSave(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom, name } = await optDomain(ctl, cmd);
  const to = cmd.requiredString(ctl, "file");
  const verbose = cmd.bool("verbose") || stderrIsTerminal();
  const flags = saveFlags(cmd);
  const xmlfile = cmd.string(ctl, "xml");
  const xml = xmlfile !== null ? readXMLFile(xmlfile) : null;
  // virsh-domain.c doSave: the flag-less API when there is nothing to pass
  // virsh-domain.c cmdSave: doSave in a thread, virshWatchJob beside it
  const r = await ctl.attempt(watchJob(ctl, dom, verbose, "Save", flags || xml !== null ? dom.saveFlags(to, xml, flags) : dom.save(to)));
  if (!r.ok) {
    ctl.error(`Failed to save domain '${name}' to ${to}`);
    return false;
  }
  ctl.printExtra(`\nDomain '${name}' saved to ${to}\n`);
  return true;
}

/** virshGenFileName: <domain>-<local time>.<ext by MIME type> */
function genFileName(dom: Domain, mime: string): string {
  const d = new Date();
  const p = (n: number): string => String(n).padStart(2, "0");
  const now = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}-${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  const ext = mime === "image/x-portable-pixmap" ? ".ppm" : mime === "image/png" ? ".png" : "";
  return `${dom.name()}-${now}${ext}`;
}

async function cmdScreenshot(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  let file = cmd.string(ctl, "file");
  const screen = cmd.uint(ctl, "screen") ?? 0;
  const { dom, name } = await optDomain(ctl, cmd);
  const st = ctl.c.newStream(0);
  const m = await ctl.attempt(dom.screenshot(st, screen, 0));
  if (!m.ok || m.value === null) {
    ctl.error(`could not take a screenshot of ${name}`);
    return false;
  }
  const mime = m.value;
  file ??= genFileName(dom, mime);
  let fd: number;
  let created = false;
  try {
    fd = openSync(file, "wx", 0o666);
    created = true;
  } catch (e) {
    try {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      fd = openSync(file, "w", 0o666);
    } catch {
      ctl.error(`cannot create file ${file}`);
      await st.abort().catch(() => undefined);
      return false;
    }
  }
  let ok = false;
  try {
    for (;;) {
      let chunk: Uint8Array | null;
      try {
        chunk = await st.recv();
      } catch (e) {
        if (!(e instanceof VirError)) throw e;
        ctl.saveError(e);
        ctl.error(`could not receive data from domain '${name}'`);
        return false;
      }
      if (chunk === null) break;
      try {
        writeSync(fd, chunk);
      } catch (e) {
        ctl.error(`cannot write to file ${file}: ${strerror(e)}`);
        return false;
      }
    }
    closeSync(fd);
    fd = -1;
    const fin = await ctl.attempt(st.finish());
    if (!fin.ok) {
      ctl.error(`cannot close stream on domain '${name}'`);
      return false;
    }
    ctl.printExtra(`Screenshot saved to ${file}, with type of ${mime}`);
    ok = true;
    return true;
  } finally {
    if (fd >= 0) closeSync(fd);
    if (!ok && created) unlinkSync(file);
  }
}

function memFlags(ctl: Shell, cmd: ParsedCommand, base: number): number {
  const config = cmd.bool("config");
  const live = cmd.bool("live");
  const current = cmd.bool("current");
  exclusive(ctl, "current", current, "live", live);
  exclusive(ctl, "current", current, "config", config);
  let flags = base;
  if (config || live || current) {
    flags = AFFECT_CURRENT;
    if (config) flags |= AFFECT_CONFIG;
    if (live) flags |= AFFECT_LIVE;
  }
  return flags;
}

/** The --size of setmem/setmaxmem: bytes (KiB by default) rounded up to KiB. */
function sizeKiB(ctl: Shell, cmd: ParsedCommand): number {
  // unsigned long is 64-bit: max = ULONG_MAX.
  const bytes = cmd.scaledInt(ctl, "size", 1024n, ULLONG_MAX) ?? 0n;
  return Number((bytes + 1023n) / 1024n);
}

async function cmdSetmem(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = memFlags(ctl, cmd, AFFECT_LIVE);
  const { dom } = await optDomain(ctl, cmd);
  const kib = sizeKiB(ctl, cmd);
  await dom.setMemoryFlags(kib, flags);
  return true;
}

async function cmdSetmaxmem(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const flags = memFlags(ctl, cmd, AFFECT_CURRENT);
  const { dom } = await optDomain(ctl, cmd);
  const kib = sizeKiB(ctl, cmd);
  const r = await ctl.attempt(dom.setMemoryFlags(kib, flags | VIR_DOMAIN_MEM_MAXIMUM));
  if (!r.ok) {
    ctl.error("Unable to change MaxMemorySize");
    return false;
  }
  return true;
}

async function cmdSetvcpus(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const maximum = cmd.bool("maximum");
  const config = cmd.bool("config");
  const live = cmd.bool("live");
  const current = cmd.bool("current");
  const guest = cmd.bool("guest");
  const hotpluggable = cmd.bool("hotpluggable");
  exclusive(ctl, "current", current, "live", live);
  exclusive(ctl, "current", current, "config", config);
  exclusive(ctl, "guest", guest, "config", config);
  requires(ctl, "maximum", maximum, "config", config);
  let flags = AFFECT_CURRENT;
  if (config) flags |= AFFECT_CONFIG;
  if (live) flags |= AFFECT_LIVE;
  if (guest) flags |= VIR_DOMAIN_VCPU_GUEST;
  if (maximum) flags |= VIR_DOMAIN_VCPU_MAXIMUM;
  if (hotpluggable) flags |= VIR_DOMAIN_VCPU_HOTPLUGGABLE;
  const { dom } = await optDomain(ctl, cmd);
  const count = cmd.uint(ctl, "count") ?? 0;
  if (count === 0) {
    ctl.error("Can't set 0 processors for a VM");
    return false;
  }
  if (!current && flags === 0) await dom.setVcpus(count);
  else await dom.setVcpusFlags(count, flags);
  return true;
}

async function cmdStart(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const console = cmd.bool("console");
  const { dom } = await optDomain(ctl, cmd, VIRSH_BYNAME | VIRSH_BYUUID);
  if (dom.ID() !== -1) {
    ctl.error("Domain is already active");
    return false;
  }
  const fds = passFds(ctl, cmd);
  let flags = 0;
  if (cmd.bool("paused")) flags |= VIR_DOMAIN_START_PAUSED;
  if (cmd.bool("autodestroy")) flags |= VIR_DOMAIN_START_AUTODESTROY;
  if (cmd.bool("bypass-cache")) flags |= VIR_DOMAIN_START_BYPASS_CACHE;
  if (cmd.bool("force-boot")) flags |= VIR_DOMAIN_START_FORCE_BOOT;
  if (cmd.bool("reset-nvram")) flags |= VIR_DOMAIN_START_RESET_NVRAM;
  let started = false;
  if (flags & VIR_DOMAIN_START_FORCE_BOOT) {
    try {
      await (fds.length > 0 ? withFilesUnsupported("virDomainCreateWithFiles") : dom.createWithFlags(flags));
      started = true;
    } catch (e) {
      if (!(e instanceof VirError)) throw e;
      if (e.code !== VirErrorNumber.VIR_ERR_NO_SUPPORT && e.code !== VirErrorNumber.VIR_ERR_INVALID_ARG) throw e;
      // Emulate force boot: drop the managed save image, then start normally.
      const has = await dom.hasManagedSaveImage(0).catch(() => false);
      if (has) await dom.managedSaveRemove(0);
      flags &= ~VIR_DOMAIN_START_FORCE_BOOT;
    }
  }
  if (!started) {
    const r = await ctl.attempt(fds.length > 0 ? withFilesUnsupported("virDomainCreateWithFiles") : flags !== 0 ? dom.createWithFlags(flags) : dom.create());
    if (!r.ok) {
      ctl.error(`Failed to start domain '${dom.name()}'`);
      return false;
    }
  }
  ctl.printExtra(`Domain '${dom.name()}' started\n`);
  if (console && !(await cmdRunConsole(ctl, dom, null, 0))) return false;
  return true;
}

async function cmdSuspend(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const { dom, name } = await optDomain(ctl, cmd);
  const r = await ctl.attempt(dom.suspend());
  if (!r.ok) {
    ctl.error(`Failed to suspend domain '${name}'`);
    return false;
  }
  ctl.printExtra(`Domain '${name}' suspended\n`);
  return true;
}

interface UndefineVolume {
  vol: StorageVol;
  source: string;
  target: string;
}

/** Libvirt call whose failure goes to cmdUndefine's "error:" label (report now, fail). */
async function orReport<T>(ctl: Shell, p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (e) {
    if (!(e instanceof VirError)) throw e;
    ctl.saveError(e);
    ctl.reportError();
    throw new CommandFailed();
  }
}

async function cmdUndefine(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const managedSave = cmd.bool("managed-save");
  const snapshotsMetadata = cmd.bool("snapshots-metadata");
  const checkpointsMetadata = cmd.bool("checkpoints-metadata");
  const wipeStorage = cmd.bool("wipe-storage");
  const removeAllStorage = cmd.bool("remove-all-storage");
  const deleteSnapshots = cmd.bool("delete-storage-volume-snapshots");
  const nvram = cmd.bool("nvram");
  const keepNvram = cmd.bool("keep-nvram");
  const tpm = cmd.bool("tpm");
  const keepTpm = cmd.bool("keep-tpm");
  requires(ctl, "delete-storage-volume-snapshots", deleteSnapshots, "remove-all-storage", removeAllStorage);
  exclusive(ctl, "nvram", nvram, "keep-nvram", keepNvram);
  exclusive(ctl, "tpm", tpm, "keep-tpm", keepTpm);
  const volString = cmd.stringQuiet("storage");
  if (!(volString !== null || removeAllStorage) && wipeStorage) {
    ctl.error("'--wipe-storage' requires '--storage <string>' or '--remove-all-storage'");
    return false;
  }
  const volFlags = deleteSnapshots ? VOL_DELETE_WITH_SNAPSHOTS : 0;
  let flags = 0;
  let managedSaveSafe = false;
  let snapshotsSafe = false;
  if (managedSave) {
    flags |= VIR_DOMAIN_UNDEFINE_MANAGED_SAVE;
    managedSaveSafe = true;
  }
  if (snapshotsMetadata) {
    flags |= VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA;
    snapshotsSafe = true;
  }
  if (checkpointsMetadata) flags |= VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA;
  if (nvram) flags |= VIR_DOMAIN_UNDEFINE_NVRAM;
  if (keepNvram) flags |= VIR_DOMAIN_UNDEFINE_KEEP_NVRAM;
  if (tpm) flags |= VIR_DOMAIN_UNDEFINE_TPM;
  if (keepTpm) flags |= VIR_DOMAIN_UNDEFINE_KEEP_TPM;

  const { dom, name } = await optDomain(ctl, cmd);
  const running = await orReport(ctl, dom.isActive());
  let hasManagedSave = false;
  let hasSnapshots = 0;
  let hasSnapshotsMetadata = 0;
  const unlessNoSupport = async <T>(p: Promise<T>, dflt: T): Promise<T> => {
    try {
      return await p;
    } catch (e) {
      if (e instanceof VirError && e.code === VirErrorNumber.VIR_ERR_NO_SUPPORT) return dflt;
      return orReport(ctl, Promise.reject(e instanceof Error ? e : new Error(String(e))));
    }
  };
  if (!running) {
    hasManagedSave = await unlessNoSupport(dom.hasManagedSaveImage(0), false);
    hasSnapshots = await unlessNoSupport(dom.snapshotNum(0), 0);
    if (hasSnapshots) {
      try {
        hasSnapshotsMetadata = await dom.snapshotNum(VIR_DOMAIN_SNAPSHOT_LIST_METADATA);
        managedSaveSafe = snapshotsSafe = true;
      } catch (e) {
        if (!(e instanceof VirError)) throw e;
        hasSnapshotsMetadata = hasSnapshots;
      }
    }
  }
  if (!hasManagedSave) {
    flags &= ~VIR_DOMAIN_UNDEFINE_MANAGED_SAVE;
    managedSaveSafe = true;
  }
  if (hasSnapshots === 0) snapshotsSafe = true;
  if (hasSnapshotsMetadata === 0) {
    flags &= ~VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA;
    snapshotsSafe = true;
  }

  const vols: UndefineVolume[] = [];
  if (volString !== null || removeAllStorage) {
    if (running) {
      ctl.error("Storage volume deletion is supported only on stopped domains");
      return false;
    }
    if (volString !== null && removeAllStorage) {
      ctl.error("Specified both --storage and --remove-all-storage");
      return false;
    }
    const doc = await domainXmlDoc(ctl, dom, 0);
    const volList: (string | null)[] | null = volString !== null ? splitCommas(volString) : null;
    for (const disk of select(doc, "devices/disk")) {
      const target = disk.children.find((c) => c.name === "target")?.attrs.get("dev");
      if (!target) return orReport(ctl, Promise.reject(new Error("disk without a target")));
      const srcEl = disk.children.find((c) => c.name === "source");
      let source: string | null = null;
      if (srcEl) for (const [k, v] of srcEl.attrs) if (["file", "dir", "name", "dev", "volume"].includes(k) && v !== "") { source = v; break; }
      if (source === null) continue;
      const pool = srcEl?.attrs.get("pool") ?? null;
      if (volList) {
        const j = volList.findIndex((v) => v === target || v === source);
        if (j < 0) continue;
        volList[j] = null;
      }
      let vol: StorageVol | null;
      if (pool !== null && pool !== "") {
        let sp;
        try {
          sp = await ctl.c.storagePoolLookupByName(pool);
        } catch (e) {
          if (!(e instanceof VirError)) throw e;
          ctl.error(`Storage pool '${pool}' for volume '${target}' not found.`);
          continue;
        }
        vol = await sp.storageVolLookupByName(source).catch(() => null);
      } else {
        vol = await ctl.c.storageVolLookupByPath(source).catch(() => null);
      }
      if (!vol) {
        ctl.error(`Storage volume '${target}'(${source}) is not managed by libvirt. Remove it manually.\n`);
        continue;
      }
      vols.push({ vol, source, target });
    }
    if (volList) {
      let missing = false;
      for (const v of volList) {
        if (v !== null) {
          ctl.error(`Volume '${v}' was not found in domain's definition.\n`);
          missing = true;
        }
      }
      if (missing) return false;
    }
  }

  let done = false;
  if ((managedSaveSafe && snapshotsSafe) || nvram) {
    try {
      await dom.undefineFlags(flags);
      done = true;
    } catch (e) {
      if (!(e instanceof VirError)) throw e;
      if (nvram || (e.code !== VirErrorNumber.VIR_ERR_NO_SUPPORT && e.code !== VirErrorNumber.VIR_ERR_INVALID_ARG)) {
        ctl.saveError(e);
        ctl.error(`Failed to undefine domain '${name}'`);
        return false;
      }
    }
  }
  if (!done) {
    if (hasManagedSave) {
      if (!managedSave) {
        ctl.error("Refusing to undefine while domain managed save image exists");
        return false;
      }
      await orReport(ctl, dom.managedSaveRemove(0));
    }
    if (hasSnapshotsMetadata) {
      if (snapshotsMetadata) ctl.error(`Unable to remove metadata of ${hasSnapshotsMetadata} snapshots`);
      else ctl.error(`Refusing to undefine while ${hasSnapshotsMetadata} snapshots exist`);
      return false;
    }
    const r = await ctl.attempt(dom.undefine());
    if (!r.ok) {
      ctl.error(`Failed to undefine domain '${name}'`);
      return false;
    }
  }
  ctl.printExtra(`Domain '${name}' has been undefined\n`);
  let ret = true;
  for (const v of vols) {
    if (wipeStorage) {
      ctl.printExtra(`Wiping volume '${v.target}'(${v.source}) ... `);
      const w = await ctl.attempt(storageVolWipe(v.vol, 0));
      if (!w.ok) {
        ctl.error("Failed! Volume not removed.");
        ret = false;
        continue;
      }
      ctl.printExtra("Done.\n");
    }
    const d = await ctl.attempt(v.vol.delete(volFlags));
    if (!d.ok) {
      ctl.error(`Failed to remove storage volume '${v.target}'(${v.source})`);
      ret = false;
    } else {
      ctl.printExtra(`Volume '${v.target}'(${v.source}) removed.\n`);
    }
  }
  return ret;
}

/** virBitmapDataFormat: set bits as ranges ("0-3,5"). */
function bitmapFormat(map: Uint8Array, nbits: number): string {
  const parts: string[] = [];
  let i = 0;
  const bit = (n: number): boolean => ((map[n >> 3] ?? 0) & (1 << (n & 7))) !== 0;
  while (i < nbits) {
    if (!bit(i)) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < nbits && bit(j + 1)) j++;
    parts.push(i === j ? String(i) : `${i}-${j}`);
    i = j + 1;
  }
  return parts.join(",");
}

function printAffinity(ctl: Shell, map: Uint8Array, maxcpu: number, pretty: boolean): void {
  let s = `${padEnd("CPU Affinity:", 15)} `;
  if (pretty) s += `${bitmapFormat(map, maxcpu)} (out of ${maxcpu})`;
  else for (let i = 0; i < maxcpu; i++) s += (map[i >> 3] ?? 0) & (1 << (i & 7)) ? "y" : "-";
  ctl.print(`${s}\n`);
}

const VCPU_STATE = ["offline", "running", "blocked"];

/** virshNodeGetCPUCount */
async function nodeCPUCount(ctl: Shell): Promise<number> {
  try {
    return (await ctl.c.getCPUMap(0)).cpus;
  } catch (e) {
    if (!(e instanceof VirError)) throw e;
    ctl.resetError();
    const info = await ctl.c.getInfo();
    return info.nodes * info.sockets * info.cores * info.threads;
  }
}

/** virshDomainGetVcpuBitmap (inactive XML): which vCPUs are online. */
async function vcpuBitmap(ctl: Shell, dom: Domain): Promise<number[]> {
  const doc = await domainXmlDoc(ctl, dom, VIR_DOMAIN_XML_INACTIVE);
  const vcpu = doc.children.find((c) => c.name === "vcpu");
  const maxText = vcpu?.text.trim() ?? "";
  if (!/^\d+$/.test(maxText)) {
    ctl.error("Failed to retrieve maximum vcpu count");
    throw new CommandFailed();
  }
  const max = Number(maxText);
  let cur = Number(vcpu?.attrs.get("current") ?? "0");
  if (!Number.isInteger(cur) || cur === 0) cur = max;
  const nodes = select(doc, "vcpus/vcpu");
  if (nodes.length === 0) return Array.from({ length: Math.min(cur, max) }, (_, i) => i);
  const on: number[] = [];
  for (const n of nodes) {
    const id = n.attrs.get("id");
    const enabled = n.attrs.get("enabled");
    if (id === undefined || !/^\d+$/.test(id) || enabled === undefined) continue;
    if (enabled === "yes" && Number(id) < max && !on.includes(Number(id))) on.push(Number(id));
  }
  if (on.length !== cur) {
    ctl.error("Failed to retrieve vcpu state bitmap");
    throw new CommandFailed();
  }
  return on.sort((a, b) => a - b);
}

async function cmdVcpuinfo(ctl: Shell, cmd: ParsedCommand): Promise<boolean> {
  const pretty = cmd.bool("pretty");
  const { dom } = await optDomain(ctl, cmd);
  const maxcpu = await nodeCPUCount(ctl);
  const info = await dom.info();
  const maplen = (maxcpu + 7) >> 3;
  let vcpus;
  try {
    vcpus = await dom.vcpus(info.nrVirtCpu, maplen);
  } catch (e) {
    if (!(e instanceof VirError) || info.state !== VIR_DOMAIN_SHUTOFF) throw e;
    ctl.resetError();
    const online = await vcpuBitmap(ctl, dom);
    const size = Math.max(0, ...online.map((x) => x + 1));
    const maps = await dom.vcpuPinInfo(Math.max(size, 1), maplen, AFFECT_CONFIG);
    online.forEach((n, i) => {
      if (i > 0) ctl.print("\n");
      ctl.print(`${padEnd("VCPU:", 15)} ${n}\n`);
      ctl.print(`${padEnd("CPU:", 15)} N/A\n`);
      ctl.print(`${padEnd("State:", 15)} N/A\n`);
      ctl.print(`${padEnd("CPU time", 15)} N/A\n`);
      printAffinity(ctl, maps[n] ?? new Uint8Array(maplen), maxcpu, pretty);
    });
    return true;
  }
  vcpus.forEach((v, n) => {
    ctl.print(`${padEnd("VCPU:", 15)} ${v.number}\n`);
    ctl.print(`${padEnd("CPU:", 15)} ${v.cpu}\n`);
    ctl.print(`${padEnd("State:", 15)} ${VCPU_STATE[v.state] ?? "no state"}\n`);
    if (v.cpuTime !== 0n) ctl.print(`${padEnd("CPU time:", 15)} ${(Number(v.cpuTime) / 1e9).toFixed(1)}s\n`);
    printAffinity(ctl, v.cpumap, maxcpu, pretty);
    if (n < vcpus.length - 1) ctl.print("\n");
  });
  return true;
}

const commands: CmdDef[] = [
  {
    name: "autostart",
    help: "autostart a domain",
    desc: "Configure a domain to be automatically started at boot.",
    opts: [domainOpt(VIR_CONNECT_LIST_DOMAINS_PERSISTENT), { name: "disable", type: "bool", help: "disable autostarting" }],
    handler: cmdAutostart,
  },
  changeMediaCmd,
  {
    name: "console",
    help: "connect to the guest console",
    desc: "Connect the virtual serial console for the guest",
    opts: [
      domainOpt(VIR_CONNECT_LIST_DOMAINS_ACTIVE),
      { name: "devname", type: "string", help: "character device name" },
      { name: "force", type: "bool", help: "force console connection (disconnect already connected sessions)" },
      { name: "safe", type: "bool", help: "only connect if safe console handling is supported" },
    ],
    handler: cmdConsole,
  },
  {
    name: "create",
    help: "create a domain from an XML file",
    desc: "Create a domain.",
    opts: [
      { name: "file", type: "data", required: true, help: "file containing an XML domain description" },
      { name: "console", type: "bool", help: "attach to console after creation" },
      { name: "paused", type: "bool", help: "leave the guest paused after creation" },
      { name: "autodestroy", type: "bool", help: "automatically destroy the guest when virsh disconnects" },
      { name: "pass-fds", type: "string", help: "pass file descriptors N,M,... to the guest" },
      { name: "validate", type: "bool", help: "validate the XML against the schema" },
      { name: "reset-nvram", type: "bool", help: "re-initialize NVRAM from its pristine template" },
    ],
    handler: cmdCreate,
  },
  {
    name: "define",
    help: "define (but don't start) a domain from an XML file",
    desc: "Define a domain.",
    opts: [
      { name: "file", type: "data", required: true, help: "file containing an XML domain description" },
      { name: "validate", type: "bool", help: "validate the XML against the schema" },
    ],
    handler: cmdDefine,
  },
  {
    name: "destroy",
    help: "destroy (stop) a domain",
    desc: "Forcefully stop a given domain, but leave its resources intact.",
    opts: [
      domainOpt(VIR_CONNECT_LIST_DOMAINS_ACTIVE),
      { name: "graceful", type: "bool", help: "terminate gracefully" },
      { name: "remove-logs", type: "bool", help: "remove domain logs" },
    ],
    handler: cmdDestroy,
  },
  {
    name: "domhostname",
    help: "print the domain's hostname",
    desc: "",
    opts: [domainOpt(VIR_CONNECT_LIST_DOMAINS_ACTIVE), { name: "source", type: "string", help: "address source: 'lease' or 'agent'" }],
    handler: cmdDomHostname,
  },
  {
    name: "domid",
    help: "convert a domain name or UUID to domain id",
    desc: "",
    opts: [{ name: "domain", type: "data", required: true, help: "domain name or uuid", complete: "domain", completeFlags: VIR_CONNECT_LIST_DOMAINS_ACTIVE }],
    handler: cmdDomid,
  },
  {
    name: "domname",
    help: "convert a domain id or UUID to domain name",
    desc: "",
    opts: [{ name: "domain", type: "data", required: true, help: "domain id or uuid" }],
    handler: cmdDomname,
  },
  {
    name: "domuuid",
    help: "convert a domain name or id to domain UUID",
    desc: "",
    opts: [{ name: "domain", type: "data", required: true, help: "domain id or name", complete: "domain" }],
    handler: cmdDomuuid,
  },
  {
    name: "dumpxml",
    help: "domain information in XML",
    desc: "Output the domain information as an XML dump to stdout.",
    opts: [
      DOMAIN_OPT,
      { name: "inactive", type: "bool", help: "show inactive defined XML" },
      { name: "security-info", type: "bool", help: "include security sensitive information in XML dump" },
      { name: "update-cpu", type: "bool", help: "update guest CPU according to host CPU" },
      { name: "migratable", type: "bool", help: "provide XML suitable for migrations" },
      { name: "xpath", type: "string", needName: true, help: "xpath expression to filter the XML document" },
      { name: "wrap", type: "bool", help: "wrap xpath results in an common root element" },
    ],
    handler: cmdDumpXML,
  },
  {
    name: "edit",
    help: "edit XML configuration for a domain",
    desc: "Edit the XML configuration for a domain.",
    opts: [DOMAIN_OPT, { name: "skip-validate", type: "bool", help: "skip validation of the XML against the schema" }],
    handler: cmdEdit,
  },
  {
    name: "managedsave",
    help: "managed save of a domain state",
    desc: "Save and destroy a running domain, so it can be restarted from\n    the same state at a later time.  When the virsh 'start'\n    command is next run for the domain, it will automatically\n    be started from this saved state.",
    opts: [
      domainOpt(VIR_CONNECT_LIST_DOMAINS_ACTIVE),
      { name: "bypass-cache", type: "bool", help: "avoid file system cache when saving" },
      { name: "running", type: "bool", help: "set domain to be running on next start" },
      { name: "paused", type: "bool", help: "set domain to be paused on next start" },
      { name: "verbose", type: "bool", help: "display the progress of save" },
    ],
    handler: cmdManagedSave,
  },
  {
    name: "managedsave-remove",
    help: "Remove managed save of a domain",
    desc: "Remove an existing managed save state file from a domain",
    opts: [domainOpt(VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE)],
    handler: cmdManagedSaveRemove,
  },
  {
    name: "reboot",
    help: "reboot a domain",
    desc: "Run a reboot command in the target domain.",
    opts: [domainOpt(VIR_CONNECT_LIST_DOMAINS_ACTIVE), { name: "mode", type: "string", help: "shutdown mode: acpi|agent|initctl|signal|paravirt" }],
    handler: cmdReboot,
  },
  {
    name: "reset",
    help: "reset a domain",
    desc: "Reset the target domain as if by power button",
    opts: [domainOpt(VIR_CONNECT_LIST_DOMAINS_ACTIVE)],
    handler: cmdReset,
  },
  {
    name: "restore",
    help: "restore a domain from a saved state in a file",
    desc: "Restore a domain.",
    opts: [
      { name: "file", type: "data", required: true, help: "the state to restore" },
      { name: "bypass-cache", type: "bool", help: "avoid file system cache when restoring" },
      { name: "xml", type: "string", help: "filename containing updated XML for the target" },
      { name: "running", type: "bool", help: "restore domain into running state" },
      { name: "paused", type: "bool", help: "restore domain into paused state" },
      { name: "reset-nvram", type: "bool", help: "re-initialize NVRAM from its pristine template" },
    ],
    handler: cmdRestore,
  },
  {
    name: "resume",
    help: "resume a domain",
    desc: "Resume a previously suspended domain.",
    opts: [domainOpt(VIR_CONNECT_LIST_DOMAINS_PAUSED)],
    handler: cmdResume,
  },
  {
    name: "save",
    help: "save a domain state to a file",
    desc: "Save the RAM state of a running domain.",
    opts: [
      domainOpt(VIR_CONNECT_LIST_DOMAINS_ACTIVE),
      { name: "file", type: "data", required: true, help: "where to save the data" },
      { name: "bypass-cache", type: "bool", help: "avoid file system cache when saving" },
      { name: "xml", type: "string", help: "filename containing updated XML for the target" },
      { name: "running", type: "bool", help: "set domain to be running on restore" },
      { name: "paused", type: "bool", help: "set domain to be paused on restore" },
      { name: "verbose", type: "bool", help: "display the progress of save" },
    ],
    handler: cmdSave,
  },
  {
    name: "screenshot",
    help: "take a screenshot of a current domain console and store it into a file",
    desc: "screenshot of a current domain console",
    opts: [
      domainOpt(VIR_CONNECT_LIST_DOMAINS_ACTIVE),
      { name: "file", type: "string", help: "where to store the screenshot" },
      { name: "screen", type: "int", help: "ID of a screen to take screenshot of" },
    ],
    handler: cmdScreenshot,
  },
  {
    name: "setmaxmem",
    help: "change maximum memory limit",
    desc: "Change the maximum memory allocation limit in the guest domain.",
    opts: [
      DOMAIN_OPT,
      { name: "kilobytes", type: "alias", help: "size" },
      { name: "size", type: "int", required: true, help: "new maximum memory size, as scaled integer (default KiB)" },
      { name: "config", type: "bool", help: "affect next boot" },
      { name: "live", type: "bool", help: "affect running domain" },
      { name: "current", type: "bool", help: "affect current domain" },
    ],
    handler: cmdSetmaxmem,
  },
  {
    name: "setmem",
    help: "change memory allocation",
    desc: "Change the current memory allocation in the guest domain.",
    opts: [
      DOMAIN_OPT,
      { name: "kilobytes", type: "alias", help: "size" },
      { name: "size", type: "int", required: true, help: "new memory size, as scaled integer (default KiB)" },
      { name: "config", type: "bool", help: "affect next boot" },
      { name: "live", type: "bool", help: "affect running domain" },
      { name: "current", type: "bool", help: "affect current domain" },
    ],
    handler: cmdSetmem,
  },
  {
    name: "setvcpus",
    help: "change number of virtual CPUs",
    desc: "Change the number of virtual CPUs in the guest domain.",
    opts: [
      DOMAIN_OPT,
      { name: "count", type: "int", required: true, help: "number of virtual CPUs" },
      { name: "maximum", type: "bool", help: "set maximum limit on next boot" },
      { name: "config", type: "bool", help: "affect next boot" },
      { name: "live", type: "bool", help: "affect running domain" },
      { name: "current", type: "bool", help: "affect current domain" },
      { name: "guest", type: "bool", help: "modify cpu state in the guest" },
      { name: "hotpluggable", type: "bool", help: "make added vcpus hot(un)pluggable" },
    ],
    handler: cmdSetvcpus,
  },
  {
    name: "shutdown",
    help: "gracefully shutdown a domain",
    desc: "Run shutdown in the target domain.",
    opts: [domainOpt(VIR_CONNECT_LIST_DOMAINS_ACTIVE), { name: "mode", type: "string", help: "shutdown mode: acpi|agent|initctl|signal|paravirt" }],
    handler: cmdShutdown,
  },
  {
    name: "start",
    help: "start a (previously defined) inactive domain",
    desc: "Start a domain, either from the last managedsave\n    state, or via a fresh boot if no managedsave state\n    is present.",
    opts: [
      { name: "domain", type: "data", required: true, help: "name of the inactive domain", complete: "domain", completeFlags: VIR_CONNECT_LIST_DOMAINS_SHUTOFF },
      { name: "console", type: "bool", help: "attach to console after creation" },
      { name: "paused", type: "bool", help: "leave the guest paused after creation" },
      { name: "autodestroy", type: "bool", help: "automatically destroy the guest when virsh disconnects" },
      { name: "bypass-cache", type: "bool", help: "avoid file system cache when loading" },
      { name: "force-boot", type: "bool", help: "force fresh boot by discarding any managed save" },
      { name: "pass-fds", type: "string", help: "pass file descriptors N,M,... to the guest" },
      { name: "reset-nvram", type: "bool", help: "re-initialize NVRAM from its pristine template" },
    ],
    handler: cmdStart,
  },
  {
    name: "suspend",
    help: "suspend a domain",
    desc: "Suspend a running domain.",
    opts: [domainOpt(VIR_CONNECT_LIST_DOMAINS_RUNNING)],
    handler: cmdSuspend,
  },
  {
    name: "undefine",
    help: "undefine a domain",
    desc: "Undefine an inactive domain, or convert persistent to transient.",
    opts: [
      domainOpt(VIR_CONNECT_LIST_DOMAINS_PERSISTENT),
      { name: "managed-save", type: "bool", help: "remove domain managed state file" },
      { name: "storage", type: "string", help: "remove associated storage volumes (comma separated list of targets or source paths) (see domblklist)" },
      { name: "remove-all-storage", type: "bool", help: "remove all associated storage volumes (use with caution)" },
      { name: "delete-snapshots", type: "alias", help: "delete-storage-volume-snapshots" },
      {
        name: "delete-storage-volume-snapshots",
        type: "bool",
        help: "delete snapshots associated with volume(s), requires --remove-all-storage (must be supported by storage driver)",
      },
      { name: "wipe-storage", type: "bool", help: "wipe data on the removed volumes" },
      { name: "snapshots-metadata", type: "bool", help: "remove all domain snapshot metadata (vm must be inactive)" },
      { name: "checkpoints-metadata", type: "bool", help: "remove all domain checkpoint metadata (vm must be inactive)" },
      { name: "nvram", type: "bool", help: "remove nvram file" },
      { name: "keep-nvram", type: "bool", help: "keep nvram file" },
      { name: "tpm", type: "bool", help: "remove TPM state" },
      { name: "keep-tpm", type: "bool", help: "keep TPM state" },
    ],
    handler: cmdUndefine,
  },
  {
    name: "vcpuinfo",
    help: "detailed domain vcpu information",
    desc: "Returns basic information about the domain virtual CPUs.",
    opts: [DOMAIN_OPT, { name: "pretty", type: "bool", help: "return human readable output" }],
    handler: cmdVcpuinfo,
  },
];

/** Used by other groups that start a console or read the domain state. */
export { domainState };

export const domainManagement: CmdGroup = { name: "Domain Management", keyword: "domain", commands };
