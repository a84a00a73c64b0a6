import { CharBackendBase } from "./chardev.js";

/** `-chardev null`: output vanishes, no input ever arrives (QEMU chardev/char-null.c). */
export class NullChardev extends CharBackendBase {
  readonly driver = "null";

  protected writeOut(bytes: Uint8Array): number {
    return bytes.length;
  }

  open(): Promise<void> {
    this.emit("opened");
    return Promise.resolve();
  }

  protected closeBackend(): Promise<void> {
    return Promise.resolve();
  }
}
