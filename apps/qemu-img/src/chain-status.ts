import type { BlockDriver } from "./block.js";

/** get_block_status() in qemu-img.c / bdrv_block_status_above(): status through a backing chain. */
export interface ChainStatus {
  start: number;
  length: number;
  data: boolean;
  zero: boolean;
  /** BDRV_BLOCK_ALLOCATED in the layer that decided */
  present: boolean;
  depth: number;
  /** host offset when BDRV_BLOCK_OFFSET_VALID, else -1 */
  offset: number;
  /** file holding `offset` */
  filename: string | null;
}

export async function chainStatus(top: BlockDriver, offset: number, bytes: number): Promise<ChainStatus> {
  let d: BlockDriver = top;
  let depth = 0;
  let n = bytes;
  for (;;) {
    const st = await d.blockStatus(offset, n);
    n = st.length;
    if (st.allocated) {
      return {
        start: offset,
        length: n,
        data: st.data,
        zero: st.zero,
        present: true,
        depth,
        offset: st.hostOffset,
        filename: st.hostOffset >= 0 ? d.filename : null,
      };
    }
    // bdrv_co_block_status(): unallocated reads as zero without a backing file or past its end.
    const backing = d.backing;
    if (!backing || offset >= backing.getLength()) {
      return { start: offset, length: n, data: false, zero: true, present: false, depth, offset: -1, filename: null };
    }
    n = Math.min(n, backing.getLength() - offset);
    d = backing;
    depth++;
  }
}
