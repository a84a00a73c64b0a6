import type { CharBackend } from "../../chardev/chardev.js";
import { VIRTIO_CONFIG_S_DRIVER_OK, VIRTIO_ID_CONSOLE, features } from "./virtio-config.js";
import { VirtioDevice } from "./virtio-device.js";
import type { VirtQueue } from "./virtqueue.js";

/*
 * virtio-serial, the virtio console device (OASIS virtio-v1.1 5.3; QEMU hw/char/virtio-serial-bus.c
 * and virtio-console.c): ports, each a pair of queues carrying a byte stream, attached to
 * CharBackends. With VIRTIO_CONSOLE_F_MULTIPORT (max_ports > 1) a control queue pair announces the
 * ports and their console/name/open state; without it there is the one console port 0.
 *
 * Queues (5.3.2): 0 port0 receiveq, 1 port0 transmitq, 2 control receiveq, 3 control transmitq,
 * then 4 + 2(N-1) / 5 + 2(N-1) for port N.
 */

export const VIRTIO_CONSOLE_F_SIZE = 0;
export const VIRTIO_CONSOLE_F_MULTIPORT = 1;
export const VIRTIO_CONSOLE_F_EMERG_WRITE = 2;

/** Control events (5.3.6.2). */
export const VIRTIO_CONSOLE_DEVICE_READY = 0;
export const VIRTIO_CONSOLE_DEVICE_ADD = 1;
export const VIRTIO_CONSOLE_DEVICE_REMOVE = 2;
export const VIRTIO_CONSOLE_PORT_READY = 3;
export const VIRTIO_CONSOLE_CONSOLE_PORT = 4;
export const VIRTIO_CONSOLE_RESIZE = 5;
export const VIRTIO_CONSOLE_PORT_OPEN = 6;
export const VIRTIO_CONSOLE_PORT_NAME = 7;
export const VIRTIO_CONSOLE_CONTROL_SIZE = 8;

/** struct virtio_console_config (5.3.4). */
export const VIRTIO_CONSOLE_CFG_COLS = 0;
export const VIRTIO_CONSOLE_CFG_ROWS = 2;
export const VIRTIO_CONSOLE_CFG_MAX_NR_PORTS = 4;
export const VIRTIO_CONSOLE_CFG_EMERG_WR = 8;
export const VIRTIO_CONSOLE_CONFIG_SIZE = 12;

const PORT_QUEUE_SIZE = 128;
const SERIAL_CHUNK = 64 * 1024;
const CONTROL_QUEUE_SIZE = 32;

export class VirtioSerialError extends Error {}

export interface VirtioSerialOptions {
  /** max_ports (default 31, as QEMU). */
  maxPorts?: number;
  /** emergency-write (default on). */
  emergencyWrite?: boolean;
}

export interface VirtioSerialPortOptions {
  chardev?: CharBackend;
  /** virtconsole (true) or virtserialport (false). */
  console: boolean;
  /** nr=: the port number (default: 0 for the first console, else the lowest free one). */
  nr?: number;
  /** name=: announced with PORT_NAME (e.g. "org.qemu.guest_agent.0"). */
  name?: string;
}

export class VirtioSerialPort {
  guestConnected = false;
  hostConnected: boolean;
  private detach: (() => void) | undefined;
  private detachEvents: (() => void) | undefined;

  constructor(
    readonly serial: VirtioSerial,
    readonly id: number,
    readonly console: boolean,
    readonly name: string | undefined,
    readonly chardev: CharBackend | undefined,
  ) {
    this.hostConnected = chardev?.connected ?? false;
  }

  /** Hooks the chardev's input and connection events (done when the port is added). */
  attach(): void {
    const chr = this.chardev;
    if (chr === undefined) {
      return;
    }
    this.detach = chr.onData((bytes) => this.serial.portInput(this, bytes));
    this.detachEvents = chr.onEvent((event) => {
      if (event === "opened" || event === "closed") {
        this.serial.setHostConnected(this, event === "opened");
      }
    });
  }

  unplug(): void {
    this.detach?.();
    this.detachEvents?.();
  }
}

export interface VirtioSerialDeviceState {
  ports: { id: number; guestConnected: boolean; hostConnected: boolean }[];
  pendingControl: number[][];
}

