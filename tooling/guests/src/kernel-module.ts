/**
 * What depmod reads from a kernel module: its `.modinfo` section (NUL-separated "key=value" strings written by
 * MODULE_INFO and modpost: name, depends, alias, vermagic, ...). Debian's linux-image packages ship no
 * modules.dep (the postinst runs depmod), so the dependency closure is computed here from `depends=` — the
 * same field depmod uses — and a modules.dep in depmod's text format is written for the guest's modprobe.
 *
 * Only ELF32/ELF64 little-endian relocatable objects (uncompressed .ko) are read (ELF spec, "Sections").
 */

export class KernelModuleError extends Error {}

export interface ModInfo {
  /** `name=`: the module name (dashes as the build wrote them). */
  name: string;
  depends: string[];
  vermagic: string;
  /** Every key=value pair in section order (keys repeat: alias, parm, ...). */
  fields: [string, string][];
}

const SHT_NOBITS = 8;

/** Reads `.modinfo` from a .ko image. */
export function readModInfo(ko: Uint8Array, file = "module"): ModInfo {
  if (ko.length < 52 || ko[0] !== 0x7f || ko[1] !== 0x45 || ko[2] !== 0x4c || ko[3] !== 0x46) {
    throw new KernelModuleError(`${file}: not an ELF file (compressed modules must be decompressed first)`);
  }
  const cls = ko[4];
  if (ko[5] !== 1 || (cls !== 1 && cls !== 2)) {
    throw new KernelModuleError(`${file}: not a little-endian ELF32/ELF64 object`);
  }
  const dv = new DataView(ko.buffer, ko.byteOffset, ko.byteLength);
  const is64 = cls === 2;
  const num = (o: number): number => (is64 ? Number(dv.getBigUint64(o, true)) : dv.getUint32(o, true));
  const shoff = num(is64 ? 0x28 : 0x20);
  const shentsize = dv.getUint16(is64 ? 0x3a : 0x2e, true);
  const shnum = dv.getUint16(is64 ? 0x3c : 0x30, true);
  const shstrndx = dv.getUint16(is64 ? 0x3e : 0x32, true);
  if (shoff === 0 || shoff + shnum * shentsize > ko.length || shstrndx >= shnum) {
    throw new KernelModuleError(`${file}: section header table out of bounds`);
  }
  const section = (i: number): { name: number; type: number; offset: number; size: number } => {
    const at = shoff + i * shentsize;
    return {
      name: dv.getUint32(at, true),
      type: dv.getUint32(at + 4, true),
      offset: num(at + (is64 ? 0x18 : 0x10)),
      size: num(at + (is64 ? 0x20 : 0x14)),
    };
  };
  const strtab = section(shstrndx);
  const dec = new TextDecoder();
  const cstr = (o: number): string => {
    let end = o;
    while (end < ko.length && ko[end] !== 0) end++;
    return dec.decode(ko.subarray(o, end));
  };
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (cstr(strtab.offset + s.name) !== ".modinfo" || s.type === SHT_NOBITS) continue;
    if (s.offset + s.size > ko.length) {
      throw new KernelModuleError(`${file}: .modinfo lies outside the file`);
    }
    const fields: [string, string][] = [];
    for (const entry of dec.decode(ko.subarray(s.offset, s.offset + s.size)).split("\0")) {
      const eq = entry.indexOf("=");
      if (eq > 0) fields.push([entry.slice(0, eq), entry.slice(eq + 1)]);
    }
    const get = (k: string): string | undefined => fields.find(([key]) => key === k)?.[1];
    const depends = get("depends") ?? "";
    return {
      name: get("name") ?? file.replace(/^.*\//, "").replace(/\.ko$/, ""),
      depends: depends === "" ? [] : depends.split(","),
      vermagic: get("vermagic") ?? "",
      fields,
    };
  }
  throw new KernelModuleError(`${file}: no .modinfo section (not a kernel module)`);
}

/** Module names compare with "-" and "_" equal (kmod's modname normalisation). */
export function normalizeModuleName(name: string): string {
  return name.replace(/-/g, "_");
}

export interface ModuleIndexEntry {
  /** Path relative to /lib/modules/<version>/, e.g. kernel/drivers/block/virtio_blk.ko */
  path: string;
  info: ModInfo;
}

/**
 * The modules `wanted` and everything they depend on, dependencies first (the order insmod must follow),
 * each once. An unknown name is an error that names it.
 */
export function moduleClosure(index: ReadonlyMap<string, ModuleIndexEntry>, wanted: readonly string[]): ModuleIndexEntry[] {
  const out: ModuleIndexEntry[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (raw: string, from: string | undefined): void => {
    const name = normalizeModuleName(raw);
    const s = state.get(name);
    if (s === "done") return;
    if (s === "visiting") {
      throw new KernelModuleError(`modules: dependency cycle through ${name}`);
    }
    const m = index.get(name);
    if (m === undefined) {
      throw new KernelModuleError(`modules: ${name} not found${from === undefined ? "" : ` (needed by ${from})`}`);
    }
    state.set(name, "visiting");
    for (const d of m.info.depends) visit(d, name);
    state.set(name, "done");
    out.push(m);
  };
  for (const w of wanted) visit(w, undefined);
  return out;
}

/** modules.dep lines in depmod's format ("path: dep-path dep-path ..."), deepest dependency last as depmod writes. */
export function modulesDep(index: ReadonlyMap<string, ModuleIndexEntry>, modules: readonly ModuleIndexEntry[]): string {
  const lines: string[] = [];
  for (const m of modules) {
    const deps = moduleClosure(index, m.info.depends).reverse().map((d) => d.path);
    lines.push(`${m.path}:${deps.map((d) => ` ${d}`).join("")}`);
  }
  return lines.sort().join("\n") + "\n";
}
