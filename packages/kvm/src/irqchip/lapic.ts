/**
 * The in-kernel local APIC of one vCPU (arch/x86/kvm/lapic.c; SDM vol. 3A chapter 11), in xAPIC mode at
 * the APIC base (default 0xFEE00000). Its registers live in the 1024-byte page that KVM_GET/SET_LAPIC
 * copy (struct kvm_lapic_state). The timer counts the host clock (1 GHz here: one TSC tick per ns, the
 * APIC bus cycle of KVM) divided by TDCR, in one-shot, periodic and TSC-deadline modes.
 */

/** Register offsets (SDM vol. 3A table 11-1; Linux asm/apicdef.h). */
export const APIC_ID = 0x20;
export const APIC_LVR = 0x30;
export const APIC_TASKPRI = 0x80;
export const APIC_ARBPRI = 0x90;
export const APIC_PROCPRI = 0xa0;
export const APIC_EOI = 0xb0;
export const APIC_RRR = 0xc0;
export const APIC_LDR = 0xd0;
export const APIC_DFR = 0xe0;
export const APIC_SPIV = 0xf0;
export const APIC_ISR = 0x100;
export const APIC_TMR = 0x180;
export const APIC_IRR = 0x200;
export const APIC_ESR = 0x280;
export const APIC_LVTCMCI = 0x2f0;
export const APIC_ICR = 0x300;
export const APIC_ICR2 = 0x310;
export const APIC_LVTT = 0x320;
export const APIC_LVTTHMR = 0x330;
export const APIC_LVTPC = 0x340;
export const APIC_LVT0 = 0x350;
export const APIC_LVT1 = 0x360;
export const APIC_LVTERR = 0x370;
export const APIC_TMICT = 0x380;
export const APIC_TMCCT = 0x390;
export const APIC_TDCR = 0x3e0;
export const KVM_APIC_REG_SIZE = 0x400;

export const APIC_DEFAULT_PHYS_BASE = 0xfee00000;
export const MSR_IA32_APICBASE_BSP = 1 << 8;
export const MSR_IA32_APICBASE_ENABLE = 1 << 11;
/** KVM's APIC version: 0x14 with six LVT entries (APIC_VERSION, KVM_APIC_LVT_NUM in Linux 6.1). */
export const KVM_APIC_VERSION = 0x14 | ((6 - 1) << 16);

export const APIC_SPIV_APIC_ENABLED = 1 << 8;
export const APIC_LVT_MASKED = 1 << 16;
export const APIC_LVT_TIMER_PERIODIC = 1 << 17;
export const APIC_LVT_TIMER_TSCDEADLINE = 2 << 17;
const APIC_LVT_TIMER_MASK = 3 << 17;
const APIC_SEND_PENDING = 1 << 12;
const APIC_MODE_MASK = 0x700;
const LVT_MASK = APIC_LVT_MASKED | APIC_SEND_PENDING | 0xff;
const LINT_MASK = LVT_MASK | APIC_MODE_MASK | (1 << 13) | (1 << 14) | (1 << 15);

/** Delivery modes (SDM table 11-? / ICR bits 10:8). */
export const APIC_DM_FIXED = 0;
export const APIC_DM_LOWEST = 1;
export const APIC_DM_SMI = 2;
export const APIC_DM_NMI = 4;
export const APIC_DM_INIT = 5;
export const APIC_DM_STARTUP = 6;
export const APIC_DM_EXTINT = 7;

export const APIC_DEST_NOSHORT = 0;
export const APIC_DEST_SELF = 1;
export const APIC_DEST_ALLINC = 2;
export const APIC_DEST_ALLBUT = 3;

/** struct kvm_lapic_irq: one interrupt message (from the IOAPIC, an MSI or an IPI). */
export interface KvmApicIrq {
  vector: number;
  deliveryMode: number;
  /** 0 physical, 1 logical. */
  destMode: number;
  level: boolean;
  /** 0 edge, 1 level. */
  trigMode: number;
  shorthand: number;
  destId: number;
  msiRedirHint: boolean;
}

/** LVT index → mask of writable bits (apic_lvt_mask in lapic.c). */
const LVT_WRITE_MASK: Readonly<Record<number, number>> = {
  [APIC_LVTT]: LVT_MASK | APIC_LVT_TIMER_MASK,
  [APIC_LVTTHMR]: LVT_MASK | APIC_MODE_MASK,
  [APIC_LVTPC]: LVT_MASK | APIC_MODE_MASK,
  [APIC_LVT0]: LINT_MASK,
  [APIC_LVT1]: LINT_MASK,
  [APIC_LVTERR]: LVT_MASK,
};
const LVTS = [APIC_LVTT, APIC_LVTTHMR, APIC_LVTPC, APIC_LVT0, APIC_LVT1, APIC_LVTERR];