export class VirtioSerial extends VirtioDevice {
  readonly deviceId = VIRTIO_ID_CONSOLE;
  readonly name = "virtio-serial";
  readonly maxPorts: number;
  readonly multiport: boolean;
  private readonly ports = new Map<number, VirtioSerialPort>();
  private readonly txChunk = new Uint8Array(SERIAL_CHUNK);
  /** Host -> guest control messages waiting for a control receive buffer. */
  private pendingControl: Uint8Array[] = [];

  constructor(options: VirtioSerialOptions = {}) {
    const maxPorts = options.maxPorts ?? 31;
    if (!Number.isInteger(maxPorts) || maxPorts < 1 || maxPorts > 511) {
      throw new VirtioSerialError(`virtio-serial: max_ports must be between 1 and 511`);
    }
    super(
      VIRTIO_CONSOLE_CONFIG_SIZE,
      features(...(maxPorts > 1 ? [VIRTIO_CONSOLE_F_MULTIPORT] : []), ...(options.emergencyWrite === false ? [] : [VIRTIO_CONSOLE_F_EMERG_WRITE])),
    );
    this.maxPorts = maxPorts;
    this.multiport = maxPorts > 1;
    // One per port plus config (QEMU virtio_serial_pci_realize).
    this.defaultVectors = maxPorts + 1;
    this.configView.setUint32(VIRTIO_CONSOLE_CFG_MAX_NR_PORTS, maxPorts, true);
    const rx = (vq: VirtQueue): void => {
      this.receiveBuffersAdded(vq);
    };
    const tx = (vq: VirtQueue): void => {
      this.transmit(vq);
    };
    this.addQueue(PORT_QUEUE_SIZE, rx);
    this.addQueue(PORT_QUEUE_SIZE, tx);
    this.addQueue(CONTROL_QUEUE_SIZE, () => {
      this.flushControl();
    });
    this.addQueue(CONTROL_QUEUE_SIZE, (vq) => {
      this.controlOut(vq);
    });
    for (let i = 1; i < maxPorts; i++) {
      this.addQueue(PORT_QUEUE_SIZE, rx);
      this.addQueue(PORT_QUEUE_SIZE, tx);
    }
  }

  /** Receive (host -> guest) queue index of port `id`. */
  static rxQueueIndex(id: number): number {
    return id === 0 ? 0 : 2 + 2 * id;
  }

  private portOfQueue(vq: VirtQueue): VirtioSerialPort | undefined {
    const i = vq.index;
    const id = i < 2 ? 0 : (i - 2) >> 1;
    return i === 2 || i === 3 ? undefined : this.ports.get(id);
  }

  /** Plugs a virtconsole / virtserialport (QEMU virtser_port_device_realize, same error texts). */
  addPort(options: VirtioSerialPortOptions): VirtioSerialPort {
    let id = options.nr;
    if (id !== undefined && this.ports.has(id)) {
      throw new VirtioSerialError(`virtio-serial-bus: A port already exists at id ${id}`);
    }
    if (options.name !== undefined && [...this.ports.values()].some((p) => p.name === options.name)) {
      throw new VirtioSerialError(`virtio-serial-bus: A port already exists by name ${options.name}`);
    }
    if (id === 0 && !options.console) {
      throw new VirtioSerialError("Port number 0 on virtio-serial devices reserved for virtconsole devices for backward compatibility.");
    }
    if (id === undefined) {
      if (options.console && !this.ports.has(0)) {
        id = 0;
      } else {
        // Port 0 stays reserved for a console (find_free_port_id never hands it out).
        for (let i = 1; i < this.maxPorts; i++) {
          if (!this.ports.has(i)) {
            id = i;
            break;
          }
        }
        if (id === undefined) {
          throw new VirtioSerialError("virtio-serial-bus: Maximum port limit for this device reached");
        }
      }
    }
    if (id >= this.maxPorts) {
      throw new VirtioSerialError(`virtio-serial-bus: Out-of-range port id specified, max. allowed: ${this.maxPorts - 1}`);
    }
    const port = new VirtioSerialPort(this, id, options.console, options.name, options.chardev);
    this.ports.set(id, port);
    port.attach();
    if (this.multiport && this.status & VIRTIO_CONFIG_S_DRIVER_OK) {
      this.sendControl(id, VIRTIO_CONSOLE_DEVICE_ADD, 1);
    }
    return port;
  }

  port(id: number): VirtioSerialPort | undefined {
    return this.ports.get(id);
  }

  /** Whether the guest end of `port` takes data (QEMU virtio_serial_guest_ready, minus buffers). */
  private guestOpen(port: VirtioSerialPort): boolean {
    return !this.multiport || port.guestConnected;
  }

