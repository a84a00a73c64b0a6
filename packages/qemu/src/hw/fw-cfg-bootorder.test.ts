import { describe, expect, it } from "vitest";
import { BootDeviceList, ideFwPath, pciFwPath } from "./fw-cfg-bootorder.js";

describe("fw_cfg bootorder (get_boot_devices_list)", () => {
  it("lists the paths by bootindex, newline-separated and NUL-terminated, HALT last when strict", () => {
    const list = new BootDeviceList();
    list.add(2, ideFwPath({ pci: true }, 0, 0));
    list.add(1, ideFwPath({ pci: true }, 1, 0));
    list.add(7, `${pciFwPath("scsi", 4, 0)}/disk@0,0`);
    const text = "/pci@i0cf8/ide@1,1/drive@1/disk@0\n/pci@i0cf8/ide@1,1/drive@0/disk@0\n/pci@i0cf8/scsi@4/disk@0,0";
    expect(new TextDecoder().decode(list.fileContents(false))).toBe(`${text}\0`);
    expect(new TextDecoder().decode(list.fileContents(true))).toBe(`${text}\nHALT\0`);
  });

  it("is empty without boot devices, even when strict", () => {
    expect(new BootDeviceList().fileContents(true)).toHaveLength(0);
  });

  it("refuses a bootindex used twice", () => {
    const list = new BootDeviceList();
    list.add(1, "/a");
    expect(() => list.add(1, "/b")).toThrow("The bootindex 1 has already been used");
  });

  it("names ISA IDE controllers by their first port and PCI functions other than 0", () => {
    expect(ideFwPath({ pci: false, iobase: 0x170 }, 1, 0)).toBe("/isa/ide@0170/drive@0/disk@0");
    expect(ideFwPath({ pci: false, iobase: 0x1f0 }, 0, 1)).toBe("/isa/ide@01f0/drive@0/disk@1");
    expect(pciFwPath("ethernet", 0x1a, 2)).toBe("/pci@i0cf8/ethernet@1a,2");
  });
});
