/**
 * ioctl request numbers of the KVM API (include/uapi/linux/kvm.h, x86-64 layout; Linux asm-generic
 * ioctl.h encoding: dir << 30 | size << 16 | type << 8 | nr, type KVMIO = 0xAE). A number is unique
 * only together with the kind of file it is issued on (0x9F is KVM_GET_PIT2 on a VM and
 * KVM_GET_VCPU_EVENTS on a vCPU), so dispatch uses both.
 */
export const KVMIO = 0xae;
export const _IOC_NONE = 0;
export const _IOC_WRITE = 1;
export const _IOC_READ = 2;

export function _IOC(dir: number, type: number, nr: number, size: number): number {
  return ((dir << 30) | (size << 16) | (type << 8) | nr) >>> 0;
}
export const _IO = (type: number, nr: number): number => _IOC(_IOC_NONE, type, nr, 0);
export const _IOR = (type: number, nr: number, size: number): number => _IOC(_IOC_READ, type, nr, size);
export const _IOW = (type: number, nr: number, size: number): number => _IOC(_IOC_WRITE, type, nr, size);
export const _IOWR = (type: number, nr: number, size: number): number => _IOC(_IOC_READ | _IOC_WRITE, type, nr, size);

export const _IOC_NR = (req: number): number => req & 0xff;
export const _IOC_TYPE = (req: number): number => (req >>> 8) & 0xff;
export const _IOC_SIZE = (req: number): number => (req >>> 16) & 0x3fff;
export const _IOC_DIR = (req: number): number => req >>> 30;

// System ioctls (on the /dev/kvm fd).
export const KVM_GET_API_VERSION = _IO(KVMIO, 0x00);
export const KVM_CREATE_VM = _IO(KVMIO, 0x01);
export const KVM_GET_MSR_INDEX_LIST = _IOWR(KVMIO, 0x02, 4);
export const KVM_CHECK_EXTENSION = _IO(KVMIO, 0x03);
export const KVM_GET_VCPU_MMAP_SIZE = _IO(KVMIO, 0x04);
export const KVM_GET_SUPPORTED_CPUID = _IOWR(KVMIO, 0x05, 8);
export const KVM_GET_EMULATED_CPUID = _IOWR(KVMIO, 0x09, 8);
export const KVM_GET_MSR_FEATURE_INDEX_LIST = _IOWR(KVMIO, 0x0a, 4);

// VM ioctls.
export const KVM_CREATE_VCPU = _IO(KVMIO, 0x41);
export const KVM_GET_DIRTY_LOG = _IOW(KVMIO, 0x42, 16);
export const KVM_SET_USER_MEMORY_REGION = _IOW(KVMIO, 0x46, 32);
export const KVM_SET_TSS_ADDR = _IO(KVMIO, 0x47);
export const KVM_SET_IDENTITY_MAP_ADDR = _IOW(KVMIO, 0x48, 8);
export const KVM_SET_USER_MEMORY_REGION2 = _IOW(KVMIO, 0x49, 160);
export const KVM_CREATE_IRQCHIP = _IO(KVMIO, 0x60);
export const KVM_IRQ_LINE = _IOW(KVMIO, 0x61, 8);
export const KVM_GET_IRQCHIP = _IOWR(KVMIO, 0x62, 520);
/** Historically encoded _IOR although userspace writes the state (kernel header quirk kept). */
export const KVM_SET_IRQCHIP = _IOR(KVMIO, 0x63, 520);
export const KVM_IRQ_LINE_STATUS = _IOWR(KVMIO, 0x67, 8);
export const KVM_REGISTER_COALESCED_MMIO = _IOW(KVMIO, 0x67, 16);
export const KVM_UNREGISTER_COALESCED_MMIO = _IOW(KVMIO, 0x68, 16);
export const KVM_SET_GSI_ROUTING = _IOW(KVMIO, 0x6a, 8);
export const KVM_IRQFD = _IOW(KVMIO, 0x76, 32);
export const KVM_CREATE_PIT2 = _IOW(KVMIO, 0x77, 64);
export const KVM_IOEVENTFD = _IOW(KVMIO, 0x79, 64);
export const KVM_SET_CLOCK = _IOW(KVMIO, 0x7b, 48);
export const KVM_GET_CLOCK = _IOR(KVMIO, 0x7c, 48);
export const KVM_GET_PIT2 = _IOR(KVMIO, 0x9f, 112);
export const KVM_SET_PIT2 = _IOW(KVMIO, 0xa0, 112);
export const KVM_ENABLE_CAP = _IOW(KVMIO, 0xa3, 104);
export const KVM_SIGNAL_MSI = _IOW(KVMIO, 0xa5, 32);
export const KVM_CLEAR_DIRTY_LOG = _IOWR(KVMIO, 0xc0, 24);
export const KVM_CREATE_DEVICE = _IOWR(KVMIO, 0xe0, 12);

