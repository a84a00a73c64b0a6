/*
 * Transport-independent virtio constants (OASIS virtio-v1.1 cs01; Linux include/uapi/linux/
 * virtio_config.h, virtio_ring.h, virtio_ids.h).
 */

/** Device status bits (virtio 1.1 2.1 "Device Status Field"). */
export const VIRTIO_CONFIG_S_ACKNOWLEDGE = 0x01;
export const VIRTIO_CONFIG_S_DRIVER = 0x02;
export const VIRTIO_CONFIG_S_DRIVER_OK = 0x04;
export const VIRTIO_CONFIG_S_FEATURES_OK = 0x08;
export const VIRTIO_CONFIG_S_NEEDS_RESET = 0x40;
export const VIRTIO_CONFIG_S_FAILED = 0x80;

/** Reserved (transport/ring) feature bits (virtio 1.1 6 "Reserved Feature Bits"). */
export const VIRTIO_F_NOTIFY_ON_EMPTY = 24;
export const VIRTIO_F_ANY_LAYOUT = 27;
export const VIRTIO_RING_F_INDIRECT_DESC = 28;
export const VIRTIO_RING_F_EVENT_IDX = 29;
/** Legacy only: a driver that acknowledges it did not negotiate (virtio 0.9.5 appendix). */
export const VIRTIO_F_BAD_FEATURE = 30;
export const VIRTIO_F_VERSION_1 = 32;
export const VIRTIO_F_ACCESS_PLATFORM = 33;
export const VIRTIO_F_RING_PACKED = 34;
export const VIRTIO_F_IN_ORDER = 35;
export const VIRTIO_F_ORDER_PLATFORM = 36;
export const VIRTIO_F_SR_IOV = 37;
export const VIRTIO_F_NOTIFICATION_DATA = 38;
/** virtio 1.2 6: per-queue reset through the transport (QEMU 7.2 offers it on virtio-pci). */
export const VIRTIO_F_RING_RESET = 40;

/** Device IDs (virtio 1.1 5 "Device Types"). */
export const VIRTIO_ID_NET = 1;
export const VIRTIO_ID_BLOCK = 2;
export const VIRTIO_ID_CONSOLE = 3;
export const VIRTIO_ID_RNG = 4;

/** Split ring descriptor flags (virtio 1.1 2.6.5). */
export const VRING_DESC_F_NEXT = 1;
export const VRING_DESC_F_WRITE = 2;
export const VRING_DESC_F_INDIRECT = 4;
/** Driver -> device: "do not interrupt me" (2.6.7). */
export const VRING_AVAIL_F_NO_INTERRUPT = 1;
/** Device -> driver: "do not kick me" (2.6.10). */
export const VRING_USED_F_NO_NOTIFY = 1;
/** Alignment of the used ring in the legacy layout (2.6.2 "Legacy Interfaces: A Note on Virtqueue Layout"). */
export const VIRTIO_PCI_VRING_ALIGN = 4096;
/** Largest queue a device may offer (QEMU VIRTQUEUE_MAX_SIZE) and most queues per device (VIRTIO_QUEUE_MAX). */
export const VIRTQUEUE_MAX_SIZE = 1024;
export const VIRTIO_QUEUE_MAX = 1024;
/** "No MSI-X vector" (virtio 1.1 4.1.4.3 / 4.1.5.1.2). */
export const VIRTIO_MSI_NO_VECTOR = 0xffff;

/** ISR status bits (virtio 1.1 4.1.4.5). */
export const VIRTIO_ISR_QUEUE = 0x1;
export const VIRTIO_ISR_CONFIG = 0x2;

/** Bit mask for feature `bit` as a bigint (feature words are 64-bit). */
export function featureBit(bit: number): bigint {
  return 1n << BigInt(bit);
}

export function hasFeature(features: bigint, bit: number): boolean {
  return (features & featureBit(bit)) !== 0n;
}

/** Builds a feature word from bit numbers. */
export function features(...bits: number[]): bigint {
  let f = 0n;
  for (const b of bits) {
    f |= featureBit(b);
  }
  return f;
}
