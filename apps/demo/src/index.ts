// The main demo as a library: runDemo() is what `virtkit-demo` runs.
export const VERSION = "0.1.0";

export { runDemo, type DemoOptions, type DemoResult } from "./demo.js";
export { runConsoleScript, ConsoleScriptError, DEFAULT_CONSOLE_SCRIPT, GUEST_PROMPT, type ConsoleScriptOptions } from "./console-script.js";
export { createDemoDisk, demoDomainXML, virtkitEmulator, DEMO_KERNEL, DEMO_DISK_BYTES, DEMO_DISK_LINE, DEMO_GUEST_COMMANDS, type DemoDomainOptions } from "./demo-guest.js";
export { VirshSteps, VirshStepFailed, shellWord, type VirshStepsOptions } from "./virsh-steps.js";
