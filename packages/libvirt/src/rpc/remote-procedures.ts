// Procedure numbers of libvirt 9.0 (src/remote/remote_protocol.x, qemu_protocol.x, lxc_protocol.x,
// virkeepaliveprotocol.x), tabulated from the reference libvirt-remote-procedures-9.0.tsv;
// remote-procedures.test.ts checks every entry against that file.

export const LXC_PROGRAM = 0x00068000;
export const ADMIN_PROGRAM = 0x06900690;
export const REMOTE_PROGRAM = 0x20008086;
export const QEMU_PROGRAM = 0x20008087;
export const KEEPALIVE_PROGRAM = 0x6b656570;
export const REMOTE_PROTOCOL_VERSION = 1;
export const QEMU_PROTOCOL_VERSION = 1;
export const LXC_PROTOCOL_VERSION = 1;
export const KEEPALIVE_PROTOCOL_VERSION = 1;

export const LXC_PROC_DOMAIN_OPEN_NAMESPACE = 1;
export const REMOTE_PROC_CONNECT_OPEN = 1;
export const REMOTE_PROC_CONNECT_CLOSE = 2;
export const REMOTE_PROC_CONNECT_GET_TYPE = 3;
export const REMOTE_PROC_CONNECT_GET_VERSION = 4;
export const REMOTE_PROC_CONNECT_GET_MAX_VCPUS = 5;
export const REMOTE_PROC_NODE_GET_INFO = 6;
export const REMOTE_PROC_CONNECT_GET_CAPABILITIES = 7;
export const REMOTE_PROC_DOMAIN_ATTACH_DEVICE = 8;
export const REMOTE_PROC_DOMAIN_CREATE = 9;
export const REMOTE_PROC_DOMAIN_CREATE_XML = 10;
export const REMOTE_PROC_DOMAIN_DEFINE_XML = 11;
export const REMOTE_PROC_DOMAIN_DESTROY = 12;
export const REMOTE_PROC_DOMAIN_DETACH_DEVICE = 13;
export const REMOTE_PROC_DOMAIN_GET_XML_DESC = 14;
export const REMOTE_PROC_DOMAIN_GET_AUTOSTART = 15;
export const REMOTE_PROC_DOMAIN_GET_INFO = 16;
export const REMOTE_PROC_DOMAIN_GET_MAX_MEMORY = 17;
export const REMOTE_PROC_DOMAIN_GET_MAX_VCPUS = 18;
export const REMOTE_PROC_DOMAIN_GET_OS_TYPE = 19;
export const REMOTE_PROC_DOMAIN_GET_VCPUS = 20;
export const REMOTE_PROC_CONNECT_LIST_DEFINED_DOMAINS = 21;
export const REMOTE_PROC_DOMAIN_LOOKUP_BY_ID = 22;
export const REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME = 23;
export const REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID = 24;
export const REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS = 25;
export const REMOTE_PROC_DOMAIN_PIN_VCPU = 26;
export const REMOTE_PROC_DOMAIN_REBOOT = 27;
export const REMOTE_PROC_DOMAIN_RESUME = 28;
export const REMOTE_PROC_DOMAIN_SET_AUTOSTART = 29;
export const REMOTE_PROC_DOMAIN_SET_MAX_MEMORY = 30;
export const REMOTE_PROC_DOMAIN_SET_MEMORY = 31;
export const REMOTE_PROC_DOMAIN_SET_VCPUS = 32;
export const REMOTE_PROC_DOMAIN_SHUTDOWN = 33;
export const REMOTE_PROC_DOMAIN_SUSPEND = 34;
export const REMOTE_PROC_DOMAIN_UNDEFINE = 35;
export const REMOTE_PROC_CONNECT_LIST_DEFINED_NETWORKS = 36;
export const REMOTE_PROC_CONNECT_LIST_DOMAINS = 37;
export const REMOTE_PROC_CONNECT_LIST_NETWORKS = 38;
export const REMOTE_PROC_NETWORK_CREATE = 39;
export const REMOTE_PROC_NETWORK_CREATE_XML = 40;
export const REMOTE_PROC_NETWORK_DEFINE_XML = 41;
export const REMOTE_PROC_NETWORK_DESTROY = 42;
export const REMOTE_PROC_NETWORK_GET_XML_DESC = 43;
export const REMOTE_PROC_NETWORK_GET_AUTOSTART = 44;
export const REMOTE_PROC_NETWORK_GET_BRIDGE_NAME = 45;
export const REMOTE_PROC_NETWORK_LOOKUP_BY_NAME = 46;
export const REMOTE_PROC_NETWORK_LOOKUP_BY_UUID = 47;
export const REMOTE_PROC_NETWORK_SET_AUTOSTART = 48;
export const REMOTE_PROC_NETWORK_UNDEFINE = 49;
export const REMOTE_PROC_CONNECT_NUM_OF_DEFINED_NETWORKS = 50;
export const REMOTE_PROC_CONNECT_NUM_OF_DOMAINS = 51;
export const REMOTE_PROC_CONNECT_NUM_OF_NETWORKS = 52;
export const REMOTE_PROC_DOMAIN_CORE_DUMP = 53;
export const REMOTE_PROC_DOMAIN_RESTORE = 54;
export const REMOTE_PROC_DOMAIN_SAVE = 55;
export const REMOTE_PROC_DOMAIN_GET_SCHEDULER_TYPE = 56;
export const REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS = 57;
export const REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS = 58;
export const REMOTE_PROC_CONNECT_GET_HOSTNAME = 59;
export const REMOTE_PROC_CONNECT_SUPPORTS_FEATURE = 60;
export const REMOTE_PROC_DOMAIN_MIGRATE_PREPARE = 61;
export const REMOTE_PROC_DOMAIN_MIGRATE_PERFORM = 62;
export const REMOTE_PROC_DOMAIN_MIGRATE_FINISH = 63;
export const REMOTE_PROC_DOMAIN_BLOCK_STATS = 64;
export const REMOTE_PROC_DOMAIN_INTERFACE_STATS = 65;
export const REMOTE_PROC_AUTH_LIST = 66;
export const REMOTE_PROC_AUTH_SASL_INIT = 67;
export const REMOTE_PROC_AUTH_SASL_START = 68;
export const REMOTE_PROC_AUTH_SASL_STEP = 69;
export const REMOTE_PROC_AUTH_POLKIT = 70;
export const REMOTE_PROC_CONNECT_NUM_OF_STORAGE_POOLS = 71;
export const REMOTE_PROC_CONNECT_LIST_STORAGE_POOLS = 72;
export const REMOTE_PROC_CONNECT_NUM_OF_DEFINED_STORAGE_POOLS = 73;
export const REMOTE_PROC_CONNECT_LIST_DEFINED_STORAGE_POOLS = 74;
export const REMOTE_PROC_CONNECT_FIND_STORAGE_POOL_SOURCES = 75;
export const REMOTE_PROC_STORAGE_POOL_CREATE_XML = 76;
export const REMOTE_PROC_STORAGE_POOL_DEFINE_XML = 77;
export const REMOTE_PROC_STORAGE_POOL_CREATE = 78;
export const REMOTE_PROC_STORAGE_POOL_BUILD = 79;
export const REMOTE_PROC_STORAGE_POOL_DESTROY = 80;
export const REMOTE_PROC_STORAGE_POOL_DELETE = 81;
export const REMOTE_PROC_STORAGE_POOL_UNDEFINE = 82;
export const REMOTE_PROC_STORAGE_POOL_REFRESH = 83;
export const REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME = 84;
export const REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_UUID = 85;
export const REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_VOLUME = 86;
export const REMOTE_PROC_STORAGE_POOL_GET_INFO = 87;
export const REMOTE_PROC_STORAGE_POOL_GET_XML_DESC = 88;
export const REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART = 89;
export const REMOTE_PROC_STORAGE_POOL_SET_AUTOSTART = 90;
export const REMOTE_PROC_STORAGE_POOL_NUM_OF_VOLUMES = 91;
export const REMOTE_PROC_STORAGE_POOL_LIST_VOLUMES = 92;
export const REMOTE_PROC_STORAGE_VOL_CREATE_XML = 93;
export const REMOTE_PROC_STORAGE_VOL_DELETE = 94;
export const REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME = 95;
export const REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_KEY = 96;
export const REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_PATH = 97;
export const REMOTE_PROC_STORAGE_VOL_GET_INFO = 98;
export const REMOTE_PROC_STORAGE_VOL_GET_XML_DESC = 99;
export const REMOTE_PROC_STORAGE_VOL_GET_PATH = 100;
export const REMOTE_PROC_NODE_GET_CELLS_FREE_MEMORY = 101;
export const REMOTE_PROC_NODE_GET_FREE_MEMORY = 102;
export const REMOTE_PROC_DOMAIN_BLOCK_PEEK = 103;
export const REMOTE_PROC_DOMAIN_MEMORY_PEEK = 104;
export const REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER = 105;
export const REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER = 106;
export const REMOTE_PROC_DOMAIN_EVENT_LIFECYCLE = 107;
export const REMOTE_PROC_DOMAIN_MIGRATE_PREPARE2 = 108;
export const REMOTE_PROC_DOMAIN_MIGRATE_FINISH2 = 109;
export const REMOTE_PROC_CONNECT_GET_URI = 110;
export const REMOTE_PROC_NODE_NUM_OF_DEVICES = 111;
export const REMOTE_PROC_NODE_LIST_DEVICES = 112;
export const REMOTE_PROC_NODE_DEVICE_LOOKUP_BY_NAME = 113;
export const REMOTE_PROC_NODE_DEVICE_GET_XML_DESC = 114;
export const REMOTE_PROC_NODE_DEVICE_GET_PARENT = 115;
export const REMOTE_PROC_NODE_DEVICE_NUM_OF_CAPS = 116;
export const REMOTE_PROC_NODE_DEVICE_LIST_CAPS = 117;
export const REMOTE_PROC_NODE_DEVICE_DETTACH = 118;
export const REMOTE_PROC_NODE_DEVICE_RE_ATTACH = 119;
export const REMOTE_PROC_NODE_DEVICE_RESET = 120;
export const REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL = 121;
export const REMOTE_PROC_NODE_GET_SECURITY_MODEL = 122;
export const REMOTE_PROC_NODE_DEVICE_CREATE_XML = 123;
export const REMOTE_PROC_NODE_DEVICE_DESTROY = 124;
export const REMOTE_PROC_STORAGE_VOL_CREATE_XML_FROM = 125;
export const REMOTE_PROC_CONNECT_NUM_OF_INTERFACES = 126;
export const REMOTE_PROC_CONNECT_LIST_INTERFACES = 127;
export const REMOTE_PROC_INTERFACE_LOOKUP_BY_NAME = 128;
export const REMOTE_PROC_INTERFACE_LOOKUP_BY_MAC_STRING = 129;
export const REMOTE_PROC_INTERFACE_GET_XML_DESC = 130;
export const REMOTE_PROC_INTERFACE_DEFINE_XML = 131;
export const REMOTE_PROC_INTERFACE_UNDEFINE = 132;
export const REMOTE_PROC_INTERFACE_CREATE = 133;
export const REMOTE_PROC_INTERFACE_DESTROY = 134;
export const REMOTE_PROC_CONNECT_DOMAIN_XML_FROM_NATIVE = 135;
export const REMOTE_PROC_CONNECT_DOMAIN_XML_TO_NATIVE = 136;
export const REMOTE_PROC_CONNECT_NUM_OF_DEFINED_INTERFACES = 137;
export const REMOTE_PROC_CONNECT_LIST_DEFINED_INTERFACES = 138;
export const REMOTE_PROC_CONNECT_NUM_OF_SECRETS = 139;
export const REMOTE_PROC_CONNECT_LIST_SECRETS = 140;
export const REMOTE_PROC_SECRET_LOOKUP_BY_UUID = 141;
export const REMOTE_PROC_SECRET_DEFINE_XML = 142;
export const REMOTE_PROC_SECRET_GET_XML_DESC = 143;
export const REMOTE_PROC_SECRET_SET_VALUE = 144;
export const REMOTE_PROC_SECRET_GET_VALUE = 145;
export const REMOTE_PROC_SECRET_UNDEFINE = 146;
export const REMOTE_PROC_SECRET_LOOKUP_BY_USAGE = 147;
export const REMOTE_PROC_DOMAIN_MIGRATE_PREPARE_TUNNEL = 148;
export const REMOTE_PROC_CONNECT_IS_SECURE = 149;
export const REMOTE_PROC_DOMAIN_IS_ACTIVE = 150;
export const REMOTE_PROC_DOMAIN_IS_PERSISTENT = 151;
export const REMOTE_PROC_NETWORK_IS_ACTIVE = 152;
export const REMOTE_PROC_NETWORK_IS_PERSISTENT = 153;
export const REMOTE_PROC_STORAGE_POOL_IS_ACTIVE = 154;
export const REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT = 155;
export const REMOTE_PROC_INTERFACE_IS_ACTIVE = 156;
export const REMOTE_PROC_CONNECT_GET_LIB_VERSION = 157;
export const REMOTE_PROC_CONNECT_COMPARE_CPU = 158;
export const REMOTE_PROC_DOMAIN_MEMORY_STATS = 159;
export const REMOTE_PROC_DOMAIN_ATTACH_DEVICE_FLAGS = 160;
export const REMOTE_PROC_DOMAIN_DETACH_DEVICE_FLAGS = 161;
export const REMOTE_PROC_CONNECT_BASELINE_CPU = 162;
export const REMOTE_PROC_DOMAIN_GET_JOB_INFO = 163;
export const REMOTE_PROC_DOMAIN_ABORT_JOB = 164;
export const REMOTE_PROC_STORAGE_VOL_WIPE = 165;
export const REMOTE_PROC_DOMAIN_MIGRATE_SET_MAX_DOWNTIME = 166;
export const REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER_ANY = 167;
export const REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER_ANY = 168;
export const REMOTE_PROC_DOMAIN_EVENT_REBOOT = 169;
export const REMOTE_PROC_DOMAIN_EVENT_RTC_CHANGE = 170;
export const REMOTE_PROC_DOMAIN_EVENT_WATCHDOG = 171;
export const REMOTE_PROC_DOMAIN_EVENT_IO_ERROR = 172;
export const REMOTE_PROC_DOMAIN_EVENT_GRAPHICS = 173;
export const REMOTE_PROC_DOMAIN_UPDATE_DEVICE_FLAGS = 174;
export const REMOTE_PROC_NWFILTER_LOOKUP_BY_NAME = 175;
export const REMOTE_PROC_NWFILTER_LOOKUP_BY_UUID = 176;
export const REMOTE_PROC_NWFILTER_GET_XML_DESC = 177;
export const REMOTE_PROC_CONNECT_NUM_OF_NWFILTERS = 178;
export const REMOTE_PROC_CONNECT_LIST_NWFILTERS = 179;
export const REMOTE_PROC_NWFILTER_DEFINE_XML = 180;
export const REMOTE_PROC_NWFILTER_UNDEFINE = 181;
export const REMOTE_PROC_DOMAIN_MANAGED_SAVE = 182;
export const REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE = 183;
export const REMOTE_PROC_DOMAIN_MANAGED_SAVE_REMOVE = 184;
export const REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML = 185;
export const REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC = 186;
export const REMOTE_PROC_DOMAIN_SNAPSHOT_NUM = 187;
export const REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_NAMES = 188;
export const REMOTE_PROC_DOMAIN_SNAPSHOT_LOOKUP_BY_NAME = 189;
export const REMOTE_PROC_DOMAIN_HAS_CURRENT_SNAPSHOT = 190;
export const REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT = 191;
export const REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT = 192;
export const REMOTE_PROC_DOMAIN_SNAPSHOT_DELETE = 193;
export const REMOTE_PROC_DOMAIN_GET_BLOCK_INFO = 194;
export const REMOTE_PROC_DOMAIN_EVENT_IO_ERROR_REASON = 195;
export const REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS = 196;
export const REMOTE_PROC_DOMAIN_SET_MEMORY_PARAMETERS = 197;
export const REMOTE_PROC_DOMAIN_GET_MEMORY_PARAMETERS = 198;
export const REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS = 199;
export const REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS = 200;
export const REMOTE_PROC_DOMAIN_OPEN_CONSOLE = 201;
export const REMOTE_PROC_DOMAIN_IS_UPDATED = 202;
export const REMOTE_PROC_CONNECT_GET_SYSINFO = 203;
export const REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS = 204;
export const REMOTE_PROC_DOMAIN_SET_BLKIO_PARAMETERS = 205;
export const REMOTE_PROC_DOMAIN_GET_BLKIO_PARAMETERS = 206;
export const REMOTE_PROC_DOMAIN_MIGRATE_SET_MAX_SPEED = 207;
export const REMOTE_PROC_STORAGE_VOL_UPLOAD = 208;
export const REMOTE_PROC_STORAGE_VOL_DOWNLOAD = 209;
export const REMOTE_PROC_DOMAIN_INJECT_NMI = 210;
export const REMOTE_PROC_DOMAIN_SCREENSHOT = 211;
export const REMOTE_PROC_DOMAIN_GET_STATE = 212;
export const REMOTE_PROC_DOMAIN_MIGRATE_BEGIN3 = 213;
export const REMOTE_PROC_DOMAIN_MIGRATE_PREPARE3 = 214;
export const REMOTE_PROC_DOMAIN_MIGRATE_PREPARE_TUNNEL3 = 215;
export const REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3 = 216;
export const REMOTE_PROC_DOMAIN_MIGRATE_FINISH3 = 217;
export const REMOTE_PROC_DOMAIN_MIGRATE_CONFIRM3 = 218;
export const REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS = 219;
export const REMOTE_PROC_INTERFACE_CHANGE_BEGIN = 220;
export const REMOTE_PROC_INTERFACE_CHANGE_COMMIT = 221;
export const REMOTE_PROC_INTERFACE_CHANGE_ROLLBACK = 222;
export const REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS = 223;
export const REMOTE_PROC_DOMAIN_EVENT_CONTROL_ERROR = 224;
export const REMOTE_PROC_DOMAIN_PIN_VCPU_FLAGS = 225;
export const REMOTE_PROC_DOMAIN_SEND_KEY = 226;
export const REMOTE_PROC_NODE_GET_CPU_STATS = 227;
export const REMOTE_PROC_NODE_GET_MEMORY_STATS = 228;
export const REMOTE_PROC_DOMAIN_GET_CONTROL_INFO = 229;
export const REMOTE_PROC_DOMAIN_GET_VCPU_PIN_INFO = 230;
export const REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS = 231;
export const REMOTE_PROC_DOMAIN_SAVE_FLAGS = 232;
export const REMOTE_PROC_DOMAIN_RESTORE_FLAGS = 233;
export const REMOTE_PROC_DOMAIN_DESTROY_FLAGS = 234;
export const REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC = 235;
export const REMOTE_PROC_DOMAIN_SAVE_IMAGE_DEFINE_XML = 236;
export const REMOTE_PROC_DOMAIN_BLOCK_JOB_ABORT = 237;
export const REMOTE_PROC_DOMAIN_GET_BLOCK_JOB_INFO = 238;
export const REMOTE_PROC_DOMAIN_BLOCK_JOB_SET_SPEED = 239;
export const REMOTE_PROC_DOMAIN_BLOCK_PULL = 240;
export const REMOTE_PROC_DOMAIN_EVENT_BLOCK_JOB = 241;
export const REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_SPEED = 242;
export const REMOTE_PROC_DOMAIN_BLOCK_STATS_FLAGS = 243;
export const REMOTE_PROC_DOMAIN_SNAPSHOT_GET_PARENT = 244;
export const REMOTE_PROC_DOMAIN_RESET = 245;
export const REMOTE_PROC_DOMAIN_SNAPSHOT_NUM_CHILDREN = 246;
export const REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES = 247;
export const REMOTE_PROC_DOMAIN_EVENT_DISK_CHANGE = 248;
export const REMOTE_PROC_DOMAIN_OPEN_GRAPHICS = 249;
export const REMOTE_PROC_NODE_SUSPEND_FOR_DURATION = 250;
export const REMOTE_PROC_DOMAIN_BLOCK_RESIZE = 251;
export const REMOTE_PROC_DOMAIN_SET_BLOCK_IO_TUNE = 252;
export const REMOTE_PROC_DOMAIN_GET_BLOCK_IO_TUNE = 253;
export const REMOTE_PROC_DOMAIN_SET_NUMA_PARAMETERS = 254;
export const REMOTE_PROC_DOMAIN_GET_NUMA_PARAMETERS = 255;
export const REMOTE_PROC_DOMAIN_SET_INTERFACE_PARAMETERS = 256;
export const REMOTE_PROC_DOMAIN_GET_INTERFACE_PARAMETERS = 257;
export const REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS = 258;
export const REMOTE_PROC_STORAGE_VOL_WIPE_PATTERN = 259;
export const REMOTE_PROC_STORAGE_VOL_RESIZE = 260;
export const REMOTE_PROC_DOMAIN_PM_SUSPEND_FOR_DURATION = 261;
export const REMOTE_PROC_DOMAIN_GET_CPU_STATS = 262;
export const REMOTE_PROC_DOMAIN_GET_DISK_ERRORS = 263;
export const REMOTE_PROC_DOMAIN_SET_METADATA = 264;
export const REMOTE_PROC_DOMAIN_GET_METADATA = 265;
export const REMOTE_PROC_DOMAIN_BLOCK_REBASE = 266;
export const REMOTE_PROC_DOMAIN_PM_WAKEUP = 267;
export const REMOTE_PROC_DOMAIN_EVENT_TRAY_CHANGE = 268;
export const REMOTE_PROC_DOMAIN_EVENT_PMWAKEUP = 269;
export const REMOTE_PROC_DOMAIN_EVENT_PMSUSPEND = 270;
export const REMOTE_PROC_DOMAIN_SNAPSHOT_IS_CURRENT = 271;
export const REMOTE_PROC_DOMAIN_SNAPSHOT_HAS_METADATA = 272;
export const REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS = 273;
export const REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS = 274;
export const REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN = 275;
export const REMOTE_PROC_DOMAIN_EVENT_BALLOON_CHANGE = 276;
export const REMOTE_PROC_DOMAIN_GET_HOSTNAME = 277;
export const REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL_LIST = 278;
export const REMOTE_PROC_DOMAIN_PIN_EMULATOR = 279;
export const REMOTE_PROC_DOMAIN_GET_EMULATOR_PIN_INFO = 280;
export const REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS = 281;
export const REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES = 282;
export const REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS = 283;
export const REMOTE_PROC_CONNECT_LIST_ALL_INTERFACES = 284;
export const REMOTE_PROC_CONNECT_LIST_ALL_NODE_DEVICES = 285;
export const REMOTE_PROC_CONNECT_LIST_ALL_NWFILTERS = 286;
export const REMOTE_PROC_CONNECT_LIST_ALL_SECRETS = 287;
export const REMOTE_PROC_NODE_SET_MEMORY_PARAMETERS = 288;
export const REMOTE_PROC_NODE_GET_MEMORY_PARAMETERS = 289;
export const REMOTE_PROC_DOMAIN_BLOCK_COMMIT = 290;
export const REMOTE_PROC_NETWORK_UPDATE = 291;
export const REMOTE_PROC_DOMAIN_EVENT_PMSUSPEND_DISK = 292;
export const REMOTE_PROC_NODE_GET_CPU_MAP = 293;
export const REMOTE_PROC_DOMAIN_FSTRIM = 294;
export const REMOTE_PROC_DOMAIN_SEND_PROCESS_SIGNAL = 295;
export const REMOTE_PROC_DOMAIN_OPEN_CHANNEL = 296;
export const REMOTE_PROC_NODE_DEVICE_LOOKUP_SCSI_HOST_BY_WWN = 297;
export const REMOTE_PROC_DOMAIN_GET_JOB_STATS = 298;
export const REMOTE_PROC_DOMAIN_MIGRATE_GET_COMPRESSION_CACHE = 299;
export const REMOTE_PROC_DOMAIN_MIGRATE_SET_COMPRESSION_CACHE = 300;
export const REMOTE_PROC_NODE_DEVICE_DETACH_FLAGS = 301;
export const REMOTE_PROC_DOMAIN_MIGRATE_BEGIN3_PARAMS = 302;
export const REMOTE_PROC_DOMAIN_MIGRATE_PREPARE3_PARAMS = 303;
export const REMOTE_PROC_DOMAIN_MIGRATE_PREPARE_TUNNEL3_PARAMS = 304;
export const REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3_PARAMS = 305;
export const REMOTE_PROC_DOMAIN_MIGRATE_FINISH3_PARAMS = 306;
export const REMOTE_PROC_DOMAIN_MIGRATE_CONFIRM3_PARAMS = 307;
export const REMOTE_PROC_DOMAIN_SET_MEMORY_STATS_PERIOD = 308;
export const REMOTE_PROC_DOMAIN_CREATE_XML_WITH_FILES = 309;
export const REMOTE_PROC_DOMAIN_CREATE_WITH_FILES = 310;
export const REMOTE_PROC_DOMAIN_EVENT_DEVICE_REMOVED = 311;
export const REMOTE_PROC_CONNECT_GET_CPU_MODEL_NAMES = 312;
export const REMOTE_PROC_CONNECT_NETWORK_EVENT_REGISTER_ANY = 313;
export const REMOTE_PROC_CONNECT_NETWORK_EVENT_DEREGISTER_ANY = 314;
export const REMOTE_PROC_NETWORK_EVENT_LIFECYCLE = 315;
export const REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY = 316;
export const REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY = 317;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE = 318;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT = 319;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_RTC_CHANGE = 320;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_WATCHDOG = 321;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_IO_ERROR = 322;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_GRAPHICS = 323;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_IO_ERROR_REASON = 324;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_CONTROL_ERROR = 325;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_BLOCK_JOB = 326;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DISK_CHANGE = 327;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_TRAY_CHANGE = 328;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_PMWAKEUP = 329;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_PMSUSPEND = 330;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE = 331;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_PMSUSPEND_DISK = 332;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED = 333;
export const REMOTE_PROC_DOMAIN_CORE_DUMP_WITH_FORMAT = 334;
export const REMOTE_PROC_DOMAIN_FSFREEZE = 335;
export const REMOTE_PROC_DOMAIN_FSTHAW = 336;
export const REMOTE_PROC_DOMAIN_GET_TIME = 337;
export const REMOTE_PROC_DOMAIN_SET_TIME = 338;
export const REMOTE_PROC_DOMAIN_EVENT_BLOCK_JOB_2 = 339;
export const REMOTE_PROC_NODE_GET_FREE_PAGES = 340;
export const REMOTE_PROC_NETWORK_GET_DHCP_LEASES = 341;
export const REMOTE_PROC_CONNECT_GET_DOMAIN_CAPABILITIES = 342;
export const REMOTE_PROC_DOMAIN_OPEN_GRAPHICS_FD = 343;
export const REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS = 344;
export const REMOTE_PROC_DOMAIN_BLOCK_COPY = 345;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_TUNABLE = 346;
export const REMOTE_PROC_NODE_ALLOC_PAGES = 347;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE = 348;
export const REMOTE_PROC_DOMAIN_GET_FSINFO = 349;
export const REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS = 350;
export const REMOTE_PROC_DOMAIN_GET_IOTHREAD_INFO = 351;
export const REMOTE_PROC_DOMAIN_PIN_IOTHREAD = 352;
export const REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES = 353;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_ADDED = 354;
export const REMOTE_PROC_DOMAIN_ADD_IOTHREAD = 355;
export const REMOTE_PROC_DOMAIN_DEL_IOTHREAD = 356;
export const REMOTE_PROC_DOMAIN_SET_USER_PASSWORD = 357;
export const REMOTE_PROC_DOMAIN_RENAME = 358;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_MIGRATION_ITERATION = 359;
export const REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK = 360;
export const REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK = 361;
export const REMOTE_PROC_CONNECT_EVENT_CONNECTION_CLOSED = 362;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_JOB_COMPLETED = 363;
export const REMOTE_PROC_DOMAIN_MIGRATE_START_POST_COPY = 364;
export const REMOTE_PROC_DOMAIN_GET_PERF_EVENTS = 365;
export const REMOTE_PROC_DOMAIN_SET_PERF_EVENTS = 366;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED = 367;
export const REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY = 368;
export const REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY = 369;
export const REMOTE_PROC_STORAGE_POOL_EVENT_LIFECYCLE = 370;
export const REMOTE_PROC_DOMAIN_GET_GUEST_VCPUS = 371;
export const REMOTE_PROC_DOMAIN_SET_GUEST_VCPUS = 372;
export const REMOTE_PROC_STORAGE_POOL_EVENT_REFRESH = 373;
export const REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY = 374;
export const REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY = 375;
export const REMOTE_PROC_NODE_DEVICE_EVENT_LIFECYCLE = 376;
export const REMOTE_PROC_NODE_DEVICE_EVENT_UPDATE = 377;
export const REMOTE_PROC_STORAGE_VOL_GET_INFO_FLAGS = 378;
export const REMOTE_PROC_DOMAIN_EVENT_CALLBACK_METADATA_CHANGE = 379;
export const REMOTE_PROC_CONNECT_SECRET_EVENT_REGISTER_ANY = 380;
export const REMOTE_PROC_CONNECT_SECRET_EVENT_DEREGISTER_ANY = 381;
export const REMOTE_PROC_SECRET_EVENT_LIFECYCLE = 382;
export const REMOTE_PROC_SECRET_EVENT_VALUE_CHANGED = 383;
export const REMOTE_PROC_DOMAIN_SET_VCPU = 384;
export const REMOTE_PROC_DOMAIN_EVENT_BLOCK_THRESHOLD = 385;
export const REMOTE_PROC_DOMAIN_SET_BLOCK_THRESHOLD = 386;
export const REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_DOWNTIME = 387;
export const REMOTE_PROC_DOMAIN_MANAGED_SAVE_GET_XML_DESC = 388;
export const REMOTE_PROC_DOMAIN_MANAGED_SAVE_DEFINE_XML = 389;
export const REMOTE_PROC_DOMAIN_SET_LIFECYCLE_ACTION = 390;
export const REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_TARGET_PATH = 391;
export const REMOTE_PROC_DOMAIN_DETACH_DEVICE_ALIAS = 392;
export const REMOTE_PROC_CONNECT_COMPARE_HYPERVISOR_CPU = 393;
export const REMOTE_PROC_CONNECT_BASELINE_HYPERVISOR_CPU = 394;
export const REMOTE_PROC_NODE_GET_SEV_INFO = 395;
export const REMOTE_PROC_DOMAIN_GET_LAUNCH_SECURITY_INFO = 396;
export const REMOTE_PROC_NWFILTER_BINDING_LOOKUP_BY_PORT_DEV = 397;
export const REMOTE_PROC_NWFILTER_BINDING_GET_XML_DESC = 398;
export const REMOTE_PROC_NWFILTER_BINDING_CREATE_XML = 399;
export const REMOTE_PROC_NWFILTER_BINDING_DELETE = 400;
export const REMOTE_PROC_CONNECT_LIST_ALL_NWFILTER_BINDINGS = 401;
export const REMOTE_PROC_DOMAIN_SET_IOTHREAD_PARAMS = 402;
export const REMOTE_PROC_CONNECT_GET_STORAGE_POOL_CAPABILITIES = 403;
export const REMOTE_PROC_NETWORK_LIST_ALL_PORTS = 404;
export const REMOTE_PROC_NETWORK_PORT_LOOKUP_BY_UUID = 405;
export const REMOTE_PROC_NETWORK_PORT_CREATE_XML = 406;
export const REMOTE_PROC_NETWORK_PORT_GET_PARAMETERS = 407;
export const REMOTE_PROC_NETWORK_PORT_SET_PARAMETERS = 408;
export const REMOTE_PROC_NETWORK_PORT_GET_XML_DESC = 409;
export const REMOTE_PROC_NETWORK_PORT_DELETE = 410;
export const REMOTE_PROC_DOMAIN_CHECKPOINT_CREATE_XML = 411;
export const REMOTE_PROC_DOMAIN_CHECKPOINT_GET_XML_DESC = 412;
export const REMOTE_PROC_DOMAIN_LIST_ALL_CHECKPOINTS = 413;
export const REMOTE_PROC_DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN = 414;
export const REMOTE_PROC_DOMAIN_CHECKPOINT_LOOKUP_BY_NAME = 415;
export const REMOTE_PROC_DOMAIN_CHECKPOINT_GET_PARENT = 416;
export const REMOTE_PROC_DOMAIN_CHECKPOINT_DELETE = 417;
export const REMOTE_PROC_DOMAIN_GET_GUEST_INFO = 418;
export const REMOTE_PROC_CONNECT_SET_IDENTITY = 419;
export const REMOTE_PROC_DOMAIN_AGENT_SET_RESPONSE_TIMEOUT = 420;
export const REMOTE_PROC_DOMAIN_BACKUP_BEGIN = 421;
export const REMOTE_PROC_DOMAIN_BACKUP_GET_XML_DESC = 422;
export const REMOTE_PROC_DOMAIN_EVENT_MEMORY_FAILURE = 423;
export const REMOTE_PROC_DOMAIN_AUTHORIZED_SSH_KEYS_GET = 424;
export const REMOTE_PROC_DOMAIN_AUTHORIZED_SSH_KEYS_SET = 425;
export const REMOTE_PROC_DOMAIN_GET_MESSAGES = 426;
export const REMOTE_PROC_DOMAIN_START_DIRTY_RATE_CALC = 427;
export const REMOTE_PROC_NODE_DEVICE_DEFINE_XML = 428;
export const REMOTE_PROC_NODE_DEVICE_UNDEFINE = 429;
export const REMOTE_PROC_NODE_DEVICE_CREATE = 430;
export const REMOTE_PROC_NWFILTER_DEFINE_XML_FLAGS = 431;
export const REMOTE_PROC_NETWORK_DEFINE_XML_FLAGS = 432;
export const REMOTE_PROC_NODE_DEVICE_GET_AUTOSTART = 433;
export const REMOTE_PROC_NODE_DEVICE_SET_AUTOSTART = 434;
export const REMOTE_PROC_NODE_DEVICE_IS_PERSISTENT = 435;
export const REMOTE_PROC_NODE_DEVICE_IS_ACTIVE = 436;
export const REMOTE_PROC_NETWORK_CREATE_XML_FLAGS = 437;
export const REMOTE_PROC_DOMAIN_EVENT_MEMORY_DEVICE_SIZE_CHANGE = 438;
export const REMOTE_PROC_DOMAIN_SET_LAUNCH_SECURITY_STATE = 439;
export const REMOTE_PROC_DOMAIN_SAVE_PARAMS = 440;
export const REMOTE_PROC_DOMAIN_RESTORE_PARAMS = 441;
export const REMOTE_PROC_DOMAIN_ABORT_JOB_FLAGS = 442;
export const REMOTE_PROC_DOMAIN_FD_ASSOCIATE = 443;
export const QEMU_PROC_DOMAIN_MONITOR_COMMAND = 1;
export const QEMU_PROC_DOMAIN_ATTACH = 2;
export const QEMU_PROC_DOMAIN_AGENT_COMMAND = 3;
export const QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER = 4;
export const QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER = 5;
export const QEMU_PROC_DOMAIN_MONITOR_EVENT = 6;
export const QEMU_PROC_DOMAIN_MONITOR_COMMAND_WITH_FILES = 7;
export const KEEPALIVE_PROC_PING = 1;
export const KEEPALIVE_PROC_PONG = 2;

