/**
 * The block driver interface (qemu include/block/block_int.h BlockDriver, reduced
 * to what an image format needs). Byte-granular and asynchronous; formats with a
 * coarser granularity (qcow2 clusters) do read-modify-write internally.
 */
export interface BlockDriver {
  /** Format name as qemu prints it: "raw", "qcow2". */
  readonly format: string;
  readonly readOnly: boolean;
  /** Path of the file this driver sits on. */
  readonly filename: string;
  /** The backing image, if the format has one and it was opened. */
  readonly backing: BlockDriver | null;
  /** Virtual disk size in bytes. */
  getLength(): number;
  read(offset: number, buf: Uint8Array): Promise<void>;
  write(offset: number, buf: Uint8Array): Promise<void>;
  /** Makes [offset, offset+length) read as zeroes, cheaply where the format can. */
  writeZeroes(offset: number, length: number): Promise<void>;
  /** Drops the mapping of [offset, offset+length) where the format can; a hint. */
  discard(offset: number, length: number): Promise<void>;
  /** Writes back cached metadata in a crash-safe order and issues the barriers. */
  flush(): Promise<void>;
  truncate(size: number): Promise<void>;
  /** Allocation status of this layer at `offset`, covering at most `length` bytes. */
  blockStatus(offset: number, length: number): Promise<BlockStatus>;
  /** Bytes the image occupies on the host ("disk size"). */
  allocatedSize(): number;
  close(): Promise<void>;
}

/** BDRV_BLOCK_* status of a range in one layer (include/block/block-common.h). */
export interface BlockStatus {
  /** bytes covered, > 0 */
  length: number;
  /** BDRV_BLOCK_DATA: this layer holds data for the range */
  data: boolean;
  /** BDRV_BLOCK_ZERO: the range reads as zeroes */
  zero: boolean;
  /** BDRV_BLOCK_ALLOCATED: this layer decides the content (else: look at backing) */
  allocated: boolean;
  /** BDRV_BLOCK_OFFSET_VALID: host offset in `filename`, else -1 */
  hostOffset: number;
}

/** Options a format's create() accepts (qemu-img -o names). */
export interface CreateOptions {
  size: number;
  clusterSize?: number;
  /** "0.10" | "v2" | "1.1" | "v3" */
  compat?: string;
  backingFile?: string;
  backingFormat?: string;
  refcountBits?: number;
  lazyRefcounts?: boolean;
}
