import type { AccessSize, IoDevice } from "./io-device.js";
import type { PciBus } from "./pci-bus.js";

/*
 * PCI configuration mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2; 82441FX datasheet
 * CONFADD/CONFDATA): a dword CONFIG_ADDRESS at 0xCF8 and a CONFIG_DATA window at 0xCFC-0xCFF that
 * takes byte, word and dword accesses at any offset within it.
 */

export const PCI_CONFIG_ADDRESS_PORT = 0xcf8;
export const PCI_CONFIG_DATA_PORT = 0xcfc;
/** CONFIG_ADDRESS: bit 31 enable, 23-16 bus, 15-11 device, 10-8 function, 7-2 register. */
export const PCI_CONFIG_ENABLE = 0x8000_0000;
const CONFIG_ADDRESS_MASK = 0x80ff_fffc;

export interface PciConfigMechanism1State {
  configAddress: number;
}

export class PciConfigMechanism1 {
  private configAddress = 0;
  /**
   * 0xCF8-0xCFB. Only a dword access at 0xCF8 reaches CONFIG_ADDRESS; narrower accesses are not
   * claimed by the host bridge and go to `passthrough` (the PIIX3 reset control register at 0xCF9),
   * or float to all ones.
   */
  readonly addressPort: IoDevice;
  /** 0xCFC-0xCFF. */
  readonly dataPort: IoDevice;

  constructor(
    private readonly bus: PciBus,
    passthrough?: { port: number; device: IoDevice },
  ) {
    this.addressPort = {
      read: (offset: number, size: AccessSize): number => {
        if (offset === 0 && size === 4) {
          return this.configAddress;
        }
        if (passthrough !== undefined && size === 1 && PCI_CONFIG_ADDRESS_PORT + offset === passthrough.port) {
          return passthrough.device.read(0, 1);
        }
        return 2 ** (size * 8) - 1;
      },
      write: (offset: number, size: AccessSize, value: number): void => {
        if (offset === 0 && size === 4) {
          this.configAddress = (value & CONFIG_ADDRESS_MASK) >>> 0;
          return;
        }
        if (passthrough !== undefined && size === 1 && PCI_CONFIG_ADDRESS_PORT + offset === passthrough.port) {
          passthrough.device.write(0, 1, value);
        }
      },
    };
    this.dataPort = {
      read: (offset: number, size: AccessSize): number => {
        const target = this.target(offset);
        if (target < 0) {
          return size >= 4 ? 0xffffffff : 2 ** (size * 8) - 1;
        }
        return this.bus.configRead((target >> 8) & 0xff, target & 0xff, size);
      },
      write: (offset: number, size: AccessSize, value: number): void => {
        const target = this.target(offset);
        if (target >= 0) {
          this.bus.configWrite((target >> 8) & 0xff, target & 0xff, size, value);
        }
      },
    };
  }

  /** devfn << 8 | register for an access at CONFIG_DATA + offset, or -1 (disabled, or not bus 0). */
  private target(offset: number): number {
    const a = this.configAddress;
    if (!(a & PCI_CONFIG_ENABLE) || ((a >> 16) & 0xff) !== 0) {
      return -1;
    }
    return (a & 0xff00) | ((a & 0xfc) + (offset & 3));
  }

  get address(): number {
    return this.configAddress;
  }

  reset(): void {
    this.configAddress = 0;
  }

  state(): PciConfigMechanism1State {
    return { configAddress: this.configAddress };
  }

  fromState(s: PciConfigMechanism1State): void {
    this.configAddress = (s.configAddress & CONFIG_ADDRESS_MASK) >>> 0;
  }
}
