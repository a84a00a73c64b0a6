// A parsed command (vshCmd) and the typed option getters of tools/vsh.c (vshCommandOpt*). A getter
// that rejects its value prints virsh's message and throws CommandFailed, which ends the command
// as a failure without a second message.
import type { VirError } from "@virtkit/libvirt";
import type { CmdDef, OptDef } from "./command-def.js";
import { INT_MAX, INT_MIN, LLONG_MAX, LLONG_MIN, ULLONG_MAX, UINT_MAX, parseSigned, parseUnsigned, scaleInteger, strToUnsigned } from "./numbers.js";

/** Thrown after a message was printed: the command failed, nothing more to report. */
export class CommandFailed extends Error {
  override readonly name = "CommandFailed";
  constructor(readonly libvirtError: VirError | null = null) {
    super("command failed");
  }
}

export interface ParsedOpt {
  readonly def: OptDef;
  /** null for booleans */
  readonly data: string | null;
}

/** Where getters print their complaints (the shell's error stream). */
export interface ErrorSink {
  error(msg: string): void;
  /** Remember a libvirt error to be reported when the command ends (vshSaveLibvirtError). */
  saveError(e: VirError): void;
}

export class ParsedCommand {
  constructor(
    readonly def: CmdDef,
    readonly opts: readonly ParsedOpt[],
  ) {}

  get name(): string {
    return this.def.name;
  }

  private find(name: string): ParsedOpt | undefined {
    return this.opts.find((o) => o.def.name === name);
  }

  /** vshCommandOptBool */
  bool(name: string): boolean {
    return this.find(name) !== undefined;
  }

  /** Whether the option was given at all (of any type). */
  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  /**
   * vshCommandOptStringReq: the value, null when absent; an empty value is refused unless the
   * option allows it ("Failed to get option '%s': Option argument is empty").
   */
  string(ctl: ErrorSink, name: string): string | null {
    const o = this.find(name);
    if (!o) {
      const def = this.def.opts.find((d) => d.name === name);
      if (def?.required) {
        ctl.error(`Failed to get option '${name}': Mandatory option not present`);
        throw new CommandFailed();
      }
      return null;
    }
    const data = o.data ?? "";
    if (data === "" && !o.def.emptyOk) {
      ctl.error(`Failed to get option '${name}': Option argument is empty`);
      throw new CommandFailed();
    }
    return data;
  }

  /** vshCommandOptStringQuiet: the raw value without complaints (empty refused silently as null). */
  stringQuiet(name: string): string | null {
    const o = this.find(name);
    if (!o) return null;
    const data = o.data ?? "";
    if (data === "" && !o.def.emptyOk) return null;
    return data;
  }

  /** The value that a required option must have (parser guarantees presence). */
  requiredString(ctl: ErrorSink, name: string): string {
    const v = this.string(ctl, name);
    if (v === null) {
      ctl.error(`Failed to get option '${name}': Mandatory option not present`);
      throw new CommandFailed();
    }
    return v;
  }

  private numeric(ctl: ErrorSink, name: string, parse: (s: string) => bigint | null): bigint | null {
    const o = this.find(name);
    if (!o) return null;
    const v = parse(o.data ?? "");
    if (v === null) {
      ctl.error(`Numeric value '${o.data ?? ""}' for <${name}> option is malformed or out of range`);
      throw new CommandFailed();
    }
    return v;
  }

  /** vshCommandOptInt */
  int(ctl: ErrorSink, name: string): number | null {
    const v = this.numeric(ctl, name, (s) => parseSigned(s, INT_MIN, INT_MAX));
    return v === null ? null : Number(v);
  }
  /** vshCommandOptUInt (no wrapping of negative values). */
  uint(ctl: ErrorSink, name: string): number | null {
    const v = this.numeric(ctl, name, (s) => parseUnsigned(s, UINT_MAX, false));
    return v === null ? null : Number(v);
  }
  /** vshCommandOptUIntWrap */
  uintWrap(ctl: ErrorSink, name: string): number | null {
    const v = this.numeric(ctl, name, (s) => parseUnsigned(s, UINT_MAX, true));
    return v === null ? null : Number(v);
  }
  /** vshCommandOptLongLong */
  longlong(ctl: ErrorSink, name: string): bigint | null {
    return this.numeric(ctl, name, (s) => parseSigned(s, LLONG_MIN, LLONG_MAX));
  }
  /** vshCommandOptULongLong */
  ulonglong(ctl: ErrorSink, name: string): bigint | null {
    return this.numeric(ctl, name, (s) => parseUnsigned(s, ULLONG_MAX, false));
  }
  /** vshCommandOptULongLongWrap */
  ulonglongWrap(ctl: ErrorSink, name: string): bigint | null {
    return this.numeric(ctl, name, (s) => parseUnsigned(s, ULLONG_MAX, true));
  }

  /** vshCommandOptScaledInt: a number with an optional unit suffix, `scale` for a bare number. */
  scaledInt(ctl: ErrorSink, name: string, scale: bigint, max: bigint): bigint | null {
    const o = this.find(name);
    if (!o) return null;
    const data = o.data ?? "";
    const r = strToUnsigned(data, ULLONG_MAX, false);
    let err: VirError | null = null;
    let v: bigint | null = null;
    if (r) {
      const s = scaleInteger(r.value, r.rest, scale, max);
      if (typeof s === "bigint") v = s;
      else err = s;
    }
    if (v === null) {
      if (err) ctl.saveError(err);
      ctl.error(`Scaled numeric value '${data}' for <${name}> option is malformed or out of range`);
      throw new CommandFailed();
    }
    return v;
  }

  /** vshCommandOptArgv: every value of the argv option, in order. */
  argv(name?: string): string[] {
    return this.opts.filter((o) => o.def.type === "argv" && (name === undefined || o.def.name === name)).map((o) => o.data ?? "");
  }
}