  /** Host bytes for the guest; returns how many were taken (the rest wait in the chardev). */
  portInput(port: VirtioSerialPort, bytes: Uint8Array): number {
    if (this.broken || !(this.status & VIRTIO_CONFIG_S_DRIVER_OK) || !this.guestOpen(port)) {
      return 0;
    }
    const vq = this.queues[VirtioSerial.rxQueueIndex(port.id)]!;
    let taken = 0;
    while (taken < bytes.length) {
      const elem = vq.pop();
      if (elem === null) {
        break;
      }
      const n = elem.scatter(0, bytes.subarray(taken));
      if (n < 0) {
        this.error("virtio: bogus descriptor or out of resources");
        return taken;
      }
      taken += n;
      vq.push(elem, n);
    }
    if (taken > 0) {
      this.notifyQueue(vq);
    }
    return taken;
  }

  /** The guest posted receive buffers: the chardev may offer its queued input again. */
  private receiveBuffersAdded(vq: VirtQueue): void {
    this.portOfQueue(vq)?.chardev?.acceptInput();
  }

  /** Guest -> host bytes (QEMU handle_output / do_flush_queued_data). */
  private transmit(vq: VirtQueue): void {
    const port = this.portOfQueue(vq);
    let pushed = false;
    for (;;) {
      if (this.broken) {
        return;
      }
      const elem = vq.pop();
      if (elem === null) {
        break;
      }
      if (port?.chardev !== undefined && port.hostConnected) {
        // In pieces, so a huge buffer never becomes one huge host allocation.
        for (let off = 0; off < elem.outSize; off += SERIAL_CHUNK) {
          const data = this.txChunk.subarray(0, Math.min(SERIAL_CHUNK, elem.outSize - off));
          if (elem.gather(off, data) < 0) {
            this.error("virtio: bogus descriptor or out of resources");
            return;
          }
          port.chardev.write(data);
        }
      }
      // Without a connected host end the data is discarded (QEMU discard_vq_data).
      pushed = vq.push(elem, 0) || pushed;
    }
    if (pushed) {
      this.notifyQueue(vq);
    }
  }

  setHostConnected(port: VirtioSerialPort, connected: boolean): void {
    if (port.hostConnected === connected) {
      return;
    }
    port.hostConnected = connected;
    if (this.multiport && this.status & VIRTIO_CONFIG_S_DRIVER_OK) {
      this.sendControl(port.id, VIRTIO_CONSOLE_PORT_OPEN, connected ? 1 : 0);
    }
  }

  /** Queues a host -> guest control message (QEMU send_control_event). */
  private sendControl(id: number, event: number, value: number, name?: string): void {
    if (!this.multiport) {
      return;
    }
    const nameBytes = name === undefined ? undefined : new TextEncoder().encode(name);
    const msg = new Uint8Array(VIRTIO_CONSOLE_CONTROL_SIZE + (nameBytes === undefined ? 0 : nameBytes.length + 1));
    const v = new DataView(msg.buffer);
    v.setUint32(0, id, true);
    v.setUint16(4, event, true);
    v.setUint16(6, value, true);
    if (nameBytes !== undefined) {
      msg.set(nameBytes, VIRTIO_CONSOLE_CONTROL_SIZE);
    }
    this.pendingControl.push(msg);
    this.flushControl();
  }

  /** Delivers queued control messages into the control receiveq, one per buffer. */
  private flushControl(): void {
    const vq = this.queues[2]!;
    let pushed = false;
    while (this.pendingControl.length > 0 && !this.broken) {
      const elem = vq.pop();
      if (elem === null) {
        break;
      }
      const msg = this.pendingControl.shift()!;
      const n = elem.scatter(0, msg);
      if (n < 0) {
        this.error("virtio: bogus descriptor or out of resources");
        return;
      }
      pushed = vq.push(elem, n) || pushed;
    }
    if (pushed) {
      this.notifyQueue(vq);
    }
  }

