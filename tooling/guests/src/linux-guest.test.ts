/**
 * The Linux guest builder: payload extraction, module dependencies, the initramfs (reproducible), the domain
 * XML. The parts that need Debian's packages run when apt can fetch them and skip with the reason otherwise.
 */
import { describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { BzImageError, bzImagePayload, extractVmlinux } from "./bzimage.js";
import { readCpioNewc, writeCpioNewc } from "./cpio-newc.js";
import { hasCommand } from "./host-tools.js";
import { KernelModuleError, type ModuleIndexEntry, moduleClosure, modulesDep, readModInfo } from "./kernel-module.js";
import { linuxDomainXml } from "./linux-domain-xml.js";
import { INIT_MARKER, LINUX_KERNEL_ABI, buildLinuxGuest, initramfsEntries, tryBuildLinuxGuest } from "./linux-guest.js";

const sha = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** The real guest, built once for the tests that need it (undefined + the reason when it cannot be). */
const real = tryBuildLinuxGuest();
if (real.paths === undefined) console.warn(`skipping the checks on Debian's kernel and busybox: ${real.why ?? ""}`);

/** A minimal bzImage: setup header (protocol 2.08+) and `payload` at payload_offset, 4-byte size after it. */
function fakeBzImage(payload: Uint8Array, size: number): Uint8Array {
  const setupSects = 1;
  const img = new Uint8Array((setupSects + 1) * 512 + 0x100 + payload.length + 4);
  const dv = new DataView(img.buffer);
  img[0x1f1] = setupSects;
  dv.setUint32(0x202, 0x53726448, true);
  dv.setUint16(0x206, 0x20f, true);
  dv.setUint32(0x248, 0x100, true);
  dv.setUint32(0x24c, payload.length + 4, true);
  img.set(payload, 1024 + 0x100);
  dv.setUint32(1024 + 0x100 + payload.length, size, true);
  return img;
}

/** An ELF32 relocatable object whose only real section is .modinfo with `fields`. */
function fakeModule(fields: string[]): Uint8Array {
  const enc = new TextEncoder();
  const modinfo = enc.encode(fields.map((f) => `${f}\0`).join(""));
  const shstr = enc.encode("\0.modinfo\0.shstrtab\0");
  const modAt = 52;
  const strAt = modAt + modinfo.length;
  const shoff = (strAt + shstr.length + 3) & ~3;
  const f = new Uint8Array(shoff + 3 * 40);
  const dv = new DataView(f.buffer);
  f.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1], 0);
  dv.setUint16(16, 1, true); // ET_REL
  dv.setUint16(18, 3, true);
  dv.setUint32(0x20, shoff, true);
  dv.setUint16(0x2e, 40, true);
  dv.setUint16(0x30, 3, true);
  dv.setUint16(0x32, 2, true);
  f.set(modinfo, modAt);
  f.set(shstr, strAt);
  const sh = (i: number, name: number, type: number, off: number, size: number): void => {
    const at = shoff + i * 40;
    dv.setUint32(at, name, true);
    dv.setUint32(at + 4, type, true);
    dv.setUint32(at + 16, off, true);
    dv.setUint32(at + 20, size, true);
  };
  sh(1, 1, 1, modAt, modinfo.length);
  sh(2, 10, 3, strAt, shstr.length);
  return f;
}

describe("bzImage payload (extract-vmlinux)", () => {
  it("finds a gzip payload from payload_offset/payload_length and inflates it with node:zlib", () => {
    const elf = new Uint8Array(200).map((_, i) => i);
    elf.set([0x7f, 0x45, 0x4c, 0x46], 0);
    const img = fakeBzImage(gzipSync(elf), elf.length);
    expect(bzImagePayload(img)).toMatchObject({ protocol: 0x20f, setupSize: 1024, offset: 1024 + 0x100, compression: "gzip" });
    const r = extractVmlinux(img);
    expect([r.compression, r.tool]).toEqual(["gzip", "node:zlib"]);
    expect(sha(r.vmlinux)).toBe(sha(elf));
  });

  it.skipIf(!hasCommand("xz"))("decompresses an xz payload (with the size the build appends after it) through the xz command", () => {
    const elf = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
    elf.set([0x7f, 0x45, 0x4c, 0x46], 0);
    const xz = execFileSync("xz", ["-c", "--check=crc32"], { input: elf });
    const r = extractVmlinux(fakeBzImage(new Uint8Array(xz), elf.length));
    expect([r.compression, r.tool]).toEqual(["xz", "xz"]);
    expect(sha(r.vmlinux)).toBe(sha(elf));
  });

  it("says what is wrong with an image it cannot take", () => {
    expect(() => bzImagePayload(new Uint8Array(4096))).toThrow('not a bzImage: no "HdrS" boot protocol header at 0x202');
    const old = fakeBzImage(gzipSync(new Uint8Array(10)), 10);
    old[0x206] = 0x04;
    expect(() => bzImagePayload(old)).toThrow("boot protocol 2.04 records no payload_offset (needs 2.08 or later)");
    expect(() => bzImagePayload(fakeBzImage(new Uint8Array(64), 64))).toThrow("unknown payload format (first bytes 00 00 00 00 00 00)");
    const cut = fakeBzImage(gzipSync(new Uint8Array(10)), 10);
    expect(() => bzImagePayload(cut.subarray(0, 1100))).toThrow(BzImageError);
    expect(() => extractVmlinux(fakeBzImage(gzipSync(new Uint8Array(100)), 100))).toThrow("the decompressed payload is not an ELF image");
  });

  it.skipIf(real.paths === undefined)("Debian's vmlinuz: an xz payload whose decompressed ELF is the vmlinux the builder wrote", () => {
    const g = real.paths!;
    const p = bzImagePayload(new Uint8Array(readFileSync(g.vmlinuz)));
    expect(p.compression).toBe("xz");
    const vmlinux = readFileSync(g.vmlinux);
    expect([...vmlinux.subarray(0, 6)]).toEqual([0x7f, 0x45, 0x4c, 0x46, 1, 1]);
    // readelf agrees: an i386 executable entered at the physical address of startup_32
    if (hasCommand("readelf")) {
      const h = execFileSync("readelf", ["-h", g.vmlinux], { encoding: "utf8" });
      expect(h).toMatch(/Machine:\s+Intel 80386/);
      expect(h).toMatch(/Entry point address:\s+0x1000000/);
    }
  });
});