/** Procedure metadata: which payload structs exist and the .x annotations that matter on the wire. */
export interface ProcedureInfo {
  readonly name: string;
  readonly args: boolean;
  readonly ret: boolean;
  readonly msg: boolean;
  /** @readstream / @writestream: the call opens a stream. */
  readonly stream: "" | "read" | "write";
  readonly priority: "high" | "low" | "";
}

export const REMOTE_PROCEDURE_INFO: ReadonlyMap<number, ProcedureInfo> = new Map<number, ProcedureInfo>([
  [1, { name: "REMOTE_PROC_CONNECT_OPEN", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [2, { name: "REMOTE_PROC_CONNECT_CLOSE", args: false, ret: false, msg: false, stream: "", priority: "high" }],
  [3, { name: "REMOTE_PROC_CONNECT_GET_TYPE", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [4, { name: "REMOTE_PROC_CONNECT_GET_VERSION", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [5, { name: "REMOTE_PROC_CONNECT_GET_MAX_VCPUS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [6, { name: "REMOTE_PROC_NODE_GET_INFO", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [7, { name: "REMOTE_PROC_CONNECT_GET_CAPABILITIES", args: false, ret: true, msg: false, stream: "", priority: "" }],
  [8, { name: "REMOTE_PROC_DOMAIN_ATTACH_DEVICE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [9, { name: "REMOTE_PROC_DOMAIN_CREATE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [10, { name: "REMOTE_PROC_DOMAIN_CREATE_XML", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [11, { name: "REMOTE_PROC_DOMAIN_DEFINE_XML", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [12, { name: "REMOTE_PROC_DOMAIN_DESTROY", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [13, { name: "REMOTE_PROC_DOMAIN_DETACH_DEVICE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [14, { name: "REMOTE_PROC_DOMAIN_GET_XML_DESC", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [15, { name: "REMOTE_PROC_DOMAIN_GET_AUTOSTART", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [16, { name: "REMOTE_PROC_DOMAIN_GET_INFO", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [17, { name: "REMOTE_PROC_DOMAIN_GET_MAX_MEMORY", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [18, { name: "REMOTE_PROC_DOMAIN_GET_MAX_VCPUS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [19, { name: "REMOTE_PROC_DOMAIN_GET_OS_TYPE", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [20, { name: "REMOTE_PROC_DOMAIN_GET_VCPUS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [21, { name: "REMOTE_PROC_CONNECT_LIST_DEFINED_DOMAINS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [22, { name: "REMOTE_PROC_DOMAIN_LOOKUP_BY_ID", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [23, { name: "REMOTE_PROC_DOMAIN_LOOKUP_BY_NAME", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [24, { name: "REMOTE_PROC_DOMAIN_LOOKUP_BY_UUID", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [25, { name: "REMOTE_PROC_CONNECT_NUM_OF_DEFINED_DOMAINS", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [26, { name: "REMOTE_PROC_DOMAIN_PIN_VCPU", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [27, { name: "REMOTE_PROC_DOMAIN_REBOOT", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [28, { name: "REMOTE_PROC_DOMAIN_RESUME", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [29, { name: "REMOTE_PROC_DOMAIN_SET_AUTOSTART", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [30, { name: "REMOTE_PROC_DOMAIN_SET_MAX_MEMORY", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [31, { name: "REMOTE_PROC_DOMAIN_SET_MEMORY", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [32, { name: "REMOTE_PROC_DOMAIN_SET_VCPUS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [33, { name: "REMOTE_PROC_DOMAIN_SHUTDOWN", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [34, { name: "REMOTE_PROC_DOMAIN_SUSPEND", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [35, { name: "REMOTE_PROC_DOMAIN_UNDEFINE", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [36, { name: "REMOTE_PROC_CONNECT_LIST_DEFINED_NETWORKS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [37, { name: "REMOTE_PROC_CONNECT_LIST_DOMAINS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [38, { name: "REMOTE_PROC_CONNECT_LIST_NETWORKS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [39, { name: "REMOTE_PROC_NETWORK_CREATE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [40, { name: "REMOTE_PROC_NETWORK_CREATE_XML", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [41, { name: "REMOTE_PROC_NETWORK_DEFINE_XML", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [42, { name: "REMOTE_PROC_NETWORK_DESTROY", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [43, { name: "REMOTE_PROC_NETWORK_GET_XML_DESC", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [44, { name: "REMOTE_PROC_NETWORK_GET_AUTOSTART", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [45, { name: "REMOTE_PROC_NETWORK_GET_BRIDGE_NAME", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [46, { name: "REMOTE_PROC_NETWORK_LOOKUP_BY_NAME", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [47, { name: "REMOTE_PROC_NETWORK_LOOKUP_BY_UUID", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [48, { name: "REMOTE_PROC_NETWORK_SET_AUTOSTART", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [49, { name: "REMOTE_PROC_NETWORK_UNDEFINE", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [50, { name: "REMOTE_PROC_CONNECT_NUM_OF_DEFINED_NETWORKS", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [51, { name: "REMOTE_PROC_CONNECT_NUM_OF_DOMAINS", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [52, { name: "REMOTE_PROC_CONNECT_NUM_OF_NETWORKS", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [53, { name: "REMOTE_PROC_DOMAIN_CORE_DUMP", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [54, { name: "REMOTE_PROC_DOMAIN_RESTORE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [55, { name: "REMOTE_PROC_DOMAIN_SAVE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [56, { name: "REMOTE_PROC_DOMAIN_GET_SCHEDULER_TYPE", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [57, { name: "REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [58, { name: "REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [59, { name: "REMOTE_PROC_CONNECT_GET_HOSTNAME", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [60, { name: "REMOTE_PROC_CONNECT_SUPPORTS_FEATURE", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [61, { name: "REMOTE_PROC_DOMAIN_MIGRATE_PREPARE", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [62, { name: "REMOTE_PROC_DOMAIN_MIGRATE_PERFORM", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [63, { name: "REMOTE_PROC_DOMAIN_MIGRATE_FINISH", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [64, { name: "REMOTE_PROC_DOMAIN_BLOCK_STATS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [65, { name: "REMOTE_PROC_DOMAIN_INTERFACE_STATS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [66, { name: "REMOTE_PROC_AUTH_LIST", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [67, { name: "REMOTE_PROC_AUTH_SASL_INIT", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [68, { name: "REMOTE_PROC_AUTH_SASL_START", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [69, { name: "REMOTE_PROC_AUTH_SASL_STEP", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [70, { name: "REMOTE_PROC_AUTH_POLKIT", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [71, { name: "REMOTE_PROC_CONNECT_NUM_OF_STORAGE_POOLS", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [72, { name: "REMOTE_PROC_CONNECT_LIST_STORAGE_POOLS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [73, { name: "REMOTE_PROC_CONNECT_NUM_OF_DEFINED_STORAGE_POOLS", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [74, { name: "REMOTE_PROC_CONNECT_LIST_DEFINED_STORAGE_POOLS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [75, { name: "REMOTE_PROC_CONNECT_FIND_STORAGE_POOL_SOURCES", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [76, { name: "REMOTE_PROC_STORAGE_POOL_CREATE_XML", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [77, { name: "REMOTE_PROC_STORAGE_POOL_DEFINE_XML", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [78, { name: "REMOTE_PROC_STORAGE_POOL_CREATE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [79, { name: "REMOTE_PROC_STORAGE_POOL_BUILD", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [80, { name: "REMOTE_PROC_STORAGE_POOL_DESTROY", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [81, { name: "REMOTE_PROC_STORAGE_POOL_DELETE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [82, { name: "REMOTE_PROC_STORAGE_POOL_UNDEFINE", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [83, { name: "REMOTE_PROC_STORAGE_POOL_REFRESH", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [84, { name: "REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_NAME", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [85, { name: "REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_UUID", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [86, { name: "REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_VOLUME", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [87, { name: "REMOTE_PROC_STORAGE_POOL_GET_INFO", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [88, { name: "REMOTE_PROC_STORAGE_POOL_GET_XML_DESC", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [89, { name: "REMOTE_PROC_STORAGE_POOL_GET_AUTOSTART", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [90, { name: "REMOTE_PROC_STORAGE_POOL_SET_AUTOSTART", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [91, { name: "REMOTE_PROC_STORAGE_POOL_NUM_OF_VOLUMES", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [92, { name: "REMOTE_PROC_STORAGE_POOL_LIST_VOLUMES", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [93, { name: "REMOTE_PROC_STORAGE_VOL_CREATE_XML", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [94, { name: "REMOTE_PROC_STORAGE_VOL_DELETE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [95, { name: "REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_NAME", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [96, { name: "REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_KEY", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [97, { name: "REMOTE_PROC_STORAGE_VOL_LOOKUP_BY_PATH", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [98, { name: "REMOTE_PROC_STORAGE_VOL_GET_INFO", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [99, { name: "REMOTE_PROC_STORAGE_VOL_GET_XML_DESC", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [100, { name: "REMOTE_PROC_STORAGE_VOL_GET_PATH", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [101, { name: "REMOTE_PROC_NODE_GET_CELLS_FREE_MEMORY", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [102, { name: "REMOTE_PROC_NODE_GET_FREE_MEMORY", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [103, { name: "REMOTE_PROC_DOMAIN_BLOCK_PEEK", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [104, { name: "REMOTE_PROC_DOMAIN_MEMORY_PEEK", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [105, { name: "REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [106, { name: "REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [107, { name: "REMOTE_PROC_DOMAIN_EVENT_LIFECYCLE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [108, { name: "REMOTE_PROC_DOMAIN_MIGRATE_PREPARE2", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [109, { name: "REMOTE_PROC_DOMAIN_MIGRATE_FINISH2", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [110, { name: "REMOTE_PROC_CONNECT_GET_URI", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [111, { name: "REMOTE_PROC_NODE_NUM_OF_DEVICES", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [112, { name: "REMOTE_PROC_NODE_LIST_DEVICES", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [113, { name: "REMOTE_PROC_NODE_DEVICE_LOOKUP_BY_NAME", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [114, { name: "REMOTE_PROC_NODE_DEVICE_GET_XML_DESC", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [115, { name: "REMOTE_PROC_NODE_DEVICE_GET_PARENT", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [116, { name: "REMOTE_PROC_NODE_DEVICE_NUM_OF_CAPS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [117, { name: "REMOTE_PROC_NODE_DEVICE_LIST_CAPS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [118, { name: "REMOTE_PROC_NODE_DEVICE_DETTACH", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [119, { name: "REMOTE_PROC_NODE_DEVICE_RE_ATTACH", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [120, { name: "REMOTE_PROC_NODE_DEVICE_RESET", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [121, { name: "REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [122, { name: "REMOTE_PROC_NODE_GET_SECURITY_MODEL", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [123, { name: "REMOTE_PROC_NODE_DEVICE_CREATE_XML", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [124, { name: "REMOTE_PROC_NODE_DEVICE_DESTROY", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [125, { name: "REMOTE_PROC_STORAGE_VOL_CREATE_XML_FROM", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [126, { name: "REMOTE_PROC_CONNECT_NUM_OF_INTERFACES", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [127, { name: "REMOTE_PROC_CONNECT_LIST_INTERFACES", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [128, { name: "REMOTE_PROC_INTERFACE_LOOKUP_BY_NAME", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [129, { name: "REMOTE_PROC_INTERFACE_LOOKUP_BY_MAC_STRING", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [130, { name: "REMOTE_PROC_INTERFACE_GET_XML_DESC", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [131, { name: "REMOTE_PROC_INTERFACE_DEFINE_XML", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [132, { name: "REMOTE_PROC_INTERFACE_UNDEFINE", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [133, { name: "REMOTE_PROC_INTERFACE_CREATE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [134, { name: "REMOTE_PROC_INTERFACE_DESTROY", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [135, { name: "REMOTE_PROC_CONNECT_DOMAIN_XML_FROM_NATIVE", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [136, { name: "REMOTE_PROC_CONNECT_DOMAIN_XML_TO_NATIVE", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [137, { name: "REMOTE_PROC_CONNECT_NUM_OF_DEFINED_INTERFACES", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [138, { name: "REMOTE_PROC_CONNECT_LIST_DEFINED_INTERFACES", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [139, { name: "REMOTE_PROC_CONNECT_NUM_OF_SECRETS", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [140, { name: "REMOTE_PROC_CONNECT_LIST_SECRETS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [141, { name: "REMOTE_PROC_SECRET_LOOKUP_BY_UUID", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [142, { name: "REMOTE_PROC_SECRET_DEFINE_XML", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [143, { name: "REMOTE_PROC_SECRET_GET_XML_DESC", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [144, { name: "REMOTE_PROC_SECRET_SET_VALUE", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [145, { name: "REMOTE_PROC_SECRET_GET_VALUE", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [146, { name: "REMOTE_PROC_SECRET_UNDEFINE", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [147, { name: "REMOTE_PROC_SECRET_LOOKUP_BY_USAGE", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [148, { name: "REMOTE_PROC_DOMAIN_MIGRATE_PREPARE_TUNNEL", args: true, ret: false, msg: false, stream: "write", priority: "" }],
  [149, { name: "REMOTE_PROC_CONNECT_IS_SECURE", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [150, { name: "REMOTE_PROC_DOMAIN_IS_ACTIVE", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [151, { name: "REMOTE_PROC_DOMAIN_IS_PERSISTENT", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [152, { name: "REMOTE_PROC_NETWORK_IS_ACTIVE", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [153, { name: "REMOTE_PROC_NETWORK_IS_PERSISTENT", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [154, { name: "REMOTE_PROC_STORAGE_POOL_IS_ACTIVE", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [155, { name: "REMOTE_PROC_STORAGE_POOL_IS_PERSISTENT", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [156, { name: "REMOTE_PROC_INTERFACE_IS_ACTIVE", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [157, { name: "REMOTE_PROC_CONNECT_GET_LIB_VERSION", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [158, { name: "REMOTE_PROC_CONNECT_COMPARE_CPU", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [159, { name: "REMOTE_PROC_DOMAIN_MEMORY_STATS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [160, { name: "REMOTE_PROC_DOMAIN_ATTACH_DEVICE_FLAGS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [161, { name: "REMOTE_PROC_DOMAIN_DETACH_DEVICE_FLAGS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [162, { name: "REMOTE_PROC_CONNECT_BASELINE_CPU", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [163, { name: "REMOTE_PROC_DOMAIN_GET_JOB_INFO", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [164, { name: "REMOTE_PROC_DOMAIN_ABORT_JOB", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [165, { name: "REMOTE_PROC_STORAGE_VOL_WIPE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [166, { name: "REMOTE_PROC_DOMAIN_MIGRATE_SET_MAX_DOWNTIME", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [167, { name: "REMOTE_PROC_CONNECT_DOMAIN_EVENT_REGISTER_ANY", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [168, { name: "REMOTE_PROC_CONNECT_DOMAIN_EVENT_DEREGISTER_ANY", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [169, { name: "REMOTE_PROC_DOMAIN_EVENT_REBOOT", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [170, { name: "REMOTE_PROC_DOMAIN_EVENT_RTC_CHANGE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [171, { name: "REMOTE_PROC_DOMAIN_EVENT_WATCHDOG", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [172, { name: "REMOTE_PROC_DOMAIN_EVENT_IO_ERROR", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [173, { name: "REMOTE_PROC_DOMAIN_EVENT_GRAPHICS", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [174, { name: "REMOTE_PROC_DOMAIN_UPDATE_DEVICE_FLAGS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [175, { name: "REMOTE_PROC_NWFILTER_LOOKUP_BY_NAME", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [176, { name: "REMOTE_PROC_NWFILTER_LOOKUP_BY_UUID", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [177, { name: "REMOTE_PROC_NWFILTER_GET_XML_DESC", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [178, { name: "REMOTE_PROC_CONNECT_NUM_OF_NWFILTERS", args: false, ret: true, msg: false, stream: "", priority: "high" }],
  [179, { name: "REMOTE_PROC_CONNECT_LIST_NWFILTERS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [180, { name: "REMOTE_PROC_NWFILTER_DEFINE_XML", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [181, { name: "REMOTE_PROC_NWFILTER_UNDEFINE", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [182, { name: "REMOTE_PROC_DOMAIN_MANAGED_SAVE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [183, { name: "REMOTE_PROC_DOMAIN_HAS_MANAGED_SAVE_IMAGE", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [184, { name: "REMOTE_PROC_DOMAIN_MANAGED_SAVE_REMOVE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [185, { name: "REMOTE_PROC_DOMAIN_SNAPSHOT_CREATE_XML", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [186, { name: "REMOTE_PROC_DOMAIN_SNAPSHOT_GET_XML_DESC", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [187, { name: "REMOTE_PROC_DOMAIN_SNAPSHOT_NUM", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [188, { name: "REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_NAMES", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [189, { name: "REMOTE_PROC_DOMAIN_SNAPSHOT_LOOKUP_BY_NAME", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [190, { name: "REMOTE_PROC_DOMAIN_HAS_CURRENT_SNAPSHOT", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [191, { name: "REMOTE_PROC_DOMAIN_SNAPSHOT_CURRENT", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [192, { name: "REMOTE_PROC_DOMAIN_REVERT_TO_SNAPSHOT", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [193, { name: "REMOTE_PROC_DOMAIN_SNAPSHOT_DELETE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [194, { name: "REMOTE_PROC_DOMAIN_GET_BLOCK_INFO", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [195, { name: "REMOTE_PROC_DOMAIN_EVENT_IO_ERROR_REASON", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [196, { name: "REMOTE_PROC_DOMAIN_CREATE_WITH_FLAGS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [197, { name: "REMOTE_PROC_DOMAIN_SET_MEMORY_PARAMETERS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [198, { name: "REMOTE_PROC_DOMAIN_GET_MEMORY_PARAMETERS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [199, { name: "REMOTE_PROC_DOMAIN_SET_VCPUS_FLAGS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [200, { name: "REMOTE_PROC_DOMAIN_GET_VCPUS_FLAGS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [201, { name: "REMOTE_PROC_DOMAIN_OPEN_CONSOLE", args: true, ret: false, msg: false, stream: "read", priority: "" }],
  [202, { name: "REMOTE_PROC_DOMAIN_IS_UPDATED", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [203, { name: "REMOTE_PROC_CONNECT_GET_SYSINFO", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [204, { name: "REMOTE_PROC_DOMAIN_SET_MEMORY_FLAGS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [205, { name: "REMOTE_PROC_DOMAIN_SET_BLKIO_PARAMETERS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [206, { name: "REMOTE_PROC_DOMAIN_GET_BLKIO_PARAMETERS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [207, { name: "REMOTE_PROC_DOMAIN_MIGRATE_SET_MAX_SPEED", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [208, { name: "REMOTE_PROC_STORAGE_VOL_UPLOAD", args: true, ret: false, msg: false, stream: "write", priority: "" }],
  [209, { name: "REMOTE_PROC_STORAGE_VOL_DOWNLOAD", args: true, ret: false, msg: false, stream: "read", priority: "" }],
  [210, { name: "REMOTE_PROC_DOMAIN_INJECT_NMI", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [211, { name: "REMOTE_PROC_DOMAIN_SCREENSHOT", args: true, ret: true, msg: false, stream: "read", priority: "" }],
  [212, { name: "REMOTE_PROC_DOMAIN_GET_STATE", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [213, { name: "REMOTE_PROC_DOMAIN_MIGRATE_BEGIN3", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [214, { name: "REMOTE_PROC_DOMAIN_MIGRATE_PREPARE3", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [215, { name: "REMOTE_PROC_DOMAIN_MIGRATE_PREPARE_TUNNEL3", args: true, ret: true, msg: false, stream: "write", priority: "" }],
  [216, { name: "REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [217, { name: "REMOTE_PROC_DOMAIN_MIGRATE_FINISH3", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [218, { name: "REMOTE_PROC_DOMAIN_MIGRATE_CONFIRM3", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [219, { name: "REMOTE_PROC_DOMAIN_SET_SCHEDULER_PARAMETERS_FLAGS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [220, { name: "REMOTE_PROC_INTERFACE_CHANGE_BEGIN", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [221, { name: "REMOTE_PROC_INTERFACE_CHANGE_COMMIT", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [222, { name: "REMOTE_PROC_INTERFACE_CHANGE_ROLLBACK", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [223, { name: "REMOTE_PROC_DOMAIN_GET_SCHEDULER_PARAMETERS_FLAGS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [224, { name: "REMOTE_PROC_DOMAIN_EVENT_CONTROL_ERROR", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [225, { name: "REMOTE_PROC_DOMAIN_PIN_VCPU_FLAGS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [226, { name: "REMOTE_PROC_DOMAIN_SEND_KEY", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [227, { name: "REMOTE_PROC_NODE_GET_CPU_STATS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [228, { name: "REMOTE_PROC_NODE_GET_MEMORY_STATS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [229, { name: "REMOTE_PROC_DOMAIN_GET_CONTROL_INFO", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [230, { name: "REMOTE_PROC_DOMAIN_GET_VCPU_PIN_INFO", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [231, { name: "REMOTE_PROC_DOMAIN_UNDEFINE_FLAGS", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [232, { name: "REMOTE_PROC_DOMAIN_SAVE_FLAGS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [233, { name: "REMOTE_PROC_DOMAIN_RESTORE_FLAGS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [234, { name: "REMOTE_PROC_DOMAIN_DESTROY_FLAGS", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [235, { name: "REMOTE_PROC_DOMAIN_SAVE_IMAGE_GET_XML_DESC", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [236, { name: "REMOTE_PROC_DOMAIN_SAVE_IMAGE_DEFINE_XML", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [237, { name: "REMOTE_PROC_DOMAIN_BLOCK_JOB_ABORT", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [238, { name: "REMOTE_PROC_DOMAIN_GET_BLOCK_JOB_INFO", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [239, { name: "REMOTE_PROC_DOMAIN_BLOCK_JOB_SET_SPEED", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [240, { name: "REMOTE_PROC_DOMAIN_BLOCK_PULL", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [241, { name: "REMOTE_PROC_DOMAIN_EVENT_BLOCK_JOB", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [242, { name: "REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_SPEED", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [243, { name: "REMOTE_PROC_DOMAIN_BLOCK_STATS_FLAGS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [244, { name: "REMOTE_PROC_DOMAIN_SNAPSHOT_GET_PARENT", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [245, { name: "REMOTE_PROC_DOMAIN_RESET", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [246, { name: "REMOTE_PROC_DOMAIN_SNAPSHOT_NUM_CHILDREN", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [247, { name: "REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_CHILDREN_NAMES", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [248, { name: "REMOTE_PROC_DOMAIN_EVENT_DISK_CHANGE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [249, { name: "REMOTE_PROC_DOMAIN_OPEN_GRAPHICS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [250, { name: "REMOTE_PROC_NODE_SUSPEND_FOR_DURATION", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [251, { name: "REMOTE_PROC_DOMAIN_BLOCK_RESIZE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [252, { name: "REMOTE_PROC_DOMAIN_SET_BLOCK_IO_TUNE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [253, { name: "REMOTE_PROC_DOMAIN_GET_BLOCK_IO_TUNE", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [254, { name: "REMOTE_PROC_DOMAIN_SET_NUMA_PARAMETERS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [255, { name: "REMOTE_PROC_DOMAIN_GET_NUMA_PARAMETERS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [256, { name: "REMOTE_PROC_DOMAIN_SET_INTERFACE_PARAMETERS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [257, { name: "REMOTE_PROC_DOMAIN_GET_INTERFACE_PARAMETERS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [258, { name: "REMOTE_PROC_DOMAIN_SHUTDOWN_FLAGS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [259, { name: "REMOTE_PROC_STORAGE_VOL_WIPE_PATTERN", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [260, { name: "REMOTE_PROC_STORAGE_VOL_RESIZE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [261, { name: "REMOTE_PROC_DOMAIN_PM_SUSPEND_FOR_DURATION", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [262, { name: "REMOTE_PROC_DOMAIN_GET_CPU_STATS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [263, { name: "REMOTE_PROC_DOMAIN_GET_DISK_ERRORS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [264, { name: "REMOTE_PROC_DOMAIN_SET_METADATA", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [265, { name: "REMOTE_PROC_DOMAIN_GET_METADATA", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [266, { name: "REMOTE_PROC_DOMAIN_BLOCK_REBASE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [267, { name: "REMOTE_PROC_DOMAIN_PM_WAKEUP", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [268, { name: "REMOTE_PROC_DOMAIN_EVENT_TRAY_CHANGE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [269, { name: "REMOTE_PROC_DOMAIN_EVENT_PMWAKEUP", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [270, { name: "REMOTE_PROC_DOMAIN_EVENT_PMSUSPEND", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [271, { name: "REMOTE_PROC_DOMAIN_SNAPSHOT_IS_CURRENT", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [272, { name: "REMOTE_PROC_DOMAIN_SNAPSHOT_HAS_METADATA", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [273, { name: "REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [274, { name: "REMOTE_PROC_DOMAIN_LIST_ALL_SNAPSHOTS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [275, { name: "REMOTE_PROC_DOMAIN_SNAPSHOT_LIST_ALL_CHILDREN", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [276, { name: "REMOTE_PROC_DOMAIN_EVENT_BALLOON_CHANGE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [277, { name: "REMOTE_PROC_DOMAIN_GET_HOSTNAME", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [278, { name: "REMOTE_PROC_DOMAIN_GET_SECURITY_LABEL_LIST", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [279, { name: "REMOTE_PROC_DOMAIN_PIN_EMULATOR", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [280, { name: "REMOTE_PROC_DOMAIN_GET_EMULATOR_PIN_INFO", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [281, { name: "REMOTE_PROC_CONNECT_LIST_ALL_STORAGE_POOLS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [282, { name: "REMOTE_PROC_STORAGE_POOL_LIST_ALL_VOLUMES", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [283, { name: "REMOTE_PROC_CONNECT_LIST_ALL_NETWORKS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [284, { name: "REMOTE_PROC_CONNECT_LIST_ALL_INTERFACES", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [285, { name: "REMOTE_PROC_CONNECT_LIST_ALL_NODE_DEVICES", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [286, { name: "REMOTE_PROC_CONNECT_LIST_ALL_NWFILTERS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [287, { name: "REMOTE_PROC_CONNECT_LIST_ALL_SECRETS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [288, { name: "REMOTE_PROC_NODE_SET_MEMORY_PARAMETERS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [289, { name: "REMOTE_PROC_NODE_GET_MEMORY_PARAMETERS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [290, { name: "REMOTE_PROC_DOMAIN_BLOCK_COMMIT", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [291, { name: "REMOTE_PROC_NETWORK_UPDATE", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [292, { name: "REMOTE_PROC_DOMAIN_EVENT_PMSUSPEND_DISK", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [293, { name: "REMOTE_PROC_NODE_GET_CPU_MAP", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [294, { name: "REMOTE_PROC_DOMAIN_FSTRIM", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [295, { name: "REMOTE_PROC_DOMAIN_SEND_PROCESS_SIGNAL", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [296, { name: "REMOTE_PROC_DOMAIN_OPEN_CHANNEL", args: true, ret: false, msg: false, stream: "read", priority: "" }],
  [297, { name: "REMOTE_PROC_NODE_DEVICE_LOOKUP_SCSI_HOST_BY_WWN", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [298, { name: "REMOTE_PROC_DOMAIN_GET_JOB_STATS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [299, { name: "REMOTE_PROC_DOMAIN_MIGRATE_GET_COMPRESSION_CACHE", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [300, { name: "REMOTE_PROC_DOMAIN_MIGRATE_SET_COMPRESSION_CACHE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [301, { name: "REMOTE_PROC_NODE_DEVICE_DETACH_FLAGS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [302, { name: "REMOTE_PROC_DOMAIN_MIGRATE_BEGIN3_PARAMS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [303, { name: "REMOTE_PROC_DOMAIN_MIGRATE_PREPARE3_PARAMS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [304, { name: "REMOTE_PROC_DOMAIN_MIGRATE_PREPARE_TUNNEL3_PARAMS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [305, { name: "REMOTE_PROC_DOMAIN_MIGRATE_PERFORM3_PARAMS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [306, { name: "REMOTE_PROC_DOMAIN_MIGRATE_FINISH3_PARAMS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [307, { name: "REMOTE_PROC_DOMAIN_MIGRATE_CONFIRM3_PARAMS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [308, { name: "REMOTE_PROC_DOMAIN_SET_MEMORY_STATS_PERIOD", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [309, { name: "REMOTE_PROC_DOMAIN_CREATE_XML_WITH_FILES", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [310, { name: "REMOTE_PROC_DOMAIN_CREATE_WITH_FILES", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [311, { name: "REMOTE_PROC_DOMAIN_EVENT_DEVICE_REMOVED", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [312, { name: "REMOTE_PROC_CONNECT_GET_CPU_MODEL_NAMES", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [313, { name: "REMOTE_PROC_CONNECT_NETWORK_EVENT_REGISTER_ANY", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [314, { name: "REMOTE_PROC_CONNECT_NETWORK_EVENT_DEREGISTER_ANY", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [315, { name: "REMOTE_PROC_NETWORK_EVENT_LIFECYCLE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [316, { name: "REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [317, { name: "REMOTE_PROC_CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [318, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_LIFECYCLE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [319, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_REBOOT", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [320, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_RTC_CHANGE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [321, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_WATCHDOG", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [322, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_IO_ERROR", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [323, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_GRAPHICS", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [324, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_IO_ERROR_REASON", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [325, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_CONTROL_ERROR", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [326, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_BLOCK_JOB", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [327, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DISK_CHANGE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [328, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_TRAY_CHANGE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [329, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_PMWAKEUP", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [330, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_PMSUSPEND", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [331, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_BALLOON_CHANGE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [332, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_PMSUSPEND_DISK", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [333, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_REMOVED", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [334, { name: "REMOTE_PROC_DOMAIN_CORE_DUMP_WITH_FORMAT", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [335, { name: "REMOTE_PROC_DOMAIN_FSFREEZE", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [336, { name: "REMOTE_PROC_DOMAIN_FSTHAW", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [337, { name: "REMOTE_PROC_DOMAIN_GET_TIME", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [338, { name: "REMOTE_PROC_DOMAIN_SET_TIME", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [339, { name: "REMOTE_PROC_DOMAIN_EVENT_BLOCK_JOB_2", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [340, { name: "REMOTE_PROC_NODE_GET_FREE_PAGES", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [341, { name: "REMOTE_PROC_NETWORK_GET_DHCP_LEASES", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [342, { name: "REMOTE_PROC_CONNECT_GET_DOMAIN_CAPABILITIES", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [343, { name: "REMOTE_PROC_DOMAIN_OPEN_GRAPHICS_FD", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [344, { name: "REMOTE_PROC_CONNECT_GET_ALL_DOMAIN_STATS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [345, { name: "REMOTE_PROC_DOMAIN_BLOCK_COPY", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [346, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_TUNABLE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [347, { name: "REMOTE_PROC_NODE_ALLOC_PAGES", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [348, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_AGENT_LIFECYCLE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [349, { name: "REMOTE_PROC_DOMAIN_GET_FSINFO", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [350, { name: "REMOTE_PROC_DOMAIN_DEFINE_XML_FLAGS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [351, { name: "REMOTE_PROC_DOMAIN_GET_IOTHREAD_INFO", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [352, { name: "REMOTE_PROC_DOMAIN_PIN_IOTHREAD", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [353, { name: "REMOTE_PROC_DOMAIN_INTERFACE_ADDRESSES", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [354, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_ADDED", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [355, { name: "REMOTE_PROC_DOMAIN_ADD_IOTHREAD", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [356, { name: "REMOTE_PROC_DOMAIN_DEL_IOTHREAD", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [357, { name: "REMOTE_PROC_DOMAIN_SET_USER_PASSWORD", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [358, { name: "REMOTE_PROC_DOMAIN_RENAME", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [359, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_MIGRATION_ITERATION", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [360, { name: "REMOTE_PROC_CONNECT_REGISTER_CLOSE_CALLBACK", args: false, ret: false, msg: false, stream: "", priority: "high" }],
  [361, { name: "REMOTE_PROC_CONNECT_UNREGISTER_CLOSE_CALLBACK", args: false, ret: false, msg: false, stream: "", priority: "high" }],
  [362, { name: "REMOTE_PROC_CONNECT_EVENT_CONNECTION_CLOSED", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [363, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_JOB_COMPLETED", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [364, { name: "REMOTE_PROC_DOMAIN_MIGRATE_START_POST_COPY", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [365, { name: "REMOTE_PROC_DOMAIN_GET_PERF_EVENTS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [366, { name: "REMOTE_PROC_DOMAIN_SET_PERF_EVENTS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [367, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_DEVICE_REMOVAL_FAILED", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [368, { name: "REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [369, { name: "REMOTE_PROC_CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [370, { name: "REMOTE_PROC_STORAGE_POOL_EVENT_LIFECYCLE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [371, { name: "REMOTE_PROC_DOMAIN_GET_GUEST_VCPUS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [372, { name: "REMOTE_PROC_DOMAIN_SET_GUEST_VCPUS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [373, { name: "REMOTE_PROC_STORAGE_POOL_EVENT_REFRESH", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [374, { name: "REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_REGISTER_ANY", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [375, { name: "REMOTE_PROC_CONNECT_NODE_DEVICE_EVENT_DEREGISTER_ANY", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [376, { name: "REMOTE_PROC_NODE_DEVICE_EVENT_LIFECYCLE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [377, { name: "REMOTE_PROC_NODE_DEVICE_EVENT_UPDATE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [378, { name: "REMOTE_PROC_STORAGE_VOL_GET_INFO_FLAGS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [379, { name: "REMOTE_PROC_DOMAIN_EVENT_CALLBACK_METADATA_CHANGE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [380, { name: "REMOTE_PROC_CONNECT_SECRET_EVENT_REGISTER_ANY", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [381, { name: "REMOTE_PROC_CONNECT_SECRET_EVENT_DEREGISTER_ANY", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [382, { name: "REMOTE_PROC_SECRET_EVENT_LIFECYCLE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [383, { name: "REMOTE_PROC_SECRET_EVENT_VALUE_CHANGED", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [384, { name: "REMOTE_PROC_DOMAIN_SET_VCPU", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [385, { name: "REMOTE_PROC_DOMAIN_EVENT_BLOCK_THRESHOLD", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [386, { name: "REMOTE_PROC_DOMAIN_SET_BLOCK_THRESHOLD", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [387, { name: "REMOTE_PROC_DOMAIN_MIGRATE_GET_MAX_DOWNTIME", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [388, { name: "REMOTE_PROC_DOMAIN_MANAGED_SAVE_GET_XML_DESC", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [389, { name: "REMOTE_PROC_DOMAIN_MANAGED_SAVE_DEFINE_XML", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [390, { name: "REMOTE_PROC_DOMAIN_SET_LIFECYCLE_ACTION", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [391, { name: "REMOTE_PROC_STORAGE_POOL_LOOKUP_BY_TARGET_PATH", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [392, { name: "REMOTE_PROC_DOMAIN_DETACH_DEVICE_ALIAS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [393, { name: "REMOTE_PROC_CONNECT_COMPARE_HYPERVISOR_CPU", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [394, { name: "REMOTE_PROC_CONNECT_BASELINE_HYPERVISOR_CPU", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [395, { name: "REMOTE_PROC_NODE_GET_SEV_INFO", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [396, { name: "REMOTE_PROC_DOMAIN_GET_LAUNCH_SECURITY_INFO", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [397, { name: "REMOTE_PROC_NWFILTER_BINDING_LOOKUP_BY_PORT_DEV", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [398, { name: "REMOTE_PROC_NWFILTER_BINDING_GET_XML_DESC", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [399, { name: "REMOTE_PROC_NWFILTER_BINDING_CREATE_XML", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [400, { name: "REMOTE_PROC_NWFILTER_BINDING_DELETE", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [401, { name: "REMOTE_PROC_CONNECT_LIST_ALL_NWFILTER_BINDINGS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [402, { name: "REMOTE_PROC_DOMAIN_SET_IOTHREAD_PARAMS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [403, { name: "REMOTE_PROC_CONNECT_GET_STORAGE_POOL_CAPABILITIES", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [404, { name: "REMOTE_PROC_NETWORK_LIST_ALL_PORTS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [405, { name: "REMOTE_PROC_NETWORK_PORT_LOOKUP_BY_UUID", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [406, { name: "REMOTE_PROC_NETWORK_PORT_CREATE_XML", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [407, { name: "REMOTE_PROC_NETWORK_PORT_GET_PARAMETERS", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [408, { name: "REMOTE_PROC_NETWORK_PORT_SET_PARAMETERS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [409, { name: "REMOTE_PROC_NETWORK_PORT_GET_XML_DESC", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [410, { name: "REMOTE_PROC_NETWORK_PORT_DELETE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [411, { name: "REMOTE_PROC_DOMAIN_CHECKPOINT_CREATE_XML", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [412, { name: "REMOTE_PROC_DOMAIN_CHECKPOINT_GET_XML_DESC", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [413, { name: "REMOTE_PROC_DOMAIN_LIST_ALL_CHECKPOINTS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [414, { name: "REMOTE_PROC_DOMAIN_CHECKPOINT_LIST_ALL_CHILDREN", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [415, { name: "REMOTE_PROC_DOMAIN_CHECKPOINT_LOOKUP_BY_NAME", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [416, { name: "REMOTE_PROC_DOMAIN_CHECKPOINT_GET_PARENT", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [417, { name: "REMOTE_PROC_DOMAIN_CHECKPOINT_DELETE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [418, { name: "REMOTE_PROC_DOMAIN_GET_GUEST_INFO", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [419, { name: "REMOTE_PROC_CONNECT_SET_IDENTITY", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [420, { name: "REMOTE_PROC_DOMAIN_AGENT_SET_RESPONSE_TIMEOUT", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [421, { name: "REMOTE_PROC_DOMAIN_BACKUP_BEGIN", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [422, { name: "REMOTE_PROC_DOMAIN_BACKUP_GET_XML_DESC", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [423, { name: "REMOTE_PROC_DOMAIN_EVENT_MEMORY_FAILURE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [424, { name: "REMOTE_PROC_DOMAIN_AUTHORIZED_SSH_KEYS_GET", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [425, { name: "REMOTE_PROC_DOMAIN_AUTHORIZED_SSH_KEYS_SET", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [426, { name: "REMOTE_PROC_DOMAIN_GET_MESSAGES", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [427, { name: "REMOTE_PROC_DOMAIN_START_DIRTY_RATE_CALC", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [428, { name: "REMOTE_PROC_NODE_DEVICE_DEFINE_XML", args: true, ret: true, msg: false, stream: "", priority: "" }],
  [429, { name: "REMOTE_PROC_NODE_DEVICE_UNDEFINE", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [430, { name: "REMOTE_PROC_NODE_DEVICE_CREATE", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [431, { name: "REMOTE_PROC_NWFILTER_DEFINE_XML_FLAGS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [432, { name: "REMOTE_PROC_NETWORK_DEFINE_XML_FLAGS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [433, { name: "REMOTE_PROC_NODE_DEVICE_GET_AUTOSTART", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [434, { name: "REMOTE_PROC_NODE_DEVICE_SET_AUTOSTART", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [435, { name: "REMOTE_PROC_NODE_DEVICE_IS_PERSISTENT", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [436, { name: "REMOTE_PROC_NODE_DEVICE_IS_ACTIVE", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [437, { name: "REMOTE_PROC_NETWORK_CREATE_XML_FLAGS", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [438, { name: "REMOTE_PROC_DOMAIN_EVENT_MEMORY_DEVICE_SIZE_CHANGE", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [439, { name: "REMOTE_PROC_DOMAIN_SET_LAUNCH_SECURITY_STATE", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [440, { name: "REMOTE_PROC_DOMAIN_SAVE_PARAMS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [441, { name: "REMOTE_PROC_DOMAIN_RESTORE_PARAMS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [442, { name: "REMOTE_PROC_DOMAIN_ABORT_JOB_FLAGS", args: true, ret: false, msg: false, stream: "", priority: "" }],
  [443, { name: "REMOTE_PROC_DOMAIN_FD_ASSOCIATE", args: true, ret: false, msg: false, stream: "", priority: "" }],
]);

export const QEMU_PROCEDURE_INFO: ReadonlyMap<number, ProcedureInfo> = new Map<number, ProcedureInfo>([
  [1, { name: "QEMU_PROC_DOMAIN_MONITOR_COMMAND", args: true, ret: true, msg: false, stream: "", priority: "low" }],
  [2, { name: "QEMU_PROC_DOMAIN_ATTACH", args: true, ret: true, msg: false, stream: "", priority: "low" }],
  [3, { name: "QEMU_PROC_DOMAIN_AGENT_COMMAND", args: true, ret: true, msg: false, stream: "", priority: "low" }],
  [4, { name: "QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_REGISTER", args: true, ret: true, msg: false, stream: "", priority: "high" }],
  [5, { name: "QEMU_PROC_CONNECT_DOMAIN_MONITOR_EVENT_DEREGISTER", args: true, ret: false, msg: false, stream: "", priority: "high" }],
  [6, { name: "QEMU_PROC_DOMAIN_MONITOR_EVENT", args: false, ret: false, msg: true, stream: "", priority: "" }],
  [7, { name: "QEMU_PROC_DOMAIN_MONITOR_COMMAND_WITH_FILES", args: true, ret: true, msg: false, stream: "", priority: "low" }],
]);

export const LXC_PROCEDURE_INFO: ReadonlyMap<number, ProcedureInfo> = new Map<number, ProcedureInfo>([
  [1, { name: "LXC_PROC_DOMAIN_OPEN_NAMESPACE", args: true, ret: false, msg: false, stream: "", priority: "low" }],
]);

export const KEEPALIVE_PROCEDURE_INFO: ReadonlyMap<number, ProcedureInfo> = new Map<number, ProcedureInfo>([
  [1, { name: "KEEPALIVE_PROC_PING", args: false, ret: false, msg: false, stream: "", priority: "" }],
  [2, { name: "KEEPALIVE_PROC_PONG", args: false, ret: false, msg: false, stream: "", priority: "" }],
]);
