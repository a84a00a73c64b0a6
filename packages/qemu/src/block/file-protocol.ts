import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { BlockError, fromSystemError } from "./block-error.js";

/**
 * The "file" protocol driver (qemu block/file-posix.c): byte-granular pread/pwrite
 * on a file descriptor, fdatasync as the flush barrier. Reads past end of file
 * return zeroes, as a sparse file would.
 */
export class FileProtocol {
  readonly path: string;
  readonly readOnly: boolean;
  /** cache=unsafe (bdrv_parse_cache_mode): flushes are ignored, as qemu-img convert does by default. */
  ignoreFlush = false;
  /**
   * Reads, metadata-sized writes (up to SYNC_WRITE_MAX) and flushes run on the calling thread
   * instead of libuv's thread pool. For a one-shot tool such as qemu-img a page-cache copy costs
   * less than the pool's round trip (two context switches and futex wake-ups per request); bigger
   * writes still go to the pool, so that a convert reads the next chunk while the previous one is
   * written. Not for an emulator: a request that has to wait for the disk would stall its event loop.
   */
  syncIo = false;
  private fd: number;
  private closed = false;
  /** Data extents [start, end) from SEEK_DATA/SEEK_HOLE; null = not known yet. */
  private extents: [number, number][] | null = null;
  /** The file size the extents were read at (writes and truncation drop both). */
  private extentsSize = -1;

  private constructor(path: string, fd: number, readOnly: boolean) {
    this.path = path;
    this.fd = fd;
    this.readOnly = readOnly;
  }

  /** Opens an existing file. Errors carry qemu's "Could not open 'PATH': strerror" text. */
  static open(path: string, readOnly: boolean): FileProtocol {
    try {
      const fd = fs.openSync(path, readOnly ? "r" : "r+");
      const st = fs.fstatSync(fd);
      if (st.isDirectory()) {
        fs.closeSync(fd);
        throw Object.assign(new Error("dir"), { code: "EISDIR" });
      }
      return new FileProtocol(path, fd, readOnly);
    } catch (e) {
      throw fromSystemError(e, `Could not open '${path}'`);
    }
  }

  /** The largest write syncIo does on the calling thread: a qcow2 table or refcount block of the default cluster size. */
  static readonly SYNC_WRITE_MAX = 64 * 1024;

