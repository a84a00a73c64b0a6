/**
 * A user thread's side of the kernel thread (kernel-server.ts): open("/dev/kvm"), ioctl, close, mmap and
 * signals as synchronous system calls over the thread's channel, and the shared mappings that make guest
 * memory and the kvm_run pages visible in this thread. A client descriptor is structured-cloneable, so the
 * VMM hands one to each vCPU thread it starts (worker_threads postMessage / workerData).
 */
import { MessageChannel, type MessagePort, Worker } from "node:worker_threads";
import {
  ARG_BYTES, ARG_NONE, ARG_VALUE, CH_ARG_HI, CH_ARG_KIND, CH_ARG_LEN, CH_ARG_LO, CH_DATA_BYTES, CH_FD, CH_HEADER_BYTES,
  CH_OP, CH_REQ, CH_RET, CH_STATE, CTL_DOORBELL, OP_CLOSE, OP_EVENTFD, OP_EVENTFD_WRITE, OP_IOCTL, OP_MMAP, OP_OPEN_KVM,
  OP_SIGNAL, OP_VCPU_RUN_ADDR, STATE_DONE, STATE_IDLE, STATE_POSTED, newChannel,
} from "./kernel-channel.js";
import { E2BIG, ENOMEM } from "../uapi/errno.js";
import { KVM_VCPU_MMAP_PAGES } from "../uapi/constants.js";

/** What a user thread needs to talk to the kernel thread (structured-cloneable; the port is transferred). */
export interface KernelClientDescriptor {
  control: SharedArrayBuffer;
  channel: SharedArrayBuffer;
  port: MessagePort;
  kernelHeap: SharedArrayBuffer;
  kernelBase: number;
  userHeap: SharedArrayBuffer;
  userBase: number;
}

export class KernelClient {
  private readonly header: Int32Array;
  private readonly data: Uint8Array;
  private readonly ctl: Int32Array;

  constructor(private readonly d: KernelClientDescriptor) {
    this.header = new Int32Array(d.channel, 0, CH_HEADER_BYTES / 4);
    this.data = new Uint8Array(d.channel, CH_HEADER_BYTES, CH_DATA_BYTES);
    this.ctl = new Int32Array(d.control);
  }

  private call(op: number, fd: number, req: number, arg?: number | Uint8Array): number {
    const h = this.header;
    h[CH_OP] = op;
    h[CH_FD] = fd;
    h[CH_REQ] = req | 0;
    if (arg === undefined) {
      h[CH_ARG_KIND] = ARG_NONE;
    } else if (typeof arg === "number") {
      h[CH_ARG_KIND] = ARG_VALUE;
      h[CH_ARG_LO] = arg >>> 0;
      h[CH_ARG_HI] = Math.floor(arg / 0x100000000) | 0;
    } else {
      if (arg.byteLength > CH_DATA_BYTES) return -E2BIG;
      h[CH_ARG_KIND] = ARG_BYTES;
      h[CH_ARG_LEN] = arg.byteLength;
      this.data.set(arg);
    }
    Atomics.store(h, CH_STATE, STATE_POSTED);
    Atomics.add(this.ctl, CTL_DOORBELL, 1);
    Atomics.notify(this.ctl, CTL_DOORBELL);
    while (Atomics.load(h, CH_STATE) !== STATE_DONE) Atomics.wait(h, CH_STATE, STATE_POSTED);
    const ret = h[CH_RET]!;
    // copy_to_user: the struct comes back into the caller's buffer.
    if (arg instanceof Uint8Array) arg.set(this.data.subarray(0, arg.byteLength));
    Atomics.store(h, CH_STATE, STATE_IDLE);
    return ret;
  }

  openDevKvm(): number {
    return this.call(OP_OPEN_KVM, 0, 0);
  }

  ioctl(fd: number, request: number, arg?: number | Uint8Array): number {
    return this.call(OP_IOCTL, fd, request, arg);
  }

  close(fd: number): number {
    return this.call(OP_CLOSE, fd, 0);
  }

  /** mmap(MAP_SHARED | MAP_ANONYMOUS) of `length` bytes: returns the user address and the bytes, or throws ENOMEM. */
  mmap(length: number): { addr: number; bytes: Uint8Array } {
    const size = Math.ceil(length / 4096) * 4096;
    const sab = new SharedArrayBuffer(size);
    this.d.port.postMessage(sab);
    const addr = this.call(OP_MMAP, 0, 0, size);
    if (addr < 0) throw new RangeError(`mmap of ${length} bytes failed (errno ${-addr === ENOMEM ? "ENOMEM" : -addr})`);
    return { addr, bytes: new Uint8Array(sab) };
  }

  /** mmap of a vCPU fd: the kvm_run page, PIO data page and coalesced-MMIO page, shared with the kernel. */
  mmapVcpu(fd: number): Uint8Array {
    const addr = this.call(OP_VCPU_RUN_ADDR, fd, 0);
    if (addr < 0) throw new RangeError(`mmap of vCPU fd ${fd} failed (errno ${-addr})`);
    return new Uint8Array(this.d.kernelHeap, addr - this.d.kernelBase, KVM_VCPU_MMAP_PAGES * 4096);
  }

  /** A signal for the thread running vCPU `fd` (its KVM_RUN returns -EINTR unless the signal is blocked). */
  signal(vcpuFd: number, signo: number): number {
    return this.call(OP_SIGNAL, vcpuFd, 0, signo);
  }

  eventfd(initval = 0, flags = 0): number {
    return this.call(OP_EVENTFD, 0, flags, initval);
  }

  eventfdWrite(fd: number, value: number): number {
    return this.call(OP_EVENTFD_WRITE, fd, 0, value);
  }

  /** The bytes of user memory at `addr` that lie in the shared user heap (small mmaps from the kernel side). */
  userHeapBytes(addr: number, length: number): Uint8Array {
    return new Uint8Array(this.d.userHeap, addr - this.d.userBase, length);
  }
}

/** A running kernel thread, from the thread that started it. */
export class KernelThread {
  private constructor(
    readonly worker: Worker,
    private readonly control: SharedArrayBuffer,
    private readonly registry: MessagePort,
    private readonly heaps: { kernel: SharedArrayBuffer; kernelBase: number; user: SharedArrayBuffer; userBase: number },
  ) {}

  /**
   * Starts the kvm module in a worker thread. `workerUrl` is the built kernel-worker script
   * (dist/kernel-worker.js of this package).
   */
  static async start(workerUrl: URL): Promise<KernelThread> {
    const control = new SharedArrayBuffer(16);
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(workerUrl, { workerData: { control, registry: port2 }, transferList: [port2] });
    const heaps = await new Promise<KernelThread["heaps"]>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    return new KernelThread(worker, control, port1, heaps);
  }

  /** A new channel for one user thread; pass the descriptor to that thread (transferring `port`). */
  newClient(): KernelClientDescriptor {
    const channel = newChannel();
    const { port1, port2 } = new MessageChannel();
    this.registry.postMessage({ channel, port: port2 }, [port2]);
    const ctl = new Int32Array(this.control);
    Atomics.add(ctl, CTL_DOORBELL, 1);
    Atomics.notify(ctl, CTL_DOORBELL);
    return {
      control: this.control, channel, port: port1, kernelHeap: this.heaps.kernel, kernelBase: this.heaps.kernelBase,
      userHeap: this.heaps.user, userBase: this.heaps.userBase,
    };
  }

  async stop(): Promise<void> {
    await this.worker.terminate();
  }
}
