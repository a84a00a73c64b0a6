// The domain definition: a plain, typed object model of libvirt's virDomainDef (src/conf/domain_conf.h,
// libvirt 9.0) for the parts virtkit implements. Enumerated values are libvirt's XML strings; a
// C "absent/default" value is null. Sizes are KiB like libvirt's internal units. No XML nodes live
// here except the verbatim <metadata> subtree.
//
// A running domain's live state is part of its definition, as in libvirt (vm->def): the id, device
// aliases and pty paths are written into the def by the driver that starts the domain.
import type { XmlElement } from "../util/xml.js";
import type {
  Arch,
  BootDev,
  ChrDeviceType,
  ChrType,
  ControllerType,
  CpuFeaturePolicy,
  CpuMode,
  DiskBus,
  DiskDevice,
  DomainOSType,
  DomainVirtType,
  GraphicsType,
  HypervFeature,
  InputBus,
  InputType,
  KvmFeature,
  LifecycleAction,
  MemballoonModel,
  NetType,
  StorageFileFormat,
  StorageType,
  TimerName,
  VideoType,
} from "./domain-enums.js";
import type { TristateBool, TristateSwitch } from "./virxml-props.js";

// --- device info (address, alias, boot order) ------------------------------------------------

export type DeviceAddress =
  | { type: "pci"; domain: number; bus: number; slot: number; function: number; multifunction: TristateSwitch }
  | { type: "drive"; controller: number; bus: number; target: number; unit: number }
  | { type: "virtio-serial"; controller: number; bus: number; port: number }
  | { type: "ccid"; controller: number; slot: number }
  | { type: "usb"; bus: number; port: number[] }
  | { type: "spapr-vio"; reg: bigint | null }
  | { type: "ccw"; cssid: number; ssid: number; devno: number }
  | { type: "virtio-mmio" }
  | { type: "isa"; iobase: number; irq: number }
  | { type: "dimm"; slot: number; base: bigint }
  | { type: "unassigned" };

export interface DeviceInfo {
  alias: string | null;
  /** <boot order='N'/>, 0 when absent */
  bootIndex: number;
  loadparm: string | null;
  /** <acpi index='N'/>, 0 when absent */
  acpiIndex: number;
  rom: { enabled: TristateBool; bar: TristateSwitch; file: string | null } | null;
  /** <master startport='N'/> of USB companion controllers */
  usbMasterStartport: number | null;
  address: DeviceAddress | null;
}

export interface VirtioOptions {
  iommu: TristateSwitch;
  ats: TristateSwitch;
  packed: TristateSwitch;
  pagePerVq: TristateSwitch;
}

// --- disks --------------------------------------------------------------------------------------

export interface StorageSource {
  type: StorageType;
  /** file=, dev= or dir= depending on type */
  path: string | null;
  fdgroup: string | null;
  format: StorageFileFormat | null;
  /** index='N' of live XML, 0 when unset */
  id: number;
  readonly: boolean;
  shared: boolean;
  /** <metadata_cache><max_size> in bytes, 0 when unset */
  metadataCacheMaxSize: bigint;
  /** null: not described; "terminator": an explicit empty <backingStore/> */
  backingStore: StorageSource | "terminator" | null;
}

export interface DiskDef {
  device: DiskDevice;
  /** null until post-parse picks one from the target name */
  bus: DiskBus | null;
  dst: string | null;
  src: StorageSource;
  model: "virtio" | "virtio-transitional" | "virtio-non-transitional" | null;
  snapshot: "no" | "internal" | "external" | "manual" | null;
  rawio: TristateBool;
  sgio: "filtered" | "unfiltered" | null;
  startupPolicy: "mandatory" | "requisite" | "optional" | null;
  driver: {
    name: string | null;
    cache: "none" | "writethrough" | "writeback" | "directsync" | "unsafe" | null;
    errorPolicy: "stop" | "report" | "ignore" | "enospace" | null;
    rerrorPolicy: "stop" | "report" | "ignore" | "enospace" | null;
    io: "native" | "threads" | "io_uring" | null;
    ioeventfd: TristateSwitch;
    eventIdx: TristateSwitch;
    copyOnRead: TristateSwitch;
    discard: "unmap" | "ignore" | null;
    iothread: number;
    detectZeroes: "off" | "on" | "unmap" | null;
    queues: number;
    queueSize: number;
  };
  virtio: VirtioOptions | null;
  tray: "closed" | "open";
  removable: TristateSwitch;
  rotationRate: number;
  blockio: { logicalBlockSize: number; physicalBlockSize: number };
  transient: boolean;
  transientShareBacking: TristateBool;
  serial: string | null;
  wwn: string | null;
  vendor: string | null;
  product: string | null;
  info: DeviceInfo;
}