describe("kernel modules (.modinfo, depmod's closure)", () => {
  const mod = (name: string, depends: string, path = `kernel/${name}.ko`): ModuleIndexEntry => ({ path, info: readModInfo(fakeModule([`license=GPL`, `depends=${depends}`, `name=${name}`, `vermagic=6.1.0 SMP mod_unload 686`]), path) });

  it("reads name, depends and vermagic from the .modinfo section", () => {
    const i = readModInfo(fakeModule(["alias=virtio:d00000002v*", "depends=virtio,virtio_ring", "name=virtio_blk", "vermagic=6.1.0-50-686 SMP"]), "virtio_blk.ko");
    expect(i).toMatchObject({ name: "virtio_blk", depends: ["virtio", "virtio_ring"], vermagic: "6.1.0-50-686 SMP" });
    expect(i.fields[0]).toEqual(["alias", "virtio:d00000002v*"]);
    expect(readModInfo(fakeModule(["depends=", "name=virtio_ring"]), "x").depends).toEqual([]);
  });

  it("orders a closure dependencies first, once each, with '-' and '_' equal; names what is missing or cyclic", () => {
    const index = new Map<string, ModuleIndexEntry>([
      ["virtio_ring", mod("virtio_ring", "")],
      ["virtio", mod("virtio", "")],
      ["virtio_pci", mod("virtio_pci", "virtio_pci_legacy_dev,virtio,virtio_ring")],
      ["virtio_pci_legacy_dev", mod("virtio_pci_legacy_dev", "")],
      ["virtio_rng", mod("virtio_rng", "virtio,virtio_ring", "kernel/virtio-rng.ko")],
      ["a", mod("a", "b")],
      ["b", mod("b", "a")],
      ["c", mod("c", "nope")],
    ]);
    expect(moduleClosure(index, ["virtio_pci", "virtio-rng"]).map((m) => m.info.name)).toEqual(["virtio_pci_legacy_dev", "virtio", "virtio_ring", "virtio_pci", "virtio_rng"]);
    expect(() => moduleClosure(index, ["a"])).toThrow("modules: dependency cycle through a");
    expect(() => moduleClosure(index, ["c"])).toThrow("modules: nope not found (needed by c)");
    const dep = modulesDep(index, moduleClosure(index, ["virtio_pci"]));
    expect(dep).toBe("kernel/virtio.ko:\nkernel/virtio_pci.ko: kernel/virtio_ring.ko kernel/virtio.ko kernel/virtio_pci_legacy_dev.ko\nkernel/virtio_pci_legacy_dev.ko:\nkernel/virtio_ring.ko:\n");
  });

  it("refuses what is not an uncompressed module", () => {
    expect(() => readModInfo(new Uint8Array([0x28, 0xb5, 0x2f, 0xfd, 0, 0]), "x.ko.zst")).toThrow(KernelModuleError);
    const noInfo = fakeModule([]);
    noInfo.set(new TextEncoder().encode(".modinfX"), 52 + 1);
    expect(() => readModInfo(noInfo, "y.ko")).toThrow("y.ko: no .modinfo section (not a kernel module)");
  });

  it.skipIf(real.paths === undefined || !hasCommand("modinfo"))("agrees with kmod's modinfo on Debian's virtio_pci.ko", () => {
    const ko = join(real.paths!.dir, "..", "root-kernel", "lib", "modules", LINUX_KERNEL_ABI, "kernel", "drivers", "virtio", "virtio_pci.ko");
    const theirs = execFileSync("modinfo", ["-F", "depends", ko], { encoding: "utf8" }).trim();
    expect(readModInfo(new Uint8Array(readFileSync(ko))).depends.join(",")).toBe(theirs);
  });
});

