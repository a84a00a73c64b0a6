import type { NetClient } from "./net-client.js";
import type { NetdevConfig } from "./netdev-option.js";
import { SocketNet } from "./socket-net.js";
import { UserNet } from "./user-net.js";

export interface NetdevEnvironment {
  /** Where non-fatal notices go (QEMU prints them to stderr). */
  onNotice?: (message: string) => void;
}

export type Netdev = (UserNet | SocketNet) & NetClient;

/** Builds (but does not open) the backend a parsed -netdev describes; call open() before use. */
export function createNetdev(config: NetdevConfig, env: NetdevEnvironment = {}): Netdev {
  if (config.type === "user") {
    return new UserNet(config.id, config.user);
  }
  return new SocketNet(config.id, config.mode, env.onNotice);
}
