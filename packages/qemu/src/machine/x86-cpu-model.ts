import type { CpuidEntry } from "../accel/accel.js";

/*
 * -cpu models for qemu-system-i386 (QEMU target/i386/cpu.c builtin_x86_defs, the 32-bit ones) and
 * the CPUID table a vCPU gets (x86_cpu_filter_features + cpu_x86_cpuid): the model's vendor,
 * family/model/stepping, levels, model-id and feature words, each feature word filtered by what the
 * accelerator supports (KVM_GET_SUPPORTED_CPUID). Features the accelerator lacks are dropped with
 * QEMU's warning, as `check=on` (QEMU's default) prints them.
 */

/** CPUID.01H:EDX feature names by bit (QEMU feature_word_info[FEAT_1_EDX].feat_names). */
export const FEAT_1_EDX_NAMES: readonly (string | undefined)[] = [
  "fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", undefined, "sep", "mtrr", "pge", "mca", "cmov",
  "pat", "pse36", "pn", "clflush", undefined, "ds", "acpi", "mmx", "fxsr", "sse", "sse2", "ss", "ht", "tm", "ia64", "pbe",
];
/** CPUID.01H:ECX feature names by bit. */
export const FEAT_1_ECX_NAMES: readonly (string | undefined)[] = [
  "pni", "pclmulqdq", "dtes64", "monitor", "ds-cpl", "vmx", "smx", "est", "tm2", "ssse3", "cid", undefined, "fma", "cx16",
  "xtpr", "pdcm", undefined, "pcid", "dca", "sse4.1", "sse4.2", "x2apic", "movbe", "popcnt", "tsc-deadline", "aes", "xsave",
  "osxsave", "avx", "f16c", "rdrand", "hypervisor",
];

const bit = (name: string, names: readonly (string | undefined)[]): number => {
  const i = names.indexOf(name);
  if (i < 0) {
    throw new Error(`unknown CPUID feature ${name}`);
  }
  return (1 << i) >>> 0;
};
const edx = (...names: string[]): number => names.reduce((v, n) => (v | bit(n, FEAT_1_EDX_NAMES)) >>> 0, 0);
const ecx = (...names: string[]): number => names.reduce((v, n) => (v | bit(n, FEAT_1_ECX_NAMES)) >>> 0, 0);

/** QEMU's feature groups (target/i386/cpu.c I486_FEATURES ... PPRO_FEATURES). */
const I486_FEATURES = edx("fpu", "vme", "pse");
const PENTIUM_FEATURES = (I486_FEATURES | edx("de", "tsc", "msr", "mce", "cx8", "mmx", "apic")) >>> 0;
const PENTIUM2_FEATURES = (PENTIUM_FEATURES | edx("pae", "sep", "mtrr", "pge", "mca", "cmov", "pat", "pse36", "fxsr")) >>> 0;
const PENTIUM3_FEATURES = (PENTIUM2_FEATURES | edx("sse")) >>> 0;
const PPRO_FEATURES = edx("fpu", "de", "pse", "tsc", "msr", "mce", "cx8", "pge", "cmov", "pat", "fxsr", "mmx", "sse", "sse2", "pae", "sep", "apic");

export interface X86CpuModel {
  readonly name: string;
  /** Highest basic leaf (QEMU .level). */
  readonly level: number;
  readonly vendor: string;
  readonly family: number;
  readonly model: number;
  readonly stepping: number;
  readonly features1Edx: number;
  readonly features1Ecx: number;
  /** Highest extended leaf, 0 for none (QEMU .xlevel). */
  readonly xlevel: number;
  readonly modelId: string;
  /** -cpu host / max: everything the accelerator supports, its own signature. */
  readonly passthrough?: boolean;
}

const INTEL = "GenuineIntel";

/** The models qemu-system-i386 lists for 32-bit guests (subset: the ones virtkit's CPU can run). */
export const X86_CPU_MODELS: readonly X86CpuModel[] = [
  { name: "qemu32", level: 4, vendor: INTEL, family: 6, model: 6, stepping: 3, features1Edx: PPRO_FEATURES, features1Ecx: ecx("pni"), xlevel: 0x80000004, modelId: "QEMU Virtual CPU version 2.5+" },
  { name: "kvm32", level: 5, vendor: INTEL, family: 15, model: 6, stepping: 1, features1Edx: (PPRO_FEATURES | edx("vme", "mtrr", "clflush", "mca", "pse36")) >>> 0, features1Ecx: ecx("pni"), xlevel: 0x80000008, modelId: "Common 32-bit KVM processor" },
  { name: "486", level: 1, vendor: INTEL, family: 4, model: 8, stepping: 0, features1Edx: I486_FEATURES, features1Ecx: 0, xlevel: 0, modelId: "" },
  { name: "pentium", level: 1, vendor: INTEL, family: 5, model: 4, stepping: 3, features1Edx: PENTIUM_FEATURES, features1Ecx: 0, xlevel: 0, modelId: "" },
  { name: "pentium2", level: 2, vendor: INTEL, family: 6, model: 5, stepping: 2, features1Edx: PENTIUM2_FEATURES, features1Ecx: 0, xlevel: 0, modelId: "" },
  { name: "pentium3", level: 3, vendor: INTEL, family: 6, model: 7, stepping: 3, features1Edx: PENTIUM3_FEATURES, features1Ecx: 0, xlevel: 0, modelId: "" },
  { name: "host", level: 0, vendor: "", family: 0, model: 0, stepping: 0, features1Edx: 0, features1Ecx: 0, xlevel: 0, modelId: "", passthrough: true },
  { name: "max", level: 0, vendor: "", family: 0, model: 0, stepping: 0, features1Edx: 0, features1Ecx: 0, xlevel: 0, modelId: "", passthrough: true },
];

