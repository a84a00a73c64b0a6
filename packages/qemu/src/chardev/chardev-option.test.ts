import { describe, expect, it } from "vitest";
import { ChardevOptionError, parseChardevOption } from "./chardev-option.js";

const parse = (s: string) => parseChardevOption(s).config;

describe("-chardev option parser", () => {
  it("parses the backends with QEMU's defaults", () => {
    expect(parse("null,id=n0")).toEqual({ id: "n0", backend: "null", logappend: false, mux: false });
    expect(parse("stdio,id=s0")).toMatchObject({ backend: "stdio", signal: true });
    expect(parse("stdio,id=s0,signal=off")).toMatchObject({ backend: "stdio", signal: false });
    expect(parse("file,id=f,path=/tmp/serial.log,append=on")).toMatchObject({
      backend: "file",
      path: "/tmp/serial.log",
      append: true,
    });
    expect(parse("ringbuf,id=r")).toMatchObject({ backend: "ringbuf", size: 65536 });
    expect(parse("ringbuf,id=r,size=1M")).toMatchObject({ backend: "ringbuf", size: 1 << 20 });
    expect(parse("memory,id=r,size=4096")).toMatchObject({ backend: "ringbuf", size: 4096 });
  });

  it("parses tcp and unix sockets, server and client, wait defaulting on for servers", () => {
    expect(parse("socket,id=c0,host=127.0.0.1,port=4444,server=on,wait=off")).toEqual({
      id: "c0",
      logappend: false,
      mux: false,
      backend: "socket",
      address: { type: "inet", host: "127.0.0.1", port: "4444" },
      server: true,
      wait: false,
      nodelay: false,
      telnet: false,
      websocket: false,
      tn3270: false,
    });
    expect(parse("socket,id=c1,path=/tmp/qga.sock,server=on")).toMatchObject({
      address: { type: "unix", path: "/tmp/qga.sock" },
      server: true,
      wait: true,
    });
    expect(parse("socket,id=c2,host=localhost,port=5555,reconnect=2,nodelay=on")).toMatchObject({
      server: false,
      wait: false,
      nodelay: true,
      reconnectMs: 2000,
    });
  });

  it("accepts the deprecated short boolean forms with QEMU's warnings", () => {
    const { config, warnings } = parseChardevOption("socket,id=m,host=,port=4444,server,nowait,nodelay");
    expect(config).toMatchObject({ server: true, wait: false, nodelay: true, address: { host: "" } });
    expect(warnings).toEqual([
      "short-form boolean option 'server' deprecated\nPlease use server=on instead",
      "short-form boolean option 'nowait' deprecated\nPlease use wait=off instead",
      "short-form boolean option 'nodelay' deprecated\nPlease use nodelay=on instead",
    ]);
  });

  it("treats ',,' as a literal comma in values", () => {
    expect(parse("file,id=f,path=/tmp/a,,b")).toMatchObject({ path: "/tmp/a,b" });
  });

  it("parses common logfile options", () => {
    expect(parse("null,id=n,logfile=/tmp/log,logappend=on")).toMatchObject({ logfile: "/tmp/log", logappend: true });
  });

  // Each message was checked against qemu-system-x86_64 7.2 (-chardev ... -M none).
  it("reports errors in QEMU's words and order", () => {
    const cases: [string, string][] = [
      ["null", "chardev: no id specified"],
      ["id=x", 'chardev: "x" missing backend'],
      ["bogus,id=x", "'bogus' is not a valid char driver name"],
      ["null,id=1x", "Parameter 'id' expects an identifier"],
      ["bogus,id=1x,colour=red", "Parameter 'id' expects an identifier"],
      ["null,colour=red", "Invalid parameter 'colour'"],
      ["null,id=x,server=maybe,colour=red", "Parameter 'server' expects 'on' or 'off'"],
      ["null,id=x,colour=red,server=maybe", "Invalid parameter 'colour'"],
      ["null,id=x,colour=red", "Invalid parameter 'colour'"],
      ["socket,id=x,host=h,port=1,server=maybe", "Parameter 'server' expects 'on' or 'off'"],
      ["socket,id=x,port=1", "Unable to parse FD number "],
      ["socket,id=x,host=h", "chardev: socket: no port given"],
      ["socket,id=x,path=/p,host=h", "None or one of 'path', 'fd' or 'host' option required."],
      ["socket,id=x,delay=on,nodelay=on,host=h,port=1", "'delay' and 'nodelay' are mutually exclusive"],
      ["socket,id=x,host=h,port=1,websocket=on", "Websocket client is not implemented"],
      ["socket,id=x,host=h,port=1,wait=off", "'wait' option is incompatible with socket in client connect mode"],
      ["socket,id=x,host=h,port=1,server=on,reconnect=1", "'reconnect' option is incompatible with socket in server listen mode"],
      ["file,id=x", "chardev: file: no filename given"],
      ["ringbuf,id=x,size=lots", "Parameter 'size' expects a non-negative number below 2^64"],
      ["socket,id=x,host=h,port=1,to=ten", "Parameter 'to' expects a number"],
    ];
    for (const [text, message] of cases) {
      expect(() => parseChardevOption(text), text).toThrow(ChardevOptionError);
      expect(() => parseChardevOption(text), text).toThrow(message);
    }
  });
});
