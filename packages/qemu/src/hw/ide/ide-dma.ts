/*
 * The DMA engine an IDE bus hands data transfers to (QEMU include/hw/ide/internal.h IDEDMAOps):
 * the PIIX bus-master engine on the PCI function, nothing on an ISA controller (a DMA command
 * then waits forever with DRQ set, as on QEMU's isa-ide).
 */

/** One scatter/gather piece of guest memory (QEMU ScatterGatherEntry). */
export interface DmaSegment {
  address: number;
  length: number;
}

/** Whom the engine reports back to: the drive that started the transfer. */
export interface IdeDmaClient {
  /** ide_dma_cb: the engine is ready (ret 0) or the transfer failed (ret < 0). */
  dmaCallback(ret: number): void;
}

export interface IdeDmaEngine {
  /** Remembers the drive's callback and runs it now if the guest already started the engine. */
  startDma(client: IdeDmaClient): void;
  /**
   * Walks the guest's descriptors for up to `limit` bytes into `sg`; returns
   * { mapped: bytes in sg, described: bytes the descriptors cover (may exceed limit) }.
   */
  prepareBuffer(limit: number, sg: DmaSegment[]): { mapped: number; described: number };
  /** Copies `data` to (toGuest) or from guest memory along `sg`; false on a bus error. */
  transfer(sg: readonly DmaSegment[], data: Uint8Array, toGuest: boolean): boolean;
  /**
   * bmdma_rw_buf: moves `data` along the guest's descriptors from where the last transfer left
   * them (ATAPI DMA); returns the bytes moved, fewer than data.length when the table ended.
   */
  rwBuf(data: Uint8Array, toGuest: boolean): number;
  /** ide_set_inactive: the transfer ended; `more` keeps the engine active (descriptors left over). */
  setInactive(more: boolean): void;
  reset(): void;
}

/** ide_dma_nop: a bus without a DMA engine. */
export const NO_IDE_DMA: IdeDmaEngine = {
  startDma() {
    // no engine: the command stays pending
  },
  prepareBuffer() {
    return { mapped: 0, described: 0 };
  },
  transfer() {
    return false;
  },
  rwBuf() {
    return 0;
  },
  setInactive() {
    // nothing to stop
  },
  reset() {
    // nothing to reset
  },
};
