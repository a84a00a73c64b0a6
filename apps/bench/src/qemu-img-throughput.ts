/**
 * qemu-img convert and check throughput (issue #9, part 3): virtkit's qemu-img (apps/qemu-img, `node
 * dist/cli.js`, so Node's start-up is inside its figure) and Debian's qemu-img on the same image files in
 * the same run:
 *
 *   convert -f raw -O qcow2 SRC.raw OUT.qcow2     (the raw image written here, see writeTestImage)
 *   convert -f qcow2 -O raw REF.qcow2 OUT.raw      (REF.qcow2: made once from SRC.raw by Debian's qemu-img)
 *   check -f qcow2 REF.qcow2
 *
 * The image: `imageMiB` of virtual size in which every other MiB holds pseudo-random data and the rest is a
 * hole, so both the data path and the zero/hole detection count. Each figure is the median wall time from
 * spawn() to exit over the runs (the tools take turns), with the child's CPU time (this process's reaped
 * children's cutime + cstime around it). Outputs are deleted after each run; the first run's outputs are
 * compared with the source (`qemu-img compare`, Debian's) so that a fast wrong answer cannot count.
 * Everything sits in the page cache (the machine has the memory); no tool is told to sync.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { reapedChildrenCpuMs } from "./child-process-clock.js";
import { findExecutable } from "./host-tools.js";
import { figure, type MgmtOptions, type MgmtRow } from "./mgmt.js";

const MIB = 1 << 20;

/** apps/qemu-img's built CLI, found through the workspace dependency, or null. */
export function ourQemuImgCli(): string | null {
  try {
    const cli = join(fileURLToPath(import.meta.resolve("qemu-img")), "..", "cli.js");
    return existsSync(cli) ? cli : null;
  } catch {
    return null;
  }
}

/** Debian's qemu-img (not a workspace bin of the same name under node_modules/.bin). */
export const realQemuImg = (): string | undefined => findExecutable("qemu-img", { skipNodeModules: true });

/** Fills `buf` with xorshift32 output from `seed` (never zero, so no block of it reads as a hole). */
export function fillPseudoRandom(buf: Uint8Array, seed: number): void {
  const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength >>> 2);
  let x = (seed | 0) === 0 ? 0x9e3779b9 : seed | 0;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = (x >>> 0) | 1;
  }
}

/** Writes the raw test image: data in the even MiBs (pseudo-random, a different seed each), holes in the odd ones. */
export function writeTestImage(path: string, sizeMiB: number): void {
  const fd = openSync(path, "w");
  try {
    const block = new Uint8Array(MIB);
    for (let m = 0; m < sizeMiB; m += 2) {
      fillPseudoRandom(block, m + 1);
      writeSync(fd, block, 0, MIB, m * MIB);
    }
    ftruncateSync(fd, sizeMiB * MIB);
  } finally {
    closeSync(fd);
  }
}

export interface ToolRun {
  wallMs: number;
  cpuMs: number;
}

/** Runs argv to its exit: wall time, and its CPU time from this process's reaped-children counters. */
export function timedRun(argv: readonly string[]): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const c0 = reapedChildrenCpuMs();
    const t0 = performance.now();
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    p.stderr.on("data", (b: Buffer) => { err += b.toString(); });
    p.on("error", reject);
    let wallMs = 0;
    p.on("exit", () => { wallMs = performance.now() - t0; });
    // "close" comes after stderr has been read to its end (and after "exit")
    p.on("close", (code) => {
      if (code !== 0) reject(new Error(`${argv.slice(0, 3).join(" ")} exited with ${String(code)}: ${err.trim().slice(-300)}`));
      else resolve({ wallMs, cpuMs: reapedChildrenCpuMs() - c0 });
    });
  });
}

type Op = "convert raw→qcow2" | "convert qcow2→raw" | "check qcow2";
const OPS: readonly Op[] = ["convert raw→qcow2", "convert qcow2→raw", "check qcow2"];

/** The arguments after the program for each operation, and the output it leaves (deleted after the run). */
export function qemuImgArgs(op: Op, dir: string, tag: string): { args: string[]; output: string | null } {
  const src = join(dir, "src.raw");
  const ref = join(dir, "ref.qcow2");
  if (op === "convert raw→qcow2") return { args: ["convert", "-f", "raw", "-O", "qcow2", src, join(dir, `${tag}.qcow2`)], output: join(dir, `${tag}.qcow2`) };
  if (op === "convert qcow2→raw") return { args: ["convert", "-f", "qcow2", "-O", "raw", ref, join(dir, `${tag}.raw`)], output: join(dir, `${tag}.raw`) };
  return { args: ["check", "-f", "qcow2", ref], output: null };
}

