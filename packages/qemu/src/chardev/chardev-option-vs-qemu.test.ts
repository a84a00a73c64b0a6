import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { chardevFromOption } from "./chardev-factory.js";
import { ChardevOptionError } from "./chardev-option.js";

const QEMU = "qemu-system-x86_64";
const hasQemu = spawnSync(QEMU, ["--version"], { stdio: "ignore" }).status === 0;
if (!hasQemu) {
  console.warn(`chardev-option-vs-qemu: ${QEMU} not found, skipping the comparison with the real parser`);
}

/** The first error line QEMU prints for `-chardev arg`, without its "prog: -chardev arg: " prefix. */
function qemuError(arg: string): string {
  const r = spawnSync(QEMU, ["-M", "none", "-display", "none", "-S", "-monitor", "none", "-serial", "none", "-chardev", arg], {
    encoding: "utf8",
    timeout: 20_000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const line = r.stderr.split("\n").find((l) => !l.includes("warning:")) ?? "";
  const prefix = `${QEMU}: -chardev ${arg}: `;
  return line.startsWith(prefix) ? line.slice(prefix.length) : line;
}

/** Parse and build (without opening), as a command line would. */
function ourError(arg: string): string {
  try {
    chardevFromOption(arg);
  } catch (e) {
    if (e instanceof ChardevOptionError) return e.message.split("\n")[0]!;
    throw e;
  }
  return "(accepted)";
}

const BAD_OPTIONS = [
  "null",
  "id=x",
  "bogus,id=x",
  "null,id=1x",
  "bogus,id=1x,colour=red",
  "null,colour=red",
  "null,id=x,colour=red",
  "null,id=x,server=maybe,colour=red",
  "socket,id=x,host=h,port=1,server=maybe",
  "socket,id=x",
  "socket,id=x,host=h",
  "socket,id=x,path=/p,host=h",
  "socket,id=x,delay=on,nodelay=on,host=h,port=1",
  "socket,id=x,host=h,port=1,wait=off",
  "socket,id=x,host=h,port=1,server=on,reconnect=1",
  "socket,id=x,host=h,port=1,websocket=on",
  "socket,id=x,host=h,port=1,to=ten",
  "file,id=x",
  "ringbuf,id=x,size=lots",
  "ringbuf,id=x,size=100",
];

describe.skipIf(!hasQemu)("-chardev parser against the real QEMU", () => {
  it("fails on the same inputs with the same message", () => {
    const mismatches: string[] = [];
    for (const arg of BAD_OPTIONS) {
      const ours = ourError(arg);
      const theirs = qemuError(arg);
      if (ours !== theirs) mismatches.push(`${arg}: ours "${ours}" vs QEMU "${theirs}"`);
    }
    expect(mismatches).toEqual([]);
  });
});
