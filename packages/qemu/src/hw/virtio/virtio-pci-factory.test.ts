import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RawDriver } from "../../block/raw.js";
import { NullChardev } from "../../chardev/chardev-null.js";
import { UserNet } from "../../net/user-net.js";
import { GuestRam } from "./testing/virtio-driver.js";
import { createVirtioPciDevice, createVirtioSerialPort, type VirtioDeviceEnvironment, type VirtioPciDeviceName } from "./virtio-pci-factory.js";
import { VirtioSerial } from "./virtio-serial.js";

const QEMU = "qemu-system-x86_64";
const hasQemu = spawnSync(QEMU, ["--version"], { stdio: "ignore" }).status === 0;
if (!hasQemu) console.warn(`virtio-pci-factory: ${QEMU} not found, error texts are checked against the recorded ones only`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "virtkit-virtio-factory-"));
const disk = path.join(dir, "d.raw");
fs.writeFileSync(disk, Buffer.alloc(1 << 20));
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function env(): VirtioDeviceEnvironment {
  const drive = RawDriver.open(disk, false);
  const n0 = new UserNet("n0");
  const c0 = new NullChardev("c0");
  return {
    dma: new GuestRam(1 << 16),
    drive: (id) => (id === "d0" ? drive : undefined),
    netdev: (id) => (id === "n0" ? n0 : undefined),
    chardev: (id) => (id === "c0" ? c0 : undefined),
  };
}

function parse(text: string): [string, Record<string, string>] {
  const [driver, ...rest] = text.split(",");
  return [driver!, Object.fromEntries(rest.map((kv) => kv.split("=") as [string, string]))];
}

/** -device text (after the shared -drive/-netdev/-chardev) -> QEMU 7.2's error. */
const ERRORS: [string, string][] = [
  ["virtio-blk-pci", "drive property not set"],
  ["virtio-blk-pci,drive=nope", "Property 'virtio-blk-device.drive' can't find value 'nope'"],
  ["virtio-blk-pci,drive=d0,foo=1", "Property 'virtio-blk-pci.foo' not found"],
  ["virtio-blk-pci,drive=d0,queue-size=100", "invalid queue-size property (100), must be a power of 2 (max 1024)"],
  ["virtio-blk-pci,drive=d0,logical_block_size=4096", "logical_block_size > physical_block_size not supported"],
  ["virtio-blk-pci,drive=d0,vectors=x", "Parameter 'vectors' expects integer"],
  ["virtio-net-pci,netdev=nope", "Property 'virtio-net-device.netdev' can't find value 'nope'"],
  ["virtio-net-pci,netdev=n0,mac=zz", "Property 'virtio-net-device.mac' doesn't take value 'zz'"],
  ["virtio-net-pci,netdev=n0,rx_queue_size=128", "Invalid rx_queue_size (= 128), must be a power of 2 between 256 and 1024."],
  ["virtio-serial-pci,max_ports=0", "Maximum number of serial ports not specified"],
  ["virtio-rng-pci,disable-modern=maybe", "Parameter 'disable-modern' expects 'on' or 'off'"],
  ["virtio-rng-pci,disable-legacy=maybe", "Parameter 'disable-legacy' does not accept value 'maybe'"],
  ["virtio-rng-pci,disable-legacy=on,disable-modern=on", "device cannot work as neither modern nor legacy mode is enabled"],
];

describe("-device virtio-*-pci", () => {
  for (const [text, message] of ERRORS) {
    it(`refuses '${text}' with QEMU's message`, () => {
      const [driver, props] = parse(text);
      expect(() => createVirtioPciDevice(driver as VirtioPciDeviceName, props, env())).toThrow(message);
      if (hasQemu) {
        const r = spawnSync(
          QEMU,
          ["-M", "pc", "-display", "none", "-nodefaults", "-S", "-drive", `if=none,id=d0,file=${disk},format=raw`, "-netdev", "user,id=n0,restrict=on", "-device", text],
          { encoding: "utf8", timeout: 20_000 },
        );
        expect(r.stderr.split("\n")[0]).toBe(`${QEMU}: -device ${text}: ${message}`);
      }
    });
  }

  it("refuses a backend that another device already uses", () => {
    const e = env();
    createVirtioPciDevice("virtio-blk-pci", { drive: "d0" }, e);
    expect(() => createVirtioPciDevice("virtio-blk-pci", { drive: "d0" }, e)).toThrow("Drive 'd0' is already in use by another device");
    createVirtioPciDevice("virtio-net-pci", { netdev: "n0" }, e);
    expect(() => createVirtioPciDevice("virtio-net-pci", { netdev: "n0" }, e)).toThrow("Property 'virtio-net-device.netdev' can't take value 'n0', it's in use");
  });

  it("plugs consoles into a virtio-serial bus with QEMU's errors", () => {
    const e = env();
    expect(() => createVirtioSerialPort("virtconsole", {}, undefined, e)).toThrow("No 'virtio-serial-bus' bus found for device 'virtconsole'");
    const { device } = createVirtioPciDevice("virtio-serial-pci", {}, e);
    if (!(device instanceof VirtioSerial)) throw new Error("not a virtio-serial");
    const bus = device;
    expect(() => createVirtioSerialPort("virtconsole", { chardev: "nope" }, bus, e)).toThrow("Property 'virtconsole.chardev' can't find value 'nope'");
    expect(createVirtioSerialPort("virtconsole", { chardev: "c0" }, bus, e).id).toBe(0);
    expect(() => createVirtioSerialPort("virtconsole", { chardev: "c0" }, bus, e)).toThrow("Property 'virtconsole.chardev' can't take value 'c0': Device 'c0' is in use");
  });

  it("gives virtio-net-pci QEMU's default romfile as an expansion ROM BAR, and none with rombar=0", () => {
    const rom = new Uint8Array(75776);
    const e = { ...env(), romfile: (name: string) => (name === "efi-virtio.rom" ? rom : undefined) };
    const net = createVirtioPciDevice("virtio-net-pci", {}, e);
    expect(net.rom).toBe(rom);
    expect(net.proxy.bars[6]).toEqual({ type: "mem32", size: 0x20000 });
    expect(createVirtioPciDevice("virtio-net-pci", { rombar: "0" }, e).proxy.bars[6]).toBeUndefined();
    expect(createVirtioPciDevice("virtio-rng-pci", {}, e).rom).toBeUndefined();
    expect(() => createVirtioPciDevice("virtio-net-pci", { romfile: "nope.rom" }, e)).toThrow('failed to find romfile "nope.rom"');
  });

  it("disable-legacy=auto is transitional on PCI and modern-only behind a PCIe port", () => {
    expect(createVirtioPciDevice("virtio-rng-pci", {}, env()).proxy.deviceId).toBe(0x1005);
    expect(createVirtioPciDevice("virtio-rng-pci", {}, { ...env(), pcie: true }).proxy.deviceId).toBe(0x1044);
    const legacyOnly = createVirtioPciDevice("virtio-rng-pci", { "disable-modern": "on" }, env()).proxy;
    expect(legacyOnly.modernMmio).toBeUndefined();
    expect(legacyOnly.legacyIo).toBeDefined();
  });
});
