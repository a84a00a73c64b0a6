import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openRngBackend, parseObjectOption } from "./rng-backend.js";

describe("-object rng-random / rng-builtin", () => {
  it("parses the key=value form libvirt writes and the JSON form, with QEMU's default filename", () => {
    expect(parseObjectOption("rng-random,id=objrng0,filename=/dev/urandom", new Set())).toEqual({ id: "objrng0", type: "rng-random", filename: "/dev/urandom" });
    expect(parseObjectOption('{"qom-type":"rng-random","id":"r1","filename":"/dev/hwrng"}', new Set())).toEqual({ id: "r1", type: "rng-random", filename: "/dev/hwrng" });
    expect(parseObjectOption("rng-random,id=r2", new Set())).toMatchObject({ filename: "/dev/urandom" });
    expect(parseObjectOption("rng-builtin,id=b", new Set())).toMatchObject({ type: "rng-builtin" });
  });

  it("refuses what QEMU refuses, with its messages", () => {
    const err = (text: string, ids: string[] = []): string => {
      try {
        parseObjectOption(text, new Set(ids));
      } catch (e) {
        return (e as Error).message;
      }
      return "accepted";
    };
    expect(err("nosuch,id=x")).toBe("invalid object type: nosuch");
    expect(err("memory-backend-ram,id=m,size=1M")).toBe("object type 'memory-backend-ram' is not supported by virtkit (only rng-random and rng-builtin)");
    expect(err("rng-random,filename=/dev/urandom")).toBe("Parameter 'id' is missing");
    expect(err("rng-random,id=9x")).toBe("Parameter 'id' expects an identifier");
    expect(err("rng-random,id=r", ["r"])).toBe("attempt to add duplicate property 'r' to object (type 'container')");
    expect(err("rng-builtin,id=b,filename=/dev/urandom")).toBe("Property 'rng-builtin.filename' not found");
    expect(err('{"qom-type":"rng-random",')).toMatch(/^JSON parse error, /);
  });

  it("rng-random reads its file; rng-builtin fills from the host's CSPRNG; an unopenable file is named", () => {
    const f = join(mkdtempSync(join(tmpdir(), "rng-")), "bytes");
    writeFileSync(f, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    const src = openRngBackend({ id: "r", type: "rng-random", filename: f });
    const a = new Uint8Array(4);
    src(a);
    expect([...a]).toEqual([1, 2, 3, 4]);
    src(a);
    expect([...a]).toEqual([5, 6, 7, 8]);
    const big = new Uint8Array(4096);
    openRngBackend({ id: "u", type: "rng-random", filename: "/dev/urandom" })(big);
    expect(big.some((b) => b !== 0)).toBe(true);
    openRngBackend({ id: "b", type: "rng-builtin", filename: "" })(big.fill(0));
    expect(big.some((b) => b !== 0)).toBe(true);
    expect(() => openRngBackend({ id: "n", type: "rng-random", filename: "/nonexistent/x" })).toThrow("Could not open '/nonexistent/x': No such file or directory");
  });
});
