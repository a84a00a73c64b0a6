// The registry as the differential tests see it: Bochs (the reference), QEMU TCG, and virtkit's own
// CPU model, which always runs (the Bochs goldens are committed, so it is checked without Bochs).
import { bochsRunner } from "./bochs.js";
import { qemuRunner } from "./qemu.js";
import { registerRunner, runners } from "./rom-runner.js";
import { virtkitRunner } from "./virtkit.js";

/** The runner whose output the golden files record. */
export const REFERENCE_RUNNER = "bochs";

if (!runners.has(bochsRunner.name)) registerRunner(bochsRunner);
if (!runners.has(qemuRunner.name)) registerRunner(qemuRunner);
if (!runners.has(virtkitRunner.name)) registerRunner(virtkitRunner);

export { registerRunner, runners };
