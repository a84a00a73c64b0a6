// Which hypervisor drivers the daemon serves. The test driver is built in; the qemu driver is
// registered through @virtkit/libvirt's registerQemuDriverLoader by the package that provides it,
// and loaded only when a client opens a qemu:/// URI.
import { registerTestDriver } from "@virtkit/libvirt";

export function registerDaemonDrivers(): void {
  registerTestDriver();
}
