export { measure, summarize, type Sample, type Summary } from "./measure.js";
export { cpuIntegerLoop, kvmPioLoop, integerLoopCode, LOOP_ITERATIONS } from "./workloads.js";
