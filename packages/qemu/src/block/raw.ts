import type { BlockDriver, BlockStatus, CreateOptions } from "./block-driver.js";
import { BlockError } from "./block-error.js";
import { FileProtocol } from "./file-protocol.js";

/** The raw format (block/raw-format.c): guest bytes are file bytes. */
export class RawDriver implements BlockDriver {
  readonly format = "raw";
  readonly backing = null;
  private size: number;
  private fullyAllocated: boolean | null = null;

  private constructor(private readonly file: FileProtocol) {
    this.size = file.size();
  }

  get readOnly(): boolean {
    return this.file.readOnly;
  }

  get filename(): string {
    return this.file.path;
  }

  static open(path: string, readOnly: boolean, unsafeCache = false, syncIo = false): RawDriver {
    const f = FileProtocol.open(path, readOnly);
    f.ignoreFlush = unsafeCache;
    f.syncIo = syncIo;
    return new RawDriver(f);
  }

  static async create(path: string, opts: CreateOptions): Promise<void> {
    const unsupported = (["clusterSize", "compat", "backingFile", "backingFormat", "refcountBits", "lazyRefcounts"] as const).find(
      (k) => opts[k] !== undefined,
    );
    if (unsupported) throw new BlockError(`raw does not support the option ${unsupported}`);
    const f = FileProtocol.create(path);
    f.syncIo = true;
    try {
      await f.truncate(opts.size);
      // file-posix allocate_first_block(): one zeroed block so alignment probing works.
      if (opts.size > 0) await f.pwrite(new Uint8Array(Math.min(opts.size, opts.size < 4096 ? 512 : 4096)), 0);
    } finally {
      f.close();
    }
  }

  getLength(): number {
    return this.size;
  }

  private check(offset: number, len: number): void {
    if (offset < 0 || len < 0 || offset + len > this.size) {
      throw new BlockError(`Request out of range: offset ${offset} length ${len} (image size ${this.size})`, "EIO");
    }
  }

  async read(offset: number, buf: Uint8Array): Promise<void> {
    this.check(offset, buf.length);
    await this.file.pread(buf, offset);
  }

  async write(offset: number, buf: Uint8Array): Promise<void> {
    this.check(offset, buf.length);
    await this.file.pwrite(buf, offset);
  }

  async writeZeroes(offset: number, length: number): Promise<void> {
    this.check(offset, length);
    const chunk = new Uint8Array(Math.min(length, 1 << 20));
    for (let done = 0; done < length; done += chunk.length) {
      await this.file.pwrite(chunk.subarray(0, Math.min(chunk.length, length - done)), offset + done);
    }
  }

  async discard(_offset: number, _length: number): Promise<void> {
    // No hole punching through node:fs; a discard is only a hint.
  }

  async flush(): Promise<void> {
    await this.file.flush();
  }

  async truncate(size: number): Promise<void> {
    await this.file.truncate(size);
    this.size = size;
  }

  /** raw-format passes block status through to the file (BDRV_BLOCK_RAW). */
  blockStatus(offset: number, length: number): Promise<BlockStatus> {
    const len = Math.min(length, this.size - offset);
    // A fully allocated file has no holes to look for. A read-only file is asked once (every
    // chunk of a convert asks for its status); a writable one each time, its holes may fill.
    const full = this.readOnly ? (this.fullyAllocated ??= this.file.allocatedSize() >= this.size) : this.file.allocatedSize() >= this.size;
    if (full) return Promise.resolve({ length: len, data: true, zero: false, allocated: true, hostOffset: offset });
    const st = this.file.blockStatus(offset, len);
    const n = st.length > 0 ? st.length : len;
    return Promise.resolve({ length: n, data: !st.zero, zero: st.zero, allocated: true, hostOffset: offset });
  }

  allocatedSize(): number {
    return this.file.allocatedSize();
  }

  close(): Promise<void> {
    this.file.close();
    return Promise.resolve();
  }
}

