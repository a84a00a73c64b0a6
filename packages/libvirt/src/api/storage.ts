// virStoragePool and virStorageVol entry points (src/libvirt-storage.c).
import { VirErrorDomain } from "../errors/virterror.js";
import { checkFlags, checkReadOnly, checkString, checkUnsigned, entry, formatUUID } from "./check.js";
import type { Connect } from "./connect.js";
import type { StoragePoolInfo, StoragePoolRef, StorageVolInfo, StorageVolRef } from "./driver.js";
import type { Stream } from "./stream.js";

const STO = VirErrorDomain.VIR_FROM_STORAGE;

export class StoragePool {
  constructor(
    readonly conn: Connect,
    readonly ref: StoragePoolRef,
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
  private w(api: string) {
    checkReadOnly(this.conn.flags, api, STO);
    return this.conn.driver;
  }
  async info(): Promise<StoragePoolInfo> {
    return entry(this.d, "storagePoolGetInfo", "virStoragePoolGetInfo", STO)(this.ref);
  }
  async XMLDesc(flags = 0): Promise<string> {
    checkFlags(flags, "virStoragePoolGetXMLDesc", STO);
    return entry(this.d, "storagePoolGetXMLDesc", "virStoragePoolGetXMLDesc", STO)(this.ref, flags);
  }
  async autostart(): Promise<boolean> {
    return entry(this.d, "storagePoolGetAutostart", "virStoragePoolGetAutostart", STO)(this.ref);
  }
  async setAutostart(autostart: boolean): Promise<void> {
    await entry(this.w("virStoragePoolSetAutostart"), "storagePoolSetAutostart", "virStoragePoolSetAutostart", STO)(this.ref, autostart);
  }
  async isActive(): Promise<boolean> {
    return entry(this.d, "storagePoolIsActive", "virStoragePoolIsActive", STO)(this.ref);
  }
  async isPersistent(): Promise<boolean> {
    return entry(this.d, "storagePoolIsPersistent", "virStoragePoolIsPersistent", STO)(this.ref);
  }
  async create(flags = 0): Promise<void> {
    checkFlags(flags, "virStoragePoolCreate", STO);
    await entry(this.w("virStoragePoolCreate"), "storagePoolCreate", "virStoragePoolCreate", STO)(this.ref, flags);
  }
  async destroy(): Promise<void> {
    await entry(this.w("virStoragePoolDestroy"), "storagePoolDestroy", "virStoragePoolDestroy", STO)(this.ref);
  }
  async undefine(): Promise<void> {
    await entry(this.w("virStoragePoolUndefine"), "storagePoolUndefine", "virStoragePoolUndefine", STO)(this.ref);
  }
  async refresh(flags = 0): Promise<void> {
    checkFlags(flags, "virStoragePoolRefresh", STO);
    await entry(this.w("virStoragePoolRefresh"), "storagePoolRefresh", "virStoragePoolRefresh", STO)(this.ref, flags);
  }
  async numOfVolumes(): Promise<number> {
    return entry(this.d, "storagePoolNumOfVolumes", "virStoragePoolNumOfVolumes", STO)(this.ref);
  }
  async listAllVolumes(flags = 0): Promise<StorageVol[]> {
    checkFlags(flags, "virStoragePoolListAllVolumes", STO);
    const refs = await entry(this.d, "storagePoolListAllVolumes", "virStoragePoolListAllVolumes", STO)(this.ref, flags);
    return refs.map((r) => new StorageVol(this.conn, r));
  }
  async storageVolLookupByName(name: string): Promise<StorageVol> {
    checkString(name, "name", "virStorageVolLookupByName", STO);
    return new StorageVol(this.conn, await entry(this.d, "storageVolLookupByName", "virStorageVolLookupByName", STO)(this.ref, name));
  }
  async createXML(xml: string, flags = 0): Promise<StorageVol> {
    checkString(xml, "xmlDesc", "virStorageVolCreateXML", STO);
    checkFlags(flags, "virStorageVolCreateXML", STO);
    return new StorageVol(this.conn, await entry(this.w("virStorageVolCreateXML"), "storageVolCreateXML", "virStorageVolCreateXML", STO)(this.ref, xml, flags));
  }
}

export class StorageVol {
  constructor(
    readonly conn: Connect,
    readonly ref: StorageVolRef,
  ) {}

  name(): string {
    return this.ref.name;
  }
  key(): string {
    return this.ref.key;
  }
  private get d() {
    return this.conn.driver;
  }
  private w(api: string) {
    checkReadOnly(this.conn.flags, api, STO);
    return this.conn.driver;
  }
  async info(): Promise<StorageVolInfo> {
    return entry(this.d, "storageVolGetInfo", "virStorageVolGetInfo", STO)(this.ref);
  }
  async XMLDesc(flags = 0): Promise<string> {
    checkFlags(flags, "virStorageVolGetXMLDesc", STO);
    return entry(this.d, "storageVolGetXMLDesc", "virStorageVolGetXMLDesc", STO)(this.ref, flags);
  }
  async path(): Promise<string> {
    return entry(this.d, "storageVolGetPath", "virStorageVolGetPath", STO)(this.ref);
  }
  async delete(flags = 0): Promise<void> {
    checkFlags(flags, "virStorageVolDelete", STO);
    await entry(this.w("virStorageVolDelete"), "storageVolDelete", "virStorageVolDelete", STO)(this.ref, flags);
  }
  async storagePoolLookupByVolume(): Promise<StoragePool> {
    return new StoragePool(this.conn, await entry(this.d, "storagePoolLookupByVolume", "virStoragePoolLookupByVolume", STO)(this.ref));
  }
  /** virStorageVolUpload: data written into `stream` lands at offset (length 0 = to the end). */
  async upload(stream: Stream, offset: number, length: number, flags = 0): Promise<void> {
    checkUnsigned(offset, "offset", "virStorageVolUpload", STO);
    checkUnsigned(length, "length", "virStorageVolUpload", STO);
    checkFlags(flags, "virStorageVolUpload", STO);
    await entry(this.w("virStorageVolUpload"), "storageVolUpload", "virStorageVolUpload", STO)(this.ref, stream, offset, length, flags);
  }
  async download(stream: Stream, offset: number, length: number, flags = 0): Promise<void> {
    checkUnsigned(offset, "offset", "virStorageVolDownload", STO);
    checkUnsigned(length, "length", "virStorageVolDownload", STO);
    checkFlags(flags, "virStorageVolDownload", STO);
    await entry(this.w("virStorageVolDownload"), "storageVolDownload", "virStorageVolDownload", STO)(this.ref, stream, offset, length, flags);
  }
}
