// Connection URIs as libvirt parses them (src/util/viruri.c, docs/uri.rst):
//   driver[+transport]://[user@][host][:port]/[path][?param=value&...]
import { virError } from "../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../errors/virterror.js";
import type { VirURI } from "./driver.js";

export function parseURI(uri: string): VirURI {
  const m = /^([A-Za-z][A-Za-z0-9.-]*)(?:\+([A-Za-z0-9-]+))?:(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#.*)?$/.exec(uri);
  if (!m) throw virError(VirErrorDomain.VIR_FROM_URI, VirErrorNumber.VIR_ERR_INTERNAL_ERROR, `Unable to parse URI ${uri}`);
  const authority = m[3] ?? "";
  let user = "";
  let hostport = authority;
  const at = authority.lastIndexOf("@");
  if (at >= 0) {
    user = decodeURIComponent(authority.slice(0, at));
    hostport = authority.slice(at + 1);
  }
  let server = hostport;
  let port = 0;
  const pm = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostport);
  if (pm) {
    server = pm[1]!.replace(/^\[|\]$/g, "");
    if (pm[2]) port = Number(pm[2]);
  }
  const params = new Map<string, string>();
  if (m[5]) {
    for (const part of m[5].split("&")) {
      if (part === "") continue;
      const eq = part.indexOf("=");
      const k = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
      const v = eq < 0 ? "" : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, " "));
      params.set(k, v);
    }
  }
  return {
    uri,
    scheme: m[1]!.toLowerCase(),
    transport: (m[2] ?? "").toLowerCase(),
    user,
    server,
    port,
    path: m[4] ?? "",
    params,
  };
}

/** Format the URI back, optionally leaving out some query parameters. */
export function formatURI(u: VirURI, opts: { transport?: boolean; dropParams?: readonly string[] } = {}): string {
  const scheme = opts.transport !== false && u.transport ? `${u.scheme}+${u.transport}` : u.scheme;
  let auth = "";
  if (u.user) auth += `${encodeURIComponent(u.user)}@`;
  if (u.server) auth += u.server.includes(":") ? `[${u.server}]` : u.server;
  if (u.port) auth += `:${u.port}`;
  const q: string[] = [];
  for (const [k, v] of u.params) {
    if (opts.dropParams?.includes(k)) continue;
    q.push(`${encodeURIComponent(k)}=${encodeURIComponent(v).replace(/%2F/g, "/")}`);
  }
  return `${scheme}://${auth}${u.path}${q.length ? `?${q.join("&")}` : ""}`;
}
