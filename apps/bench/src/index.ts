export { measure, summarize, type Sample, type Summary } from "./measure.js";
export {
  cpuBranchyLoop, cpuIntegerLoop, cpuMemoryLoop, cpuPagingLoop, cpuStringLoop, cpuX87Loop, ENGINES, integerLoopCode, kvmPioLoop, lastState,
  LOOP_ITERATIONS, STRING_DWORDS, type Engine,
} from "./workloads.js";
