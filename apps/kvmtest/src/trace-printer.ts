/**
 * Prints the KVM workflow from the kernel's trace points, one line per transition:
 * user mode → ioctl(KVM_RUN) → kernel → VMLAUNCH/VMRESUME → guest → VM exit → handler → KVM exit → user mode.
 */
import { EXIT_REASON_NAMES, describeExitQualification } from "@virtkit/cpu";
import { KVM_EXIT_NAMES, kvmTrace } from "@virtkit/kvm";

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;

/** Subscribes to the trace points and writes a line per event; returns the unsubscribe function. */
export function traceKvmWorkflow(print: (line: string) => void): () => void {
  const offs = [
    kvmTrace.on("sys_enter_ioctl", (e) => {
      print(`user    ioctl(${e.kind} fd ${e.fd}, ${e.name})`);
      if (e.name === "KVM_RUN") print("kernel  kvm_arch_vcpu_ioctl_run");
    }),
    kvmTrace.on("sys_exit_ioctl", (e) => {
      if (e.name !== "KVM_RUN") print(`user    ${e.name} returned ${e.ret}`);
    }),
    kvmTrace.on("kvm_entry", (e) => {
      print(`kernel  ${e.instruction} (guest rip ${hex(e.rip)})`);
      print("guest   running in VMX non-root operation");
    }),
    kvmTrace.on("kvm_exit", (e) => {
      if (e.name === "VMfailValid") {
        print(`exit    VM entry failed: VMfailValid, VM-instruction error ${e.reason}`);
        return;
      }
      const basic = e.reason & 0xffff;
      const name = EXIT_REASON_NAMES[basic] ?? "?";
      const detail = describeExitQualification(basic, e.info1);
      const failed = e.failed_entry ? ` (VM-entry failure, exit reason ${hex(e.reason)})` : "";
      print(`exit    VM exit reason ${basic} ${name}${failed}, qualification ${hex(e.info1)}${detail ? `: ${detail}` : ""}, guest rip ${hex(e.rip)}`);
    }),
    kvmTrace.on("kvm_page_fault", (e) => print(`kernel  EPT violation at gpa ${hex(e.gpa)}: ${e.result === "mapped" ? "memslot page mapped" : "not RAM, emulating as MMIO"}`)),
    kvmTrace.on("kvm_exit_handler", (e) => print(`kernel  ${e.handler} -> ${e.result === "re-enter" ? "re-enter the guest" : "exit to user space"}`)),
    kvmTrace.on("kvm_pio", (e) => print(`kernel  kvm_pio ${e.rw} port ${hex(e.port)} size ${e.size} count ${e.count}${e.rw === "write" ? ` val ${hex(e.val)}` : ""}`)),
    kvmTrace.on("kvm_userspace_exit", (e) => print(`user    KVM_RUN returned ${e.errno ? `-${e.errno}` : "0"}: ${KVM_EXIT_NAMES[e.reason] ?? e.reason} (${e.reason})`)),
  ];
  return () => {
    for (const off of offs) off();
  };
}
