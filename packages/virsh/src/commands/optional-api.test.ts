// The fallbacks for public API entry points @virtkit/libvirt does not expose yet: without the
// method they fail exactly as libvirt does for a driver without the entry (VIR_ERR_NO_SUPPORT in
// the API's error domain); once the library object has it, they call it with virsh's arguments.
import { VirError, VirErrorDomain, VirErrorNumber, type Connect, type Domain, type StorageVol } from "@virtkit/libvirt";
import { describe, expect, it } from "vitest";
import { domainSetMemoryStatsPeriod, getDomainCapabilities, storageVolWipe } from "./optional-api.js";

async function failure(p: Promise<unknown>): Promise<VirError> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(VirError);
  return e as VirError;
}

describe("entry points missing from the library", () => {
  it("fail with libvirt's NO_SUPPORT error in the API's domain", async () => {
    const e = await failure(domainSetMemoryStatsPeriod(Object.create(null) as Domain, 5, 0));
    expect([e.code, e.domain, e.message]).toEqual([VirErrorNumber.VIR_ERR_NO_SUPPORT, VirErrorDomain.VIR_FROM_DOMAIN, "this function is not supported by the connection driver: virDomainSetMemoryStatsPeriod"]);
    const w = await failure(storageVolWipe(Object.create(null) as StorageVol, 0));
    expect([w.domain, w.message]).toEqual([VirErrorDomain.VIR_FROM_STORAGE, "this function is not supported by the connection driver: virStorageVolWipe"]);
  });

  it("call the method with virsh's arguments once the object has it", async () => {
    const calls: unknown[] = [];
    const conn = {
      getDomainCapabilities: (...a: unknown[]) => {
        calls.push(a);
        return Promise.resolve("<domainCapabilities/>");
      },
    } as unknown as Connect;
    expect(await getDomainCapabilities(conn, null, "i686", "pc", "kvm", 0)).toBe("<domainCapabilities/>");
    expect(calls).toEqual([[null, "i686", "pc", "kvm", 0]]);
  });
});
