import { describe, expect, it } from "vitest";
import { CharBackendBase } from "../../chardev/chardev.js";
import { GuestRam, LegacyDriver, ModernDriver, type DriverQueue } from "./testing/virtio-driver.js";
import { VIRTIO_F_VERSION_1, features } from "./virtio-config.js";
import { VirtioPciProxy } from "./virtio-pci.js";
import {
  VIRTIO_CONSOLE_CFG_EMERG_WR,
  VIRTIO_CONSOLE_CFG_MAX_NR_PORTS,
  VIRTIO_CONSOLE_CONSOLE_PORT,
  VIRTIO_CONSOLE_DEVICE_ADD,
  VIRTIO_CONSOLE_DEVICE_READY,
  VIRTIO_CONSOLE_F_EMERG_WRITE,
  VIRTIO_CONSOLE_F_MULTIPORT,
  VIRTIO_CONSOLE_PORT_NAME,
  VIRTIO_CONSOLE_PORT_OPEN,
  VIRTIO_CONSOLE_PORT_READY,
  VirtioSerial,
} from "./virtio-serial.js";

/** A chardev whose host side the test drives. */
class TestChardev extends CharBackendBase {
  readonly driver = "test";
  readonly out: number[] = [];
  protected writeOut(bytes: Uint8Array): number {
    this.out.push(...bytes);
    return bytes.length;
  }
  open(): Promise<void> {
    return Promise.resolve();
  }
  protected closeBackend(): Promise<void> {
    return Promise.resolve();
  }
  type(text: string): void {
    this.deliver(new TextEncoder().encode(text));
  }
  get text(): string {
    return new TextDecoder().decode(Uint8Array.from(this.out));
  }
}

function postBuffers(ram: GuestRam, q: DriverQueue, n: number, size: number): number[] {
  const addrs: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = ram.alloc(size);
    addrs.push(a);
    q.add([{ addr: a, len: size, write: true }]);
  }
  q.notify();
  return addrs;
}

function send(ram: GuestRam, q: DriverQueue, bytes: Uint8Array): void {
  const a = ram.alloc(bytes.length);
  ram.bytes.set(bytes, a);
  q.add([{ addr: a, len: bytes.length }]);
  q.notify();
}

function control(id: number, event: number, value: number): Uint8Array {
  const b = new Uint8Array(8);
  const v = new DataView(b.buffer);
  v.setUint32(0, id, true);
  v.setUint16(4, event, true);
  v.setUint16(6, value, true);
  return b;
}

