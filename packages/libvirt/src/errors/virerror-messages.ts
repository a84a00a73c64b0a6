// Message templates of virerror.c (virErrorMsgStrings, libvirt 9.0): [without detail, with detail].
// The detail replaces the single "%s". Indexed by virErrorNumber.

export const VIR_ERROR_MESSAGES: readonly (readonly [string, string])[] = [
  ["", ""], // VIR_ERR_OK
  ["internal error", "internal error: %s"], // VIR_ERR_INTERNAL_ERROR = 1
  ["out of memory", "out of memory: %s"], // VIR_ERR_NO_MEMORY = 2
  ["this function is not supported by the connection driver", "this function is not supported by the connection driver: %s"], // VIR_ERR_NO_SUPPORT = 3
  ["unknown host", "unknown host %s"], // VIR_ERR_UNKNOWN_HOST = 4
  ["no connection driver available", "no connection driver available for %s"], // VIR_ERR_NO_CONNECT = 5
  ["invalid connection pointer in", "invalid connection pointer in %s"], // VIR_ERR_INVALID_CONN = 6
  ["invalid domain pointer in", "invalid domain pointer in %s"], // VIR_ERR_INVALID_DOMAIN = 7
  ["invalid argument", "invalid argument: %s"], // VIR_ERR_INVALID_ARG = 8
  ["operation failed", "operation failed: %s"], // VIR_ERR_OPERATION_FAILED = 9
  ["GET operation failed", "GET operation failed: %s"], // VIR_ERR_GET_FAILED = 10
  ["POST operation failed", "POST operation failed: %s"], // VIR_ERR_POST_FAILED = 11
  ["got unknown HTTP error code", "got unknown HTTP error code %s"], // VIR_ERR_HTTP_ERROR = 12
  ["failed to serialize S-Expr", "failed to serialize S-Expr: %s"], // VIR_ERR_SEXPR_SERIAL = 13
  ["could not use Xen hypervisor entry", "could not use Xen hypervisor entry %s"], // VIR_ERR_NO_XEN = 14
  ["failed Xen syscall", "failed Xen syscall %s"], // VIR_ERR_XEN_CALL = 15
  ["unknown OS type", "unknown OS type %s"], // VIR_ERR_OS_TYPE = 16
  ["missing kernel information", "missing kernel information: %s"], // VIR_ERR_NO_KERNEL = 17
  ["missing root device information", "missing root device information in %s"], // VIR_ERR_NO_ROOT = 18
  ["missing source information for device", "missing source information for device %s"], // VIR_ERR_NO_SOURCE = 19
  ["missing target information for device", "missing target information for device %s"], // VIR_ERR_NO_TARGET = 20
  ["missing name information", "missing name information in %s"], // VIR_ERR_NO_NAME = 21
  ["missing operating system information", "missing operating system information for %s"], // VIR_ERR_NO_OS = 22
  ["missing devices information", "missing devices information for %s"], // VIR_ERR_NO_DEVICE = 23
  ["could not connect to Xen Store", "could not connect to Xen Store %s"], // VIR_ERR_NO_XENSTORE = 24
  ["too many drivers registered", "too many drivers registered in %s"], // VIR_ERR_DRIVER_FULL = 25
  ["library call failed", "library call failed: %s"], // VIR_ERR_CALL_FAILED = 26
  ["XML description is invalid or not well formed", "XML error: %s"], // VIR_ERR_XML_ERROR = 27
  ["this domain exists already", "domain %s exists already"], // VIR_ERR_DOM_EXIST = 28
  ["operation forbidden for read only access", "operation forbidden: %s"], // VIR_ERR_OPERATION_DENIED = 29
  ["failed to open configuration file", "failed to open configuration file %s"], // VIR_ERR_OPEN_FAILED = 30
  ["failed to read configuration file", "failed to read configuration file %s"], // VIR_ERR_READ_FAILED = 31
  ["failed to parse configuration file", "failed to parse configuration file %s"], // VIR_ERR_PARSE_FAILED = 32
  ["configuration file syntax error", "configuration file syntax error: %s"], // VIR_ERR_CONF_SYNTAX = 33
  ["failed to write configuration file", "failed to write configuration file: %s"], // VIR_ERR_WRITE_FAILED = 34
  ["parser error", "%s"], // VIR_ERR_XML_DETAIL = 35
  ["invalid network pointer in", "invalid network pointer in %s"], // VIR_ERR_INVALID_NETWORK = 36
  ["this network exists already", "network %s exists already"], // VIR_ERR_NETWORK_EXIST = 37
  ["system call error", "%s"], // VIR_ERR_SYSTEM_ERROR = 38
  ["RPC error", "%s"], // VIR_ERR_RPC = 39
  ["GNUTLS call error", "%s"], // VIR_ERR_GNUTLS_ERROR = 40
  ["Failed to find the network", "Failed to find the network: %s"], // VIR_WAR_NO_NETWORK = 41
  ["Domain not found", "Domain not found: %s"], // VIR_ERR_NO_DOMAIN = 42
  ["Network not found", "Network not found: %s"], // VIR_ERR_NO_NETWORK = 43
  ["invalid MAC address", "invalid MAC address: %s"], // VIR_ERR_INVALID_MAC = 44
  ["authentication failed", "authentication failed: %s"], // VIR_ERR_AUTH_FAILED = 45
  ["invalid storage pool pointer in", "invalid storage pool pointer in %s"], // VIR_ERR_INVALID_STORAGE_POOL = 46
  ["invalid storage volume pointer in", "invalid storage volume pointer in %s"], // VIR_ERR_INVALID_STORAGE_VOL = 47
  ["Failed to find a storage driver", "Failed to find a storage driver: %s"], // VIR_WAR_NO_STORAGE = 48
  ["Storage pool not found", "Storage pool not found: %s"], // VIR_ERR_NO_STORAGE_POOL = 49
  ["Storage volume not found", "Storage volume not found: %s"], // VIR_ERR_NO_STORAGE_VOL = 50
  ["Failed to find a node driver", "Failed to find a node driver: %s"], // VIR_WAR_NO_NODE = 51
  ["invalid node device pointer", "invalid node device pointer in %s"], // VIR_ERR_INVALID_NODE_DEVICE = 52
  ["Node device not found", "Node device not found: %s"], // VIR_ERR_NO_NODE_DEVICE = 53
  ["Security model not found", "Security model not found: %s"], // VIR_ERR_NO_SECURITY_MODEL = 54
  ["Requested operation is not valid", "Requested operation is not valid: %s"], // VIR_ERR_OPERATION_INVALID = 55
  ["Failed to find the interface", "Failed to find the interface: %s"], // VIR_WAR_NO_INTERFACE = 56
  ["Interface not found", "Interface not found: %s"], // VIR_ERR_NO_INTERFACE = 57
  ["invalid interface pointer in", "invalid interface pointer in %s"], // VIR_ERR_INVALID_INTERFACE = 58
  ["multiple matching interfaces found", "multiple matching interfaces found: %s"], // VIR_ERR_MULTIPLE_INTERFACES = 59
  ["Failed to start the nwfilter driver", "Failed to start the nwfilter driver: %s"], // VIR_WAR_NO_NWFILTER = 60
  ["Invalid network filter", "Invalid network filter: %s"], // VIR_ERR_INVALID_NWFILTER = 61
  ["Network filter not found", "Network filter not found: %s"], // VIR_ERR_NO_NWFILTER = 62
  ["Error while building firewall", "Error while building firewall: %s"], // VIR_ERR_BUILD_FIREWALL = 63
  ["Failed to find a secret storage driver", "Failed to find a secret storage driver: %s"], // VIR_WAR_NO_SECRET = 64
  ["Invalid secret", "Invalid secret: %s"], // VIR_ERR_INVALID_SECRET = 65
  ["Secret not found", "Secret not found: %s"], // VIR_ERR_NO_SECRET = 66
  ["unsupported configuration", "unsupported configuration: %s"], // VIR_ERR_CONFIG_UNSUPPORTED = 67
  ["Timed out during operation", "Timed out during operation: %s"], // VIR_ERR_OPERATION_TIMEOUT = 68
  ["Failed to make domain persistent after migration", "Failed to make domain persistent after migration: %s"], // VIR_ERR_MIGRATE_PERSIST_FAILED = 69
  ["Hook script execution failed", "Hook script execution failed: %s"], // VIR_ERR_HOOK_SCRIPT_FAILED = 70
  ["Invalid domain snapshot", "Invalid domain snapshot: %s"], // VIR_ERR_INVALID_DOMAIN_SNAPSHOT = 71
  ["Domain snapshot not found", "Domain snapshot not found: %s"], // VIR_ERR_NO_DOMAIN_SNAPSHOT = 72
  ["invalid stream pointer", "invalid stream pointer in %s"], // VIR_ERR_INVALID_STREAM = 73
  ["argument unsupported", "argument unsupported: %s"], // VIR_ERR_ARGUMENT_UNSUPPORTED = 74
  ["Storage pool probe failed", "Storage pool probe failed: %s"], // VIR_ERR_STORAGE_PROBE_FAILED = 75
  ["Storage pool already built", "Storage pool already built: %s"], // VIR_ERR_STORAGE_POOL_BUILT = 76
  ["revert requires force", "revert requires force: %s"], // VIR_ERR_SNAPSHOT_REVERT_RISKY = 77
  ["operation aborted", "operation aborted: %s"], // VIR_ERR_OPERATION_ABORTED = 78
  ["authentication cancelled", "authentication cancelled: %s"], // VIR_ERR_AUTH_CANCELLED = 79
  ["metadata not found", "metadata not found: %s"], // VIR_ERR_NO_DOMAIN_METADATA = 80
  ["Unsafe migration", "Unsafe migration: %s"], // VIR_ERR_MIGRATE_UNSAFE = 81
  ["numerical overflow", "numerical overflow: %s"], // VIR_ERR_OVERFLOW = 82
  ["block copy still active", "block copy still active: %s"], // VIR_ERR_BLOCK_COPY_ACTIVE = 83
  ["Operation not supported", "Operation not supported: %s"], // VIR_ERR_OPERATION_UNSUPPORTED = 84
  ["SSH transport error", "SSH transport error: %s"], // VIR_ERR_SSH = 85
  ["Guest agent is not responding", "Guest agent is not responding: %s"], // VIR_ERR_AGENT_UNRESPONSIVE = 86
  ["resource busy", "resource busy: %s"], // VIR_ERR_RESOURCE_BUSY = 87
  ["access denied", "access denied: %s"], // VIR_ERR_ACCESS_DENIED = 88
  ["error from service", "error from service: %s"], // VIR_ERR_DBUS_SERVICE = 89
  ["this storage volume exists already", "storage volume %s exists already"], // VIR_ERR_STORAGE_VOL_EXIST = 90
  ["the CPU is incompatible with host CPU", "the CPU is incompatible with host CPU: %s"], // VIR_ERR_CPU_INCOMPATIBLE = 91
  ["XML document failed to validate against schema", "XML document failed to validate against schema: %s"], // VIR_ERR_XML_INVALID_SCHEMA = 92
  ["migration successfully aborted", "migration successfully aborted: %s"], // VIR_ERR_MIGRATE_FINISH_OK = 93
  ["authentication unavailable", "authentication unavailable: %s"], // VIR_ERR_AUTH_UNAVAILABLE = 94
  ["Server not found", "Server not found: %s"], // VIR_ERR_NO_SERVER = 95
  ["Client not found", "Client not found: %s"], // VIR_ERR_NO_CLIENT = 96
  ["guest agent replied with wrong id to guest-sync command", "guest agent replied with wrong id to guest-sync command: %s"], // VIR_ERR_AGENT_UNSYNCED = 97
  ["libssh transport error", "libssh transport error: %s"], // VIR_ERR_LIBSSH = 98
  ["device not found", "device not found: %s"], // VIR_ERR_DEVICE_MISSING = 99
  ["Invalid network filter binding", "Invalid network filter binding: %s"], // VIR_ERR_INVALID_NWFILTER_BINDING = 100
  ["Network filter binding not found", "Network filter binding not found: %s"], // VIR_ERR_NO_NWFILTER_BINDING = 101
  ["Invalid domain checkpoint", "Invalid domain checkpoint: %s"], // VIR_ERR_INVALID_DOMAIN_CHECKPOINT = 102
  ["Domain checkpoint not found", "Domain checkpoint not found: %s"], // VIR_ERR_NO_DOMAIN_CHECKPOINT = 103
  ["Domain backup job id not found", "Domain backup job id not found: %s"], // VIR_ERR_NO_DOMAIN_BACKUP = 104
  ["Invalid network port pointer", "Invalid network port pointer: %s"], // VIR_ERR_INVALID_NETWORK_PORT = 105
  ["this network port exists already", "network port %s exists already"], // VIR_ERR_NETWORK_PORT_EXIST = 106
  ["network port not found", "network port not found: %s"], // VIR_ERR_NO_NETWORK_PORT = 107
  ["no hostname found", "no hostname found: %s"], // VIR_ERR_NO_HOSTNAME = 108
  ["checkpoint inconsistent", "checkpoint inconsistent: %s"], // VIR_ERR_CHECKPOINT_INCONSISTENT = 109
  ["multiple matching domains found", "multiple matching domains found: %s"], // VIR_ERR_MULTIPLE_DOMAINS = 110
];

