/**
 * @virtkit/kvm/threads — the kvm module in its own kernel thread, with one user thread per vCPU (Node
 * worker_threads). Kept apart from the main entry so that code without threads never loads node:worker_threads.
 */
export { KernelClient, KernelThread, type KernelClientDescriptor } from "./kernel-client.js";
export { ERESTARTSYS } from "../vcpu.js";

/** The URL of the built kernel-thread script, for KernelThread.start(). */
export const KERNEL_WORKER_URL = new URL("./kernel-worker.js", import.meta.url);