// --- controllers ----------------------------------------------------------------------------------

export interface ControllerDef {
  type: ControllerType;
  /** -1 until post-parse assigns the lowest free index */
  idx: number;
  /** model name valid for the type, null for the driver default */
  model: string | null;
  /** ports= of virtio-serial and usb controllers, -1 when unset */
  ports: number;
  /** vectors= of virtio-serial, -1 when unset */
  vectors: number;
  driver: { queues: number; cmdPerLun: number; maxSectors: number; ioeventfd: TristateSwitch; iothread: number };
  virtio: VirtioOptions | null;
  pci: {
    modelName: string | null;
    chassisNr: number;
    chassis: number;
    port: number;
    busNr: number;
    targetIndex: number;
    hotplug: TristateSwitch;
    numaNode: number;
    /** <pcihole64> in KiB, null when absent */
    pcihole64: number | null;
  };
  info: DeviceInfo;
}

// --- network interfaces -----------------------------------------------------------------------------

export interface NetDef {
  type: NetType;
  mac: string;
  /** true when libvirt generated the address (no <mac address=...> given) */
  macGenerated: boolean;
  macType: "generated" | "static" | null;
  macCheck: TristateBool;
  trustGuestRxFilters: TristateBool;
  /** network name (type network), bridge name (type bridge), dev (type direct/user passt) */
  source: { network?: string; portgroup?: string | null; portid?: string | null; bridge?: string; dev?: string | null; mode?: string } | null;
  ifname: string | null;
  managedTap: TristateBool;
  /** a model known to libvirt, or the free-form model string a driver accepts */
  model: string | null;
  driver: {
    name: "qemu" | "vhost" | null;
    txmode: "iothread" | "timer" | null;
    ioeventfd: TristateSwitch;
    eventIdx: TristateSwitch;
    queues: number;
    rxQueueSize: number;
    txQueueSize: number;
    rss: TristateSwitch;
    rssHashReport: TristateSwitch;
  };
  virtio: VirtioOptions | null;
  script: string | null;
  downscript: string | null;
  linkState: "up" | "down" | null;
  mtu: number;
  info: DeviceInfo;
}

// --- character devices -----------------------------------------------------------------------------

export interface ChrSourceDef {
  type: ChrType;
  /** pty (live), dev, file, pipe: path; unix: socket path */
  path: string | null;
  append: TristateSwitch;
  /** tcp/unix: bind (server) or connect */
  listen: boolean;
  host: string | null;
  service: string | null;
  /** udp */
  bindHost: string | null;
  bindService: string | null;
  connectHost: string | null;
  connectService: string | null;
  protocol: "raw" | "telnet" | "telnets" | "tls";
  tls: TristateBool;
  reconnect: { enabled: TristateBool; timeout: number };
  /** spiceport/dbus channel */
  channel: string | null;
  /** nmdm */
  master: string | null;
  slave: string | null;
  spicevmc: "vdagent" | "smartcard" | "usbredir" | null;
  logFile: string | null;
  logAppend: TristateSwitch;
}

export interface ChrDef {
  deviceType: ChrDeviceType;
  /** the target type string for the device type ("none" when unset) */
  targetType: string;
  targetModel: string;
  /** serial/parallel/console port, -1 until assigned */
  targetPort: number;
  /** channel target name (virtio/xen) */
  targetName: string | null;
  /** guestfwd channel target */
  targetAddress: { address: string; port: number } | null;
  /** virtio channel state= (live only) */
  state: "connected" | "disconnected" | null;
  source: ChrSourceDef;
  info: DeviceInfo;
}

// --- input, graphics, video, memballoon, rng ----------------------------------------------------------

export interface InputDef {
  type: InputType;
  bus: InputBus;
  model: "virtio" | "virtio-transitional" | "virtio-non-transitional" | null;
  evdev: string | null;
  grab: "all" | null;
  grabToggle: string | null;
  repeat: TristateSwitch;
  virtio: VirtioOptions | null;
  info: DeviceInfo;
}

export interface GraphicsListenDef {
  type: "none" | "address" | "network" | "socket";
  address: string | null;
  network: string | null;
  socket: string | null;
  /** filled in from qemu.conf / generated by the driver: not written to migratable XML */
  fromConfig: boolean;
  autoGenerated: boolean;
}

