/**
 * virtkit's CPU standalone on a bare PC memory map: RAM, the ROM below 1 MiB and below 4 GiB, port 0xE9
 * (the protocol), 0x501 (end), everything else ignored. Engines: "jit" (compiled blocks), "interpreter"
 * (decoded blocks, the JIT off: cpu.jit = false) and "step" (every instruction decoded again).
 * The region is counted exactly: the markers request a stop, so run() returns right after the OUT and
 * instructionsRetired is read there.
 */
import { Cpu, type CpuHost, PhysicalMemory, STOP_BUDGET, STOP_HLT, STOP_REQUESTED } from "@virtkit/cpu";
import { GuestProtocol, PORT_DEBUG_EXIT, PORT_DEBUGCON } from "../guest-protocol.js";
import { romFor, ROM_SIZE, type Workload } from "../rom.js";
import { processCpuMs, type RunResult, type Runner } from "../runner.js";

export type CpuEngine = "step" | "interpreter" | "jit";

const RAM_BYTES = 32 << 20;
const ONE_MIB = 0x100000;
const FOUR_GIB = 0x100000000;
const SLICE = 50_000_000;

/** Runs the ROM for `w` and `n` on a fresh machine; exact instruction count of the region. */
export function runOnVirtkitCpu(w: Workload, n: number, engine: CpuEngine): RunResult {
  const mem = new PhysicalMemory();
  const ram = new ArrayBuffer(RAM_BYTES);
  mem.mapRam(0, ram, 0, ONE_MIB - ROM_SIZE);
  mem.mapRam(ONE_MIB, ram, ONE_MIB, RAM_BYTES - ONE_MIB);
  const rom = romFor(w, n);
  mem.mapRom(ONE_MIB - ROM_SIZE, rom.buffer);
  mem.mapRom(FOUR_GIB - ROM_SIZE, rom.buffer);
  const proto = new GuestProtocol();
  // Set by the port callbacks during run() (an object, so the loop below reads them afresh).
  const flags = { exited: false, marker: false };
  const host: CpuHost = {
    ioRead: () => 0xff,
    ioWrite: (port, size, value) => {
      if (port === PORT_DEBUGCON) {
        for (let i = 0; i < size; i++) {
          const ev = proto.byte(value >>> (8 * i));
          if (ev === "start" || ev === "end") flags.marker = true;
        }
        if (flags.marker) cpu.requestStop();
      } else if (port === PORT_DEBUG_EXIT) {
        flags.exited = true;
        cpu.requestStop();
      }
    },
    acknowledgeInterrupt: () => -1,
  };
  const cpu = new Cpu(mem, host);
  cpu.blocksEnabled = engine !== "step";
  cpu.jit = engine === "jit";
  cpu.syncChunks();
  let t0 = 0, c0 = 0, i0 = 0;
  let wallMs = 0, cpuMs = 0, instructions = 0;
  let marks = 0;
  while (!flags.exited) {
    const stop = cpu.run(SLICE);
    if (flags.marker) {
      flags.marker = false;
      marks++;
      if (marks === 1) {
        i0 = cpu.instructionsRetired;
        c0 = processCpuMs();
        t0 = performance.now();
      } else if (marks === 2) {
        wallMs = performance.now() - t0;
        cpuMs = processCpuMs() - c0;
        instructions = cpu.instructionsRetired - i0;
      }
      continue;
    }
    if (stop === STOP_BUDGET || stop === STOP_REQUESTED) continue;
    const where = `${(cpu.segBase[1]! + cpu.eip) >>> 0}`;
    throw new Error(`virtkit ${engine}: the guest stopped (${stop === STOP_HLT ? "HLT" : `reason ${stop}`}) at linear ${where} before the end (output ${JSON.stringify(proto.output)}) ${cpu.internalError}`);
  }
  if (proto.registers === null) throw new Error(`virtkit ${engine}: the guest ended without its register line (output ${JSON.stringify(proto.output)})`);
  return { wallMs, cpuMs, registers: proto.registers, instructions };
}

const TITLES: Record<CpuEngine, string> = {
  jit: "virtkit CPU, JIT",
  interpreter: "virtkit CPU, JIT off",
  step: "virtkit CPU, no block cache",
};

export function virtkitCpuRunner(engine: CpuEngine): Runner {
  return {
    id: `virtkit-${engine}`,
    title: TITLES[engine],
    inProcess: true,
    group: "virtkit",
    unavailable: () => null,
    supports: (w) => w.unit !== "exits/s",
    run: (w, n) => Promise.resolve(runOnVirtkitCpu(w, n, engine)),
  };
}
