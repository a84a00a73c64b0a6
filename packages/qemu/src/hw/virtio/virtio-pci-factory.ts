import type { BlockDriver } from "../../block/block-driver.js";
import type { CharBackend } from "../../chardev/chardev.js";
import type { NetClient } from "../../net/net-client.js";
import { connectPeers } from "../../net/net-client.js";
import type { DmaMemory } from "../io-device.js";
import { VIRTIO_F_ANY_LAYOUT, VIRTIO_F_NOTIFY_ON_EMPTY, VIRTIO_RING_F_EVENT_IDX, VIRTIO_RING_F_INDIRECT_DESC, featureBit } from "./virtio-config.js";
import { VIRTIO_BLK_F_CONFIG_WCE, VirtioBlk } from "./virtio-blk.js";
import type { VirtioDevice } from "./virtio-device.js";
import { VirtioNet } from "./virtio-net.js";
import { type OnOffAuto, VirtioPciProxy } from "./virtio-pci.js";
import { VirtioRng } from "./virtio-rng.js";
import { VirtioSerial, VirtioSerialError, type VirtioSerialPort } from "./virtio-serial.js";
import type { DiskGeometry } from "./hd-geometry.js";
import type { MsiSink } from "./msix.js";

/*
 * -device virtio-blk-pci / virtio-net-pci / virtio-serial-pci / virtio-rng-pci and the
 * virtconsole / virtserialport ports, from their qdev properties (QEMU 7.2 names, defaults and
 * error texts). The machine gives the backends by id and maps the BARs; see VirtioPciProxy.
 */

export class VirtioDeviceOptionError extends Error {}

export const VIRTIO_PCI_DEVICES = ["virtio-blk-pci", "virtio-net-pci", "virtio-serial-pci", "virtio-rng-pci"] as const;
export type VirtioPciDeviceName = (typeof VIRTIO_PCI_DEVICES)[number];
export const VIRTIO_SERIAL_PORTS = ["virtconsole", "virtserialport"] as const;

export function isVirtioPciDevice(driver: string): driver is VirtioPciDeviceName {
  return (VIRTIO_PCI_DEVICES as readonly string[]).includes(driver);
}

export interface VirtioDeviceEnvironment {
  /** Guest memory for DMA. */
  dma: DmaMemory;
  /** -drive if=none,id=ID backends. */
  drive?: (id: string) => BlockDriver | undefined;
  netdev?: (id: string) => NetClient | undefined;
  /** -object rng-random/rng-builtin entropy backends (virtio-rng-pci rng=ID). */
  rng?: (id: string) => ((dest: Uint8Array) => void) | undefined;
  chardev?: (id: string) => CharBackend | undefined;
  /** The function sits on a PCI Express port (q35 root port): disable-legacy=auto means on. */
  pcie?: boolean;
  onWarning?: (message: string) => void;
  /** MSI delivery (KVM_SIGNAL_MSI). With it the functions get MSI-X as QEMU's do; without it, INTx only. */
  msi?: MsiSink;
  /** Backends already taken by a device (QEMU's "in use" checks); the factory adds to it. */
  inUse?: Set<string>;
  /**
   * Finds a romfile in the firmware path (QEMU qemu_find_file(QEMU_FILE_TYPE_BIOS)); without it no
   * function gets an expansion ROM. Debian keeps efi-virtio.rom in /usr/lib/ipxe/qemu.
   */
  romfile?: (name: string) => Uint8Array | undefined;
}

/** QEMU's default romfile per device (virtio-net-pci: iPXE). */
const DEFAULT_ROMFILE: Partial<Record<VirtioPciDeviceName, string>> = { "virtio-net-pci": "efi-virtio.rom" };

/** Properties every virtio-pci function accepts (virtio_pci_properties + virtio common + generic PCI). */
const COMMON_PROPS = new Set([
  "id",
  "romsize",
  "bus",
  "addr",
  "multifunction",
  "romfile",
  "rombar",
  "disable-legacy",
  "disable-modern",
  "vectors",
  "ioeventfd",
  "event_idx",
  "indirect_desc",
  "any_layout",
  "notify_on_empty",
]);

