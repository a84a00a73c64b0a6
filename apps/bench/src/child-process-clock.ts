/**
 * Timing a guest that runs in another process (QEMU, Bochs, virtkit's qemu-system): the markers arrive
 * on the child's stdout (both emulators flush port 0xE9 output at once), so the region's wall time is
 * the time between their arrival, and its CPU time the difference of the child's utime + stime (all
 * threads) read from /proc/<pid>/stat at those moments (proc(5): fields 14 and 15, in clock ticks).
 */
import { readFileSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";

let ticksPerSecond: number | null = null;

function clockTicks(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** Two fields of a /proc/<pid>/stat line (proc(5) numbering, from 3 on), summed, in milliseconds. */
function tickFieldsMs(stat: string, a: number, b: number, names: string): number {
  // The command name (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
  const close = stat.lastIndexOf(")");
  if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(stat.slice(0, 80))}`);
  const fields = stat.slice(close + 2).split(" ");
  // fields[0] is field 3 (state).
  const x = Number(fields[a - 3]);
  const y = Number(fields[b - 3]);
  if (!Number.isFinite(x) || !Number.isFinite(y)) throw new Error(`no ${names} in ${JSON.stringify(stat.slice(0, 120))}`);
  return ((x + y) * 1000) / clockTicks();
}

/** Parses a /proc/<pid>/stat line: the CPU time (user + system, fields 14 and 15) in milliseconds. */
export function cpuMsFromStat(stat: string): number {
  return tickFieldsMs(stat, 14, 15, "utime/stime");
}

/**
 * Parses a /proc/<pid>/stat line: the CPU time of the process's children that it has waited for
 * (cutime + cstime, fields 16 and 17) in milliseconds. Node reaps its children as they exit, so the
 * difference of this across a child's life is that child's CPU time, exactly, after it is gone.
 */
export function reapedChildrenCpuMsFromStat(stat: string): number {
  return tickFieldsMs(stat, 16, 17, "cutime/cstime");
}

/** The CPU time of this process's reaped children so far (see reapedChildrenCpuMsFromStat). */
export function reapedChildrenCpuMs(): number {
  return reapedChildrenCpuMsFromStat(readFileSync("/proc/self/stat", "latin1"));
}

/** The pids of a live process's children (/proc/<pid>/task/<tid>/children over all its threads); none once it is gone. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, "latin1").trim();
      if (text !== "") out.push(...text.split(" ").map(Number));
    }
  } catch {
    // gone meanwhile
  }
  return out;
}

/** The CPU time of a live process in milliseconds, or NaN once it is gone. */
export function childCpuMs(pid: number): number {
  try {
    return cpuMsFromStat(readFileSync(`/proc/${pid}/stat`, "latin1"));
  } catch {
    return Number.NaN;
  }
}

/** A process's descendants, children first (empty once it is gone). */
export function descendantPids(pid: number): number[] {
  const out: number[] = [];
  const todo = childPids(pid);
  while (todo.length > 0) {
    const p = todo.shift()!;
    out.push(p);
    todo.push(...childPids(p));
  }
  return out;
}

/** SIGKILL to a process's descendants (an emulator's helpers must not outlive it); the process itself is the caller's. */
export function killDescendants(pid: number): void {
  for (const p of descendantPids(pid)) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
}
