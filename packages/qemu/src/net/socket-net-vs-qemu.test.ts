import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { connectPeers } from "./net-client.js";
import { createNetdev } from "./netdev-factory.js";
import { parseNetdevOption } from "./netdev-option.js";
import type { SocketNet } from "./socket-net.js";
import type { UserNet } from "./user-net.js";

/*
 * Interop with the real QEMU: its virtio-net NIC, driven by the iPXE option ROM (Debian
 * ipxe-qemu) that SeaBIOS runs for -boot n, sends its frames over -netdev socket,connect= to our
 * listening socket netdev, which is linked straight to our user network. iPXE's DHCP client must
 * get its address from our DHCP server, then fetch its boot script over HTTP from a server on
 * 127.0.0.1 through our TCP NAT (10.0.2.2), and the script's second URL: that needs QEMU's stream
 * framing and our DHCP, ARP and TCP to work with a real client stack.
 */

const QEMU = "qemu-system-x86_64";
// Debian installs the ROMs here and builds QEMU with it on the firmware path.
const ROM = "/usr/lib/ipxe/qemu/efi-virtio.rom";
const hasQemu = spawnSync(QEMU, ["--version"], { stdio: "ignore" }).status === 0;
const hasRom = existsSync(ROM);
if (!hasQemu || !hasRom) {
  console.warn(`socket-net-vs-qemu: ${!hasQemu ? QEMU : `${ROM} (Debian ipxe-qemu)`} not found, skipping the PXE DHCP exchange with the real QEMU`);
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe.skipIf(!hasQemu || !hasRom)("-netdev socket against the real QEMU", () => {
  it("QEMU's virtio-net (iPXE) gets 10.0.2.15 by DHCP and boots a script over HTTP through our TCP NAT", async () => {
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(req.url ?? "");
      const port = (server.address() as AddressInfo).port;
      if (req.url === "/boot.ipxe") {
        res.end(`#!ipxe\nchain http://10.0.2.2:${port}/second.ipxe\n`);
      } else {
        res.end("#!ipxe\nshell\n");
      }
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const httpPort = (server.address() as AddressInfo).port;
    const sock = createNetdev(parseNetdevOption("socket,id=s0,listen=127.0.0.1:0")) as SocketNet;
    await sock.open();
    cleanups.push(() => sock.close());
    const user = createNetdev(parseNetdevOption(`user,id=n0,bootfile=http://10.0.2.2:${httpPort}/boot.ipxe`)) as UserNet;
    await user.open();
    cleanups.push(() => user.close());
    connectPeers(sock, user);
    const acks: [string, number][] = [];
    user.onDhcpAck = (mac, ip) => acks.push([mac, ip]);
    const qemu = spawn(
      QEMU,
      ["-M", "pc", "-accel", "tcg", "-nodefaults", "-display", "none", "-m", "64", "-boot", "n",
        "-netdev", `socket,id=n0,connect=127.0.0.1:${sock.listenPort!}`,
        "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:aa:bb:cc"],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    let stderr = "";
    qemu.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    cleanups.push(() => {
      qemu.kill("SIGKILL");
    });
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (requests.includes("/second.ipxe")) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
      qemu.on("exit", (code) => {
        clearInterval(poll);
        reject(new Error(`qemu exited (${code}) before the boot script was fetched: ${stderr}`));
      });
    });
    expect(acks[0]).toEqual(["52:54:00:aa:bb:cc", 0x0a00020f]);
    expect(requests).toEqual(["/boot.ipxe", "/second.ipxe"]);
  });
});
