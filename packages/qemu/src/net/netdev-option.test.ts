import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { inetAton } from "./ipv4.js";
import { parseHostForward, parseNetdevOption } from "./netdev-option.js";

const QEMU = "qemu-system-x86_64";
const hasQemu = spawnSync(QEMU, ["--version"], { stdio: "ignore" }).status === 0;
if (!hasQemu) console.warn(`netdev-option: ${QEMU} not found, the error texts are checked against the recorded ones only`);

/** Option text -> the error QEMU 7.2 prints after "qemu-system-x86_64: -netdev TEXT: ". */
const ERRORS: [string, string][] = [
  ["user", "Parameter 'id' is missing"],
  ["id=x", "Parameter 'type' is missing"],
  ["bogus,id=x", "Parameter 'type' does not accept value 'bogus'"],
  ["user,id=1bad", "Parameter 'id' expects an identifier"],
  ["user,id=n0,foo=1", "Invalid parameter 'foo'"],
  ["user,id=n0,restrict=maybe", "Parameter 'restrict' expects 'on' or 'off'"],
  ["user,id=n0,ipv4=off,ipv6=off", "IPv4 and IPv6 disabled"],
  ["user,id=n0,net=10.0.2.0/33", "Invalid netmask provided (must be in range 4-32)"],
  ["user,id=n0,net=300.0.0.0", "Failed to parse netmask"],
  ["user,id=n0,host=1.2.3.4", "Host doesn't belong to network"],
  ["user,id=n0,dhcpstart=1.2.3.4", "DHCP doesn't belong to network"],
  ["user,id=n0,dhcpstart=10.0.2.2", "DHCP must be different from host and DNS"],
  ["user,id=n0,hostfwd=foo", "Invalid host forwarding rule 'foo' (No : separators)"],
  ["user,id=n0,hostfwd=sctp::5555-:22", "Invalid host forwarding rule 'sctp::5555-:22' (Bad protocol name)"],
  ["user,id=n0,hostfwd=tcp:1.2.3.4.5:5555-:22", "Invalid host forwarding rule 'tcp:1.2.3.4.5:5555-:22' (Bad host address)"],
  ["user,id=n0,hostfwd=tcp::5555", "Invalid host forwarding rule 'tcp::5555' (Bad host port separator)"],
  ["user,id=n0,hostfwd=tcp::x-:22", "Invalid host forwarding rule 'tcp::x-:22' (Bad host port)"],
  ["user,id=n0,hostfwd=tcp::70000-:22", "Invalid host forwarding rule 'tcp::70000-:22' (Bad host port)"],
  ["user,id=n0,hostfwd=tcp::5555-10.0.2.15", "Invalid host forwarding rule 'tcp::5555-10.0.2.15' (Missing guest address)"],
  ["user,id=n0,hostfwd=tcp::5555-:abc", "Invalid host forwarding rule 'tcp::5555-:abc' (Bad guest port)"],
  ["user,id=n0,hostfwd=tcp::5555-:70000", "Invalid host forwarding rule 'tcp::5555-:70000' (Bad guest port)"],
  ["user,id=n0,hostfwd=udp::5555-:22,hostfwd=tcp::x", "Invalid host forwarding rule 'tcp::x' (Bad host port separator)"],
  ["socket,id=s", "exactly one of listen=, connect=, mcast= or udp= is required"],
  ["socket,id=s,listen=:1,connect=:2", "exactly one of listen=, connect=, mcast= or udp= is required"],
  ["socket,id=s,connect=nohost", "host address 'nohost' doesn't contain ':' separating host from port"],
  ["socket,id=s,listen=127.0.0.1", "host address '127.0.0.1' doesn't contain ':' separating host from port"],
  ["socket,id=s,listen=127.0.0.1:x", "port number 'x' is invalid"],
  ["socket,id=s,udp=127.0.0.1:5000", "localaddr= is mandatory with udp="],
  ["socket,id=s,udp=127.0.0.1:5000,localaddr=x", "host address 'x' doesn't contain ':' separating host from port"],
];

