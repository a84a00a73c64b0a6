import type { IrqLine } from "../io-device.js";
import { IdeBus, type IdeBusState, type IdeChannelPorts } from "./ide-bus.js";

/*
 * An ISA IDE controller (QEMU hw/ide/isa.c "isa-ide"), as the isapc machine has two: one channel
 * at fixed ports and an ISA IRQ, no DMA engine (the AT's IDE interface is PIO only).
 */
export class IsaIde {
  readonly bus: IdeBus;

  constructor(
    busId: number,
    readonly ports: IdeChannelPorts,
    irq: IrqLine,
  ) {
    this.bus = new IdeBus(busId, irq);
  }

  reset(): void {
    this.bus.reset();
  }

  state(): IdeBusState {
    return this.bus.state();
  }

  fromState(s: IdeBusState): void {
    this.bus.fromState(s);
  }
}