export const DEFAULT_I386_CPU_MODEL = "qemu32";

export class CpuModelError extends Error {}

/** Parses "-cpu name[,+feat|-feat|feat=on|off]..." into a model and per-feature overrides. */
export function parseCpuOption(text: string): { model: X86CpuModel; plus: string[]; minus: string[] } {
  const [name = "", ...props] = text.split(",");
  const model = X86_CPU_MODELS.find((m) => m.name === name);
  if (model === undefined) {
    throw new CpuModelError(`unable to find CPU model '${name}'`);
  }
  const plus: string[] = [];
  const minus: string[] = [];
  for (const p of props) {
    let feat: string;
    let on: boolean;
    const legacy = p.startsWith("+") || p.startsWith("-");
    if (legacy) {
      feat = p.slice(1);
      on = p.startsWith("+");
    } else {
      const eq = p.indexOf("=");
      feat = eq < 0 ? p : p.slice(0, eq);
      const v = eq < 0 ? "on" : p.slice(eq + 1);
      if (v !== "on" && v !== "off" && v !== "true" && v !== "false" && v !== "yes" && v !== "no") {
        throw new CpuModelError(`Parameter '${feat}' expects 'on' or 'off'`);
      }
      on = v === "on" || v === "true" || v === "yes";
    }
    if (!FEAT_1_EDX_NAMES.includes(feat) && !FEAT_1_ECX_NAMES.includes(feat)) {
      // QEMU turns feat=value into a global property of the model's QOM type.
      const prop = `Property '${model.name}-i386-cpu.${feat}' not found`;
      throw new CpuModelError(legacy ? prop : `can't apply global ${model.name}-i386-cpu.${p}: ${prop}`);
    }
    (on ? plus : minus).push(feat);
  }
  return { model, plus, minus };
}

function vendorWords(vendor: string): [number, number, number] {
  const w = (i: number): number =>
    (vendor.charCodeAt(i) | (vendor.charCodeAt(i + 1) << 8) | (vendor.charCodeAt(i + 2) << 16) | (vendor.charCodeAt(i + 3) << 24)) >>> 0;
  return [w(0), w(4), w(8)];
}

/** CPUID.01H:EAX: stepping, model, family with their extended fields (cpu_x86_version). */
export function cpuidVersion(family: number, model: number, stepping: number): number {
  let v = stepping & 0xf;
  v |= (model & 0xf) << 4 | ((model >> 4) & 0xf) << 16;
  if (family > 0x0f) {
    v |= 0xf << 8 | ((family - 0x0f) & 0xff) << 20;
  } else {
    v |= family << 8;
  }
  return v >>> 0;
}

export interface CpuidBuild {
  entries: CpuidEntry[];
  /** CPUID.01H:EAX, which the vCPU also holds in EDX after reset. */
  version: number;
  /** QEMU's warnings for features the accelerator does not support. */
  warnings: string[];
}

/**
 * The CPUID table for vCPU `apicId` of `model` on an accelerator supporting `supported`. `lapic` says
 * whether the machine gives each vCPU a local APIC: with kernel_irqchip=off there is none here (QEMU
 * would emulate one in user space), so CPUID.01H:EDX.APIC is withdrawn, silently, as for a machine
 * built without one, and guests do not probe registers that are not there.
 */