export interface GraphicsAuth {
  passwd: string | null;
  /** seconds since the epoch, UTC */
  validTo: number | null;
  connected: "fail" | "disconnect" | "keep" | null;
}

export interface GraphicsDef {
  type: GraphicsType;
  listens: GraphicsListenDef[];
  port: number;
  tlsPort: number;
  autoport: boolean;
  websocket: number;
  websocketGenerated: boolean;
  sharePolicy: "allow-exclusive" | "force-shared" | "ignore" | null;
  powerControl: TristateBool;
  keymap: string | null;
  auth: GraphicsAuth;
  defaultMode: "any" | "secure" | "insecure";
  /** spice <channel name mode>, in libvirt's channel order */
  spiceChannels: Partial<Record<string, "secure" | "insecure">>;
  spiceImage: string | null;
  spiceJpeg: string | null;
  spiceZlib: string | null;
  spicePlayback: TristateSwitch;
  spiceStreaming: string | null;
  spiceCopypaste: TristateBool;
  spiceFiletransfer: TristateBool;
  spiceMouse: "server" | "client" | null;
  gl: TristateBool;
  rendernode: string | null;
  display: string | null;
  xauth: string | null;
  fullscreen: boolean;
  replaceUser: boolean;
  multiUser: boolean;
  dbusAddress: string | null;
  dbusP2p: boolean;
  audioId: number;
}

export type AudioType = "none" | "alsa" | "coreaudio" | "jack" | "oss" | "pulseaudio" | "sdl" | "spice" | "file" | "dbus";

export interface AudioDef {
  id: number;
  type: AudioType;
  /** timerPeriod= in microseconds, 0 when unset */
  timerPeriod: number;
}

export interface VideoDef {
  type: VideoType;
  ram: number;
  vram: number;
  vram64: number;
  vgamem: number;
  heads: number;
  primary: boolean;
  accel: { accel3d: TristateBool; accel2d: TristateBool; rendernode: string | null } | null;
  resolution: { x: number; y: number } | null;
  backend: "qemu" | "vhostuser" | null;
  vgaconf: "io" | "on" | "off" | null;
  virtio: VirtioOptions | null;
  info: DeviceInfo;
}

export interface MemballoonDef {
  model: MemballoonModel;
  autodeflate: TristateSwitch;
  freePageReporting: TristateSwitch;
  /** <stats period='N'/> seconds, 0 when absent */
  period: number;
  virtio: VirtioOptions | null;
  info: DeviceInfo;
}

export interface RngDef {
  model: "virtio" | "virtio-transitional" | "virtio-non-transitional";
  rateBytes: number;
  ratePeriod: number;
  backend: "random" | "egd" | "builtin";
  /** random backend: the host device */
  file: string | null;
  /** egd backend: the character device */
  chardev: ChrSourceDef | null;
  virtio: VirtioOptions | null;
  info: DeviceInfo;
}

// --- CPU, clock, OS, features --------------------------------------------------------------------------

export interface CpuDef {
  mode: CpuMode;
  match: "exact" | "minimum" | "strict";
  check: "none" | "partial" | "full" | null;
  migratable: TristateSwitch;
  model: string | null;
  fallback: "allow" | "forbid";
  vendorId: string | null;
  vendor: string | null;
  topology: { sockets: number; dies: number; cores: number; threads: number } | null;
  features: { name: string; policy: CpuFeaturePolicy }[];
  cache: { level: number; mode: "emulate" | "passthrough" | "disable" } | null;
  maxPhysAddr: { mode: "emulate" | "passthrough"; bits: number } | null;
}

export interface TimerDef {
  name: TimerName;
  present: TristateBool;
  tickpolicy: "delay" | "catchup" | "merge" | "discard" | null;
  track: "boot" | "guest" | "wall" | "realtime" | null;
  frequency: bigint;
  mode: "auto" | "native" | "emulate" | "paravirt" | "smpsafe" | null;
  catchup: { threshold: bigint; slew: bigint; limit: bigint };
}

export interface ClockDef {
  offset: "utc" | "localtime" | "variable" | "timezone" | "absolute";
  /** utc/localtime adjustment='reset' */
  utcReset: boolean;
  /** variable: seconds and basis */
  adjustment: bigint;
  basis: "utc" | "localtime";
  timezone: string | null;
  start: bigint;
  timers: TimerDef[];
}

