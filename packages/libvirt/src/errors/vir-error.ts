// virError (virterror.h struct _virError) and the way virReportErrorHelper (virerror.c) builds
// it: message = template(code) with the detail substituted, str1 = the template, str2 = the
// detail, int1 = int2 = -1, level = VIR_ERR_ERROR.
import { VIR_ERROR_DOMAIN_NAMES, VIR_ERROR_MESSAGES } from "./virerror-messages.js";
import { VIR_ERR_ERROR, VirErrorDomain, VirErrorNumber, type VirErrorLevel } from "./virterror.js";

export interface VirErrorFields {
  code: number;
  domain: number;
  message: string | null;
  level: number;
  str1: string | null;
  str2: string | null;
  str3: string | null;
  int1: number;
  int2: number;
}

export class VirError extends Error implements VirErrorFields {
  override readonly name = "VirError";
  readonly code: number;
  readonly domain: number;
  readonly level: VirErrorLevel;
  readonly str1: string | null;
  readonly str2: string | null;
  readonly str3: string | null;
  readonly int1: number;
  readonly int2: number;

  constructor(f: Partial<VirErrorFields> & { code: number; domain: number }) {
    super(f.message ?? virErrorMsg(f.code, null));
    this.code = f.code;
    this.domain = f.domain;
    this.level = (f.level ?? VIR_ERR_ERROR) as VirErrorLevel;
    this.str1 = f.str1 ?? null;
    this.str2 = f.str2 ?? null;
    this.str3 = f.str3 ?? null;
    this.int1 = f.int1 ?? -1;
    this.int2 = f.int2 ?? -1;
  }

  /** Name of the error domain as python prints it ("Test Driver", "Remote Driver", ...). */
  get domainName(): string {
    return VIR_ERROR_DOMAIN_NAMES[this.domain] ?? "";
  }

  toFields(): VirErrorFields {
    return {
      code: this.code,
      domain: this.domain,
      message: this.message,
      level: this.level,
      str1: this.str1,
      str2: this.str2,
      str3: this.str3,
      int1: this.int1,
      int2: this.int2,
    };
  }
}

/** virErrorMsg: the template for a code, with or without a detail slot. */
export function virErrorMsg(code: number, detail: string | null): string {
  const tuple = VIR_ERROR_MESSAGES[code];
  if (!tuple) return detail === null ? "unknown error" : "%s";
  return detail === null ? tuple[0] : tuple[1];
}

/**
 * virReportError(domain, code, detail): the error libvirt raises, message and fields exactly as
 * virReportErrorHelper fills them.
 */
export function virError(domain: number, code: number, detail?: string | null): VirError {
  const d = detail ?? null;
  const template = virErrorMsg(code, d);
  const message = d === null ? template : template.replace("%s", () => d);
  return new VirError({ code, domain, message, level: VIR_ERR_ERROR, str1: template, str2: d, str3: null, int1: -1, int2: -1 });
}

/** Convert anything thrown into a VirError (internal error for non-libvirt exceptions). */
export function toVirError(e: unknown, domain: number = VirErrorDomain.VIR_FROM_NONE): VirError {
  if (e instanceof VirError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return virError(domain, VirErrorNumber.VIR_ERR_INTERNAL_ERROR, msg);
}