  /** Guest -> host control messages (QEMU control_out / handle_control_message). */
  private controlOut(vq: VirtQueue): void {
    const buf = new Uint8Array(VIRTIO_CONSOLE_CONTROL_SIZE);
    const v = new DataView(buf.buffer);
    let pushed = false;
    for (;;) {
      if (this.broken) {
        return;
      }
      const elem = vq.pop();
      if (elem === null) {
        break;
      }
      const n = elem.gather(0, buf);
      pushed = vq.push(elem, 0) || pushed;
      if (n < 0) {
        this.error("virtio: bogus descriptor or out of resources");
        return;
      }
      if (n < VIRTIO_CONSOLE_CONTROL_SIZE) {
        // QEMU: "The guest sent an invalid control packet" is ignored.
        continue;
      }
      this.controlMessage(v.getUint32(0, true), v.getUint16(4, true), v.getUint16(6, true));
    }
    if (pushed) {
      this.notifyQueue(vq);
    }
  }

  private controlMessage(id: number, event: number, value: number): void {
    if (event === VIRTIO_CONSOLE_DEVICE_READY) {
      if (value === 0) {
        this.onError("virtio-serial-bus: Guest failure in adding device virtio-serial-bus.0");
        return;
      }
      for (const p of this.ports.values()) {
        this.sendControl(p.id, VIRTIO_CONSOLE_DEVICE_ADD, 1);
      }
      return;
    }
    const port = this.ports.get(id);
    if (port === undefined) {
      this.onError(`virtio-serial-bus: Unexpected port id ${id} for device virtio-serial-bus.0`);
      return;
    }
    switch (event) {
      case VIRTIO_CONSOLE_PORT_READY:
        if (value === 0) {
          this.onError(`virtio-serial-bus: Guest failure in adding port ${id} for device virtio-serial-bus.0`);
          break;
        }
        if (port.console) {
          this.sendControl(id, VIRTIO_CONSOLE_CONSOLE_PORT, 1);
        }
        if (port.name !== undefined) {
          this.sendControl(id, VIRTIO_CONSOLE_PORT_NAME, 1, port.name);
        }
        if (port.hostConnected) {
          this.sendControl(id, VIRTIO_CONSOLE_PORT_OPEN, 1);
        }
        break;
      case VIRTIO_CONSOLE_PORT_OPEN:
        port.guestConnected = value !== 0;
        if (port.guestConnected) {
          port.chardev?.acceptInput();
        }
        break;
      default:
        break;
    }
  }

  protected override configWritable(offset: number): boolean {
    return offset >= VIRTIO_CONSOLE_CFG_EMERG_WR && offset < VIRTIO_CONSOLE_CFG_EMERG_WR + 4;
  }

  /** VIRTIO_CONSOLE_F_EMERG_WRITE: a character written to emerg_wr goes out on port 0 (5.3.4). */
  protected override configWritten(offset: number): void {
    const ch = this.config[VIRTIO_CONSOLE_CFG_EMERG_WR]!;
    this.config.fill(0, VIRTIO_CONSOLE_CFG_EMERG_WR, VIRTIO_CONSOLE_CFG_EMERG_WR + 4);
    if (offset !== VIRTIO_CONSOLE_CFG_EMERG_WR || !(this.hostFeatures & (1n << BigInt(VIRTIO_CONSOLE_F_EMERG_WRITE))) || ch === 0) {
      return;
    }
    const port0 = this.ports.get(0);
    if (port0?.chardev !== undefined && port0.hostConnected) {
      port0.chardev.write(Uint8Array.of(ch));
    }
  }

  protected deviceReset(): void {
    this.pendingControl = [];
    for (const p of this.ports.values()) {
      p.guestConnected = false;
    }
  }

  protected saveDevice(): VirtioSerialDeviceState {
    return {
      ports: [...this.ports.values()].map((p) => ({ id: p.id, guestConnected: p.guestConnected, hostConnected: p.hostConnected })),
      pendingControl: this.pendingControl.map((m) => Array.from(m)),
    };
  }

  protected loadDevice(state: unknown): void {
    const s = state as VirtioSerialDeviceState;
    for (const saved of s.ports) {
      const p = this.ports.get(saved.id);
      if (p === undefined) {
        throw new Error(`virtio-serial: port ${saved.id} in the saved state is not plugged`);
      }
      p.guestConnected = saved.guestConnected;
    }
    this.pendingControl = s.pendingControl.map((m) => Uint8Array.from(m));
  }

  override resumeAfterLoad(): void {
    for (const p of this.ports.values()) {
      // The host end's connection is whatever it is now; tell the guest if it changed.
      const now = p.chardev?.connected ?? false;
      if (now !== p.hostConnected) {
        this.setHostConnected(p, now);
      }
      p.chardev?.acceptInput();
    }
  }
}
