// The registry as the differential tests see it: Bochs (the reference) and QEMU TCG.
// virtkit plugs in here: `registerRunner(virtkitRunner)` with a RomRunner from its own module.
import { bochsRunner } from "./bochs.js";
import { qemuRunner } from "./qemu.js";
import { registerRunner, runners } from "./rom-runner.js";

/** The runner whose output the golden files record. */
export const REFERENCE_RUNNER = "bochs";

if (!runners.has(bochsRunner.name)) registerRunner(bochsRunner);
if (!runners.has(qemuRunner.name)) registerRunner(qemuRunner);

export { registerRunner, runners };
