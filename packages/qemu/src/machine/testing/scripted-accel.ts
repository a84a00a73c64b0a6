import type { Accel, AccelVcpu, CpuidEntry, VcpuExit, VcpuRegs, VcpuSregs, VcpuState } from "../../accel/accel.js";
import type { MemoryListener, MemoryRegionSection } from "../../memory/address-space.js";
import { type RamBlock, sharedArrayRamAllocator } from "../../memory/memory-region.js";

/*
 * An accelerator whose vCPU plays back a script of exits, for testing the run loop on its own: each
 * step says what KVM_RUN returns, how many guest instructions it retired, and what the guest's
 * interrupt state is afterwards. It records what the loop did (injected vectors, interrupt-window
 * requests, alarms) so tests can assert kvm_arch_pre_run/post_run behaviour exactly.
 */

export interface ScriptStep {
  exit: VcpuExit;
  /** Guest instructions retired by this KVM_RUN (advances the TSC). */
  instructions?: number;
  /** kvm_run.if_flag / ready_for_interrupt_injection after this exit (default false: EFLAGS.IF is clear at reset). */
  interruptFlag?: boolean;
}

function segment(selector: number, base: number, type: number): VcpuSregs["cs"] {
  return { base, limit: 0xffff, selector, type, present: 1, dpl: 0, db: 0, s: 1, l: 0, g: 0, avl: 0, unusable: 0 };
}

export class ScriptedVcpu implements AccelVcpu {
  readonly injected: number[] = [];
  readonly alarms: number[] = [];
  readonly windowRequests: boolean[] = [];
  tsc = 0;
  private step = 0;
  private ifFlag = false;
  private pendingVector = -1;
  private regs: VcpuRegs = {
    rax: 0, rbx: 0, rcx: 0, rdx: 0x600, rsi: 0, rdi: 0, rsp: 0, rbp: 0, r8: 0, r9: 0, r10: 0, r11: 0, r12: 0, r13: 0, r14: 0, r15: 0,
    rip: 0xfff0, rflags: 2,
  };
  private sregs: VcpuSregs = {
    cs: segment(0xf000, 0xffff0000, 0xb), ds: segment(0, 0, 3), es: segment(0, 0, 3), fs: segment(0, 0, 3), gs: segment(0, 0, 3),
    ss: segment(0, 0, 3), tr: segment(0, 0, 0xb), ldt: segment(0, 0, 2), gdt: { base: 0, limit: 0xffff }, idt: { base: 0, limit: 0xffff },
    cr0: 0x60000010, cr2: 0, cr3: 0, cr4: 0, cr8: 0, efer: 0, apic_base: 0xfee00900, interrupt_bitmap: [0, 0, 0, 0],
  };

  constructor(
    readonly index: number,
    private readonly script: ScriptStep[],
  ) {}

  run(): VcpuExit {
    const s = this.script[this.step++];
    if (s === undefined) {
      // The script ran out: the guest halts with interrupts off for good.
      this.ifFlag = false;
      return { reason: "hlt" };
    }
    if (this.pendingVector >= 0) {
      this.injected.push(this.pendingVector);
      this.pendingVector = -1;
    }
    this.tsc += s.instructions ?? 100;
    this.ifFlag = s.interruptFlag ?? false;
    return s.exit;
  }
  completePendingIo(): void {
    // scripted exits complete at once
  }
  getRegs(): VcpuRegs {
    return { ...this.regs };
  }
  setRegs(regs: VcpuRegs): void {
    this.regs = { ...regs };
  }
  getSregs(): VcpuSregs {
    return structuredClone(this.sregs);
  }
  setSregs(sregs: VcpuSregs): void {
    this.sregs = structuredClone(sregs);
  }
  getMsrs(indices: readonly number[]): [number, number][] {
    return indices.map((i) => [i, i === 0x10 ? this.tsc : 0]);
  }
  setMsrs(entries: readonly [number, number][]): number {
    for (const [i, v] of entries) {
      if (i === 0x10) this.tsc = v;
    }
    return entries.length;
  }
  getMpState(): number {
    return 0;
  }
  setMpState(): void {
    // nothing
  }
  setCpuid(_entries: readonly CpuidEntry[]): void {
    // nothing
  }
  saveState(): VcpuState {
    return { regs: this.getRegs(), sregs: this.getSregs(), msrs: this.getMsrs([0x10]), mpState: 0 };
  }
  loadState(s: VcpuState): void {
    this.setRegs(s.regs);
    this.setSregs(s.sregs);
    this.setMsrs(s.msrs);
  }
  reset(): void {
    // power-on registers are kept as constructed
  }
  get readyForInterruptInjection(): boolean {
    return this.ifFlag && this.pendingVector < 0;
  }
  get interruptFlag(): boolean {
    return this.ifFlag;
  }
  setRequestInterruptWindow(on: boolean): void {
    this.windowRequests.push(on);
  }
  injectInterrupt(vector: number): void {
    this.pendingVector = vector;
  }
  setAlarm(instructions: number): void {
    this.alarms.push(instructions);
  }
  readTsc(): number {
    return this.tsc;
  }
  kick(): void {
    // nothing to interrupt
  }
  close(): void {
    // nothing
  }
}

export class ScriptedAccel implements Accel {
  readonly name = "scripted";
  readonly kernelIrqchip = false;
  readonly maxGuestPhysAddr = 2 ** 32;
  readonly vcpus: ScriptedVcpu[] = [];
  readonly sections: MemoryRegionSection[] = [];
  readonly memoryListener: MemoryListener = {
    regionAdd: (s) => this.sections.push(s),
    regionDel: (s) => {
      const i = this.sections.findIndex((x) => x.addr === s.addr && x.size === s.size && x.mr === s.mr);
      if (i >= 0) this.sections.splice(i, 1);
    },
  };

  constructor(private readonly scripts: ScriptStep[][]) {}

  allocRam(name: string, size: number): RamBlock {
    return sharedArrayRamAllocator.allocRam(name, size);
  }
  supportedCpuid(): CpuidEntry[] {
    return [{ function: 1, index: 0, flags: 0, eax: 0x663, ebx: 0, ecx: 0, edx: 0xffffffff }];
  }
  createVcpu(index: number): AccelVcpu {
    const v = new ScriptedVcpu(index, this.scripts[index] ?? []);
    this.vcpus.push(v);
    return v;
  }
  destroy(): void {
    // nothing
  }
}
