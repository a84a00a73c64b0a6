import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { HostMachine } from "@virtkit/kvm";
import { KvmAccel } from "../../accel/kvm-accel.js";
import { RingbufChardev } from "../../chardev/chardev-ringbuf.js";
import { PcMachine, type PcMachineType } from "../pc.js";

/** packages/qemu/guests (the NASM test guests). */
export const QEMU_GUESTS_DIR = fileURLToPath(new URL("../../../guests/", import.meta.url));
/** packages/cpu/guests (the CPU oracle ROMs). */
export const CPU_GUESTS_DIR = fileURLToPath(new URL("../../../../cpu/guests/", import.meta.url));

export interface GuestRun {
  debugcon: string;
  serial: string;
  /** isa-debug-exit status, or undefined if the machine stopped otherwise. */
  exitStatus: number | undefined;
  pc: PcMachine;
}

export interface GuestRunOptions {
  type?: PcMachineType;
  ramMiB?: number;
  cpu?: string;
  /** Keep the machine (the caller destroys it). */
  keep?: boolean;
  maxSteps?: number;
  setup?: (pc: PcMachine) => void;
  /** -machine kernel_irqchip= (default off). */
  kernelIrqchip?: "on" | "off";
  /** -smp (default 1). */
  smp?: number;
}

/** Boots `bios` on a fresh machine (its own host, so memory is freed) and runs it to its exit. */
export function runGuestRom(bios: Uint8Array, opts: GuestRunOptions = {}): GuestRun {
  const accel = KvmAccel.create({ host: new HostMachine(), kernelIrqchip: opts.kernelIrqchip ?? "off" });
  const pc = new PcMachine({
    type: opts.type ?? "pc",
    accel,
    ramSize: (opts.ramMiB ?? 32) * 1024 * 1024,
    bios,
    rtcBaseMs: Date.UTC(2024, 0, 1),
    ...(opts.cpu !== undefined ? { cpu: opts.cpu } : {}),
    ...(opts.smp !== undefined ? { smp: opts.smp } : {}),
  });
  const con = new RingbufChardev("debugcon", 1 << 20);
  const ser = new RingbufChardev("serial0", 1 << 20);
  pc.addIsaSerial(0, ser);
  pc.addIsaDebugcon(con);
  pc.addIsaDebugExit();
  opts.setup?.(pc);
  let exitStatus: number | undefined;
  pc.onExit((s) => {
    exitStatus = s;
  });
  pc.vmStart();
  pc.runSync(() => pc.exited, opts.maxSteps ?? 5_000_000);
  const dec = new TextDecoder("latin1");
  const run = { debugcon: dec.decode(con.read()), serial: dec.decode(ser.read()), exitStatus, pc };
  if (opts.keep !== true) {
    pc.destroy();
  }
  return run;
}

export function readGuest(dir: string, name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${dir}${name}`));
}