const DEVICE_PROPS: Readonly<Record<VirtioPciDeviceName, readonly string[]>> = {
  "virtio-blk-pci": [
    "drive",
    "serial",
    "queue-size",
    "num-queues",
    "discard",
    "write-zeroes",
    "logical_block_size",
    "physical_block_size",
    "config-wce",
    "write-cache",
    "scsi",
    "cyls",
    "heads",
    "secs",
    "seg-max-adjust",
  ],
  "virtio-net-pci": ["netdev", "mac", "mrg_rxbuf", "rx_queue_size", "tx_queue_size", "mq", "status", "ctrl_vq"],
  "virtio-serial-pci": ["max_ports", "emergency-write"],
  "virtio-rng-pci": ["rng", "max-bytes", "period"],
};

const BOOL_TRUE = new Set(["on", "yes", "true", "y"]);
const BOOL_FALSE = new Set(["off", "no", "false", "n"]);

class Props {
  constructor(
    private readonly driver: string,
    private readonly props: Record<string, string>,
  ) {}

  str(name: string): string | undefined {
    return this.props[name];
  }

  bool(name: string, dflt: boolean): boolean {
    const v = this.props[name];
    if (v === undefined) return dflt;
    if (BOOL_TRUE.has(v)) return true;
    if (BOOL_FALSE.has(v)) return false;
    throw new VirtioDeviceOptionError(`Parameter '${name}' expects 'on' or 'off'`);
  }

  int(name: string): number | undefined {
    const v = this.props[name];
    if (v === undefined) return undefined;
    const t = v.trim();
    let n: number;
    if (/^0x[0-9a-f]+$/i.test(t)) n = parseInt(t, 16);
    else if (/^[0-9]+$/.test(t)) n = parseInt(t, 10);
    else throw new VirtioDeviceOptionError(`Parameter '${name}' expects integer`);
    return n;
  }

  onOffAuto(name: string): OnOffAuto {
    const v = this.props[name] ?? "auto";
    if (v !== "on" && v !== "off" && v !== "auto") {
      throw new VirtioDeviceOptionError(`Parameter '${name}' does not accept value '${v}'`);
    }
    return v;
  }

  check(allowed: ReadonlySet<string>): void {
    for (const k of Object.keys(this.props)) {
      if (!allowed.has(k)) {
        throw new VirtioDeviceOptionError(`Property '${this.driver}.${k}' not found`);
      }
    }
  }
}

function takeBackend(env: VirtioDeviceEnvironment, key: string): boolean {
  const inUse = env.inUse ?? new Set<string>();
  if (inUse.has(key)) return false;
  inUse.add(key);
  env.inUse = inUse;
  return true;
}

/** Ring features the common properties switch off (event_idx=off, ...). */
function applyRingProps(dev: VirtioDevice, p: Props): void {
  const off: [string, number][] = [
    ["event_idx", VIRTIO_RING_F_EVENT_IDX],
    ["indirect_desc", VIRTIO_RING_F_INDIRECT_DESC],
    ["any_layout", VIRTIO_F_ANY_LAYOUT],
    ["notify_on_empty", VIRTIO_F_NOTIFY_ON_EMPTY],
  ];
  for (const [name, bit] of off) {
    if (!p.bool(name, true)) dev.hostFeatures &= ~featureBit(bit);
  }
}

export interface CreatedVirtioPciDevice {
  proxy: VirtioPciProxy;
  device: VirtioDevice;
  /** The expansion ROM image (give it to optionRomRegion), when the function has one. */
  rom?: Uint8Array;
}

/**
 * Creates the virtio device and its PCI function for `-device DRIVER,props`. The caller plugs
 * `proxy` into the PCI bus (bus.attach(proxy, slot)) and maps its BARs when they move.
 */
