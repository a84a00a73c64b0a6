// libvirt logging (src/util/virlog.c): log_outputs is a space-separated list of
// "level:stderr", "level:file:PATH" or "level:journald"; log_filters "level:match" entries
// override the level for categories containing `match`. Levels: 1 debug, 2 info, 3 warning,
// 4 error. Lines follow libvirt's layout, "TIMESTAMP: PID: LEVEL : CATEGORY: message", with the
// structured fields appended as key=value.
import { appendFileSync } from "node:fs";
import type { Logger, LogLevel } from "@virtkit/libvirt";

const LEVELS: Record<LogLevel, number> = { debug: 1, info: 2, warning: 3, error: 4 };

export interface LogOutput {
  level: number;
  kind: "stderr" | "file" | "journald";
  path?: string;
}
export interface LogFilter {
  level: number;
  match: string;
}

export class LogConfigError extends Error {
  override readonly name = "LogConfigError";
}

export function parseLogOutputs(s: string): LogOutput[] {
  const out: LogOutput[] = [];
  for (const tok of s.trim().split(/\s+/)) {
    if (tok === "") continue;
    const m = /^([1-4]):(stderr|journald|file:(.+)|syslog:(.+))$/.exec(tok);
    if (!m) throw new LogConfigError(`Failed to parse logging output '${tok}'`);
    const level = Number(m[1]);
    if (m[2] === "stderr") out.push({ level, kind: "stderr" });
    else if (m[2] === "journald" || m[4] !== undefined) out.push({ level, kind: "journald" });
    else out.push({ level, kind: "file", path: m[3]! });
  }
  return out;
}

export function parseLogFilters(s: string): LogFilter[] {
  const out: LogFilter[] = [];
  for (const tok of s.trim().split(/\s+/)) {
    if (tok === "") continue;
    const m = /^\+?([1-4]):(.+)$/.exec(tok);
    if (!m) throw new LogConfigError(`Failed to parse filter '${tok}'`);
    out.push({ level: Number(m[1]), match: m[2]! });
  }
  return out;
}

function stamp(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}+0000`;
}

function fieldText(v: unknown): string {
  if (typeof v === "string") return /[\s"=]/.test(v) || v === "" ? JSON.stringify(v) : v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return JSON.stringify(v);
}

/**
 * A Logger for `category`: a message passes when its level reaches the matching filter's level
 * (or log_level without one), then goes to every output whose own level it reaches.
 */
export function createLogger(opts: { outputs: LogOutput[]; filters: LogFilter[]; defaultLevel: number }, category: string): Logger {
  const filter = opts.filters.find((f) => category.includes(f.match));
  const threshold = filter ? filter.level : opts.defaultLevel;
  return (level, msg, fields) => {
    const lv = LEVELS[level];
    if (lv < threshold) return;
    let line = `${stamp(new Date())}: ${process.pid}: ${level} : ${category}: ${msg}`;
    if (fields) for (const [k, v] of Object.entries(fields)) line += ` ${k}=${fieldText(v)}`;
    line += "\n";
    for (const o of opts.outputs) {
      if (lv < o.level) continue;
      if (o.kind === "file") {
        try {
          appendFileSync(o.path!, line);
        } catch {
          /* an unwritable log file must not stop the daemon */
        }
      } else process.stderr.write(line);
    }
  };
}
