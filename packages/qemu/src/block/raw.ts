import type { BlockDriver, BlockStatus, CreateOptions } from "./block-driver.js";
import { BlockError } from "./block-error.js";
import { FileProtocol } from "./file-protocol.js";

/** The raw format (block/raw-format.c): guest bytes are file bytes. */
export class RawDriver implements BlockDriver {
  readonly format = "raw";
  readonly backing = null;
  private size: number;

  private constructor(private readonly file: FileProtocol) {
    this.size = file.size();
  }

  get readOnly(): boolean {
    return this.file.readOnly;
  }

  get filename(): string {
    return this.file.path;
  }

  static open(path: string, readOnly: boolean): RawDriver {
    return new RawDriver(FileProtocol.open(path, readOnly));
  }

  static async create(path: string, opts: CreateOptions): Promise<void> {
    const unsupported = (["clusterSize", "compat", "backingFile", "backingFormat", "refcountBits", "lazyRefcounts"] as const).find(
      (k) => opts[k] !== undefined,
    );
    if (unsupported) throw new BlockError(`raw does not support the option ${unsupported}`);
    const f = FileProtocol.create(path);
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
    this.holes = null;
    await this.file.pwrite(buf, offset);
  }

  async writeZeroes(offset: number, length: number): Promise<void> {
    this.check(offset, length);
    this.holes = null;
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
    this.holes = null;
  }

  /**
   * node:fs has no SEEK_DATA/SEEK_HOLE, which file-posix uses to tell holes
   * (BDRV_BLOCK_ZERO) from data. A fully allocated file is all data. For a sparse
   * file the 4 KiB blocks are classified once: blocks with non-zero bytes are
   * data, and as many all-zero blocks as st_blocks says are allocated beyond
   * those are taken from the start of the file (where qemu's create writes its
   * zeroed first block); the remaining zero blocks are holes.
   */
  async blockStatus(offset: number, length: number): Promise<BlockStatus> {
    const len = Math.min(length, this.size - offset);
    if (this.file.allocatedSize() >= this.size) {
      return { length: len, data: true, zero: false, allocated: true, hostOffset: offset };
    }
    const map = await this.holeMap();
    const BLK = RawDriver.HOLE_GRANULARITY;
    const isHole = (pos: number): boolean => map[Math.floor(pos / BLK)] === 1;
    const kind = isHole(offset);
    let done = Math.min(BLK - (offset % BLK), len);
    while (done < len && isHole(offset + done) === kind) done = Math.min(done + BLK, len);
    return { length: done, data: !kind, zero: kind, allocated: true, hostOffset: offset };
  }

  private static readonly HOLE_GRANULARITY = 4096;
  private holes: Uint8Array | null = null;

  private async holeMap(): Promise<Uint8Array> {
    if (this.holes) return this.holes;
    const BLK = RawDriver.HOLE_GRANULARITY;
    const n = Math.ceil(this.size / BLK);
    const map = new Uint8Array(n);
    const chunk = new Uint8Array(1024 * BLK);
    let dataBlocks = 0;
    for (let b = 0; b < n; b += 1024) {
      const bytes = Math.min(chunk.length, this.size - b * BLK);
      const view = chunk.subarray(0, bytes);
      await this.file.pread(view, b * BLK);
      for (let i = 0; i * BLK < bytes; i++) {
        const zero = isAllZero(view.subarray(i * BLK, Math.min((i + 1) * BLK, bytes)));
        map[b + i] = zero ? 1 : 0;
        if (!zero) dataBlocks++;
      }
    }
    let spare = Math.floor(this.file.allocatedSize() / BLK) - dataBlocks;
    for (let i = 0; i < n && spare > 0; i++) {
      if (map[i] === 1) {
        map[i] = 0;
        spare--;
      }
    }
    this.holes = map;
    return map;
  }

  allocatedSize(): number {
    return this.file.allocatedSize();
  }

  close(): Promise<void> {
    this.file.close();
    return Promise.resolve();
  }
}

const ZERO_BLOCK = Buffer.alloc(4096);

function isAllZero(b: Uint8Array): boolean {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).equals(ZERO_BLOCK.subarray(0, b.length));
}
