/**
 * v86 (npm package v86: an x86 emulator with an x86-to-wasm JIT) running the benchmark ROM as its BIOS,
 * in this process, with and without its JIT (the `disable_jit` option). Port 0xE9 and 0x501 are
 * registered on its I/O bus; port 0x80 and a 128 KiB MMIO range at D0000000h get counting handlers, so
 * the exit workloads measure v86's dispatch of a guest port write / MMIO store to a JavaScript device.
 * v86's instruction counter is reported as it is (it is not exact: it counts per compiled block).
 */
import { createRequire } from "node:module";
import { GuestProtocol, MMIO_ADDR, PORT_DEBUG_EXIT, PORT_DEBUGCON, PORT_POST } from "../guest-protocol.js";
import { romFor, type Workload } from "../rom.js";
import { processCpuMs, type RunResult, type Runner } from "../runner.js";

type Write = (value: number) => void;
type Read = () => number;
/** The parts of v86's internals this runner touches (not in its typings). */
interface V86Internals {
  v86: {
    cpu: {
      io: {
        register_write(port: number, device: object, w8?: Write, w16?: Write, w32?: Write): void;
        mmap_register(addr: number, size: number, r8: Read, w8: (addr: number, v: number) => void, r32?: Read, w32?: (addr: number, v: number) => void): void;
      };
    };
  };
  add_listener(event: "emulator-loaded", f: () => void): void;
  get_instruction_counter(): number;
  destroy(): Promise<void>;
}
interface V86Module {
  V86: new (options: Record<string, unknown>) => V86Internals;
}

const require = createRequire(import.meta.url);

function v86Missing(): string | null {
  try {
    require.resolve("v86/build/v86.wasm");
    return null;
  } catch {
    return "the npm package v86 is not installed (pnpm install in apps/bench)";
  }
}

/** v86 maps MMIO in 128 KiB blocks (MMAP_BLOCK_SIZE). */
const MMIO_BLOCK = 0x20000;

export async function runOnV86(w: Workload, n: number, jit: boolean): Promise<RunResult> {
  const { V86 } = (await import("v86")) as unknown as V86Module;
  const rom = romFor(w, n);
  const proto = new GuestProtocol();
  return new Promise<RunResult>((done, fail) => {
    const emulator = new V86({
      wasm_path: require.resolve("v86/build/v86.wasm"),
      bios: { buffer: rom.buffer },
      memory_size: 32 << 20,
      vga_memory_size: 2 << 20,
      autostart: true,
      disable_jit: !jit,
      disable_keyboard: true,
      disable_mouse: true,
      disable_speaker: true,
      log_level: 0,
    });
    let t0 = 0, c0 = 0, i0 = 0, exits = 0, exits0 = 0;
    const result: Partial<RunResult> = {};
    const finish = (error: Error | null): void => {
      void emulator.destroy().then(() => {
        if (error !== null) fail(error);
        else if (proto.registers === null || result.wallMs === undefined) fail(new Error(`v86: the guest ended without its register line (output ${JSON.stringify(proto.output)})`));
        else done({ wallMs: result.wallMs, cpuMs: result.cpuMs ?? Number.NaN, registers: proto.registers, ...(result.instructions === undefined ? {} : { instructions: result.instructions }), ...(w.unit === "exits/s" ? { exits: result.exits ?? 0 } : {}) });
      });
    };
    emulator.add_listener("emulator-loaded", () => {
      const io = emulator.v86.cpu.io;
      const device = {};
      io.register_write(PORT_DEBUGCON, device, (b) => {
        try {
          const e = proto.byte(b);
          if (e === "start") {
            exits0 = exits;
            i0 = emulator.get_instruction_counter();
            c0 = processCpuMs();
            t0 = performance.now();
          } else if (e === "end") {
            result.wallMs = performance.now() - t0;
            result.cpuMs = processCpuMs() - c0;
            result.instructions = (emulator.get_instruction_counter() - i0) >>> 0;
            result.exits = exits - exits0;
          }
        } catch (err) {
          finish(err instanceof Error ? err : new Error(String(err)));
        }
      });
      io.register_write(PORT_DEBUG_EXIT, device, () => {
        finish(null);
      });
      io.register_write(PORT_POST, device, () => {
        exits++;
      });
      io.mmap_register(MMIO_ADDR, MMIO_BLOCK, () => 0xff, () => {
        exits++;
      }, () => -1, () => {
        exits++;
      });
    });
  });
}

export function v86Runner(jit: boolean): Runner {
  return {
    id: jit ? "v86-jit" : "v86-nojit",
    title: jit ? "v86, JIT" : "v86, JIT off",
    inProcess: true,
    group: "peer",
    unavailable: v86Missing,
    supports: () => true,
    run: (w, n) => runOnV86(w, n, jit),
  };
}