export async function measureQemuImg(o: MgmtOptions, progress: (line: string) => void): Promise<MgmtRow[]> {
  const ours = ourQemuImgCli();
  const real = realQemuImg();
  const oursArgv = ours === null ? null : [process.execPath, ours];
  const realArgv = real === undefined ? null : [real];
  const notes: string[] = [];
  const realVersion = real === undefined ? null : (/version (\S+)/.exec(spawnSync(real, ["--version"], { encoding: "utf8" }).stdout)?.[1] ?? null);
  if (oursArgv === null) notes.push("ours skipped: apps/qemu-img is not built (pnpm turbo run build --filter=bench...)");
  if (realArgv === null) notes.push("Debian qemu-img skipped: not found (Debian package: qemu-utils)");
  const dir = mkdtempSync(join(tmpdir(), "bench-qemu-img-"));
  const rows: MgmtRow[] = [];
  try {
    progress(`writing the ${o.imageMiB} MiB test image (half data, half holes)`);
    writeTestImage(join(dir, "src.raw"), o.imageMiB);
    const maker = realArgv ?? oursArgv;
    if (maker === null) throw new Error("neither qemu-img is available");
    await timedRun([...maker, "convert", "-f", "raw", "-O", "qcow2", join(dir, "src.raw"), join(dir, "ref.qcow2")]);
    const tools: ["virtkit" | "peer", string[] | null][] = [["virtkit", oursArgv], ["peer", realArgv]];
    for (const op of OPS) {
      const runs: Record<"virtkit" | "peer", ToolRun[]> = { virtkit: [], peer: [] };
      const rowNotes = [...notes];
      const failed = new Set<string>();
      for (let r = 0; r < o.runs; r++) {
        for (const [side, argv] of tools) {
          if (argv === null || failed.has(side)) continue;
          const { args, output } = qemuImgArgs(op, dir, side);
          try {
            const run = await timedRun([...argv, ...args]);
            if (r === 0 && output !== null && real !== undefined) {
              // the result must be the source's contents (compare reads both images through the block layer)
              const source = op === "convert raw→qcow2" ? join(dir, "src.raw") : join(dir, "ref.qcow2");
              const cmp = spawnSync(real, ["compare", source, output], { encoding: "utf8" });
              if (cmp.status !== 0) throw new Error(`its output differs from the source: ${(cmp.stdout + cmp.stderr).trim()}`);
            }
            runs[side].push(run);
            progress(`${op} on ${side === "virtkit" ? "ours" : "Debian's"} ${r + 1}/${o.runs}: ${(run.wallMs / 1000).toFixed(2)} s`);
          } catch (e) {
            failed.add(side);
            rowNotes.push(`${side === "virtkit" ? "ours" : "Debian qemu-img"} failed: ${e instanceof Error ? e.message : String(e)}`);
          } finally {
            if (output !== null) rmSync(output, { force: true });
          }
        }
      }
      const fig = (rs: ToolRun[]): MgmtRow["virtkit"] => {
        if (rs.length === 0) return null;
        const f = figure(rs.map((x) => x.wallMs), rs.map((x) => x.cpuMs));
        // a check reads only the metadata: a rate over the virtual size would say nothing
        return op === "check qcow2" ? f : { ...f, detail: `${((o.imageMiB * 1000) / f.value).toFixed(0)} MiB/s of virtual disk` };
      };
      rows.push({
        part: "qemu-img",
        metric: `qemu-img ${op}, ${o.imageMiB} MiB image (half data)`,
        unit: "ms", better: "lower", cpuUnit: "CPU ms",
        virtkitName: "virtkit qemu-img (node apps/qemu-img/dist/cli.js)",
        virtkit: failed.has("virtkit") ? null : fig(runs.virtkit),
        peerName: `Debian qemu-img${realVersion === null ? "" : ` ${realVersion}`}`,
        peer: failed.has("peer") ? null : fig(runs.peer),
        target: { kind: "ratioAtLeast", value: 1 / 1.5, text: "ours ≤ 1.5× Debian qemu-img's time" },
        notes: rowNotes,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
