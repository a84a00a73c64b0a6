import { closeSync, openSync, writeSync } from "node:fs";
import type { CharBackendBase } from "./chardev.js";
import { FileChardev, describeError } from "./chardev-file.js";
import { NullChardev } from "./chardev-null.js";
import { ChardevOptionError, type ChardevConfig, parseChardevOption } from "./chardev-option.js";
import { RingbufChardev } from "./chardev-ringbuf.js";
import { SocketChardev } from "./chardev-socket.js";
import { StdioChardev, type StdioChardevOptions } from "./chardev-stdio.js";

export interface ChardevEnvironment {
  /** Streams for the stdio backend (default: the process's). */
  stdio?: Pick<StdioChardevOptions, "input" | "output" | "onInterrupt">;
  /** Where a waiting socket server announces itself (QEMU prints to stderr). */
  onNotice?: (message: string) => void;
}

/**
 * Builds (but does not open) the backend a parsed -chardev describes. Options QEMU accepts but
 * virtkit does not implement are refused with a specific error rather than ignored.
 */
export function createChardev(config: ChardevConfig, env: ChardevEnvironment = {}): CharBackendBase {
  if (config.mux) {
    throw new ChardevOptionError(`chardev '${config.id}': mux=on is not supported by virtkit`);
  }
  let chardev: CharBackendBase;
  switch (config.backend) {
    case "null":
      chardev = new NullChardev(config.id);
      break;
    case "stdio":
      chardev = new StdioChardev(config.id, { ...env.stdio, signal: config.signal });
      break;
    case "file":
      chardev = new FileChardev(config.id, {
        path: config.path,
        append: config.append,
        ...(config.inputPath !== undefined ? { inputPath: config.inputPath } : {}),
      });
      break;
    case "ringbuf":
      try {
        chardev = new RingbufChardev(config.id, config.size);
      } catch (e) {
        throw new ChardevOptionError((e as Error).message);
      }
      break;
    case "socket": {
      for (const [flag, name] of [
        [config.telnet, "telnet"],
        [config.tn3270, "tn3270"],
        [config.websocket, "websocket"],
        [config.tlsCreds !== undefined, "tls-creds"],
      ] as const) {
        if (flag) {
          throw new ChardevOptionError(`chardev '${config.id}': socket option '${name}' is not supported by virtkit`);
        }
      }
      const a = config.address;
      let address: ConstructorParameters<typeof SocketChardev>[1]["address"];
      if (a.type === "unix") {
        if (a.abstract === true) {
          throw new ChardevOptionError(`chardev '${config.id}': abstract unix sockets are not supported by virtkit`);
        }
        address = { type: "unix", path: a.path };
      } else {
        if (!/^[0-9]+$/.test(a.port) || Number(a.port) > 65535) {
          throw new ChardevOptionError(`address resolution failed for ${a.host}:${a.port}: Servname not supported for ai_socktype`);
        }
        address = {
          type: "inet",
          host: a.host,
          port: Number(a.port),
          ...(a.ipv4 !== undefined ? { ipv4: a.ipv4 } : {}),
          ...(a.ipv6 !== undefined ? { ipv6: a.ipv6 } : {}),
        };
      }
      chardev = new SocketChardev(config.id, {
        address,
        server: config.server,
        wait: config.wait,
        nodelay: config.nodelay,
        ...(config.reconnectMs !== undefined ? { reconnectMs: config.reconnectMs } : {}),
        ...(a.type === "inet" && a.to !== undefined ? { portRangeEnd: a.to } : {}),
        ...(env.onNotice !== undefined ? { onNotice: env.onNotice } : {}),
      });
      break;
    }
    case "other":
      throw new ChardevOptionError(`chardev '${config.id}': backend '${config.driver}' is not supported by virtkit`);
  }
  if (config.logfile !== undefined) {
    attachLogfile(chardev, config.logfile, config.logappend);
  }
  return chardev;
}

/** logfile=/logappend=: every byte written to the backend is copied to the file. */
function attachLogfile(chardev: CharBackendBase, path: string, append: boolean): void {
  let fd: number;
  try {
    fd = openSync(path, append ? "a" : "w", 0o666);
  } catch (e) {
    throw new ChardevOptionError(`Could not open '${path}': ${describeError(e)}`);
  }
  chardev.setLog((bytes) => {
    let done = 0;
    while (done < bytes.length) {
      done += writeSync(fd, bytes, done, bytes.length - done);
    }
  });
  chardev.addCloseHook(() => {
    closeSync(fd);
  });
}

/** Parses a -chardev argument and builds its backend. */
export function chardevFromOption(text: string, env: ChardevEnvironment = {}): { chardev: CharBackendBase; warnings: string[] } {
  const { config, warnings } = parseChardevOption(text);
  return { chardev: createChardev(config, env), warnings };
}