describe("-netdev option parsing", () => {
  for (const [text, message] of ERRORS) {
    it(`refuses '${text}' with QEMU's message`, () => {
      expect(() => parseNetdevOption(text)).toThrow(message);
      if (hasQemu) {
        const r = spawnSync(QEMU, ["-M", "none", "-display", "none", "-nodefaults", "-S", "-netdev", text], { encoding: "utf8", timeout: 20_000 });
        expect(r.stderr.split("\n")[0]).toBe(`${QEMU}: -netdev ${text}: ${message}`);
      }
    });
  }

  it("refuses a duplicate id", () => {
    expect(() => parseNetdevOption("user,id=n0", new Set(["n0"]))).toThrow("Duplicate ID 'n0' for netdev");
  });

  it("derives QEMU's default addresses from net=", () => {
    const c = parseNetdevOption("user,id=n0,net=192.168.76.0/24,restrict=on,hostname=vm1");
    expect(c).toMatchObject({
      type: "user",
      user: { net: inetAton("192.168.76.0"), netmask: 0xffffff00, host: inetAton("192.168.76.2"), dns: inetAton("192.168.76.3"), dhcpStart: inetAton("192.168.76.15"), restrict: true, hostname: "vm1" },
    });
    const b = parseNetdevOption("user,id=n0,net=172.20.0.0");
    expect(b).toMatchObject({ user: { netmask: 0xfff00000, host: inetAton("172.16.2.2") } });
  });

  it("parses hostfwd rules and socket addresses", () => {
    expect(parseHostForward("tcp::5555-:22")).toEqual({ rule: "tcp::5555-:22", udp: false, hostAddr: "", hostPort: 5555, guestAddr: 0, guestPort: 22 });
    expect(parseHostForward("udp:127.0.0.1:0x10-10.0.2.20:53")).toMatchObject({ udp: true, hostAddr: "127.0.0.1", hostPort: 16, guestAddr: inetAton("10.0.2.20"), guestPort: 53 });
    expect(parseNetdevOption("socket,id=s,connect=127.0.0.1:99999")).toEqual({ id: "s", type: "socket", mode: { kind: "connect", addr: { host: "127.0.0.1", port: 99999 - 65536 } } });
    expect(parseNetdevOption("socket,id=s,udp=127.0.0.1:5000,localaddr=127.0.0.1:5001")).toMatchObject({ mode: { kind: "udp", local: { port: 5001 } } });
  });

  it("refuses the options virtkit does not implement instead of ignoring them", () => {
    expect(() => parseNetdevOption("user,id=n0,smb=/tmp")).toThrow("-netdev user,smb= is not supported by virtkit");
    expect(() => parseNetdevOption("tap,id=t0")).toThrow("-netdev tap is not supported by virtkit");
    expect(() => parseNetdevOption("socket,id=s,mcast=230.0.0.1:1234")).toThrow("-netdev socket,mcast= is not supported by virtkit");
  });

  it("implements inet_aton's short forms", () => {
    expect(inetAton("10.2")).toBe(0x0a000002);
    expect(inetAton("0x7f.1")).toBe(0x7f000001);
    expect(inetAton("010.0.0.1")).toBe(0x08000001);
    expect(inetAton("1.2.3.256")).toBeUndefined();
    expect(inetAton("1.2.3.4.5")).toBeUndefined();
  });
});

describe("-nic option parsing", () => {
  it("splits model and mac from the netdev options, with QEMU's virtio alias", async () => {
    const { parseNicOption } = await import("./nic-option.js");
    const n = parseNicOption("user,model=virtio,mac=52:54:00:01:02:03,hostfwd=tcp::2222-:22");
    expect(n.model).toBe("virtio-net-pci");
    expect(n.mac).toBe("52:54:00:01:02:03");
    expect(n.netdev).toMatchObject({ type: "user", user: { hostfwd: [{ hostPort: 2222, guestPort: 22 }] } });
    expect(n.netdev!.id).toMatch(/^__org\.qemu\.nic[0-9]+$/);
    expect(parseNicOption("user,id=net7").netdev!.id).toBe("net7");
    expect(parseNicOption("none")).toEqual({ netdev: undefined, model: undefined, mac: undefined });
    expect(() => parseNicOption("socket,model=virtio")).toThrow("exactly one of listen=, connect=, mcast= or udp= is required");
  });
});
