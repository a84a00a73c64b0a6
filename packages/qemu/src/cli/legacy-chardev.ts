import { type ChardevConfig, ChardevOptionError, parseChardevOption } from "../chardev/chardev-option.js";

/*
 * The short character-device syntax of -serial, -monitor, -qmp and -debugcon (QEMU
 * chardev/char.c qemu_chr_parse_compat): "stdio", "null", "file:PATH", "tcp:[HOST]:PORT[,opts]",
 * "unix:PATH[,opts]", "telnet:...", "mon:DEV" (DEV shared with the monitor), "chardev:ID" (an
 * existing -chardev), "none". Each becomes the -chardev it stands for, with the label QEMU gives it.
 */

export type CompatChardev =
  | { kind: "none" }
  | { kind: "chardev"; id: string }
  | { kind: "new"; config: ChardevConfig; warnings: string[] };

/** Doubles commas so a value survives QemuOpts splitting. */
function esc(v: string): string {
  return v.replaceAll(",", ",,");
}

/**
 * Parses `spec` as `label`. Throws ChardevOptionError with QEMU's message ("'x' is not a valid
 * char driver") when the text names no backend; `allowNone` accepts "none".
 */
export function parseCompatChardev(label: string, spec: string, opts: { permitMuxMon?: boolean; allowNone?: boolean } = {}): CompatChardev {
  if (opts.allowNone === true && spec === "none") {
    return { kind: "none" };
  }
  if (spec.startsWith("chardev:")) {
    return { kind: "chardev", id: spec.slice("chardev:".length) };
  }
  let filename = spec;
  let extra = "";
  if (filename.startsWith("mon:")) {
    if (opts.permitMuxMon !== true) {
      throw new ChardevOptionError("mon: isn't supported in this context");
    }
    filename = filename.slice(4);
    extra += ",mux=on";
    if (filename === "stdio") {
      extra += ",signal=off";
    }
  }
  const parse = (text: string): CompatChardev => {
    const r = parseChardevOption(text);
    return { kind: "new", config: r.config, warnings: r.warnings };
  };
  if (["null", "pty", "msmouse", "wctablet", "braille", "testdev", "stdio"].includes(filename)) {
    return parse(`${filename},id=${label}${extra}`);
  }
  if (filename.startsWith("vc")) {
    return parse(`vc,id=${label}${extra}`);
  }
  if (filename === "con:") {
    return parse(`console,id=${label}${extra}`);
  }
  if (filename.startsWith("COM")) {
    return parse(`serial,id=${label},path=${esc(filename)}${extra}`);
  }
  for (const [prefix, backend] of [["file:", "file"], ["pipe:", "pipe"]] as const) {
    if (filename.startsWith(prefix)) {
      return parse(`${backend},id=${label},path=${esc(filename.slice(prefix.length))}${extra}`);
    }
  }
  for (const prefix of ["tcp:", "telnet:", "tn3270:", "websocket:"]) {
    if (filename.startsWith(prefix)) {
      const p = filename.slice(prefix.length);
      // sscanf("%64[^:]:%32[^,]") or ":%32[^,]"
      const m = /^([^:]{1,64}):([^,]{1,32})/.exec(p) ?? /^():([^,]{1,32})/.exec(p);
      if (m === null) {
        throw new ChardevOptionError(""); // QEMU fails here without a message of its own
      }
      const rest = p.slice(m[0].length);
      if (rest !== "" && !rest.startsWith(",")) {
        throw new ChardevOptionError(""); // QEMU fails here without a message of its own
      }
      const flag = prefix === "tcp:" ? "" : `,${prefix.slice(0, -1)}=on`;
      return parse(`socket,id=${label},host=${esc(m[1]!)},port=${esc(m[2]!)}${rest}${flag}${extra}`);
    }
  }
  if (filename.startsWith("udp:")) {
    return parse(`udp,id=${label}${extra}`);
  }
  if (filename.startsWith("unix:")) {
    const p = filename.slice(5);
    // qemu_opts_do_parse(opts, p, "path"): the first element is the path.
    return parse(`socket,id=${label},path=${p}${extra}`);
  }
  if (filename.startsWith("/dev/parport") || filename.startsWith("/dev/ppi")) {
    return parse(`parallel,id=${label},path=${esc(filename)}${extra}`);
  }
  if (filename.startsWith("/dev/")) {
    return parse(`serial,id=${label},path=${esc(filename)}${extra}`);
  }
  throw new ChardevOptionError(`'${filename}' is not a valid char driver`);
}

/** QEMU's "filename" of a chardev as query-chardev reports it (qemu_chr_... compat description). */
export function chardevFilename(config: ChardevConfig): string {
  switch (config.backend) {
    case "null":
      return "null";
    case "stdio":
      return "stdio";
    case "file":
      return "file";
    case "ringbuf":
      return "ringbuf";
    case "socket": {
      const a = config.address;
      const srv = config.server ? ",server=on" : "";
      return a.type === "unix" ? `unix:${a.path}${srv}` : `tcp:${a.host}:${a.port}${srv}`;
    }
    case "other":
      return config.driver;
  }
}
