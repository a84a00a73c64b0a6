// @virtkit/libvirt: the public API (Connect, Domain, ...), errors, the RPC protocol, the XML
// configuration layer, and the test and remote drivers. As in libvirt.so, the test driver
// (test:///) and the remote driver (everything with a transport, and local URIs no local driver
// takes) are registered on import; the qemu driver is registered through registerQemuDriverLoader
// and loaded on the first qemu:/// open.
import { registerQemuDriverLoader, virRegisterConnectDriver } from "./api/registry.js";
import { remoteConnectDriver } from "./drivers/remote/remote-driver.js";
import { registerTestDriver } from "./drivers/test/register.js";

export const VERSION = "0.1.0";

export * from "./errors/index.js";
export * from "./api/index.js";
export * as rpc from "./rpc/index.js";
/** The XML configuration layer (domain, network, storage, snapshot, capabilities). */
export * as conf from "./conf/index.js";
export { VirNetServer, VirNetClient, type ServerOptions, type Logger, type LogLevel } from "./rpc/index.js";
export * from "./drivers/test/index.js";
export * from "./drivers/remote/index.js";
export * from "./drivers/persist.js";

registerTestDriver();
virRegisterConnectDriver(remoteConnectDriver);
// The qemu driver (and @virtkit/qemu behind it) is imported only when a qemu:/// URI is opened.
registerQemuDriverLoader(() => import("./drivers/qemu/index.js").then((m) => m.qemuConnectDriver));
