// A VMM's vCPU thread (worker_threads), used by threads.test.ts: it runs KVM_RUN on its own vCPU through the
// kernel thread and handles the exits itself, reading them from the shared kvm_run page. Port 0xE9 output
// is collected; the thread reports after `stopAfter` bytes, on KVM_EXIT_INTR, or on any other exit.
import { parentPort, workerData } from "node:worker_threads";
import { KernelClient } from "../../dist/threads.js";

const KVM_RUN = 0xae80;
const EAGAIN = 11;
const EINTR = 4;
const KVM_EXIT_IO = 2;
const { desc, vcpuFd, stopAfter } = workerData;
const client = new KernelClient(desc);
const run = client.mmapVcpu(vcpuFd);
const view = new DataView(run.buffer, run.byteOffset, run.byteLength);
const out = [];
const returns = [];
for (let i = 0; i < 1000; i++) {
  const r = client.ioctl(vcpuFd, KVM_RUN, 0);
  returns.push(r);
  if (r === -EAGAIN) continue;
  if (r === -EINTR) break;
  if (r < 0) break;
  const reason = view.getUint32(8, true);
  if (reason !== KVM_EXIT_IO) {
    returns.push(`exit ${reason}`);
    break;
  }
  const port = view.getUint16(34, true);
  const off = Number(view.getBigUint64(40, true));
  if (view.getUint8(32) === 1 && port === 0xe9) out.push(run[off]);
  if (out.length >= stopAfter) break;
}
parentPort.postMessage({ out, returns });
