// The test driver's save image (libvirt 9.0 src/test/test_driver.c testDomainSaveImageWrite /
// testDomainSaveImageOpen): TEST_SAVE_MAGIC with its NUL (15 bytes), the XML's length as a C
// `int` in host byte order (little-endian on the x86 hosts this models), then the domain XML
// without a terminator. A file written here restores on a real libvirtd's test driver and the
// other way round; the errors are the real driver's, raised from VIR_FROM_TEST.
import { closeSync, openSync, readSync, unlinkSync, writeSync } from "node:fs";
import { virError } from "../../errors/vir-error.js";
import { virSystemError } from "../../errors/system-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";

const TEST = VirErrorDomain.VIR_FROM_TEST;

/** TEST_SAVE_MAGIC, written with sizeof() — its terminating NUL included. */
export const TEST_SAVE_MAGIC = "TestGuestMagic";
export const TEST_SAVE_MAGIC_SIZE = TEST_SAVE_MAGIC.length + 1;
/** testDomainSaveImageOpen refuses metadata outside 1..8192 bytes. */
export const TEST_SAVE_XML_MAX = 8192;

/** testDomainSaveImageWrite: any failure removes the half-written file. */
export function writeTestSaveImage(path: string, domName: string, xml: string): void {
  const body = Buffer.from(xml, "utf8");
  const image = Buffer.alloc(TEST_SAVE_MAGIC_SIZE + 4 + body.length);
  image.write(TEST_SAVE_MAGIC, 0, "latin1");
  image.writeInt32LE(body.length, TEST_SAVE_MAGIC_SIZE);
  body.copy(image, TEST_SAVE_MAGIC_SIZE + 4);
  let fd: number;
  try {
    // open(path, O_CREAT|O_TRUNC|O_WRONLY, S_IRUSR|S_IWUSR)
    fd = openSync(path, "w", 0o600);
  } catch (e) {
    throw virSystemError(TEST, e, `saving domain '${domName}' to '${path}': open failed`);
  }
  try {
    let off = 0;
    while (off < image.length) off += writeSync(fd, image, off, image.length - off);
  } catch (e) {
    closeQuietly(fd);
    unlinkQuietly(path);
    throw virSystemError(TEST, e, `saving domain '${domName}' to '${path}': write failed`);
  }
  try {
    closeSync(fd);
  } catch (e) {
    unlinkQuietly(path);
    throw virSystemError(TEST, e, `saving domain '${domName}' to '${path}': write failed`);
  }
}

/**
 * testDomainSaveImageOpen: the stored XML. A short read is saferead() returning fewer bytes
 * without an errno, which libvirt reports with strerror(0) ("Success") in-process.
 */
export function readTestSaveImage(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (e) {
    throw virSystemError(TEST, e, `cannot read domain image '${path}'`);
  }
  try {
    const magic = Buffer.alloc(TEST_SAVE_MAGIC_SIZE);
    readExactly(fd, magic, `incomplete save header in '${path}'`);
    if (!magic.equals(Buffer.from(`${TEST_SAVE_MAGIC}\0`, "latin1"))) {
      throw virError(TEST, VirErrorNumber.VIR_ERR_INTERNAL_ERROR, "mismatched header magic");
    }
    const lenBuf = Buffer.alloc(4);
    readExactly(fd, lenBuf, `failed to read metadata length in '${path}'`);
    const len = lenBuf.readInt32LE(0);
    if (len < 1 || len > TEST_SAVE_XML_MAX) {
      throw virError(TEST, VirErrorNumber.VIR_ERR_INTERNAL_ERROR, "length of metadata out of range");
    }
    const xml = Buffer.alloc(len);
    readExactly(fd, xml, `incomplete metadata in '${path}'`);
    // xml[len] = '\0': C string semantics end the text at an embedded NUL
    const nul = xml.indexOf(0);
    return xml.toString("utf8", 0, nul < 0 ? len : nul);
  } finally {
    closeQuietly(fd);
  }
}

/** saferead(): loop until `buf` is full or EOF; short or failed reads become `what`'s error. */
function readExactly(fd: number, buf: Buffer, what: string): void {
  let got = 0;
  while (got < buf.length) {
    let n: number;
    try {
      n = readSync(fd, buf, got, buf.length - got, null);
    } catch (e) {
      throw virSystemError(TEST, e, what);
    }
    if (n === 0) throw virSystemError(TEST, 0, what);
    got += n;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* VIR_FORCE_CLOSE: an error closing is not reported */
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* the failure being reported is the earlier one */
  }
}
