import { closeSync, createReadStream, openSync, writeSync, type ReadStream } from "node:fs";
import { CharBackendBase } from "./chardev.js";
import { WriteCoalescer } from "./write-coalescer.js";

export interface FileChardevOptions {
  /** Output file. */
  path: string;
  /** Append instead of truncating (append=on). */
  append?: boolean;
  /** Optional file whose contents are fed to the device as input (input-path=). */
  inputPath?: string;
}

/** `-chardev file,path=P[,append=on][,input-path=I]` (QEMU chardev/char-file.c). */
export class FileChardev extends CharBackendBase {
  readonly driver = "file";
  private fd: number | undefined;
  private input: ReadStream | undefined;
  private readonly out = new WriteCoalescer((bytes) => {
    this.writeFd(bytes);
  });

  constructor(
    id: string,
    private readonly options: FileChardevOptions,
  ) {
    super(id);
  }

  open(): Promise<void> {
    try {
      this.fd = openSync(this.options.path, this.options.append === true ? "a" : "w", 0o666);
    } catch (e) {
      return Promise.reject(new Error(`Could not open '${this.options.path}': ${describeError(e)}`));
    }
    if (this.options.inputPath !== undefined) {
      const inputPath = this.options.inputPath;
      return new Promise<void>((resolve, reject) => {
        const input = createReadStream(inputPath);
        input.once("open", () => {
          this.input = input;
          input.on("data", (chunk) => {
            this.deliver(typeof chunk === "string" ? new TextEncoder().encode(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
          });
          this.emit("opened");
          resolve();
        });
        input.once("error", (e) => {
          this.closeFd();
          reject(new Error(`Could not open '${inputPath}': ${describeError(e)}`));
        });
      });
    }
    this.emit("opened");
    return Promise.resolve();
  }

  protected writeOut(bytes: Uint8Array): number {
    if (this.fd === undefined) {
      return 0;
    }
    this.out.push(bytes);
    return bytes.length;
  }

  private writeFd(bytes: Uint8Array): void {
    if (this.fd === undefined) {
      return;
    }
    let done = 0;
    while (done < bytes.length) {
      done += writeSync(this.fd, bytes, done, bytes.length - done);
    }
  }

  /** Writes buffered output to the file now. */
  flush(): void {
    this.out.flush();
  }

  protected override pauseSource(): void {
    this.input?.pause();
  }

  protected override resumeSource(): void {
    this.input?.resume();
  }

  private closeFd(): void {
    if (this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
  }

  protected closeBackend(): Promise<void> {
    this.out.flush();
    this.closeFd();
    this.input?.destroy();
    this.input = undefined;
    return Promise.resolve();
  }
}

export function describeError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    const known: Record<string, string> = {
      ENOENT: "No such file or directory",
      EACCES: "Permission denied",
      EISDIR: "Is a directory",
      ECONNREFUSED: "Connection refused",
      EADDRINUSE: "Address already in use",
      ENOTDIR: "Not a directory",
      EHOSTUNREACH: "No route to host",
      ETIMEDOUT: "Connection timed out",
    };
    return code !== undefined && code in known ? known[code]! : e.message;
  }
  return String(e);
}
