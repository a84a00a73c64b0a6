/**
 * Human-readable decoding of exit qualifications (SDM vol. 3C §28.2.1 tables 28-1 .. 28-7), for traces.
 */
import {
  EXIT_REASON_CR_ACCESS, EXIT_REASON_DR_ACCESS, EXIT_REASON_EPT_VIOLATION, EXIT_REASON_IO_INSTRUCTION,
} from "./exit-reasons.js";

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

export function describeExitQualification(basicReason: number, q: number): string {
  switch (basicReason) {
    case EXIT_REASON_IO_INSTRUCTION: {
      const size = (q & 7) + 1;
      const parts = [`size ${size}`, q & 8 ? "in" : "out", `port ${hex(q >>> 16)}`, q & 0x40 ? "immediate" : "port in DX"];
      if (q & 0x10) parts.push("string");
      if (q & 0x20) parts.push("rep");
      return parts.join(", ");
    }
    case EXIT_REASON_EPT_VIOLATION: {
      const access = q & 4 ? "fetch" : q & 2 ? "write" : "read";
      const perm = ["r", "w", "x"].filter((_, i) => (q >>> (3 + i)) & 1).join("") || "not present";
      const gla = q & 0x80 ? (q & 0x100 ? ", linear address valid (translated access)" : ", linear address valid (paging-structure access)") : "";
      return `${access}, EPT permissions ${perm}${gla}`;
    }
    case EXIT_REASON_CR_ACCESS: {
      const types = ["mov to cr", "mov from cr", "clts", "lmsw"];
      return `${types[(q >>> 4) & 3]!} cr${q & 15}, gpr ${(q >>> 8) & 15}`;
    }
    case EXIT_REASON_DR_ACCESS:
      return `${q & 0x10 ? "mov from" : "mov to"} dr${q & 7}, gpr ${(q >>> 8) & 15}`;
    default:
      return "";
  }
}