/** What the local APIC needs from the VM. */
export interface KvmLapicHost {
  /** Host clock in ns (host TSC ticks at 1 GHz). */
  now(): number;
  /** Guest TSC minus host TSC, for the TSC-deadline timer. */
  tscOffset(): number;
  /** kvm_irq_delivery_to_apic for an IPI sent by this APIC. */
  sendIpi(irq: KvmApicIrq, from: KvmLapic): number;
  /** EOI of `vector` for the IOAPIC (kvm_ioapic_send_eoi). */
  eoi(vector: number, levelTriggered: boolean): void;
  /** Wake the vCPU (kvm_vcpu_kick): an event became pending. */
  kick(): void;
  /** An NMI message arrived (kvm_inject_nmi). */
  nmi(): void;
}

/** kvm_apic pending_events bits. */
export const KVM_APIC_INIT = 1;
export const KVM_APIC_SIPI = 2;

export class KvmLapic {
  readonly regs = new Uint8Array(KVM_APIC_REG_SIZE);
  private readonly dv = new DataView(this.regs.buffer);
  /** IA32_APIC_BASE (vcpu->arch.apic_base). */
  apicBase: number;
  /** INIT/SIPI received and not yet processed (KVM_APIC_INIT | KVM_APIC_SIPI). */
  pendingEvents = 0;
  sipiVector = 0;
  /** Timer: expiry on the host clock (ns), or -1; the period for periodic mode; the divide count. */
  timerTarget = -1;
  private timerPeriod = 0;
  private divide = 2;
  /** IA32_TSC_DEADLINE (guest TSC), 0 when disarmed. */
  tscDeadline = 0;
  /** Count of timer interrupts (for statistics). */
  timerFired = 0;

  constructor(readonly vcpuId: number, private readonly host: KvmLapicHost, bsp: boolean) {
    this.apicBase = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE | (bsp ? MSR_IA32_APICBASE_BSP : 0);
    this.reset(bsp);
  }

  get(reg: number): number {
    return this.dv.getUint32(reg, true);
  }
  private set(reg: number, v: number): void {
    this.dv.setUint32(reg, v >>> 0, true);
  }

  /**
   * kvm_lapic_reset: the power-up register values; the BSP's LINT0 is ExtINT (virtual wire to the PIC).
   * RESET also restores IA32_APIC_BASE and the APIC ID; INIT keeps them.
   */
  reset(bsp: boolean, init = false): void {
    const id = this.get(APIC_ID);
    this.regs.fill(0);
    this.set(APIC_ID, init ? id : this.vcpuId << 24);
    if (!init) this.apicBase = APIC_DEFAULT_PHYS_BASE | MSR_IA32_APICBASE_ENABLE | (bsp ? MSR_IA32_APICBASE_BSP : 0);
    this.set(APIC_LVR, KVM_APIC_VERSION);
    for (const l of LVTS) this.set(l, APIC_LVT_MASKED);
    // KVM_X86_QUIRK_LINT0_REENABLED: the BSP's LINT0 comes up as ExtINT, unmasked.
    if (bsp) this.set(APIC_LVT0, APIC_DM_EXTINT << 8);
    this.set(APIC_DFR, 0xffffffff);
    this.set(APIC_SPIV, 0xff);
    this.timerTarget = -1;
    this.tscDeadline = 0;
    this.divide = 2;
    // INIT leaves the latched start-up events alone (a SIPI right behind the INIT must survive it).
    if (!init) this.pendingEvents = 0;
  }

  get baseAddress(): number {
    return (this.apicBase & 0xfffff000) >>> 0;
  }
  get hwEnabled(): boolean {
    return (this.apicBase & MSR_IA32_APICBASE_ENABLE) !== 0;
  }
  get swEnabled(): boolean {
    return (this.get(APIC_SPIV) & APIC_SPIV_APIC_ENABLED) !== 0;
  }
  get enabled(): boolean {
    return this.hwEnabled && this.swEnabled;
  }
  get xapicId(): number {
    return this.get(APIC_ID) >>> 24;
  }

