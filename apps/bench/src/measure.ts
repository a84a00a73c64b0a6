/**
 * Measurement discipline for a shared, noisy machine: several runs, the median, CPU time next to wall
 * time. Never used as a pass/fail limit in tests.
 */
export interface Sample {
  wallMs: number;
  cpuMs: number;
  /** Work done in the run (instructions, exits, calls...). */
  units: number;
}

export interface Summary {
  runs: number;
  medianWallMs: number;
  medianCpuMs: number;
  /** Units per second of wall time, from the median run. */
  ratePerSec: number;
}

export function measure(run: () => number): Sample {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const units = run();
  const wallMs = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { wallMs, cpuMs: (c.user + c.system) / 1000, units };
}

/** The median (the upper one of the middle two for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export function summarize(samples: Sample[]): Summary {
  const wall = median(samples.map((s) => s.wallMs));
  const mid = samples.find((s) => s.wallMs === wall)!;
  return {
    runs: samples.length,
    medianWallMs: wall,
    medianCpuMs: median(samples.map((s) => s.cpuMs)),
    ratePerSec: (mid.units / wall) * 1000,
  };
}
