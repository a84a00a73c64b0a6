/**
 * Entry of the kernel thread (a worker_threads Worker): reports the shared heaps to the thread that started
 * it, then serves system calls forever (kernel-server.ts).
 */
import { parentPort, workerData, type MessagePort } from "node:worker_threads";
import { hostMachine } from "../host/host-machine.js";
import { KernelServer } from "./kernel-server.js";

const { control, registry } = workerData as { control: SharedArrayBuffer; registry: MessagePort };
parentPort!.postMessage(hostMachine().sharedHeaps());
new KernelServer(control, registry).run();