  /** kvm_lapic_set_base: enabling again restores the xAPIC ID. */
  setBase(value: number): void {
    const old = this.apicBase;
    this.apicBase = value >>> 0;
    if ((old ^ value) & MSR_IA32_APICBASE_ENABLE && value & MSR_IA32_APICBASE_ENABLE) this.set(APIC_ID, this.vcpuId << 24);
  }

  // ------------------------------------------------------------------ vectors

  private test(base: number, v: number): boolean {
    return (this.get(base + (v >>> 5) * 0x10) & (1 << (v & 31))) !== 0;
  }
  private setBit(base: number, v: number, on: boolean): void {
    const reg = base + (v >>> 5) * 0x10;
    const w = this.get(reg);
    this.set(reg, on ? w | (1 << (v & 31)) : w & ~(1 << (v & 31)));
  }
  private highest(base: number): number {
    for (let i = 7; i >= 0; i--) {
      const w = this.get(base + i * 0x10);
      if (w !== 0) return i * 32 + 31 - Math.clz32(w);
    }
    return -1;
  }

  /** apic_update_ppr: PPR = TPR, or the in-service class if that is higher. */
  private updatePpr(): void {
    const tpr = this.get(APIC_TASKPRI) & 0xff;
    const isr = this.highest(APIC_ISR);
    const isrv = isr < 0 ? 0 : isr;
    this.set(APIC_PROCPRI, (tpr & 0xf0) >= (isrv & 0xf0) ? tpr : isrv & 0xf0);
  }

  /** kvm_apic_has_interrupt: the highest requested vector above the processor priority, or -1. */
  pendingVector(): number {
    if (!this.enabled) return -1;
    const v = this.highest(APIC_IRR);
    if (v < 0 || (v & 0xf0) <= (this.get(APIC_PROCPRI) & 0xf0)) return -1;
    return v;
  }

  /** kvm_get_apic_interrupt: the INTA for `vector` (IRR → ISR). */
  acknowledge(vector: number): void {
    this.setBit(APIC_IRR, vector, false);
    this.setBit(APIC_ISR, vector, true);
    this.updatePpr();
  }

  /** kvm_apic_accept_pic_intr: does this vCPU take ExtINT from the PIC (LINT0 virtual wire)? */
  acceptsPicIntr(): boolean {
    if (!this.hwEnabled) return true;
    const lvt0 = this.get(APIC_LVT0);
    return (lvt0 & APIC_LVT_MASKED) === 0 && ((lvt0 >>> 8) & 7) === APIC_DM_EXTINT;
  }

  /**
   * __apic_accept_irq: a message arrives. Fixed/lowest-priority set IRR (and TMR for level), NMI/INIT/SIPI
   * become pending events. Returns 1 when accepted, 0 when dropped.
   */
  acceptIrq(irq: KvmApicIrq): number {
    switch (irq.deliveryMode) {
      case APIC_DM_FIXED:
      case APIC_DM_LOWEST:
        if (!this.enabled) return 0;
        this.setBit(APIC_TMR, irq.vector, irq.trigMode === 1);
        this.setBit(APIC_IRR, irq.vector, true);
        this.host.kick();
        return 1;
      case APIC_DM_NMI:
        this.host.nmi();
        this.host.kick();
        return 1;
      case APIC_DM_INIT:
        // INIT level de-assert is ignored (only the assert resets the processor).
        if (irq.trigMode === 0 || irq.level) {
          this.pendingEvents = KVM_APIC_INIT;
          this.host.kick();
          return 1;
        }
        return 0;
      case APIC_DM_STARTUP:
        this.sipiVector = irq.vector;
        this.pendingEvents |= KVM_APIC_SIPI;
        this.host.kick();
        return 1;
      default:
        // SMI and ExtINT messages are not delivered to the local APIC by KVM.
        return 0;
    }
  }

  /** kvm_apic_match_dest. */
  matchDest(source: KvmLapic | null, shorthand: number, dest: number, destMode: number): boolean {
    switch (shorthand) {
      case APIC_DEST_SELF: return source === this;
      case APIC_DEST_ALLINC: return true;
      case APIC_DEST_ALLBUT: return source !== this;
      default:
        if (destMode === 0) return dest === 0xff || dest === this.xapicId;
        if (dest === 0xff) return true;
        {
          const ldr = this.get(APIC_LDR) >>> 24;
          // Flat model (DFR 0xF...) compares the bitmap; cluster model the cluster id then the bitmap.
          if ((this.get(APIC_DFR) >>> 28) === 0xf) return (ldr & dest) !== 0;
          return (ldr >>> 4) === (dest >>> 4) && (ldr & dest & 0xf) !== 0;
        }
    }
  }

