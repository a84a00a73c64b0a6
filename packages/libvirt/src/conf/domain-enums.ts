// String tables of libvirt 9.0 (VIR_ENUM_IMPL in src/conf/domain_conf.c, cpu_conf.c,
// device_conf.c, storage_source_conf.c, src/util/virarch.c). The order is libvirt's: where the
// XML output iterates over an enum (features, hyperv flags, timers), it follows these arrays.
// Entry 0 of tables marked "index 0 = absent" is the C default value and never valid in XML where
// libvirt parses with VIR_XML_PROP_NONZERO.

export const VIR_DOMAIN_VIRT = [
  "none", "qemu", "kqemu", "kvm", "xen", "lxc", "uml", "openvz", "test", "vmware", "hyperv", "vbox",
  "phyp", "parallels", "bhyve", "vz", "hvf",
] as const;
export type DomainVirtType = (typeof VIR_DOMAIN_VIRT)[number];

export const VIR_DOMAIN_OSTYPE = ["hvm", "xen", "linux", "exe", "uml", "xenpvh"] as const;
export type DomainOSType = (typeof VIR_DOMAIN_OSTYPE)[number];

/** virArch names (src/util/virarch.c), index 0 = none */
export const VIR_ARCH = [
  "none", "alpha", "armv6l", "armv7l", "armv7b", "aarch64", "cris", "i686", "ia64", "lm32",
  "m68k", "microblaze", "microblazeel", "mips", "mipsel", "mips64", "mips64el", "openrisc", "parisc",
  "parisc64", "ppc", "ppcle", "ppc64", "ppc64le", "ppcemb", "riscv32", "riscv64", "s390", "s390x", "sh4",
  "sh4eb", "sparc", "sparc64", "unicore32", "x86_64", "xtensa", "xtensaeb",
] as const;
export type Arch = Exclude<(typeof VIR_ARCH)[number], "none">;

export const VIR_DOMAIN_BOOT = ["fd", "cdrom", "hd", "network"] as const;
export type BootDev = (typeof VIR_DOMAIN_BOOT)[number];

export const VIR_DOMAIN_FEATURE = [
  "acpi", "apic", "pae", "hap", "viridian", "privnet", "hyperv", "kvm", "pvspinlock", "capabilities", "pmu",
  "vmport", "gic", "smm", "ioapic", "hpt", "vmcoreinfo", "htm", "nested-hv", "msrs", "ccf-assist", "xen",
  "cfpc", "sbbc", "ibs", "tcg",
] as const;
export type DomainFeature = (typeof VIR_DOMAIN_FEATURE)[number];

export const VIR_DOMAIN_HYPERV_MODE = ["none", "custom", "passthrough"] as const;
export const VIR_DOMAIN_HYPERV = [
  "relaxed", "vapic", "spinlocks", "vpindex", "runtime", "synic", "stimer", "reset", "vendor_id",
  "frequencies", "reenlightenment", "tlbflush", "ipi", "evmcs", "avic",
] as const;
export type HypervFeature = (typeof VIR_DOMAIN_HYPERV)[number];
export const VIR_DOMAIN_KVM = ["hidden", "hint-dedicated", "poll-control", "pv-ipi", "dirty-ring"] as const;
export type KvmFeature = (typeof VIR_DOMAIN_KVM)[number];
export const VIR_DOMAIN_XEN = ["e820_host", "passthrough"] as const;
export const VIR_DOMAIN_XEN_PASSTHROUGH_MODE = ["default", "sync_pt", "share_pt"] as const;
export const VIR_DOMAIN_MSRS_UNKNOWN = ["ignore", "fault"] as const;
export const VIR_DOMAIN_IOAPIC = ["none", "qemu", "kvm"] as const;
export const VIR_DOMAIN_HPT_RESIZING = ["none", "enabled", "disabled", "required"] as const;
export const VIR_DOMAIN_CFPC = ["none", "broken", "workaround", "fixed"] as const;
export const VIR_DOMAIN_SBBC = ["none", "broken", "workaround", "fixed"] as const;
export const VIR_DOMAIN_IBS = ["none", "broken", "workaround", "fixed-ibs", "fixed-ccd", "fixed-na"] as const;
export const VIR_GIC_VERSION = ["none", "host", "2", "3"] as const;
export const VIR_DOMAIN_CAPABILITIES_POLICY = ["default", "allow", "deny"] as const;
export const VIR_DOMAIN_PROCES_CAPS_FEATURE = [
  "audit_control", "audit_write", "block_suspend", "chown", "dac_override", "dac_read_search", "fowner",
  "fsetid", "ipc_lock", "ipc_owner", "kill", "lease", "linux_immutable", "mac_admin", "mac_override", "mknod",
  "net_admin", "net_bind_service", "net_broadcast", "net_raw", "setgid", "setfcap", "setpcap", "setuid",
  "sys_admin", "sys_boot", "sys_chroot", "sys_module", "sys_nice", "sys_pacct", "sys_ptrace", "sys_rawio",
  "sys_resource", "sys_time", "sys_tty_config", "syslog", "wake_alarm",
] as const;

