export { runKvmTest, KvmTestError, KVMTEST_CODE, type KvmTestOptions } from "./kvmtest.js";
export { traceKvmWorkflow } from "./trace-printer.js";
