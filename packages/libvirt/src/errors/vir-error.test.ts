/** virReportError's message assembly: the detail lands verbatim in the template's %s. */
import { describe, expect, it } from "vitest";
import { virError } from "./vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "./virterror.js";

describe("virError", () => {
  it("keeps a detail containing String.replace $-patterns verbatim", () => {
    const e = virError(VirErrorDomain.VIR_FROM_TEST, VirErrorNumber.VIR_ERR_NO_DOMAIN, "no domain with matching name 'a$&b$$c'");
    expect(e.message).toBe("Domain not found: no domain with matching name 'a$&b$$c'");
    expect(e.str2).toBe("no domain with matching name 'a$&b$$c'");
  });
});
