// The public API entry point behind each REMOTE procedure (the daemon's dispatcher calls it), so
// a procedure this daemon does not implement still answers as libvirtd does when its driver lacks
// the entry: VIR_ERR_NO_SUPPORT "this function is not supported by the connection driver: virX",
// raised from the API's own error domain (libvirt-domain.c: VIR_FROM_DOMAIN, and so on).
import { VirErrorDomain } from "../errors/virterror.js";
import { REMOTE_PROCEDURE_INFO } from "./remote-procedures.js";

/** Words the C API keeps upper-case (virDomainGetXMLDesc, virDomainLookupByUUID, ...). */
const ACRONYMS = new Set(["XML", "OS", "UUID", "ID", "CPU", "MAC", "NMI", "SEV", "FD", "QEMU", "LXC", "URI", "PM", "DHCP", "SSH", "SCSI", "WWN"]);
/** Words with their own spelling. */
const WORDS: Record<string, string> = {
  IOTHREAD: "IOThread",
  FSINFO: "FSInfo",
  FSTRIM: "FSTrim",
  FSFREEZE: "FSFreeze",
  FSTHAW: "FSThaw",
  NWFILTER: "NWFilter",
  NWFILTERS: "NWFilters",
};

/** REMOTE_PROC_DOMAIN_GET_JOB_INFO -> virDomainGetJobInfo. */
export function remoteProcApiName(procName: string): string {
  const words = procName.replace(/^REMOTE_PROC_/, "").split("_");
  return "vir" + words.map((w) => WORDS[w] ?? (ACRONYMS.has(w) ? w : w.charAt(0) + w.slice(1).toLowerCase())).join("");
}

/** The VIR_FROM_THIS of the libvirt-*.c file that defines the API. */
export function remoteProcErrorDomain(procName: string): number {
  const n = procName.replace(/^REMOTE_PROC_/, "");
  const D = VirErrorDomain;
  if (n.startsWith("DOMAIN_SNAPSHOT") || n.includes("SNAPSHOT")) return D.VIR_FROM_DOMAIN_SNAPSHOT;
  if (n.startsWith("DOMAIN_CHECKPOINT") || n.includes("CHECKPOINT")) return D.VIR_FROM_DOMAIN_CHECKPOINT;
  if (n.startsWith("NODE_DEVICE") || n.includes("NODE_DEVICE")) return D.VIR_FROM_NODEDEV;
  if (n.startsWith("DOMAIN") || (n.startsWith("CONNECT") && n.includes("DOMAIN"))) return D.VIR_FROM_DOMAIN;
  if (n.includes("NWFILTER")) return D.VIR_FROM_NWFILTER;
  if (n.includes("NETWORK")) return D.VIR_FROM_NETWORK;
  if (n.includes("STORAGE")) return D.VIR_FROM_STORAGE;
  if (n.includes("INTERFACE")) return D.VIR_FROM_INTERFACE;
  if (n.includes("SECRET")) return D.VIR_FROM_SECRET;
  return D.VIR_FROM_NONE;
}

export function remoteProcName(proc: number): string | undefined {
  return REMOTE_PROCEDURE_INFO.get(proc)?.name;
}