export function createVirtioPciDevice(driver: VirtioPciDeviceName, props: Record<string, string>, env: VirtioDeviceEnvironment): CreatedVirtioPciDevice {
  const p = new Props(driver, props);
  p.check(new Set([...COMMON_PROPS, ...DEVICE_PROPS[driver]]));
  const disableLegacy = p.onOffAuto("disable-legacy");
  const disableModern = p.bool("disable-modern", false);
  const vectors = p.int("vectors");
  if (vectors !== undefined && vectors > 0 && env.msi === undefined) {
    env.onWarning?.(`${driver}: this machine delivers no MSIs, vectors=${vectors} ignored (the function uses INTx)`);
  }
  let device: VirtioDevice;
  switch (driver) {
    case "virtio-blk-pci": {
      const driveId = p.str("drive");
      if (driveId === undefined) throw new VirtioDeviceOptionError("drive property not set");
      const drive = env.drive?.(driveId);
      if (drive === undefined) throw new VirtioDeviceOptionError(`Property 'virtio-blk-device.drive' can't find value '${driveId}'`);
      if (!takeBackend(env, `drive:${driveId}`)) throw new VirtioDeviceOptionError(`Drive '${driveId}' is already in use by another device`);
      const queueSize = p.int("queue-size") ?? 256;
      if (queueSize < 2 || queueSize > 1024 || (queueSize & (queueSize - 1)) !== 0) {
        throw new VirtioDeviceOptionError(`invalid queue-size property (${queueSize}), must be a power of 2 (max 1024)`);
      }
      const numQueues = p.int("num-queues") ?? 1;
      if (numQueues !== 1) throw new VirtioDeviceOptionError("virtio-blk: num-queues other than 1 is not supported by virtkit");
      if (p.bool("scsi", false)) throw new VirtioDeviceOptionError("Please set scsi=off for virtio-blk devices in order to use virtio 1.0");
      const logical = p.int("logical_block_size") ?? 512;
      const physical = p.int("physical_block_size") ?? 512;
      if (logical > physical) throw new VirtioDeviceOptionError("logical_block_size > physical_block_size not supported");
      if (logical !== 512 && logical !== 4096) {
        throw new VirtioDeviceOptionError(`Property virtio-blk-device.logical_block_size doesn't take value ${logical} (must be 512 or 4096)`);
      }
      const cyls = p.int("cyls");
      const heads = p.int("heads");
      const secs = p.int("secs");
      const geometry: DiskGeometry | undefined = cyls !== undefined && heads !== undefined && secs !== undefined ? { cylinders: cyls, heads, sectors: secs } : undefined;
      const writeCache = p.onOffAuto("write-cache");
      const serial = p.str("serial");
      const blk = new VirtioBlk({
        drive,
        queueSize,
        discard: p.bool("discard", true),
        writeZeroes: p.bool("write-zeroes", true),
        logicalBlockSize: logical,
        physicalBlockSize: physical,
        ...(serial !== undefined ? { serial } : {}),
        ...(geometry !== undefined ? { geometry } : {}),
        ...(writeCache !== "auto" ? { writeCache: writeCache === "on" } : {}),
      });
      if (!p.bool("config-wce", true)) blk.hostFeatures &= ~featureBit(VIRTIO_BLK_F_CONFIG_WCE);
      device = blk;
      break;
    }
    case "virtio-net-pci": {
      if (p.bool("mq", false)) throw new VirtioDeviceOptionError("virtio-net: mq=on is not supported by virtkit");
      const netdevId = p.str("netdev");
      let peer: NetClient | undefined;
      if (netdevId !== undefined) {
        peer = env.netdev?.(netdevId);
        if (peer === undefined) throw new VirtioDeviceOptionError(`Property 'virtio-net-device.netdev' can't find value '${netdevId}'`);
        if (!takeBackend(env, `netdev:${netdevId}`) || peer.peer !== undefined) {
          throw new VirtioDeviceOptionError(`Property 'virtio-net-device.netdev' can't take value '${netdevId}', it's in use`);
        }
      }
      const mac = p.str("mac");
      const rx = p.int("rx_queue_size") ?? 256;
      const tx = p.int("tx_queue_size") ?? 256;
      for (const [name, v] of [
        ["rx_queue_size", rx],
        ["tx_queue_size", tx],
      ] as const) {
        if (v < 256 || v > 1024 || (v & (v - 1)) !== 0) {
          throw new VirtioDeviceOptionError(`Invalid ${name} (= ${v}), must be a power of 2 between 256 and 1024.`);
        }
      }
      const id = p.str("id");
      const net = new VirtioNet({ rxQueueSize: rx, txQueueSize: tx, mergeableRxBuffers: p.bool("mrg_rxbuf", true), ...(mac !== undefined ? { mac } : {}), ...(id !== undefined ? { id } : {}) });
      if (peer !== undefined) connectPeers(net.nic, peer);
      device = net;
      break;
    }
    case "virtio-serial-pci": {
      const maxPorts = p.int("max_ports") ?? 31;
      if (maxPorts === 0) throw new VirtioDeviceOptionError("Maximum number of serial ports not specified");
      try {
        device = new VirtioSerial({ maxPorts, emergencyWrite: p.bool("emergency-write", true) });
      } catch (e) {
        throw new VirtioDeviceOptionError((e as Error).message);
      }
      break;
    }
    case "virtio-rng-pci": {
      const maxBytes = p.int("max-bytes");
      const period = p.int("period");
      if (period === 0) throw new VirtioDeviceOptionError("'period' parameter expects a positive integer");
      if (maxBytes === 0) throw new VirtioDeviceOptionError("'max-bytes' parameter must be non-zero, and less than 2^63");
      // rng=ID names an -object backend; without it QEMU creates a default rng-builtin.
      const rngId = p.str("rng");
      const source = rngId === undefined ? undefined : env.rng?.(rngId);
      if (rngId !== undefined && source === undefined) throw new VirtioDeviceOptionError(`Property 'virtio-rng-device.rng' can't find value '${rngId}'`);
      if (rngId !== undefined && !takeBackend(env, `rng:${rngId}`)) throw new VirtioDeviceOptionError(`Property 'virtio-rng-device.rng' can't take value '${rngId}', it's in use`);
      device = new VirtioRng({ ...(source !== undefined ? { source } : {}), ...(maxBytes !== undefined ? { maxBytes } : {}), ...(period !== undefined ? { periodMs: period } : {}) });
      break;
    }
  }
  applyRingProps(device, p);
  // romfile= / rombar= (pci_add_option_rom): an empty romfile or rombar=0 means no ROM BAR.
  let rom: Uint8Array | undefined;
  const romName = p.str("romfile") ?? DEFAULT_ROMFILE[driver];
  if (env.romfile !== undefined && romName !== undefined && romName !== "" && (p.int("rombar") ?? 1) !== 0) {
    rom = env.romfile(romName);
    if (rom === undefined) {
      throw new VirtioDeviceOptionError(`failed to find romfile "${romName}"`);
    }
  }
  const id = p.str("id");
  let proxy: VirtioPciProxy;
  try {
    proxy = new VirtioPciProxy(device, {
      dma: env.dma,
      disableLegacy,
      disableModern,
      ...(env.pcie !== undefined ? { pcie: env.pcie } : {}),
      ...(id !== undefined ? { id } : {}),
      ...(env.msi !== undefined ? { msi: env.msi } : {}),
      ...(vectors !== undefined ? { vectors } : {}),
      ...(rom !== undefined ? { romSize: rom.length } : {}),
    });
  } catch (e) {
    throw new VirtioDeviceOptionError((e as Error).message);
  }
  return { proxy, device, ...(rom !== undefined ? { rom } : {}) };
}