  // ------------------------------------------------------------------ timer

  private updateDivide(): void {
    const t = this.get(APIC_TDCR) & 0xf;
    const v = ((t & 3) | ((t & 8) >>> 1)) + 1;
    this.divide = 1 << (v & 7);
  }

  private timerMode(): number {
    return this.get(APIC_LVTT) & APIC_LVT_TIMER_MASK;
  }

  /** start_apic_timer for a TMICT write (or a restored TMCCT). */
  private startTimer(count: number): void {
    if (this.timerMode() === APIC_LVT_TIMER_TSCDEADLINE) return;
    const tmict = this.get(APIC_TMICT);
    if (tmict === 0 || count === 0) {
      this.timerTarget = -1;
      return;
    }
    this.timerPeriod = tmict * this.divide;
    this.timerTarget = this.host.now() + count * this.divide;
  }

  /** apic_get_tmcct: the current count, 0 once a one-shot count has expired. */
  private currentCount(): number {
    if (this.timerTarget < 0 || this.timerMode() === APIC_LVT_TIMER_TSCDEADLINE) return 0;
    let left = this.timerTarget - this.host.now();
    if (left <= 0) {
      if (this.timerMode() !== APIC_LVT_TIMER_PERIODIC) return 0;
      left = this.timerPeriod - ((-left) % this.timerPeriod);
    }
    return Math.min(Math.ceil(left / this.divide), this.get(APIC_TMICT));
  }

  /** IA32_TSC_DEADLINE write: arms (or with 0 disarms) the deadline timer. */
  setTscDeadline(deadline: number): void {
    if (this.timerMode() !== APIC_LVT_TIMER_TSCDEADLINE) return;
    this.tscDeadline = deadline;
    this.timerTarget = deadline === 0 ? -1 : Math.max(0, deadline - this.host.tscOffset());
  }

  /**
   * Checks the timer against the host clock; delivers LVTT when due (apic_timer_expired +
   * kvm_apic_local_deliver). Returns true when it fired.
   */
  checkTimer(): boolean {
    if (this.timerTarget < 0 || this.host.now() < this.timerTarget) return false;
    const mode = this.timerMode();
    if (mode === APIC_LVT_TIMER_PERIODIC && this.timerPeriod > 0) {
      // Ticks missed while nobody looked are not all delivered: the next one is one period after now.
      const now = this.host.now();
      while (this.timerTarget <= now) this.timerTarget += this.timerPeriod;
    } else {
      this.timerTarget = -1;
      if (mode === APIC_LVT_TIMER_TSCDEADLINE) this.tscDeadline = 0;
    }
    this.timerFired++;
    this.localDeliver(APIC_LVTT);
    return true;
  }

  /** kvm_apic_local_deliver: an LVT entry's interrupt, unless masked. */
  private localDeliver(lvt: number): void {
    const v = this.get(lvt);
    if (!this.hwEnabled || v & APIC_LVT_MASKED) return;
    this.acceptIrq({ vector: v & 0xff, deliveryMode: (v >>> 8) & 7, destMode: 0, level: true, trigMode: (v >>> 15) & 1, shorthand: 0, destId: 0, msiRedirHint: false });
  }

  // ------------------------------------------------------------------ register access (kvm_lapic_reg_read/write)

  /** MMIO read at `offset` in the APIC page (1, 2 or 4 bytes within one register). */
  read(offset: number, size: number): number {
    offset &= 0xfff;
    const reg = offset & 0xff0;
    const shift = (offset & 0xf) * 8;
    if ((offset & 0xf) + size > 4 || reg >= KVM_APIC_REG_SIZE) return 0;
    let v: number;
    switch (reg) {
      case APIC_ARBPRI:
      case APIC_EOI:
      case APIC_RRR:
        v = 0;
        break;
      case APIC_TMCCT:
        v = this.currentCount();
        break;
      default:
        v = this.get(reg);
    }
    v >>>= shift;
    return size === 4 ? v >>> 0 : v & (size === 1 ? 0xff : 0xffff);
  }