export interface LoaderDef {
  path: string | null;
  readonly: TristateBool;
  type: "rom" | "pflash" | null;
  secure: TristateBool;
  stateless: TristateBool;
  nvramTemplate: string | null;
  /** legacy <nvram>path</nvram> */
  nvram: string | null;
}

export interface OsDef {
  type: DomainOSType;
  arch: Arch;
  machine: string | null;
  firmware: "bios" | "efi" | null;
  firmwareFeatures: { name: "enrolled-keys" | "secure-boot"; enabled: "yes" | "no" }[] | null;
  loader: LoaderDef | null;
  kernel: string | null;
  initrd: string | null;
  cmdline: string | null;
  dtb: string | null;
  root: string | null;
  slicTable: string | null;
  bootDevs: BootDev[];
  bootmenu: TristateBool;
  bootmenuTimeout: number | null;
  biosUseserial: TristateBool;
  biosRebootTimeout: number | null;
  smbiosMode: "emulate" | "host" | "sysinfo" | null;
}

export interface FeaturesDef {
  /** simple on/off features in libvirt's order; acpi/pae/viridian/privnet are "on" or absent */
  switches: Partial<Record<string, "on" | "off">>;
  apicEoi: TristateSwitch;
  hyperv: {
    mode: "custom" | "passthrough";
    flags: Partial<Record<HypervFeature, "on" | "off">>;
    spinlocksRetries: number;
    stimerDirect: TristateSwitch;
    vendorId: string | null;
  } | null;
  kvm: { flags: Partial<Record<KvmFeature, "on" | "off">>; dirtyRingSize: number } | null;
  xen: { e820host: TristateSwitch; passthrough: TristateSwitch; passthroughMode: "sync_pt" | "share_pt" | null } | null;
  msrsUnknown: "ignore" | "fault" | null;
  /** smm tseg size in bytes when given */
  smmTseg: bigint | null;
  gicVersion: "host" | "2" | "3" | null;
  ioapic: "qemu" | "kvm" | null;
  hpt: { resizing: "enabled" | "disabled" | "required" | null; maxpagesize: bigint } | null;
  cfpc: string | null;
  sbbc: string | null;
  ibs: string | null;
  capabilities: { policy: "default" | "allow" | "deny"; caps: Partial<Record<string, "on" | "off">> } | null;
  /** <tcg><tb-cache> in KiB */
  tcg: { tbCacheKiB: number } | null;
}

export interface NumatuneDef {
  mode: "strict" | "preferred" | "interleave" | "restrictive";
  placement: "static" | "auto";
  nodeset: number[] | null;
}

export interface DomainDef {
  virtType: DomainVirtType;
  /** -1 for an inactive domain; the running domain's id otherwise */
  id: number;
  name: string;
  uuid: string;
  /** set when <genid> was present; the value is generated when the element is empty */
  genid: string | null;
  genidGenerated: boolean;
  title: string | null;
  description: string | null;
  /** <metadata>, kept verbatim (namespaced children only, one per namespace) */
  metadata: XmlElement | null;
  mem: {
    /** <memory> in KiB */
    totalMemory: number;
    /** <currentMemory> in KiB */
    curBalloon: number;
    /** <maxMemory> in KiB, 0 when absent */
    maxMemory: number;
    memorySlots: number;
    dumpCore: TristateSwitch;
  };
  vcpus: {
    max: number;
    current: number;
    placement: "static" | "auto";
    /** cpuset= as a sorted list of host CPUs, null when absent */
    cpuset: number[] | null;
  };
  numatune: NumatuneDef | null;
  os: OsDef;
  features: FeaturesDef;
  cpu: CpuDef | null;
  clock: ClockDef;
  onPoweroff: LifecycleAction;
  onReboot: LifecycleAction;
  onCrash: LifecycleAction;
  onLockFailure: "poweroff" | "restart" | "pause" | "ignore" | null;
  pm: { suspendToMem: TristateBool; suspendToDisk: TristateBool };
  emulator: string | null;
  disks: DiskDef[];
  controllers: ControllerDef[];
  nets: NetDef[];
  serials: ChrDef[];
  parallels: ChrDef[];
  /** consoles[0] may be the compatibility alias of serials[0] (see formatDomainXML) */
  consoles: ChrDef[];
  channels: ChrDef[];
  inputs: InputDef[];
  graphics: GraphicsDef[];
  /** <audio> backends (id, type; backend-specific settings are not modelled) */
  audios: AudioDef[];
  videos: VideoDef[];
  memballoon: MemballoonDef | null;
  rngs: RngDef[];
}
