// virNetwork entry points (src/libvirt-network.c).
import { VirErrorDomain } from "../errors/virterror.js";
import { checkFlags, checkReadOnly, entry, formatUUID } from "./check.js";
import type { Connect } from "./connect.js";
import type { NetworkRef } from "./driver.js";

const NET = VirErrorDomain.VIR_FROM_NETWORK;

export class Network {
  constructor(
    readonly conn: Connect,
    readonly ref: NetworkRef,
  ) {}

  name(): string {
    return this.ref.name;
  }
  UUIDString(): string {
    return formatUUID(this.ref.uuid);
  }
  private get d() {
    return this.conn.driver;
  }
  async XMLDesc(flags = 0): Promise<string> {
    checkFlags(flags, "virNetworkGetXMLDesc", NET);
    return entry(this.d, "networkGetXMLDesc", "virNetworkGetXMLDesc", NET)(this.ref, flags);
  }
  async bridgeName(): Promise<string> {
    return entry(this.d, "networkGetBridgeName", "virNetworkGetBridgeName", NET)(this.ref);
  }
  async autostart(): Promise<boolean> {
    return entry(this.d, "networkGetAutostart", "virNetworkGetAutostart", NET)(this.ref);
  }
  async setAutostart(autostart: boolean): Promise<void> {
    checkReadOnly(this.conn.flags, "virNetworkSetAutostart", NET);
    await entry(this.d, "networkSetAutostart", "virNetworkSetAutostart", NET)(this.ref, autostart);
  }
  async isActive(): Promise<boolean> {
    return entry(this.d, "networkIsActive", "virNetworkIsActive", NET)(this.ref);
  }
  async isPersistent(): Promise<boolean> {
    return entry(this.d, "networkIsPersistent", "virNetworkIsPersistent", NET)(this.ref);
  }
  async create(): Promise<void> {
    checkReadOnly(this.conn.flags, "virNetworkCreate", NET);
    await entry(this.d, "networkCreate", "virNetworkCreate", NET)(this.ref);
  }
  async destroy(): Promise<void> {
    checkReadOnly(this.conn.flags, "virNetworkDestroy", NET);
    await entry(this.d, "networkDestroy", "virNetworkDestroy", NET)(this.ref);
  }
  async undefine(): Promise<void> {
    checkReadOnly(this.conn.flags, "virNetworkUndefine", NET);
    await entry(this.d, "networkUndefine", "virNetworkUndefine", NET)(this.ref);
  }
}