export const VIR_DOMAIN_LIFECYCLE_ACTION = [
  "destroy", "restart", "rename-restart", "preserve", "coredump-destroy", "coredump-restart",
] as const;
export type LifecycleAction = (typeof VIR_DOMAIN_LIFECYCLE_ACTION)[number];
export const VIR_DOMAIN_LOCK_FAILURE = ["default", "poweroff", "restart", "pause", "ignore"] as const;

export const VIR_DOMAIN_CPU_PLACEMENT_MODE = ["static", "auto"] as const;
export const VIR_DOMAIN_LOADER = ["none", "rom", "pflash"] as const;
export const VIR_DOMAIN_OS_DEF_FIRMWARE = ["none", "bios", "efi"] as const;
export const VIR_DOMAIN_OS_DEF_FIRMWARE_FEATURE = ["enrolled-keys", "secure-boot"] as const;
export const VIR_DOMAIN_SMBIOS = ["none", "emulate", "host", "sysinfo"] as const;

export const VIR_DOMAIN_CLOCK_OFFSET = ["utc", "localtime", "variable", "timezone", "absolute"] as const;
export const VIR_DOMAIN_CLOCK_BASIS = ["utc", "localtime"] as const;
export const VIR_DOMAIN_TIMER_NAME = ["platform", "pit", "rtc", "hpet", "tsc", "kvmclock", "hypervclock", "armvtimer"] as const;
export type TimerName = (typeof VIR_DOMAIN_TIMER_NAME)[number];
export const VIR_DOMAIN_TIMER_TRACK = ["none", "boot", "guest", "wall", "realtime"] as const;
export const VIR_DOMAIN_TIMER_TICKPOLICY = ["none", "delay", "catchup", "merge", "discard"] as const;
export const VIR_DOMAIN_TIMER_MODE = ["none", "auto", "native", "emulate", "paravirt", "smpsafe"] as const;

/** cpu_conf.c */
export const VIR_CPU_MODE = ["custom", "host-model", "host-passthrough", "maximum"] as const;
export type CpuMode = (typeof VIR_CPU_MODE)[number];
export const VIR_CPU_MATCH = ["exact", "minimum", "strict"] as const;
export const VIR_CPU_CHECK = ["default", "none", "partial", "full"] as const;
export const VIR_CPU_FALLBACK = ["allow", "forbid"] as const;
export const VIR_CPU_FEATURE_POLICY = ["force", "require", "optional", "disable", "forbid"] as const;
export type CpuFeaturePolicy = (typeof VIR_CPU_FEATURE_POLICY)[number];
export const VIR_CPU_CACHE_MODE = ["emulate", "passthrough", "disable"] as const;
export const VIR_CPU_MAX_PHYS_ADDR_MODE = ["emulate", "passthrough"] as const;