describe("virtio-serial console", () => {
  it("single-port console (max_ports=1, legacy driver): bytes both ways, input held until buffers come", () => {
    const ram = new GuestRam();
    const chr = new TestChardev("c0");
    const ser = new VirtioSerial({ maxPorts: 1 });
    ser.addPort({ console: true, chardev: chr });
    const proxy = new VirtioPciProxy(ser, { dma: ram });
    const drv = new LegacyDriver(proxy, ram);
    expect(drv.hostFeatures & (1 << VIRTIO_CONSOLE_F_MULTIPORT)).toBe(0);
    drv.init(0xffff, 2);
    const [rx, tx] = [drv.queues[0]!, drv.queues[1]!];
    send(ram, tx, new TextEncoder().encode("hello from the guest\n"));
    expect(chr.text).toBe("hello from the guest\n");
    expect(tx.takeUsed()).toEqual([{ id: 0, len: 0 }]);
    // Host input before the guest posted buffers waits in the chardev.
    chr.type("login: ");
    expect(chr.pendingInput).toBe(7);
    const bufs = postBuffers(ram, rx, 2, 4);
    const used = rx.takeUsed();
    expect(used.map((u) => u.len)).toEqual([4, 3]);
    expect(new TextDecoder().decode(ram.bytes.subarray(bufs[0], bufs[0]! + 4))).toBe("logi");
    expect(new TextDecoder().decode(ram.bytes.subarray(bufs[1], bufs[1]! + 3))).toBe("n: ");
    expect(chr.pendingInput).toBe(0);
  });

  it("multiport: DEVICE_READY, DEVICE_ADD, PORT_READY, CONSOLE_PORT, PORT_NAME, PORT_OPEN as the Linux driver sees them", () => {
    const ram = new GuestRam();
    const con = new TestChardev("con");
    const agent = new TestChardev("qga");
    const ser = new VirtioSerial();
    ser.addPort({ console: true, chardev: con });
    const agentPort = ser.addPort({ console: false, chardev: agent, name: "org.qemu.guest_agent.0" });
    expect(agentPort.id).toBe(1);
    const proxy = new VirtioPciProxy(ser, { dma: ram });
    const drv = new ModernDriver(proxy, ram);
    expect(drv.init(features(VIRTIO_F_VERSION_1, VIRTIO_CONSOLE_F_MULTIPORT, VIRTIO_CONSOLE_F_EMERG_WRITE), 6)).toBe(true);
    expect(drv.cfg(VIRTIO_CONSOLE_CFG_MAX_NR_PORTS, 4)).toBe(31);
    const [, tx0, cin, cout, rx1] = drv.queues;
    const ctrlBufs = postBuffers(ram, cin!, 16, 64);
    const readControl = () =>
      cin!.takeUsed().map((u) => {
        const a = ctrlBufs[u.id]!;
        const v = new DataView(ram.bytes.buffer, a, u.len);
        const name = u.len > 8 ? new TextDecoder().decode(ram.bytes.subarray(a + 8, a + u.len - 1)) : undefined;
        return [v.getUint32(0, true), v.getUint16(4, true), v.getUint16(6, true), ...(name !== undefined ? [name] : [])];
      });
    send(ram, cout!, control(0, VIRTIO_CONSOLE_DEVICE_READY, 1));
    expect(readControl()).toEqual([
      [0, VIRTIO_CONSOLE_DEVICE_ADD, 1],
      [1, VIRTIO_CONSOLE_DEVICE_ADD, 1],
    ]);
    send(ram, cout!, control(0, VIRTIO_CONSOLE_PORT_READY, 1));
    send(ram, cout!, control(1, VIRTIO_CONSOLE_PORT_READY, 1));
    expect(readControl()).toEqual([
      [0, VIRTIO_CONSOLE_CONSOLE_PORT, 1],
      [0, VIRTIO_CONSOLE_PORT_OPEN, 1],
      [1, VIRTIO_CONSOLE_PORT_NAME, 1, "org.qemu.guest_agent.0"],
      [1, VIRTIO_CONSOLE_PORT_OPEN, 1],
    ]);
    // The agent port takes no host input until the guest opens it.
    const agentBufs = postBuffers(ram, rx1!, 1, 32);
    agent.type("{\"execute\":\"guest-ping\"}");
    expect(rx1!.takeUsed()).toEqual([]);
    send(ram, cout!, control(1, VIRTIO_CONSOLE_PORT_OPEN, 1));
    expect(rx1!.takeUsed()).toEqual([{ id: 0, len: 24 }]);
    expect(new TextDecoder().decode(ram.bytes.subarray(agentBufs[0], agentBufs[0]! + 24))).toBe("{\"execute\":\"guest-ping\"}");
    send(ram, tx0!, new TextEncoder().encode("console out"));
    expect(con.text).toBe("console out");
    // Emergency write goes to port 0.
    drv.setCfg(VIRTIO_CONSOLE_CFG_EMERG_WR, 4, 0x21);
    expect(con.text).toBe("console out!");
    // Unknown port id in a control message is reported, not thrown.
    const errs: string[] = [];
    ser.onError = (m) => errs.push(m);
    send(ram, cout!, control(9, VIRTIO_CONSOLE_PORT_OPEN, 1));
    expect(errs).toEqual(["virtio-serial-bus: Unexpected port id 9 for device virtio-serial-bus.0"]);
  });

  it("carries the guest-open state of each port across save and restore", () => {
    const ram = new GuestRam();
    const make = () => {
      const ser = new VirtioSerial({ maxPorts: 2 });
      const chr = new TestChardev("c");
      ser.addPort({ console: false, chardev: chr, nr: 1 });
      return { ser, chr, proxy: new VirtioPciProxy(ser, { dma: ram }) };
    };
    const a = make();
    const drv = new ModernDriver(a.proxy, ram);
    drv.init(features(VIRTIO_F_VERSION_1, VIRTIO_CONSOLE_F_MULTIPORT), 6);
    const [, , , cout, rx1] = drv.queues;
    send(ram, cout!, control(1, VIRTIO_CONSOLE_PORT_OPEN, 1));
    const saved = JSON.parse(JSON.stringify(a.proxy.state())) as ReturnType<VirtioPciProxy["state"]>;
    const b = make();
    b.proxy.fromState(saved);
    expect(b.ser.port(1)!.guestConnected).toBe(true);
    // The restored device delivers host input to the guest's posted buffer.
    const bufs = postBuffers(ram, rx1!, 1, 16);
    b.proxy.modernMmio!.write(0x3000 + 4 * 4, 2, 4);
    b.chr.type("after restore");
    expect(new TextDecoder().decode(ram.bytes.subarray(bufs[0], bufs[0]! + 13))).toBe("after restore");
  });

  it("port numbering and errors as QEMU's virtio-serial-bus", () => {
    const ser = new VirtioSerial({ maxPorts: 3 });
    expect(() => ser.addPort({ console: false, nr: 0 })).toThrow("Port number 0 on virtio-serial devices reserved for virtconsole devices for backward compatibility.");
    expect(ser.addPort({ console: false }).id).toBe(1);
    expect(ser.addPort({ console: true }).id).toBe(0);
    expect(() => ser.addPort({ console: false, nr: 1 })).toThrow("virtio-serial-bus: A port already exists at id 1");
    expect(() => ser.addPort({ console: false, nr: 5 })).toThrow("virtio-serial-bus: Out-of-range port id specified, max. allowed: 2");
    expect(ser.addPort({ console: true }).id).toBe(2);
    expect(() => ser.addPort({ console: false })).toThrow("virtio-serial-bus: Maximum port limit for this device reached");
  });
});