/** Names virErrorDomainTypeToString gives (python prints "libvirt: <name> error : <message>"). */
export const VIR_ERROR_DOMAIN_NAMES: readonly string[] = [
  "", // 0
  "Xen Driver", // 1
  "Xen Daemon", // 2
  "Xen Store", // 3
  "S-Expression", // 4
  "XML Util", // 5
  "Domain", // 6
  "XML-RPC", // 7
  "Proxy Daemon", // 8
  "Config File", // 9
  "QEMU Driver", // 10
  "Network", // 11
  "Test Driver", // 12
  "Remote Driver", // 13
  "OpenVZ Driver", // 14
  "Xen XM Driver", // 15
  "Linux Statistics", // 16
  "LXC Driver", // 17
  "Storage Driver", // 18
  "Network Driver", // 19
  "Domain Config", // 20
  "User Mode Linux Driver", // 21
  "Node Device Driver", // 22
  "Xen Inotify Driver", // 23
  "Security Driver", // 24
  "VirtualBox Driver", // 25
  "Network Interface Driver", // 26
  "Open Nebula Driver", // 27
  "ESX Driver", // 28
  "Power Hypervisor Driver", // 29
  "Secrets Driver", // 30
  "CPU Driver", // 31
  "XenAPI Driver", // 32
  "Network Filter Driver", // 33
  "Lifecycle Hook", // 34
  "Domain Snapshot", // 35
  "Audit Utils", // 36
  "Sysinfo Utils", // 37
  "I/O Stream Utils", // 38
  "VMware Driver", // 39
  "Event Loop", // 40
  "Xen Light Driver", // 41
  "Lock Driver", // 42
  "Hyper-V Driver", // 43
  "Capabilities Utils", // 44
  "URI Utils", // 45
  "Authentication Utils", // 46
  "DBus Utils", // 47
  "Parallels Cloud Server", // 48
  "Device Config", // 49
  "SSH transport layer", // 50
  "Lock Space", // 51
  "Init control", // 52
  "Identity", // 53
  "Cgroup", // 54
  "Access Manager", // 55
  "Systemd", // 56
  "Bhyve", // 57
  "Crypto", // 58
  "Firewall", // 59
  "Polkit", // 60
  "Thread jobs", // 61
  "Admin Interface", // 62
  "Log Manager", // 63
  "Xen XL Config", // 64
  "Perf", // 65
  "Libssh transport layer", // 66
  "Resource control", // 67
  "FirewallD", // 68
  "Domain Checkpoint", // 69
  "TPM", // 70
  "BPF", // 71
  "Cloud-Hypervisor Driver", // 72
];