// vCPU ioctls.
export const KVM_RUN = _IO(KVMIO, 0x80);
export const KVM_GET_REGS = _IOR(KVMIO, 0x81, 144);
export const KVM_SET_REGS = _IOW(KVMIO, 0x82, 144);
export const KVM_GET_SREGS = _IOR(KVMIO, 0x83, 312);
export const KVM_SET_SREGS = _IOW(KVMIO, 0x84, 312);
export const KVM_TRANSLATE = _IOWR(KVMIO, 0x85, 24);
export const KVM_INTERRUPT = _IOW(KVMIO, 0x86, 4);
export const KVM_GET_MSRS = _IOWR(KVMIO, 0x88, 8);
export const KVM_SET_MSRS = _IOW(KVMIO, 0x89, 8);
export const KVM_SET_SIGNAL_MASK = _IOW(KVMIO, 0x8b, 4);
export const KVM_GET_FPU = _IOR(KVMIO, 0x8c, 416);
export const KVM_SET_FPU = _IOW(KVMIO, 0x8d, 416);
export const KVM_GET_LAPIC = _IOR(KVMIO, 0x8e, 1024);
export const KVM_SET_LAPIC = _IOW(KVMIO, 0x8f, 1024);
export const KVM_SET_CPUID2 = _IOW(KVMIO, 0x90, 8);
export const KVM_GET_CPUID2 = _IOWR(KVMIO, 0x91, 8);
export const KVM_GET_MP_STATE = _IOR(KVMIO, 0x98, 4);
export const KVM_SET_MP_STATE = _IOW(KVMIO, 0x99, 4);
export const KVM_NMI = _IO(KVMIO, 0x9a);
export const KVM_SET_GUEST_DEBUG = _IOW(KVMIO, 0x9b, 72);
export const KVM_GET_VCPU_EVENTS = _IOR(KVMIO, 0x9f, 64);
export const KVM_SET_VCPU_EVENTS = _IOW(KVMIO, 0xa0, 64);
export const KVM_GET_DEBUGREGS = _IOR(KVMIO, 0xa1, 128);
export const KVM_SET_DEBUGREGS = _IOW(KVMIO, 0xa2, 128);
export const KVM_SET_TSC_KHZ = _IO(KVMIO, 0xa2);
export const KVM_GET_TSC_KHZ = _IO(KVMIO, 0xa3);
export const KVM_GET_XSAVE = _IOR(KVMIO, 0xa4, 4096);
export const KVM_SET_XSAVE = _IOW(KVMIO, 0xa5, 4096);
export const KVM_GET_XCRS = _IOR(KVMIO, 0xa6, 392);
export const KVM_SET_XCRS = _IOW(KVMIO, 0xa7, 392);
/** Historically encoded _IOW although the value comes back through the pointer in the struct. */
export const KVM_GET_ONE_REG = _IOW(KVMIO, 0xab, 16);
export const KVM_SET_ONE_REG = _IOW(KVMIO, 0xac, 16);
export const KVM_KVMCLOCK_CTRL = _IO(KVMIO, 0xad);
export const KVM_SMI = _IO(KVMIO, 0xb7);
export const KVM_GET_SREGS2 = _IOR(KVMIO, 0xcc, 320);
export const KVM_SET_SREGS2 = _IOW(KVMIO, 0xcd, 320);

