/**
 * Loading the addon (build/Release/kvm_native.node). Where it was not built (no compiler) or /dev/kvm is
 * absent, `nativeUnavailable` says why and nothing else here may be called.
 */
import { createRequire } from "node:module";
import { existsSync } from "node:fs";

export interface NativeAddon {
  open(path: string): number;
  close(fd: number): number;
  ioctl(fd: number, request: number, arg?: number | Uint8Array): number;
  mmap(length: number, fd: number, offset: number): { addr: number; buffer: ArrayBuffer } | number;
}

function load(): NativeAddon | string {
  const path = new URL("../native/build/Release/kvm_native.node", import.meta.url).pathname;
  if (!existsSync(path)) return "the addon is not built (no C compiler or node-gyp when the package was built)";
  if (!existsSync("/dev/kvm")) return "/dev/kvm is absent on this host";
  try {
    return createRequire(import.meta.url)(path) as NativeAddon;
  } catch (e) {
    return `the addon does not load: ${e instanceof Error ? e.message : String(e)}`;
  }
}

const loaded = load();
export const addon: NativeAddon | null = typeof loaded === "string" ? null : loaded;
export const nativeUnavailable: string | null = typeof loaded === "string" ? loaded : null;