/** -device virtconsole / virtserialport on a virtio-serial bus (undefined: none plugged). */
export function createVirtioSerialPort(
  driver: (typeof VIRTIO_SERIAL_PORTS)[number],
  props: Record<string, string>,
  bus: VirtioSerial | undefined,
  env: VirtioDeviceEnvironment,
): VirtioSerialPort {
  const p = new Props(driver, props);
  p.check(new Set(["id", "bus", "chardev", "nr", "name"]));
  if (bus === undefined) {
    throw new VirtioDeviceOptionError(`No 'virtio-serial-bus' bus found for device '${driver}'`);
  }
  const chardevId = p.str("chardev");
  let chardev: CharBackend | undefined;
  if (chardevId !== undefined) {
    chardev = env.chardev?.(chardevId);
    if (chardev === undefined) throw new VirtioDeviceOptionError(`Property '${driver}.chardev' can't find value '${chardevId}'`);
    if (!takeBackend(env, `chardev:${chardevId}`)) {
      throw new VirtioDeviceOptionError(`Property '${driver}.chardev' can't take value '${chardevId}': Device '${chardevId}' is in use`);
    }
  }
  const nr = p.int("nr");
  const name = p.str("name");
  try {
    return bus.addPort({
      console: driver === "virtconsole",
      ...(chardev !== undefined ? { chardev } : {}),
      ...(nr !== undefined ? { nr } : {}),
      ...(name !== undefined ? { name } : {}),
    });
  } catch (e) {
    if (e instanceof VirtioSerialError) throw new VirtioDeviceOptionError(e.message);
    throw e;
  }
}
