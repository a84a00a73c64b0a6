// @virtkit/libvirt: the public API (Connect, Domain, ...), errors, the RPC protocol, and the
// test and remote drivers. The remote driver is registered on import; the test driver is
// registered once the XML configuration layer binds it (see drivers/test/conf-binding.ts).
import { virRegisterConnectDriver } from "./api/registry.js";
import { remoteConnectDriver } from "./drivers/remote/remote-driver.js";

export const VERSION = "0.1.0";

export * from "./errors/index.js";
export * from "./api/index.js";
export * as rpc from "./rpc/index.js";
export { VirNetServer, VirNetClient, type ServerOptions, type Logger, type LogLevel } from "./rpc/index.js";
export * from "./drivers/test/index.js";
export * from "./drivers/remote/index.js";
export * from "./drivers/persist.js";

virRegisterConnectDriver(remoteConnectDriver);