/** Names by fd kind for tracing ("sys", "vm", "vcpu" → number → name). */
export const IOCTL_NAMES: Readonly<Record<"sys" | "vm" | "vcpu", Readonly<Record<number, string>>>> = {
  sys: {
    [KVM_GET_API_VERSION]: "KVM_GET_API_VERSION", [KVM_CREATE_VM]: "KVM_CREATE_VM",
    [KVM_GET_MSR_INDEX_LIST]: "KVM_GET_MSR_INDEX_LIST", [KVM_CHECK_EXTENSION]: "KVM_CHECK_EXTENSION",
    [KVM_GET_VCPU_MMAP_SIZE]: "KVM_GET_VCPU_MMAP_SIZE", [KVM_GET_SUPPORTED_CPUID]: "KVM_GET_SUPPORTED_CPUID",
  },
  vm: {
    [KVM_CREATE_VCPU]: "KVM_CREATE_VCPU", [KVM_SET_USER_MEMORY_REGION]: "KVM_SET_USER_MEMORY_REGION",
    [KVM_CHECK_EXTENSION]: "KVM_CHECK_EXTENSION", [KVM_SET_TSS_ADDR]: "KVM_SET_TSS_ADDR",
    [KVM_SET_IDENTITY_MAP_ADDR]: "KVM_SET_IDENTITY_MAP_ADDR", [KVM_GET_DIRTY_LOG]: "KVM_GET_DIRTY_LOG",
    [KVM_CREATE_IRQCHIP]: "KVM_CREATE_IRQCHIP", [KVM_IRQ_LINE]: "KVM_IRQ_LINE", [KVM_IRQ_LINE_STATUS]: "KVM_IRQ_LINE_STATUS",
    [KVM_GET_IRQCHIP]: "KVM_GET_IRQCHIP", [KVM_SET_IRQCHIP]: "KVM_SET_IRQCHIP", [KVM_SET_GSI_ROUTING]: "KVM_SET_GSI_ROUTING",
    [KVM_SIGNAL_MSI]: "KVM_SIGNAL_MSI", [KVM_CREATE_PIT2]: "KVM_CREATE_PIT2", [KVM_GET_PIT2]: "KVM_GET_PIT2",
    [KVM_SET_PIT2]: "KVM_SET_PIT2", [KVM_IRQFD]: "KVM_IRQFD", [KVM_IOEVENTFD]: "KVM_IOEVENTFD", [KVM_GET_CLOCK]: "KVM_GET_CLOCK",
    [KVM_SET_CLOCK]: "KVM_SET_CLOCK", [KVM_CLEAR_DIRTY_LOG]: "KVM_CLEAR_DIRTY_LOG", [KVM_ENABLE_CAP]: "KVM_ENABLE_CAP",
  },
  vcpu: {
    [KVM_RUN]: "KVM_RUN", [KVM_GET_REGS]: "KVM_GET_REGS", [KVM_SET_REGS]: "KVM_SET_REGS",
    [KVM_GET_SREGS]: "KVM_GET_SREGS", [KVM_SET_SREGS]: "KVM_SET_SREGS", [KVM_SET_CPUID2]: "KVM_SET_CPUID2",
    [KVM_GET_CPUID2]: "KVM_GET_CPUID2", [KVM_GET_MSRS]: "KVM_GET_MSRS", [KVM_SET_MSRS]: "KVM_SET_MSRS",
    [KVM_INTERRUPT]: "KVM_INTERRUPT", [KVM_NMI]: "KVM_NMI", [KVM_GET_LAPIC]: "KVM_GET_LAPIC", [KVM_SET_LAPIC]: "KVM_SET_LAPIC",
    [KVM_GET_MP_STATE]: "KVM_GET_MP_STATE", [KVM_SET_MP_STATE]: "KVM_SET_MP_STATE", [KVM_GET_VCPU_EVENTS]: "KVM_GET_VCPU_EVENTS",
    [KVM_SET_VCPU_EVENTS]: "KVM_SET_VCPU_EVENTS", [KVM_GET_DEBUGREGS]: "KVM_GET_DEBUGREGS", [KVM_SET_DEBUGREGS]: "KVM_SET_DEBUGREGS",
    [KVM_SET_GUEST_DEBUG]: "KVM_SET_GUEST_DEBUG", [KVM_GET_FPU]: "KVM_GET_FPU", [KVM_SET_FPU]: "KVM_SET_FPU",
    [KVM_SET_SIGNAL_MASK]: "KVM_SET_SIGNAL_MASK", [KVM_SET_TSC_KHZ]: "KVM_SET_TSC_KHZ", [KVM_GET_TSC_KHZ]: "KVM_GET_TSC_KHZ",
  },
};