describe("initramfs", () => {
  const busybox = new Uint8Array(64).fill(0x90);
  const modules = [{ path: "kernel/drivers/virtio/virtio.ko", data: new Uint8Array([1, 2, 3]) }];

  it("holds /init, busybox, /dev/console, the modules and modules.dep, every parent directory before its contents", () => {
    const list = readCpioNewc(writeCpioNewc(initramfsEntries(busybox, modules, "kernel/drivers/virtio/virtio.ko:\n")));
    const names = list.map((e) => e.name);
    for (const n of ["init", "bin/busybox", "bin/sh", "dev/console", `lib/modules/${LINUX_KERNEL_ABI}/modules.dep`, `lib/modules/${LINUX_KERNEL_ABI}/kernel/drivers/virtio/virtio.ko`, "proc", "sys", "tmp"]) {
      expect(names).toContain(n);
    }
    for (const n of names) {
      const parent = n.split("/").slice(0, -1).join("/");
      if (parent !== "") expect(names.indexOf(parent)).toBeLessThan(names.indexOf(n));
    }
    const init = new TextDecoder().decode(list.find((e) => e.name === "init")!.data);
    expect(init).toContain(`insmod "$m"`);
    expect(init).toContain(`/lib/modules/${LINUX_KERNEL_ABI}/kernel/drivers/virtio/virtio.ko`);
    expect(init).toContain(`echo "${INIT_MARKER}"`);
    expect(init).toContain("mount -t devtmpfs devtmpfs /dev");
  });

  it("/init is a valid shell script (sh -n)", () => {
    const init = new TextDecoder().decode(readCpioNewc(writeCpioNewc(initramfsEntries(busybox, modules, ""))).find((e) => e.name === "init")!.data);
    const r = spawnSync("sh", ["-n"], { input: init, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it.skipIf(real.paths === undefined)("Debian's guest: building twice gives the same initramfs sha256 (fixed mtimes and owners, sorted entries)", () => {
    const first = sha(readFileSync(real.paths!.initramfs));
    const again = buildLinuxGuest({ force: true, cacheDir: join(real.paths!.dir, "..") });
    expect(sha(readFileSync(again.initramfs))).toBe(first);
    expect((again.manifestData.sha256 as Record<string, string>)["initramfs.cpio"]).toBe(first);
  });

  it.skipIf(real.paths === undefined || !hasCommand("cpio"))("Debian's guest: GNU cpio lists the initramfs, with the 16 modules", () => {
    const out = execFileSync("cpio", ["-t", "-F", real.paths!.initramfs], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    expect(out.split("\n").filter((l) => l.endsWith(".ko"))).toHaveLength(16);
    expect(out).toContain("bin/busybox\n");
  });

  it.skipIf(real.paths === undefined || !hasCommand("debugfs"))("Debian's guest: the ext2 image holds hello.txt (debugfs)", () => {
    const out = execFileSync("debugfs", ["-R", "cat /hello.txt", real.paths!.disk], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    expect(out).toContain("hello from the virtio disk");
  });
});

describe("domain XML", () => {
  const paths = { vmlinuz: "/var/lib/libvirt/images/virtkit-linux/vmlinuz", initramfs: "/var/lib/libvirt/images/virtkit-linux/initramfs.cpio", disk: "/var/lib/libvirt/images/virtkit-linux/disk.ext2" };

  it("the committed linux/domain.xml is what linuxDomainXml writes (direct kernel boot, virtio disk, serial console)", () => {
    const committed = readFileSync(new URL("../linux/domain.xml", import.meta.url), "utf8");
    expect(committed).toBe(linuxDomainXml(paths));
    expect(committed).toContain("<cmdline>console=ttyS0 panic=-1</cmdline>");
    expect(committed).toContain("<target dev='vda' bus='virtio'/>");
    expect(committed).toContain("<target type='isa-serial' port='0'/>");
  });

  it.skipIf(!hasCommand("virt-xml-validate"))("validates against libvirt's schema (virt-xml-validate)", () => {
    const dir = mkdtempSync(join(tmpdir(), "domxml-"));
    const f = join(dir, "d.xml");
    execFileSync("sh", ["-c", `cat > ${f}`], { input: linuxDomainXml({ ...paths, disk: "/tmp/a&b.img" }) });
    const r = spawnSync("virt-xml-validate", [f, "domain"], { encoding: "utf8" });
    expect(`${r.stdout}${r.stderr}`).toContain("validates");
    expect(r.status).toBe(0);
  });
});
