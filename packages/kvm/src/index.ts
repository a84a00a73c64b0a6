/**
 * @virtkit/kvm — the kvm kernel module behind the real KVM API, running on the @virtkit/cpu processor's
 * VMX. Use the raw `ioctl(fd, request, arg)` exactly as C code uses /dev/kvm, or the typed wrappers
 * (Kvm → VmFd → VcpuFd).
 */
export { Kvm, VmFd, VcpuFd, KvmError, type KvmExit } from "./api.js";
export { ioctl, openDevKvm, closeFd, fdKind, mmapVcpu, supportedCpuid, type FileKind } from "./kvm-main.js";
export { HostMachine, hostMachine, mmap, LOCAL_TIMER_VECTOR, type HostMapping } from "./host/host-machine.js";
export { kvmTrace, KvmTracer, KvmVcpuStats, type KvmTraceEvents, type KvmTraceName } from "./trace.js";
export { checkExtension, supportedCapabilities } from "./capabilities.js";
export * from "./uapi/ioctl.js";
export * from "./uapi/constants.js";
export * from "./uapi/errno.js";
export * from "./uapi/structs.js";