export function buildCpuid(
  option: { model: X86CpuModel; plus: string[]; minus: string[] },
  supported: readonly CpuidEntry[],
  apicId: number,
  accelName: string,
  lapic = true,
): CpuidBuild {
  const sup = (fn: number): CpuidEntry | undefined => supported.find((e) => e.function === fn && e.index === 0);
  const sup1 = sup(1);
  let supEdx = sup1?.edx ?? 0;
  let supEcx = sup1?.ecx ?? 0;
  if (accelName === "kvm") {
    // kvm_arch_get_supported_cpuid: "KVM before 2.6.30 misreports the following features", and
    // the hypervisor bit is always offered.
    supEdx = (supEdx | edx("mtrr", "pat", "mce", "mca")) >>> 0;
    supEcx = (supEcx | ecx("hypervisor")) >>> 0;
  }
  const { model } = option;
  const warnings: string[] = [];
  if (model.passthrough === true) {
    const entries = supported.map((e) => ({ ...e }));
    const leaf1 = entries.find((e) => e.function === 1);
    if (leaf1 !== undefined) {
      leaf1.ebx = ((leaf1.ebx & 0x00ffffff) | (apicId << 24)) >>> 0;
      if (!lapic) leaf1.edx = (leaf1.edx & ~edx("apic")) >>> 0;
    }
    return { entries, version: leaf1?.eax ?? 0x600, warnings };
  }
  let wantEdx = model.features1Edx;
  let wantEcx = model.features1Ecx;
  for (const f of option.plus) {
    const e = FEAT_1_EDX_NAMES.indexOf(f);
    if (e >= 0) wantEdx = (wantEdx | (1 << e)) >>> 0;
    else wantEcx = (wantEcx | (1 << FEAT_1_ECX_NAMES.indexOf(f))) >>> 0;
  }
  for (const f of option.minus) {
    const e = FEAT_1_EDX_NAMES.indexOf(f);
    if (e >= 0) wantEdx = (wantEdx & ~(1 << e)) >>> 0;
    else wantEcx = (wantEcx & ~(1 << FEAT_1_ECX_NAMES.indexOf(f))) >>> 0;
  }
  if (!lapic) {
    wantEdx = (wantEdx & ~edx("apic")) >>> 0;
  }
  // x86_cpu_filter_features / mark_unavailable_features.
  for (let i = 0; i < 32; i++) {
    if (wantEdx & (1 << i) && !(supEdx & (1 << i))) {
      warnings.push(`${accelName === "kvm" ? "host" : "TCG"} doesn't support requested feature: CPUID.01H:EDX.${FEAT_1_EDX_NAMES[i] ?? ""} [bit ${i}]`);
    }
  }
  for (let i = 0; i < 32; i++) {
    if (wantEcx & (1 << i) && !(supEcx & (1 << i))) {
      warnings.push(`${accelName === "kvm" ? "host" : "TCG"} doesn't support requested feature: CPUID.01H:ECX.${FEAT_1_ECX_NAMES[i] ?? ""} [bit ${i}]`);
    }
  }
  const featEdx = (wantEdx & supEdx) >>> 0;
  const featEcx = (wantEcx & supEcx) >>> 0;
  const version = cpuidVersion(model.family, model.model, model.stepping);
  const [vb, vd, vc] = vendorWords(model.vendor);
  const entries: CpuidEntry[] = [];
  const leaf = (fn: number, eax: number, ebx: number, ecx_: number, edx_: number): void => {
    entries.push({ function: fn, index: 0, flags: 0, eax: eax >>> 0, ebx: ebx >>> 0, ecx: ecx_ >>> 0, edx: edx_ >>> 0 });
  };
  leaf(0, model.level, vb, vc, vd);
  // EBX: initial APIC ID in 31:24, CLFLUSH line size (8 x 8 bytes) in 15:8 (cpu_x86_cpuid case 1).
  const clflush = featEdx & (1 << 19) ? 8 << 8 : 0;
  leaf(1, version, (apicId << 24) | clflush, featEcx, featEdx);
  for (let fn = 2; fn <= model.level; fn++) {
    const s = sup(fn);
    // Leaf 2 cache descriptors as QEMU's legacy ones when the accelerator has none.
    leaf(fn, s?.eax ?? (fn === 2 ? 1 : 0), s?.ebx ?? 0, s?.ecx ?? (fn === 2 ? 0x4d : 0), s?.edx ?? (fn === 2 ? 0x002c307d : 0));
  }
  if (model.xlevel >= 0x80000000) {
    leaf(0x80000000, model.xlevel, vb, vc, vd);
    for (let fn = 0x80000001; fn <= model.xlevel; fn++) {
      if (fn >= 0x80000002 && fn <= 0x80000004) {
        const id = new Uint8Array(48);
        for (let i = 0; i < model.modelId.length && i < 48; i++) {
          id[i] = model.modelId.charCodeAt(i);
        }
        const dv = new DataView(id.buffer);
        const at = (fn - 0x80000002) * 16;
        leaf(fn, dv.getUint32(at, true), dv.getUint32(at + 4, true), dv.getUint32(at + 8, true), dv.getUint32(at + 12, true));
      } else {
        const s = sup(fn);
        leaf(fn, s?.eax ?? 0, s?.ebx ?? 0, s?.ecx ?? 0, s?.edx ?? 0);
      }
    }
  }
  return { entries, version, warnings };
}