  /** Creates (or truncates) a file, as file-posix's create does. */
  static create(path: string): FileProtocol {
    try {
      const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_TRUNC, 0o644);
      return new FileProtocol(path, fd, false);
    } catch (e) {
      throw fromSystemError(e, `Could not create '${path}'`);
    }
  }

  /** Reads buf.length bytes at offset; bytes beyond end of file read as zero. */
  async pread(buf: Uint8Array, offset: number): Promise<void> {
    if (this.syncIo) {
      this.preadSync(buf, offset);
      return;
    }
    checkOffset(offset, buf.length, "read");
    let done = 0;
    while (done < buf.length) {
      const n = await new Promise<number>((resolve, reject) => {
        fs.read(this.fd, buf, done, buf.length - done, offset + done, (err, bytes) => {
          if (err) reject(fromSystemError(err, "Could not read"));
          else resolve(bytes);
        });
      });
      if (n === 0) {
        buf.fill(0, done);
        return;
      }
      done += n;
    }
  }

  /** Synchronous pread for probing and metadata paths that run before any I/O is queued. */
  preadSync(buf: Uint8Array, offset: number): void {
    checkOffset(offset, buf.length, "read");
    let done = 0;
    while (done < buf.length) {
      let n: number;
      try {
        n = fs.readSync(this.fd, buf, done, buf.length - done, offset + done);
      } catch (e) {
        throw fromSystemError(e, "Could not read");
      }
      if (n === 0) {
        buf.fill(0, done);
        return;
      }
      done += n;
    }
  }

  async pwrite(buf: Uint8Array, offset: number): Promise<void> {
    if (this.readOnly) throw new BlockError("Could not write: Permission denied", "EACCES");
    checkOffset(offset, buf.length, "write");
    this.extents = null;
    let done = 0;
    if (this.syncIo && buf.length <= FileProtocol.SYNC_WRITE_MAX) {
      try {
        while (done < buf.length) done += fs.writeSync(this.fd, buf, done, buf.length - done, offset + done);
      } catch (e) {
        throw fromSystemError(e, "Could not write");
      }
      return;
    }
    while (done < buf.length) {
      done += await new Promise<number>((resolve, reject) => {
        fs.write(this.fd, buf, done, buf.length - done, offset + done, (err, bytes) => {
          if (err) reject(fromSystemError(err, "Could not write"));
          else resolve(bytes);
        });
      });
    }
  }

  /** fdatasync: the write barrier the qcow2 metadata ordering relies on. */
  async flush(): Promise<void> {
    if (this.readOnly || this.ignoreFlush) return;
    if (this.syncIo) {
      try {
        fs.fdatasyncSync(this.fd);
      } catch (e) {
        throw fromSystemError(e, "Could not flush");
      }
      return;
    }
    await new Promise<void>((resolve, reject) => {
      fs.fdatasync(this.fd, (err) => {
        if (err) reject(fromSystemError(err, "Could not flush"));
        else resolve();
      });
    });
  }

  size(): number {
    return fs.fstatSync(this.fd).size;
  }

  /** Bytes actually allocated on the host (st_blocks * 512), qemu's "disk size". */
  allocatedSize(): number {
    return fs.fstatSync(this.fd).blocks * 512;
  }

  async truncate(size: number): Promise<void> {
    this.extents = null;
    await new Promise<void>((resolve, reject) => {
      fs.ftruncate(this.fd, size, (err) => {
        if (err) reject(fromSystemError(err, "Could not resize file"));
        else resolve();
      });
    });
  }

  /**
   * raw_co_block_status() of file-posix: whether `offset` lies in a data extent
   * or a hole, and how far that extends (clamped to `bytes` and end of file).
   * `eof` is set when the range reaches the end of the file; `length` is 0 at or
   * past the end.
   */
  blockStatus(offset: number, bytes: number): { zero: boolean; length: number; eof: boolean } {
    // While the extents are cached nothing in this process changed the file: no fstat per call.
    const size = this.extents ? this.extentsSize : this.size();
    if (offset >= size) return { zero: true, length: 0, eof: true };
    const n = Math.min(bytes, size - offset);
    const ext = this.dataExtents(size);
    let zero: boolean, len: number;
    if (ext === null) {
      // find_allocation() unavailable: "pretend there are no holes".
      zero = false;
      len = n;
    } else {
      // The first extent ending after offset (extents are sorted and disjoint).
      let lo = 0, hi = ext.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (ext[mid]![1] > offset) hi = mid;
        else lo = mid + 1;
      }
      const e = ext[lo];
      if (!e) {
        zero = true; // trailing hole
        len = n;
      } else if (e[0] <= offset) {
        zero = false;
        len = Math.min(n, e[1] - offset);
      } else {
        zero = true;
        len = Math.min(n, e[0] - offset);
      }
    }
    return { zero, length: len, eof: offset + len === size };
  }

  /**
   * The file's data extents. node:fs has no lseek(SEEK_DATA/SEEK_HOLE), so the walk runs in a
   * short helper process: perl (Debian's perl-base is Essential, and it starts in a few
   * milliseconds), else python3 (a quarter of the speed: its start-up alone is ~15 ms); with
   * neither, no hole information is available (null), which is qemu's own fallback too.
   * VIRTKIT_NO_SEEK_HELPER=1 turns the helper off.
   */
  private dataExtents(size: number): [number, number][] | null {
    if (this.extents) return this.extents;
    const helper = FileProtocol.helper;
    if (helper === null) return null;
    const r = spawnSync(helper.argv[0]!, [...helper.argv.slice(1), this.path, String(size)], { encoding: "utf8" });
    if (r.status !== 0) {
      if (r.error) FileProtocol.helper = null;
      return null;
    }
    const lines = r.stdout.split("\n");
    const ext: [number, number][] = [];
    for (const l of lines) {
      if (l.length === 0) continue;
      const sp = l.indexOf(" ");
      ext.push([Number(l.slice(0, sp)), Number(l.slice(sp + 1))]);
    }
    this.extents = ext;
    this.extentsSize = size;
    return ext;
  }

  /**
   * The SEEK_DATA/SEEK_HOLE walk, printing "data-start hole-start" lines. lseek(2) whence values
   * SEEK_DATA = 3 and SEEK_HOLE = 4 (Linux include/uapi/linux/fs.h); ENXIO past the last data ends it.
   */
  private static readonly PERL_WALK =
    'open(my $f,"<",$ARGV[0]) or exit 2;my($e,$o,$s)=($ARGV[1],0,"");' +
    "while($o<$e){my $d=sysseek($f,$o,3);last unless defined $d;my $h=sysseek($f,$d,4);last unless defined $h;" +
    '$s.=($d+0)." ".($h+0)."\n";$o=$h}print $s';
  private static readonly PYTHON_WALK =
    "import os,sys\nfd=os.open(sys.argv[1],os.O_RDONLY)\nend=int(sys.argv[2]);off=0\nwhile off<end:\n" +
    " try: d=os.lseek(fd,off,os.SEEK_DATA)\n except OSError: break\n h=os.lseek(fd,d,os.SEEK_HOLE)\n print(d,h);off=h\n";

  /**
   * The system's interpreters by absolute path: a `python3` found first on PATH may be a version
   * manager's shim that costs a fifth of a second per start (pyenv's does), more than a whole check.
   */
  private static helper: { argv: string[] } | null =
    process.env.VIRTKIT_NO_SEEK_HELPER === "1"
      ? null
      : fs.existsSync("/usr/bin/perl")
        ? { argv: ["/usr/bin/perl", "-e", FileProtocol.PERL_WALK] }
        : { argv: [fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3", "-S", "-E", "-c", FileProtocol.PYTHON_WALK] };

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** Offsets come from image metadata; anything a file cannot hold is EINVAL, as pread(2) says. */
function checkOffset(offset: number, len: number, what: string): void {
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + len > Number.MAX_SAFE_INTEGER) {
    throw new BlockError(`Could not ${what}: Invalid argument`, "EINVAL");
  }
}