/** device_conf.c */
export const VIR_DOMAIN_DEVICE_ADDRESS_TYPE = [
  "none", "pci", "drive", "virtio-serial", "ccid", "usb", "spapr-vio", "virtio-s390", "ccw", "virtio-mmio",
  "isa", "dimm", "unassigned",
] as const;
export type DeviceAddressType = (typeof VIR_DOMAIN_DEVICE_ADDRESS_TYPE)[number];

/** storage_source_conf.c: virStorageType (index 0 = none) */
export const VIR_STORAGE_TYPE = ["none", "file", "block", "dir", "network", "volume", "nvme", "vhostuser"] as const;
export type StorageType = Exclude<(typeof VIR_STORAGE_TYPE)[number], "none">;
/** virStorageFileFormat (index 0 = none, 1 = raw, 2 = dir, then the probable formats) */
export const VIR_STORAGE_FILE_FORMAT = [
  "none", "raw", "dir", "bochs", "cloop", "dmg", "iso", "vpc", "vdi", "fat", "vhd", "ploop", "cow", "qcow",
  "qcow2", "qed", "vmdk",
] as const;
export type StorageFileFormat = Exclude<(typeof VIR_STORAGE_FILE_FORMAT)[number], "none">;

export const VIR_DOMAIN_DISK_DEVICE = ["disk", "cdrom", "floppy", "lun"] as const;
export type DiskDevice = (typeof VIR_DOMAIN_DISK_DEVICE)[number];
export const VIR_DOMAIN_DISK_BUS = ["none", "ide", "fdc", "scsi", "virtio", "xen", "usb", "uml", "sata", "sd"] as const;
export type DiskBus = Exclude<(typeof VIR_DOMAIN_DISK_BUS)[number], "none">;
export const VIR_DOMAIN_DISK_CACHE = ["default", "none", "writethrough", "writeback", "directsync", "unsafe"] as const;
export const VIR_DOMAIN_DISK_ERROR_POLICY = ["default", "stop", "report", "ignore", "enospace"] as const;
export const VIR_DOMAIN_DISK_IO = ["default", "native", "threads", "io_uring"] as const;
export const VIR_DOMAIN_DISK_DISCARD = ["default", "unmap", "ignore"] as const;
export const VIR_DOMAIN_DISK_DETECT_ZEROES = ["default", "off", "on", "unmap"] as const;
export const VIR_DOMAIN_DISK_MODEL = ["default", "virtio", "virtio-transitional", "virtio-non-transitional"] as const;
export const VIR_DOMAIN_DISK_TRAY = ["closed", "open"] as const;
export const VIR_DOMAIN_DEVICE_SGIO = ["default", "filtered", "unfiltered"] as const;
export const VIR_DOMAIN_STARTUP_POLICY = ["default", "mandatory", "requisite", "optional"] as const;
export const VIR_DOMAIN_SNAPSHOT_LOCATION = ["default", "no", "internal", "external", "manual"] as const;

