/**
 * @virtkit/kvm — the kvm kernel module behind the real KVM API, running on the @virtkit/cpu processor's
 * VMX. Use the raw `ioctl(fd, request, arg)` exactly as C code uses /dev/kvm, or the typed wrappers
 * (Kvm → VmFd → VcpuFd).
 */
export { Kvm, VmFd, VcpuFd, KvmError, type KvmExit } from "./api.js";
export { ioctl, openDevKvm, closeFd, fdKind, mmapVcpu, supportedCpuid, eventfd, eventfdRead, eventfdWrite, eventfdObject, type FileKind } from "./kvm-main.js";
export { EventFd, EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC, type EventFdListener } from "./eventfd.js";
export { KvmIoBus, type KvmIoDevice, type KvmIoRange } from "./io-bus.js";
export { KvmVmStats } from "./trace.js";
export {
  KVM_IRQCHIP_SIZE, KVM_IRQCHIP_CHIP_OFFSET, KVM_PIT_CONFIG_SIZE, KVM_LAPIC_STATE_SIZE, KVM_IRQFD_SIZE, KVM_IOEVENTFD_SIZE, KVM_MSI_SIZE,
  KVM_CLOCK_DATA_SIZE, KVM_CLEAR_DIRTY_LOG_SIZE, KVM_ENABLE_CAP_SIZE, KVM_VCPU_EVENTS_OFFSETS, KVM_DEBUGREGS_SIZE,
  KVM_RUN_DEBUG_OFFSETS, KVM_FPU_OFFSETS, KVM_SIGSET_SIZE,
} from "./uapi/irqchip-abi.js";
export { KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE, KVM_IRQCHIP_IOAPIC, KVM_IRQ_ROUTING_IRQCHIP, KVM_IRQ_ROUTING_MSI, KVM_MAX_IRQ_ROUTES } from "./irqchip/irq-routing.js";
export { KVM_SET_BOOT_CPU_ID } from "./irqchip-ioctls.js";
export { HostMachine, hostMachine, mmap, LOCAL_TIMER_VECTOR, HOST_TSC_KHZ, type HostMapping } from "./host/host-machine.js";
export { ExitReasonCounts, kvmTrace, KvmTracer, KvmVcpuStats, type KvmTraceEvents, type KvmTraceName } from "./trace.js";
export { checkExtension, supportedCapabilities } from "./capabilities.js";
export * from "./uapi/ioctl.js";
export * from "./uapi/constants.js";
export * from "./uapi/errno.js";
export * from "./uapi/structs.js";
