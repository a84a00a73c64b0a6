// Body of fuzz.mjs: long differential runs of the native oracle against an injected runner.
import { readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { caseFromJson, type CaseRunner, type NativeCaseJson } from "./native/native-case.js";
import { nativeUnavailableReason, runNative } from "./native/native.js";
import { compareOutcome, type DefinedMask } from "./fuzz/compare.js";
import { fuzz, type FuzzMismatch, type FuzzReport } from "./fuzz/fuzzer.js";
import { DEFAULT_WEIGHTS, type GeneratorWeights } from "./fuzz/generator.js";

const USAGE = `usage: node oracle/fuzz.mjs (--runner MODULE | --self) [options]
  --runner MODULE   a module exporting runVirtkit(cases) (the CaseRunner under test);
                    "virtkit" is this package's CPU model (native/virtkit-cases.ts)
  --self            compare the host CPU with itself (checks the harness and the masks)
  --seed N          first seed (default: from the clock, printed)
  --seeds N         number of consecutive seeds to run (default 1)
  --cases N         cases per seed (default 10000)
  --instructions N  stop a seed once N instructions were compared (a case holds up to 64)
  --batch N         cases per runner call (default 256)
  --max-groups N    instruction groups per case (default 6)
  --weights K=W,... relative weights of instruction groups (e.g. alu=0,string=5; see DEFAULT_WEIGHTS)
  --no-minimise     report failing cases as generated
  --out FILE        write the mismatches as JSON
  --replay FILE     re-run the cases of a JSON report (or one saved case) and compare again`;

function parseWeights(text: string): Partial<GeneratorWeights> {
  const out: Partial<GeneratorWeights> = {};
  for (const part of text.split(",")) {
    const [k, v] = part.split("=");
    const w = Number(v);
    if (k === undefined || !(k in DEFAULT_WEIGHTS)) throw new Error(`unknown instruction group "${k ?? ""}" (groups: ${Object.keys(DEFAULT_WEIGHTS).join(", ")})`);
    if (!Number.isFinite(w) || w < 0) throw new Error(`weight of ${k} must be a non-negative number, not "${v ?? ""}"`);
    out[k as keyof GeneratorWeights] = w;
  }
  return out;
}

interface Args {
  runner?: string;
  self: boolean;
  seed: number;
  seeds: number;
  cases: number;
  instructions?: number;
  batch: number;
  maxGroups: number;
  weights?: Partial<GeneratorWeights>;
  minimise: boolean;
  out?: string;
  replay?: string;
}

function parseArgs(argv: string[]): Args | string {
  const a: Args = { self: false, seed: Date.now() % 1_000_000_007, seeds: 1, cases: 10000, batch: 256, maxGroups: 6, minimise: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] ?? "";
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    const num = (): number => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a non-negative integer, not "${v}"`);
      return n;
    };
    switch (flag) {
      case "--runner": a.runner = value(); break;
      case "--self": a.self = true; break;
      case "--seed": a.seed = num(); break;
      case "--seeds": a.seeds = Math.max(1, num()); break;
      case "--cases": a.cases = num(); break;
      case "--instructions": a.instructions = num(); if (!argv.includes("--cases")) a.cases = Number.MAX_SAFE_INTEGER; break;
      case "--batch": a.batch = Math.max(1, num()); break;
      case "--max-groups": a.maxGroups = Math.max(1, num()); break;
      case "--no-minimise": a.minimise = false; break;
      case "--weights": a.weights = parseWeights(value()); break;
      case "--out": a.out = value(); break;
      case "--replay": a.replay = value(); break;
      case "--help": case "-h": return USAGE;
      default: throw new Error(`unknown option "${flag}"\n${USAGE}`);
    }
  }
  if (a.runner === undefined && !a.self) throw new Error(`give --runner MODULE or --self\n${USAGE}`);
  return a;
}

async function loadRunner(a: Args): Promise<CaseRunner> {
  if (a.self || a.runner === undefined) return (cases) => runNative(cases);
  if (a.runner === "virtkit") return (await import("./native/virtkit-cases.js")).runVirtkit;
  const mod = (await import(pathToFileURL(resolve(a.runner)).href)) as { runVirtkit?: unknown };
  if (typeof mod.runVirtkit !== "function") throw new Error(`${a.runner} does not export a function runVirtkit(cases)`);
  return mod.runVirtkit as CaseRunner;
}

function printMismatch(m: FuzzMismatch): void {
  console.log(`\nMISMATCH seed ${m.seed} case ${m.index}: ${m.text.join("; ")}`);
  for (const d of m.differences) console.log(`  ${d}`);
  if (m.minimised !== undefined) {
    console.log(`  minimised to ${m.minimised.single ? "one instruction" : `${m.minimised.text.length} instructions`}: ${m.minimised.text.join("; ")}`);
    for (const d of m.minimised.differences) console.log(`    ${d}`);
    console.log(`    case: ${JSON.stringify({ ...m.minimised.case, mem: m.minimised.case.mem?.map((p) => ({ offset: p.offset, bytes: `${p.bytes.length / 2} bytes` })) })}`);
  }
}

async function replay(file: string, runner: CaseRunner): Promise<number> {
  const data = JSON.parse(readFileSync(file, "utf8")) as FuzzMismatch[] | { case: NativeCaseJson; mask: DefinedMask };
  const items = Array.isArray(data) ? data.map((m) => ({ case: m.minimised?.case ?? m.case, mask: m.mask })) : [data];
  const cases = items.map((i) => caseFromJson(i.case));
  const [mine, theirs] = [await runNative(cases), await runner(cases)];
  let bad = 0;
  cases.forEach((_, i) => {
    const m = mine[i];
    const t = theirs[i];
    const item = items[i];
    if (m === undefined || t === undefined || item === undefined) return;
    const d = compareOutcome(m, t, item.mask);
    if (d.length > 0) bad++;
    console.log(`case ${i}: ${d.length === 0 ? "agrees" : d.join("; ")}`);
  });
  return bad === 0 ? 0 : 1;
}

export async function main(argv: string[]): Promise<number> {
  let a: Args;
  try {
    const parsed = parseArgs(argv);
    if (typeof parsed === "string") {
      console.log(parsed);
      return 0;
    }
    a = parsed;
  } catch (e) {
    console.error(`fuzz: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  const why = nativeUnavailableReason();
  if (why !== null) {
    console.error(`fuzz: the native oracle cannot run here: ${why}`);
    return 2;
  }
  const runner = await loadRunner(a);
  if (a.replay !== undefined) return replay(a.replay, runner);
  const all: FuzzMismatch[] = [];
  const reports: FuzzReport[] = [];
  for (let s = 0; s < a.seeds; s++) {
    const seed = a.seed + s;
    const started = Date.now();
    const report = await fuzz({
      seed,
      cases: a.cases,
      batch: a.batch,
      maxGroups: a.maxGroups,
      ...(a.instructions === undefined ? {} : { instructions: a.instructions }),
      ...(a.weights === undefined ? {} : { weights: a.weights }),
      runVirtkit: runner,
      minimise: a.minimise,
      onProgress: (done, bad) =>
        process.stderr.write(a.instructions === undefined ? `\rseed ${seed}: ${done}/${a.cases} cases, ${bad} mismatches` : `\rseed ${seed}: ${done} cases, ${bad} mismatches`),
    });
    process.stderr.write("\n");
    reports.push(report);
    for (const m of report.mismatches) printMismatch(m);
    all.push(...report.mismatches);
    console.log(
      `seed ${seed}: ${report.ran} cases (${report.instructions} instructions) in ${((Date.now() - started) / 1000).toFixed(1)} s, ${report.nativeExceptions} ended in an exception, ${report.shortened} shortened, ${report.mismatches.length} mismatches`,
    );
  }
  if (a.out !== undefined) writeFileSync(a.out, JSON.stringify(all, null, 1));
  const ran = reports.reduce((n, r) => n + r.ran, 0);
  const instructions = reports.reduce((n, r) => n + r.instructions, 0);
  console.log(`${ran} cases, ${instructions} instructions, ${all.length} mismatches`);
  return all.length === 0 ? 0 : 1;
}
