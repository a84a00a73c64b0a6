/**
 * The kvm module in a kernel thread. The VM's kernel objects (VMs, vCPUs, irqchip, MMU) live in this one
 * worker; user threads — the VMM's main thread and one thread per vCPU — make their system calls over
 * channels (kernel-channel.ts) and handle the exits of their own KVM_RUN. Guest memory and the kvm_run
 * pages are SharedArrayBuffers every thread maps, so user space reads exits and guest RAM directly.
 *
 * Scheduling: the kernel thread serves one call at a time. A KVM_RUN whose vCPU would block (HLT, waiting
 * for SIPI) is parked (-ERESTARTSYS inside the kernel) and retried after every other call, so an IPI or
 * KVM_IRQ_LINE from another thread wakes it; a running vCPU yields at its next exit when another call or
 * a preempted vCPU waits (round robin at host-timer granularity). When every vCPU waits, the host idles
 * to the earliest kernel-timer deadline; with none, the thread sleeps on the doorbell.
 */
import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { closeFd, eventfd, eventfdWrite, fdVcpu, ioctl, openDevKvm } from "../kvm-main.js";
import { hostMachine } from "../host/host-machine.js";
import { ERESTARTSYS, type KvmVcpu } from "../vcpu.js";
import { EBADF, EINVAL, ENOMEM } from "../uapi/errno.js";
import {
  ARG_BYTES, ARG_VALUE, CH_ARG_HI, CH_ARG_KIND, CH_ARG_LEN, CH_ARG_LO, CH_FD, CH_HEADER_BYTES, CH_OP, CH_REQ, CH_RET,
  CH_STATE, CTL_DOORBELL, OP_CLOSE, OP_EVENTFD, OP_EVENTFD_WRITE, OP_IOCTL, OP_MMAP, OP_OPEN_KVM, OP_SIGNAL,
  OP_VCPU_RUN_ADDR, STATE_DONE, STATE_POSTED,
} from "./kernel-channel.js";
import { KVM_RUN } from "../uapi/ioctl.js";

interface Client {
  header: Int32Array;
  data: Uint8Array;
  port: MessagePort;
  /** A parked KVM_RUN: its vCPU, and whether it was preempted (runnable) or blocked. */
  parked: { vcpu: KvmVcpu; preempted: boolean } | null;
}

export class KernelServer {
  private readonly clients: Client[] = [];
  private readonly ctl: Int32Array;
  private current: KvmVcpu | null = null;

  constructor(control: SharedArrayBuffer, private readonly registry: MessagePort) {
    this.ctl = new Int32Array(control);
    const host = hostMachine();
    host.kernelThread = {
      shouldPreempt: (vcpu) => this.clients.some((c) => (Atomics.load(c.header, CH_STATE) === STATE_POSTED && c.parked === null) ||
        (c.parked?.preempted === true && c.parked.vcpu !== vcpu)),
    };
  }

  private acceptClients(): void {
    for (;;) {
      const m = receiveMessageOnPort(this.registry);
      if (!m) return;
      const { channel, port } = m.message as { channel: SharedArrayBuffer; port: MessagePort };
      this.clients.push({ header: new Int32Array(channel, 0, CH_HEADER_BYTES / 4), data: new Uint8Array(channel, CH_HEADER_BYTES), port, parked: null });
    }
  }

  private reply(c: Client, ret: number): void {
    c.header[CH_RET] = ret;
    Atomics.store(c.header, CH_STATE, STATE_DONE);
    Atomics.notify(c.header, CH_STATE);
  }

  /** Runs one posted call; returns false when it parked. */
  private serve(c: Client): void {
    const h = c.header;
    const fd = h[CH_FD]!;
    const value = (h[CH_ARG_HI]! >>> 0) * 0x100000000 + (h[CH_ARG_LO]! >>> 0);
    switch (h[CH_OP]) {
      case OP_OPEN_KVM:
        this.reply(c, openDevKvm());
        return;
      case OP_CLOSE:
        this.reply(c, closeFd(fd));
        return;
      case OP_MMAP: {
        const m = receiveMessageOnPort(c.port);
        const map = m ? hostMachine().mapShared(m.message as SharedArrayBuffer) : null;
        this.reply(c, map ? map.addr : -ENOMEM);
        return;
      }
      case OP_VCPU_RUN_ADDR: {
        const v = fdVcpu(fd);
        this.reply(c, v ? v.runAddr : -EBADF);
        return;
      }
      case OP_SIGNAL: {
        const v = fdVcpu(fd);
        if (!v) {
          this.reply(c, -EBADF);
          return;
        }
        v.raiseSignal(value);
        this.reply(c, 0);
        return;
      }
      case OP_EVENTFD:
        this.reply(c, eventfd(value, h[CH_REQ]));
        return;
      case OP_EVENTFD_WRITE:
        this.reply(c, eventfdWrite(fd, value));
        return;
      case OP_IOCTL: {
        const req = h[CH_REQ]! >>> 0;
        if (req === KVM_RUN) {
          const v = fdVcpu(fd);
          if (!v) {
            this.reply(c, -EBADF);
            return;
          }
          this.runVcpu(c, v);
          return;
        }
        const kind = h[CH_ARG_KIND];
        let arg: number | Uint8Array | undefined;
        if (kind === ARG_VALUE) arg = value;
        else if (kind === ARG_BYTES) arg = c.data.subarray(0, h[CH_ARG_LEN]);
        this.reply(c, ioctl(fd, req, arg));
        return;
      }
      default:
        this.reply(c, -EINVAL);
    }
  }

  private runVcpu(c: Client, v: KvmVcpu): void {
    this.current = v;
    const r = ioctl(c.header[CH_FD]!, KVM_RUN, 0);
    this.current = null;
    if (r === -ERESTARTSYS) {
      // Preempted when the vCPU can still run, else blocked until something wakes it.
      c.parked = { vcpu: v, preempted: v.mpState === 0 };
      return;
    }
    c.parked = null;
    this.reply(c, r);
  }

  /** The service loop; never returns. */
  run(): never {
    let seen = Atomics.load(this.ctl, CTL_DOORBELL);
    for (;;) {
      this.acceptClients();
      let progress = false;
      for (const c of this.clients) {
        if (c.parked === null && Atomics.load(c.header, CH_STATE) === STATE_POSTED) {
          this.serve(c);
          progress = true;
        }
      }
      // Parked KVM_RUNs: a preempted one continues, a blocked one checks whether it was woken.
      for (const c of this.clients) {
        if (!c.parked) continue;
        const before = c.parked;
        this.runVcpu(c, before.vcpu);
        const after = c.parked as Client["parked"];
        if (after === null || (before.preempted && after.preempted)) progress = true;
      }
      if (progress) continue;
      // Everyone waits. Idle the host to the earliest kernel-timer deadline of a parked vCPU, else sleep.
      let next = -1;
      for (const c of this.clients) {
        const d = c.parked?.vcpu.nextDeadline() ?? -1;
        if (d >= 0 && (next < 0 || d < next)) next = d;
      }
      const now = Atomics.load(this.ctl, CTL_DOORBELL);
      if (now !== seen) {
        seen = now;
        continue;
      }
      if (next >= 0) {
        // (With idle pacing the sleep ends early when a user thread rings the doorbell.)
        hostMachine().idleUntil(next, (ms) => { Atomics.wait(this.ctl, CTL_DOORBELL, seen, ms); });
        continue;
      }
      Atomics.wait(this.ctl, CTL_DOORBELL, seen);
      seen = Atomics.load(this.ctl, CTL_DOORBELL);
    }
  }
}