  /** MMIO write: xAPIC registers take aligned 32-bit writes only (others are dropped, as apic_mmio_write does). */
  write(offset: number, size: number, value: number): void {
    offset &= 0xfff;
    if (size !== 4 || (offset & 0xf) !== 0) return;
    this.writeReg(offset, value >>> 0);
  }

  writeReg(reg: number, val: number): void {
    switch (reg) {
      case APIC_ID:
        this.set(APIC_ID, val & 0xff000000);
        break;
      case APIC_TASKPRI:
        this.set(APIC_TASKPRI, val & 0xff);
        this.updatePpr();
        this.host.kick();
        break;
      case APIC_EOI:
        this.eoi();
        break;
      case APIC_LDR:
        this.set(APIC_LDR, val & 0xff000000);
        break;
      case APIC_DFR:
        this.set(APIC_DFR, val | 0x0fffffff);
        break;
      case APIC_SPIV: {
        this.set(APIC_SPIV, val & 0x3ff);
        if ((val & APIC_SPIV_APIC_ENABLED) === 0) {
          // Software disable masks every LVT entry and stops the timer.
          for (const l of LVTS) this.set(l, this.get(l) | APIC_LVT_MASKED);
          this.timerTarget = -1;
        }
        this.host.kick();
        break;
      }
      case APIC_ESR:
        break;
      case APIC_ICR:
        this.set(APIC_ICR, val & ~APIC_SEND_PENDING);
        this.sendIpi(val, this.get(APIC_ICR2));
        break;
      case APIC_ICR2:
        this.set(APIC_ICR2, val & 0xff000000);
        break;
      case APIC_LVTT: {
        const old = this.timerMode();
        let v = val & LVT_WRITE_MASK[APIC_LVTT]!;
        if (!this.swEnabled) v |= APIC_LVT_MASKED;
        this.set(APIC_LVTT, v);
        if (this.timerMode() !== old) {
          // A mode change stops the timer (apic_update_lvtt / cancel_apic_timer).
          this.timerTarget = -1;
          this.tscDeadline = 0;
        }
        break;
      }
      case APIC_LVTTHMR:
      case APIC_LVTPC:
      case APIC_LVT0:
      case APIC_LVT1:
      case APIC_LVTERR: {
        let v = val & LVT_WRITE_MASK[reg]!;
        if (!this.swEnabled) v |= APIC_LVT_MASKED;
        this.set(reg, v);
        break;
      }
      case APIC_TMICT:
        if (this.timerMode() === APIC_LVT_TIMER_TSCDEADLINE) break;
        this.set(APIC_TMICT, val);
        this.startTimer(val);
        break;
      case APIC_TDCR:
        this.set(APIC_TDCR, val & 0xb);
        this.updateDivide();
        break;
      default:
        // Read-only and reserved registers ignore writes.
        break;
    }
  }

  /** apic_set_eoi: retire the highest in-service vector; level-triggered ones go on to the IOAPIC. */
  private eoi(): void {
    const v = this.highest(APIC_ISR);
    if (v < 0) return;
    this.setBit(APIC_ISR, v, false);
    this.updatePpr();
    this.host.eoi(v, this.test(APIC_TMR, v));
    this.host.kick();
  }

  /** kvm_apic_send_ipi: the ICR was written. */
  private sendIpi(low: number, high: number): void {
    this.host.sendIpi({
      vector: low & 0xff,
      deliveryMode: (low >>> 8) & 7,
      destMode: (low >>> 11) & 1,
      level: (low & (1 << 14)) !== 0,
      trigMode: (low >>> 15) & 1,
      shorthand: (low >>> 18) & 3,
      destId: high >>> 24,
      msiRedirHint: false,
    }, this);
  }

  /** KVM_GET_LAPIC: the register page with TMCCT as the current count. */
  getState(out: Uint8Array): void {
    out.set(this.regs);
    new DataView(out.buffer, out.byteOffset).setUint32(APIC_TMCCT, this.currentCount(), true);
  }

  /** KVM_SET_LAPIC (kvm_apic_set_state): the page is replaced; the timer restarts from TMCCT. */
  setState(bytes: Uint8Array): void {
    this.regs.set(bytes.subarray(0, KVM_APIC_REG_SIZE));
    this.set(APIC_LVR, KVM_APIC_VERSION);
    this.updatePpr();
    this.updateDivide();
    this.timerTarget = -1;
    this.tscDeadline = 0;
    this.startTimer(this.get(APIC_TMCCT));
    this.set(APIC_TMCCT, 0);
    this.host.kick();
  }
}
