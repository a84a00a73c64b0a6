import { existsSync, readFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { HostMachine } from "@virtkit/kvm";
import { afterAll, describe, expect, it } from "vitest";
import { KvmAccel } from "../../accel/kvm-accel.js";
import { RingbufChardev } from "../../chardev/chardev-ringbuf.js";
import { PcMachine } from "../../machine/pc.js";
import { connectPeers } from "../../net/net-client.js";
import { createNetdev } from "../../net/netdev-factory.js";
import { parseNetdevOption } from "../../net/netdev-option.js";
import type { UserNet } from "../../net/user-net.js";
import { VirtioNet } from "./virtio-net.js";
import { VirtioPciProxy } from "./virtio-pci.js";
import { optionRomRegion, plugVirtioPci } from "./virtio-pci-plug.js";

/*
 * The whole stack with real guest software: SeaBIOS (Debian seabios) boots on the pc machine over
 * @virtkit/kvm, finds our virtio-net-pci function, assigns its BARs and runs its expansion ROM,
 * iPXE's virtio driver (Debian ipxe-qemu's efi-virtio.rom, QEMU's default romfile). iPXE brings
 * the NIC up through the virtio-pci transport, gets 10.0.2.15 from our user network's DHCP server
 * and fetches its boot script over HTTP from a server on 127.0.0.1 through our TCP NAT.
 *
 * It takes tens of seconds on the interpreted CPU, so it runs only with VIRTKIT_SLOW_TESTS=1.
 */

const BIOS = "/usr/share/seabios/bios-256k.bin";
const ROM = "/usr/lib/ipxe/qemu/efi-virtio.rom";
const slow = process.env.VIRTKIT_SLOW_TESTS === "1";
const missing = [BIOS, ROM].filter((f) => !existsSync(f));
if (!slow) console.warn("virtio-net-ipxe: set VIRTKIT_SLOW_TESTS=1 to boot SeaBIOS + iPXE on our virtio-net (slow)");
else if (missing.length > 0) console.warn(`virtio-net-ipxe: ${missing.join(", ")} not found (Debian seabios, ipxe-qemu), skipping`);

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!slow || missing.length > 0)("SeaBIOS + iPXE on our virtio-net-pci", () => {
  it("iPXE gets a DHCP lease and fetches its boot script through the user network", async () => {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req.url ?? "");
      res.end("#!ipxe\nshell\n");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const port = (server.address() as AddressInfo).port;
    const user = createNetdev(parseNetdevOption(`user,id=n0,bootfile=http://10.0.2.2:${port}/boot.ipxe`)) as UserNet;
    await user.open();
    cleanups.push(() => user.close());
    const acks: string[] = [];
    user.onDhcpAck = (mac, ip) => acks.push(`${mac} ${ip.toString(16)}`);

    const accel = KvmAccel.create({ host: new HostMachine() });
    const pc = new PcMachine({ type: "pc", accel, ramSize: 64 << 20, bios: new Uint8Array(readFileSync(BIOS)), biosName: "bios-256k.bin", rtcBaseMs: 0 });
    cleanups.push(() => {
      pc.destroy();
    });
    const romBytes = new Uint8Array(readFileSync(ROM));
    const net = new VirtioNet({ mac: "52:54:00:12:34:56" });
    connectPeers(net.nic, user);
    const proxy = new VirtioPciProxy(net, { dma: pc.guestMemory, romSize: romBytes.length });
    plugVirtioPci({ pciBus: pc.pciBus!, pciBars: pc.pciBars! }, proxy, 3, 0, optionRomRegion(proxy, romBytes, (n, s) => accel.allocRam(n, s)));
    // SeaBIOS sends its console to COM1 when fw_cfg names the port (etc/sercon-port), iPXE's too.
    const serial = new RingbufChardev("serial0", 1 << 20);
    pc.addIsaSerial(0, serial);
    pc.fwCfg.addFile("etc/sercon-port", Uint8Array.of(0xf8, 0x03, 0, 0, 0, 0, 0, 0));
    let screen = "";
    const drainConsole = (): void => {
      screen += new TextDecoder("latin1").decode(serial.read());
    };
    const t0 = Date.now();
    const progress = setInterval(() => {
      drainConsole();
      if (process.env.VIRTKIT_TRACE === "1") process.stderr.write(`[${Date.now() - t0} ms] ${screen.slice(-200)}\n`);
    }, 2000);
    cleanups.push(() => {
      clearInterval(progress);
    });
    pc.vmStart();
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (requests.length > 0) {
          clearInterval(poll);
          resolve();
        }
        if (pc.exited) {
          clearInterval(poll);
          reject(new Error("the machine exited"));
        }
      }, 50);
    });
    drainConsole();
    expect(screen).toContain("iPXE (PCI 00:03.0) starting execution...ok");
    expect(screen).toContain("net0: 52:54:00:12:34:56 using virtio-net on 0000:00:03.0 (open)");
    expect(acks).toEqual(["52:54:00:12:34:56 a00020f"]);
    expect(requests).toEqual(["/boot.ipxe"]);
    expect(net.broken).toBe(false);
  }, 600_000);
});
