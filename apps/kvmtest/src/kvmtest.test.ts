/**
 * The example's observable behaviour: it prints "4", reports KVM_EXIT_HLT and exits 0; with tracing,
 * the KVM workflow shows exit reason 30 with its decoded qualification, then 12, with the KVM exits.
 */
import { describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { KvmTestError, runKvmTest } from "./kvmtest.js";
import { traceKvmWorkflow } from "./trace-printer.js";

function run(code?: Uint8Array): { out: string; log: string[]; status: number } {
  let out = "";
  const log: string[] = [];
  const status = runKvmTest({ putchar: (c) => (out += String.fromCharCode(c)), log: (l) => log.push(l), code });
  return { out, log, status };
}

describe("kvmtest", () => {
  it("prints 4 and exits 0 on KVM_EXIT_HLT", () => {
    expect(run()).toEqual({ out: "4\n", log: ["KVM_EXIT_HLT"], status: 0 });
  });

  it("traces every transition: ioctl, VMLAUNCH/VMRESUME, exit 30 decoded, exit 12, the KVM exit reasons", () => {
    const lines: string[] = [];
    const off = traceKvmWorkflow((l) => lines.push(l));
    try {
      run();
    } finally {
      off();
    }
    const text = lines.join("\n");
    expect(text).toContain("user    ioctl(vcpu fd");
    expect(text).toContain("kernel  VMLAUNCH (guest rip 0x1000)");
    expect(text).toContain("exit    VM exit reason 30 IO_INSTRUCTION, qualification 0x3f80000: size 1, out, port 0x3f8, port in DX");
    expect(text).toContain("kernel  handle_io -> exit to user space");
    expect(text).toContain("user    KVM_RUN returned 0: KVM_EXIT_IO (2)");
    expect(text).toContain("exit    VM exit reason 12 HLT");
    expect(text).toContain("user    KVM_RUN returned 0: KVM_EXIT_HLT (5)");
    // Order: the IO exit comes before the HLT exit, and VMRESUME follows the first entry.
    expect(text.indexOf("reason 30")).toBeLessThan(text.indexOf("reason 12"));
    expect(text.indexOf("VMLAUNCH")).toBeLessThan(text.indexOf("VMRESUME"));
  });

  it("reports an unexpected port access the way the C example does (errx)", () => {
    // mov dx, 0x3f9; out dx, al; hlt
    expect(() => run(Uint8Array.of(0xba, 0xf9, 0x03, 0xee, 0xf4))).toThrow(new KvmTestError("unhandled KVM_EXIT_IO"));
  });

  it("the CLI prints the guest output and exits 0", () => {
    const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
    if (!existsSync(cli)) throw new Error(`build the app first: ${cli} is missing`);
    expect(execFileSync(process.execPath, [cli], { encoding: "utf8" })).toBe("4\nKVM_EXIT_HLT\n");
    expect(() => execFileSync(process.execPath, [cli, "--bogus"], { encoding: "utf8", stdio: "pipe" })).toThrow(/unrecognized option '--bogus'/);
  });
});
