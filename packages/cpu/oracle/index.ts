// Public surface of the CPU oracles: test-ROM runners (Bochs, QEMU, and the slot for virtkit),
// the ROM platform model, the native user-level harness and the differential fuzzer.
export { ROM_END_MARKER, cutAtMarker, registerRunner, runners, type RomExit, type RomResult, type RomRunOptions, type RomRunner } from "./rom-runner.js";
export { REFERENCE_RUNNER } from "./runners.js";
export { bochsRunner, BOCHS_CPU_MODEL } from "./bochs.js";
export { qemuRunner, QEMU_CPU_MODEL } from "./qemu.js";
export { virtkitRunner, createRomMachine, runRomMachine, VIRTKIT_ROM_INSTRUCTION_LIMIT, type VirtkitRomMachine } from "./virtkit.js";
export { RomPlatform, ROM_PLATFORM_RAM_MIB } from "./rom-platform.js";
export { listRoms, expectedOutputPath, GUESTS_DIR, EXPECTED_DIR, type RomInfo } from "./roms.js";
export * from "./native/native-case.js";
export { runNative, nativeUnavailableReason, type RunNativeOptions } from "./native/native.js";
export { fuzz, type FuzzOptions, type FuzzReport, type FuzzMismatch } from "./fuzz/fuzzer.js";
export { generateCase, generateCases, DEFAULT_WEIGHTS, type FuzzCase, type GenInsn, type GeneratorWeights } from "./fuzz/generator.js";
export { minimise, caseFrom, type Minimised } from "./fuzz/minimise.js";
export { compareOutcome, prepare, type DefinedMask } from "./fuzz/compare.js";
export { Rng } from "./fuzz/rng.js";