export const VIR_DOMAIN_CONTROLLER = ["ide", "fdc", "scsi", "sata", "virtio-serial", "ccid", "usb", "pci", "xenbus", "isa"] as const;
export type ControllerType = (typeof VIR_DOMAIN_CONTROLLER)[number];
export const VIR_DOMAIN_CONTROLLER_MODEL_PCI = [
  "pci-root", "pcie-root", "pci-bridge", "dmi-to-pci-bridge", "pcie-to-pci-bridge", "pcie-root-port",
  "pcie-switch-upstream-port", "pcie-switch-downstream-port", "pci-expander-bus", "pcie-expander-bus",
] as const;
export const VIR_DOMAIN_CONTROLLER_PCI_MODEL_NAME = [
  "none", "pci-bridge", "i82801b11-bridge", "ioh3420", "x3130-upstream", "xio3130-downstream", "pxb",
  "pxb-pcie", "pcie-root-port", "spapr-pci-host-bridge", "pcie-pci-bridge",
] as const;
export const VIR_DOMAIN_CONTROLLER_MODEL_SCSI = [
  "auto", "buslogic", "lsilogic", "lsisas1068", "vmpvscsi", "ibmvscsi", "virtio-scsi", "lsisas1078",
  "virtio-transitional", "virtio-non-transitional", "ncr53c90", "dc390", "am53c974",
] as const;
export const VIR_DOMAIN_CONTROLLER_MODEL_USB = [
  "piix3-uhci", "piix4-uhci", "ehci", "ich9-ehci1", "ich9-uhci1", "ich9-uhci2", "ich9-uhci3", "vt82c686b-uhci",
  "pci-ohci", "nec-xhci", "qusb1", "qusb2", "qemu-xhci", "none",
] as const;
export const VIR_DOMAIN_CONTROLLER_MODEL_IDE = ["piix3", "piix4", "ich6"] as const;
export const VIR_DOMAIN_CONTROLLER_MODEL_VIRTIO_SERIAL = ["virtio", "virtio-transitional", "virtio-non-transitional"] as const;
/** model names per controller type (virDomainControllerModelTypeFromString) */
export const CONTROLLER_MODELS: Readonly<Record<ControllerType, readonly string[]>> = {
  ide: VIR_DOMAIN_CONTROLLER_MODEL_IDE,
  fdc: [],
  scsi: VIR_DOMAIN_CONTROLLER_MODEL_SCSI,
  sata: [],
  "virtio-serial": VIR_DOMAIN_CONTROLLER_MODEL_VIRTIO_SERIAL,
  ccid: [],
  usb: VIR_DOMAIN_CONTROLLER_MODEL_USB,
  pci: VIR_DOMAIN_CONTROLLER_MODEL_PCI,
  xenbus: [],
  isa: [],
};

export const VIR_DOMAIN_NET = [
  "user", "ethernet", "vhostuser", "server", "client", "mcast", "network", "bridge", "internal", "direct",
  "hostdev", "udp", "vdpa", "null", "vds",
] as const;
export type NetType = (typeof VIR_DOMAIN_NET)[number];
/** virDomainNetModel (index 0 = unknown; matched case-insensitively) */
export const VIR_DOMAIN_NET_MODEL = [
  "unknown", "netfront", "rtl8139", "virtio", "e1000", "e1000e", "virtio-transitional", "virtio-non-transitional",
  "usb-net", "spapr-vlan", "lan9118", "scm91c111", "vlance", "vmxnet", "vmxnet2", "vmxnet3", "Am79C970A",
  "Am79C973", "82540EM", "82545EM", "82543GC",
] as const;
export const VIR_DOMAIN_NET_DRIVER = ["default", "qemu", "vhost"] as const;
export const VIR_DOMAIN_NET_VIRTIO_TX_MODE = ["default", "iothread", "timer"] as const;
export const VIR_DOMAIN_NET_INTERFACE_LINK_STATE = ["default", "up", "down"] as const;
export const VIR_DOMAIN_NET_MAC_TYPE = ["", "generated", "static"] as const;

