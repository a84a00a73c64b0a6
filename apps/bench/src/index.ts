export { measure, median, summarize, type Sample, type Summary } from "./measure.js";
export {
  cpuBranchyLoop, cpuIntegerLoop, cpuMemoryLoop, cpuPagingLoop, cpuStringLoop, cpuX87Loop, ENGINES, integerLoopCode, kvmPioLoop, lastState,
  LOOP_ITERATIONS, STRING_DWORDS, type Engine,
} from "./workloads.js";
export { EMPTY_WORKLOAD, romFor, WORKLOADS, workloadByName, type Unit, type Workload, type WorkloadName } from "./rom.js";
export { GuestProtocol } from "./guest-protocol.js";
export type { Runner, RunResult } from "./runner.js";
export { runBench, type BenchResult, type Cell } from "./bench.js";
export { formatTable, headlineRatios, ratios, toJson, toMarkdown, toSvg, type Ratio } from "./report.js";
export { ALL_RUNNERS, LINUX_BOOT_RUNNERS, runnerById } from "./runners/index.js";
export { BootFailure, BootMilestones, type BootMilestone, type BootRecord, type BootTimes } from "./boot-milestones.js";
export { linuxBootRatios, runLinuxBoot, LINUX_BOOT_DEVICES, type KernelImage, type LinuxBootCell, type LinuxBootGuest, type LinuxBootRatio, type LinuxBootResult, type LinuxBootRunner } from "./linux-boot.js";
export { linuxBootGuest, linuxBootGuestFrom, LINUX_BOOT_MEMORY_MIB } from "./linux-boot-guest.js";
export { formatLinuxBootTable, linuxBootMarkdown } from "./linux-boot-report.js";
export { fromJson } from "./report.js";
export {
  DEFAULT_MGMT_OPTIONS, MGMT_PARTS, QUICK_MGMT_OPTIONS, figure, mgmtOptions, orientedRatio, rowRatio, runMgmt, targetMet,
  type Figure, type MgmtOptions, type MgmtPart, type MgmtResult, type MgmtRow, type MgmtTarget,
} from "./mgmt.js";
export { fmtFigure, formatMgmtTable, mgmtMarkdown } from "./mgmt-report.js";
export { measureRpcRate, RPC_CALLS, type RpcCall, type RpcWindow } from "./rpc-rate.js";
export { measureStartLatency, probeRealQemuDriver } from "./start-latency.js";
export { measureQemuImg, writeTestImage } from "./qemu-img-throughput.js";
export { measureMemory, treeRssMiB, vmRssKiB } from "./memory-footprint.js";
