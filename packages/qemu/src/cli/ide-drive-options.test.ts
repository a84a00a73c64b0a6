import { describe, expect, it } from "vitest";
import { QemuCliError } from "./qemu-options.js";
import { type SystemConfig, parseSystemArgs } from "./system-config.js";

/*
 * Where -hdX and -drive put IDE disks (QEMU blockdev.c drive_new: index, bus/unit, the next free
 * unit, the "ide<bus>-hd<unit>" ids) and the refusals, with QEMU 7.2's texts.
 */

function drives(...argv: string[]): { id: string; bus?: number; unit?: number }[] {
  const cfg = parseSystemArgs(argv) as SystemConfig;
  return cfg.drives.map((d) => ({ id: d.id, ...(d.bus !== undefined ? { bus: d.bus, unit: d.unit } : {}) }));
}

function cdroms(...argv: string[]): { id: string; file: string | undefined; readOnly: boolean; media: string }[] {
  const cfg = parseSystemArgs(argv) as SystemConfig;
  return cfg.drives.map((d) => ({ id: d.id, file: d.file, readOnly: d.readOnly, media: d.media }));
}

function refusal(...argv: string[]): string {
  try {
    parseSystemArgs(argv);
  } catch (e) {
    if (e instanceof QemuCliError) return `${e.location ?? ""}: ${e.message}`;
    throw e;
  }
  throw new Error("accepted");
}

describe("IDE drive placement", () => {
  it("-hda..-hdd are indexes 0-3: ide0-hd0, ide0-hd1, ide1-hd0, ide1-hd1", () => {
    expect(drives("-hdd", "d", "-hda", "a", "-hdc", "c", "-hdb", "b")).toEqual([
      { id: "ide1-hd1", bus: 1, unit: 1 },
      { id: "ide0-hd0", bus: 0, unit: 0 },
      { id: "ide1-hd0", bus: 1, unit: 0 },
      { id: "ide0-hd1", bus: 0, unit: 1 },
    ]);
  });

  it("-drive without if= is IDE and takes the next free unit, spilling to the next bus; bus=/unit= and id= are kept", () => {
    expect(drives("-drive", "file=a", "-hdb", "b", "-drive", "file=c", "-drive", "file=d,bus=1,unit=1,id=mine")).toEqual([
      { id: "ide0-hd0", bus: 0, unit: 0 },
      { id: "ide0-hd1", bus: 0, unit: 1 },
      { id: "ide1-hd0", bus: 1, unit: 0 },
      { id: "mine", bus: 1, unit: 1 },
    ]);
  });

  it("-cdrom is index 2 (ide1-cd0, the secondary master), media=cdrom drives are ide<bus>-cd<unit>, read-only, and may be empty", () => {
    expect(drives("-hda", "a", "-cdrom", "x.iso", "-drive", "media=cdrom", "-drive", "file=y.iso,media=cdrom,if=ide,index=3")).toEqual([
      { id: "ide0-hd0", bus: 0, unit: 0 },
      { id: "ide1-cd0", bus: 1, unit: 0 },
      { id: "ide0-cd1", bus: 0, unit: 1 },
      { id: "ide1-cd1", bus: 1, unit: 1 },
    ]);
    expect(cdroms("-cdrom", "")).toEqual([{ id: "ide1-cd0", file: undefined, readOnly: true, media: "cdrom" }]);
    expect(cdroms("-cdrom", "x.iso", "-drive", "media=cdrom,readonly=off", "-drive", "if=none,id=c,media=cdrom,file=z.iso", "-drive", "file=d.img,media=disk")).toEqual([
      { id: "ide1-cd0", file: "x.iso", readOnly: true, media: "cdrom" },
      { id: "ide0-cd0", file: undefined, readOnly: true, media: "cdrom" },
      { id: "c", file: "z.iso", readOnly: true, media: "cdrom" },
      { id: "ide0-hd1", file: "d.img", readOnly: false, media: "disk" },
    ]);
  });

  it("virtio and none drives are not placed on IDE", () => {
    expect(drives("-drive", "file=a,if=virtio", "-drive", "file=b,if=none,id=x")).toEqual([{ id: "virtio0-hd0" }, { id: "x" }]);
  });
});

describe("IDE drive refusals (QEMU's messages)", () => {
  it.each([
    [["-drive", "file=a,index=4"], "-drive file=a,index=4: machine type does not support if=ide,bus=2,unit=0"],
    [["-drive", "file=a,if=ide,bus=2"], "-drive file=a,if=ide,bus=2: machine type does not support if=ide,bus=2,unit=0"],
    [["-drive", "file=a,unit=2"], "-drive file=a,unit=2: unit 2 too big (max is 1)"],
    [["-drive", "file=a,index=0,unit=1"], "-drive file=a,index=0,unit=1: index cannot be used with bus and unit"],
    [["-hda", "a", "-drive", "file=b,index=0"], "-drive file=b,index=0: drive with bus=0, unit=0 (index=0) exists"],
    [["-drive", "file=a,index=x"], "-drive file=a,index=x: Parameter 'index' expects a number"],
    [["-drive", "file=a,if=foo"], "-drive file=a,if=foo: unsupported bus type 'foo'"],
    [["-drive", "file=a,if=scsi"], "-drive file=a,if=scsi: machine type does not support if=scsi,bus=0,unit=0"],
    [["-hdc", "a", "-cdrom", "b"], "-cdrom b: drive with bus=1, unit=0 (index=2) exists"],
    [["-cdrom", "b", "-hdc", "a"], "-hdc a: drive with bus=1, unit=0 (index=2) exists"],
    [["-drive", "file=a,media=cdrom,index=4"], "-drive file=a,media=cdrom,index=4: machine type does not support if=ide,bus=2,unit=0"],
    [["-drive", "file=a,media=foo"], "-drive file=a,media=foo: 'foo' invalid media"],
    [["-drive", "if=none,id=x"], "-drive if=none,id=x: virtkit: -drive without file= (an empty drive) is not supported except media=cdrom"],
  ])("%j", (argv, text) => {
    expect(refusal(...argv)).toBe(text);
  });
});
