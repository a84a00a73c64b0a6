// libvirt's qemu save image layout (qemu_saveimage.h virQEMUSaveHeader) and qemuSaveImageOpen's
// refusals, without an emulator.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { VirError } from "../../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";
import { QEMU_SAVE_HEADER_SIZE, encodeSaveImageData, finishSaveImage, readSaveImage, writeSaveImageHeader } from "./qemu-saveimage.js";

const dir = mkdtempSync(join(tmpdir(), "qemu-saveimage-"));
afterAll(() => { rmSync(dir, { recursive: true, force: true }); });

function refusal(path: string): VirError {
  try {
    readSaveImage(path);
  } catch (e) {
    expect(e).toBeInstanceOf(VirError);
    return e as VirError;
  }
  throw new Error("no error");
}

describe("virQEMUSaveHeader", () => {
  it("is 92 bytes: magic, version 2, data_len, was_running, compressed, cookieOffset, unused[14]", () => {
    expect(QEMU_SAVE_HEADER_SIZE).toBe(92);
    const { bytes, header } = encodeSaveImageData("<domain/>", true);
    expect(bytes.toString("latin1", 0, 16)).toBe("LibvirtQemudPart");
    expect([bytes.readUInt32LE(16), bytes.readUInt32LE(20), bytes.readUInt32LE(24), bytes.readUInt32LE(28), bytes.readUInt32LE(32)]).toEqual([2, 10 + 65536, 1, 0, 0]);
    expect(bytes.subarray(36, 92).every((b) => b === 0)).toBe(true);
    // the XML with its NUL, then 64 KiB of zeros: the stream starts right after
    expect(bytes.toString("utf8", 92, 101)).toBe("<domain/>");
    expect(bytes.length).toBe(92 + 10 + 65536);
    expect(header.dataLen).toBe(65546);
  });

  it("is written partial, finished with LibvirtQemudSave, and read back with its XML and stream offset", () => {
    const path = join(dir, "a.save");
    const w = writeSaveImageHeader(path, "<domain type='kvm'><name>x</name></domain>", false);
    expect(w.created).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(refusal(path).message).toBe("operation failed: save image is incomplete");
    writeFileSync(path, Buffer.from("QEVM\0\0\0\x03"), { flag: "a" });
    finishSaveImage(path, w.header);
    const img = readSaveImage(path);
    expect(img.header).toEqual({ version: 2, dataLen: 43 + 65536, wasRunning: false, compressed: 0, cookieOffset: 0 });
    expect(img.xml).toBe("<domain type='kvm'><name>x</name></domain>");
    expect(img.cookie).toBeNull();
    expect(img.streamOffset).toBe(w.streamOffset);
    expect(readFileSync(path).toString("latin1", img.streamOffset, img.streamOffset + 4)).toBe("QEVM");
    expect(writeSaveImageHeader(path, "<domain/>", true).created).toBe(false);
  });

  it("reads a big-endian writer's header (qemuSaveImageBswapHeader) and a save cookie after the XML", () => {
    const xml = "<domain/>\0";
    const cookie = "<qemuDomainSaveCookie/>\0";
    const head = Buffer.alloc(92);
    head.write("LibvirtQemudSave", "latin1");
    head.writeUInt32BE(2, 16);
    head.writeUInt32BE(xml.length + cookie.length + 16, 20);
    head.writeUInt32BE(1, 24);
    head.writeUInt32BE(xml.length, 32);
    const path = join(dir, "be.save");
    writeFileSync(path, Buffer.concat([head, Buffer.from(xml + cookie), Buffer.alloc(16)]));
    const img = readSaveImage(path);
    expect([img.header.wasRunning, img.xml, img.cookie]).toEqual([true, "<domain/>", "<qemuDomainSaveCookie/>"]);
  });

  it("refuses what is not a complete raw image with qemuSaveImageOpen's errors", () => {
    const missing = refusal(join(dir, "nosuch.save"));
    expect([missing.code, missing.domain, missing.message]).toEqual([VirErrorNumber.VIR_ERR_SYSTEM_ERROR, VirErrorDomain.VIR_FROM_QEMU, `Failed to open file '${join(dir, "nosuch.save")}': No such file or directory`]);
    const short = join(dir, "short.save");
    writeFileSync(short, "LibvirtQemudSave");
    expect(refusal(short).message).toBe("operation failed: failed to read qemu header");
    const foreign = join(dir, "foreign.save");
    writeFileSync(foreign, Buffer.concat([Buffer.from("TestGuestMagic\0"), Buffer.alloc(100)]));
    expect(refusal(foreign).message).toBe("operation failed: image magic is incorrect");
    const head = Buffer.alloc(92);
    head.write("LibvirtQemudSave", "latin1");
    head.writeUInt32LE(3, 16);
    const v3 = join(dir, "v3.save");
    writeFileSync(v3, head);
    // neither byte order gives version <= 2
    expect(refusal(v3).message).toBe("operation failed: image version is not supported (50331648 > 2)");
    head.writeUInt32LE(2, 16);
    head.writeUInt32LE(0, 20);
    writeFileSync(v3, head);
    expect(refusal(v3).message).toBe("operation failed: invalid header data length: 0");
    head.writeUInt32LE(0xfffffff0, 20);
    writeFileSync(v3, head);
    expect(refusal(v3).message).toBe("operation failed: failed to read domain XML");
    expect(refusal(dir).message).toBe("operation failed: failed to read qemu header");
    const noDir = (() => {
      try {
        writeSaveImageHeader("/nonexistent/dir/x.save", "<domain/>", true);
      } catch (e) {
        return e as VirError;
      }
      throw new Error("no error");
    })();
    expect(noDir.message).toBe("Failed to create file '/nonexistent/dir/x.save': No such file or directory");
  });
});