export const VIR_DOMAIN_CHR_DEVICE = ["parallel", "serial", "console", "channel"] as const;
export type ChrDeviceType = (typeof VIR_DOMAIN_CHR_DEVICE)[number];
export const VIR_DOMAIN_CHR = [
  "null", "vc", "pty", "dev", "file", "pipe", "stdio", "udp", "tcp", "unix", "spicevmc", "spiceport", "nmdm",
  "qemu-vdagent", "dbus",
] as const;
export type ChrType = (typeof VIR_DOMAIN_CHR)[number];
export const VIR_DOMAIN_CHR_SERIAL_TARGET = [
  "none", "isa-serial", "usb-serial", "pci-serial", "spapr-vio-serial", "system-serial", "sclp-serial", "isa-debug",
] as const;
export const VIR_DOMAIN_CHR_CHANNEL_TARGET = ["none", "guestfwd", "virtio", "xen"] as const;
export const VIR_DOMAIN_CHR_CONSOLE_TARGET = ["none", "serial", "xen", "uml", "virtio", "lxc", "openvz", "sclp", "sclplm"] as const;
export const VIR_DOMAIN_CHR_SERIAL_TARGET_MODEL = [
  "none", "isa-serial", "usb-serial", "pci-serial", "spapr-vty", "pl011", "sclpconsole", "sclplmconsole",
  "16550a", "isa-debugcon",
] as const;
export const VIR_DOMAIN_CHR_TCP_PROTOCOL = ["raw", "telnet", "telnets", "tls"] as const;
export const VIR_DOMAIN_CHR_DEVICE_STATE = ["default", "connected", "disconnected"] as const;
export const VIR_DOMAIN_CHR_SPICEVMC = ["vdagent", "smartcard", "usbredir"] as const;
export const VIR_DOMAIN_MOUSE_MODE = ["default", "server", "client"] as const;

export const VIR_DOMAIN_INPUT = ["mouse", "tablet", "keyboard", "passthrough", "evdev"] as const;
export type InputType = (typeof VIR_DOMAIN_INPUT)[number];
export const VIR_DOMAIN_INPUT_BUS = ["ps2", "usb", "xen", "parallels", "virtio", "none"] as const;
export type InputBus = (typeof VIR_DOMAIN_INPUT_BUS)[number];
export const VIR_DOMAIN_INPUT_MODEL = ["default", "virtio", "virtio-transitional", "virtio-non-transitional"] as const;

export const VIR_DOMAIN_GRAPHICS = ["sdl", "vnc", "rdp", "desktop", "spice", "egl-headless", "dbus"] as const;
export type GraphicsType = (typeof VIR_DOMAIN_GRAPHICS)[number];
export const VIR_DOMAIN_GRAPHICS_LISTEN = ["none", "address", "network", "socket"] as const;
export const VIR_DOMAIN_GRAPHICS_AUTH_CONNECTED = ["default", "fail", "disconnect", "keep"] as const;
export const VIR_DOMAIN_GRAPHICS_VNC_SHARE = ["default", "allow-exclusive", "force-shared", "ignore"] as const;

export const VIR_DOMAIN_VIDEO = [
  "default", "vga", "cirrus", "vmvga", "xen", "vbox", "qxl", "parallels", "virtio", "gop", "none", "bochs", "ramfb",
] as const;
export type VideoType = (typeof VIR_DOMAIN_VIDEO)[number];
export const VIR_DOMAIN_VIDEO_BACKEND = ["default", "qemu", "vhostuser"] as const;
export const VIR_DOMAIN_VIDEO_VGACONF = ["io", "on", "off"] as const;

export const VIR_DOMAIN_MEMBALLOON_MODEL = ["virtio", "xen", "none", "virtio-transitional", "virtio-non-transitional"] as const;
export type MemballoonModel = (typeof VIR_DOMAIN_MEMBALLOON_MODEL)[number];
export const VIR_DOMAIN_RNG_MODEL = ["virtio", "virtio-transitional", "virtio-non-transitional"] as const;
export const VIR_DOMAIN_RNG_BACKEND = ["random", "egd", "builtin"] as const;

export const VIR_DOMAIN_NUMATUNE_MEM_MODE = ["strict", "preferred", "interleave", "restrictive"] as const;
export const VIR_DOMAIN_NUMATUNE_PLACEMENT = ["default", "static", "auto"] as const;

/** virTristate* index 0 means absent */
export function enumIndex(table: readonly string[], value: string): number {
  return table.indexOf(value);
}
