import { describe, expect, it } from "vitest";
import { RingbufChardev } from "../chardev/chardev-ringbuf.js";
import { IrqProbe } from "./irq-probe.js";
import {
  ISA_SERIAL_PORTS,
  UART_FCR,
  UART_IER,
  UART_IIR,
  UART_LCR,
  UART_LSR,
  UART_MCR,
  UART_MSR,
  UART_RBR,
  UART_SCR,
  UART_THR,
  Uart16550,
} from "./uart16550.js";
import { VirtualClock } from "./virtual-clock.js";

function setup(options: { out2GatesIrq?: boolean } = {}) {
  const clock = new VirtualClock();
  const irq = new IrqProbe();
  const chardev = new RingbufChardev("serial0", 1024);
  const uart = new Uart16550(clock, { irq, chardev, ...options });
  const text = (s: string) => new TextEncoder().encode(s);
  return { clock, irq, chardev, uart, text };
}

function readString(uart: Uart16550, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    s += String.fromCharCode(uart.read(UART_RBR, 1));
  }
  return s;
}

describe("16550A UART", () => {
  it("resets to QEMU's values (datasheet ones, OUT2 set) and 9600 baud", () => {
    const { uart } = setup();
    expect(uart.read(UART_MCR, 1)).toBe(0x08);
    expect(uart.read(UART_IIR, 1)).toBe(0x01);
    expect(uart.read(UART_LSR, 1)).toBe(0x60);
    expect(uart.read(UART_MSR, 1)).toBe(0xb0); // DCD, DSR, CTS asserted by the backend
    expect(uart.read(UART_LCR, 1)).toBe(0);
    uart.write(UART_LCR, 1, 0x80);
    expect(uart.read(0, 1)).toBe(0x0c);
    expect(uart.read(1, 1)).toBe(0x00);
  });

  it("switches RBR/THR/IER to the divisor latch with DLAB and keeps the scratch register", () => {
    const { uart } = setup();
    uart.write(UART_IER, 1, 0x0f);
    uart.write(UART_LCR, 1, 0x83);
    uart.write(0, 1, 0x01); // 115200 baud
    uart.write(1, 1, 0x00);
    expect(uart.read(0, 1)).toBe(0x01);
    uart.write(UART_LCR, 1, 0x03);
    expect(uart.read(UART_IER, 1)).toBe(0x0f);
    uart.write(UART_SCR, 1, 0xa5);
    expect(uart.read(UART_SCR, 1)).toBe(0xa5);
    expect(uart.read(UART_LCR, 1)).toBe(0x03);
  });

  it("sends THR writes to the character backend", () => {
    const { uart, chardev } = setup();
    for (const c of "Hello") {
      uart.write(UART_THR, 1, c.charCodeAt(0));
    }
    expect(new TextDecoder().decode(chardev.read())).toBe("Hello");
    expect(uart.read(UART_LSR, 1) & 0x60).toBe(0x60);
  });

  it("raises THRE when ETBEI is enabled with THR empty, clears it on IIR read, re-arms after a write", () => {
    const { uart, irq } = setup();
    uart.write(UART_IER, 1, 0x02);
    expect(irq.level).toBe(true);
    expect(uart.read(UART_IIR, 1)).toBe(0x02);
    expect(irq.level).toBe(false);
    expect(uart.read(UART_IIR, 1)).toBe(0x01);
    uart.write(UART_THR, 1, 0x41);
    expect(irq.level).toBe(true);
    expect(uart.read(UART_IIR, 1)).toBe(0x02);
    // Toggling ETBEI re-samples THRE.
    uart.write(UART_IER, 1, 0x00);
    uart.write(UART_IER, 1, 0x02);
    expect(irq.level).toBe(true);
  });

  it("loops transmitted characters back and maps MCR onto MSR in loopback mode", () => {
    const { uart, chardev } = setup();
    uart.read(UART_MSR, 1);
    uart.write(UART_MCR, 1, 0x10 | 0x01); // LOOP + DTR
    let msr = uart.read(UART_MSR, 1);
    expect(msr & 0xf0).toBe(0x20); // DSR only (RTS, OUT1, OUT2 low)
    expect(msr & 0x0f).toBe(0x01 | 0x08); // DCTS and DDCD: CTS and DCD dropped
    uart.write(UART_MCR, 1, 0x10 | 0x02 | 0x04 | 0x08);
    msr = uart.read(UART_MSR, 1);
    expect(msr & 0xf0).toBe(0xd0); // CTS, RI, DCD
    uart.write(UART_MCR, 1, 0x10 | 0x02 | 0x08); // RI trailing edge
    expect(uart.read(UART_MSR, 1) & 0x04).toBe(0x04);
    uart.write(UART_THR, 1, 0x55);
    expect(uart.read(UART_LSR, 1) & 0x01).toBe(0x01);
    expect(uart.read(UART_RBR, 1)).toBe(0x55);
    expect(chardev.count).toBe(0);
    // External input waits while the receiver is looped back.
    chardev.writeToDevice(new Uint8Array([0x31]));
    expect(uart.read(UART_LSR, 1) & 0x01).toBe(0);
    uart.write(UART_MCR, 1, 0x00);
    expect(uart.read(UART_RBR, 1)).toBe(0x31);
  });

  it("flags an overrun in non-FIFO mode and reports it as a line status interrupt", () => {
    const { uart, irq } = setup();
    uart.write(UART_IER, 1, 0x05); // RDI + RLSI
    uart.write(UART_MCR, 1, 0x10);
    uart.write(UART_THR, 1, 0x01);
    expect(uart.read(UART_IIR, 1)).toBe(0x04);
    uart.write(UART_THR, 1, 0x02);
    expect(uart.read(UART_IIR, 1)).toBe(0x06); // RLS beats RDA
    expect(uart.read(UART_LSR, 1) & 0x03).toBe(0x03);
    expect(uart.read(UART_IIR, 1)).toBe(0x04);
    expect(uart.read(UART_RBR, 1)).toBe(0x02);
    expect(irq.level).toBe(false);
  });

  it("interrupts at the FIFO trigger level and takes input only up to it", () => {
    const { uart, irq, chardev, text } = setup();
    uart.write(UART_FCR, 1, 0x81); // FIFO on, trigger 8
    expect(uart.read(UART_IIR, 1)).toBe(0xc1);
    uart.write(UART_IER, 1, 0x01);
    chardev.writeToDevice(text("0123456789abcdefghij"));
    expect(irq.level).toBe(true);
    expect(uart.read(UART_IIR, 1)).toBe(0xc4);
    expect(chardev.pendingInput).toBe(12);
    expect(readString(uart, 7)).toBe("0123456");
    // Below the trigger level: RDA drops, and each read lets one more byte in.
    expect(readString(uart, 13)).toBe("789abcdefghij");
    expect(uart.read(UART_LSR, 1) & 0x01).toBe(0);
    expect(irq.level).toBe(false);
  });

  it("raises a character timeout after four character times below the trigger level", () => {
    const { uart, irq, clock, chardev, text } = setup();
    uart.write(UART_LCR, 1, 0x03); // 8N1: 10 bits per character
    uart.write(UART_FCR, 1, 0x41); // trigger 4
    uart.write(UART_IER, 1, 0x01);
    chardev.writeToDevice(text("ab"));
    expect(irq.level).toBe(false);
    const charNs = (10 * 1e9 * 12) / 115200;
    clock.advance(Math.floor(4 * charNs) - 1000);
    expect(irq.level).toBe(false);
    clock.advance(2000);
    expect(irq.level).toBe(true);
    expect(uart.read(UART_IIR, 1)).toBe(0xcc);
    expect(uart.read(UART_RBR, 1)).toBe(0x61); // reading clears the timeout and restarts it
    expect(irq.level).toBe(false);
    clock.advance(Math.ceil(4 * charNs) + 10);
    expect(uart.read(UART_IIR, 1)).toBe(0xcc);
    expect(uart.read(UART_RBR, 1)).toBe(0x62);
    clock.advance(1e9);
    expect(irq.level).toBe(false);
  });

  it("resets the receive FIFO through FCR", () => {
    const { uart, chardev, text } = setup();
    uart.write(UART_FCR, 1, 0xc1);
    chardev.writeToDevice(text("xyz"));
    expect(uart.read(UART_LSR, 1) & 0x01).toBe(1);
    uart.write(UART_FCR, 1, 0xc3);
    expect(uart.read(UART_LSR, 1) & 0x01).toBe(0);
  });

  it("receives a BREAK as a NUL with BI and a line status interrupt", () => {
    const { uart, irq } = setup();
    uart.write(UART_IER, 1, 0x04);
    uart.receiveBreak();
    expect(irq.level).toBe(true);
    expect(uart.read(UART_LSR, 1) & 0x11).toBe(0x11);
    expect(irq.level).toBe(false);
    expect(uart.read(UART_RBR, 1)).toBe(0);
  });

  it("reports modem status changes as the lowest-priority interrupt", () => {
    const { uart, irq } = setup();
    uart.write(UART_IER, 1, 0x0a); // MSI + THRI
    expect(uart.read(UART_IIR, 1)).toBe(0x02);
    uart.setModemInputs(0x80 | 0x20); // CTS drops
    expect(uart.read(UART_IIR, 1)).toBe(0x00);
    expect(uart.read(UART_MSR, 1)).toBe(0xa1);
    expect(irq.level).toBe(false);
  });

  it("gates the interrupt with OUT2 when wired like a PC serial card", () => {
    const { uart, irq } = setup({ out2GatesIrq: true });
    uart.write(UART_MCR, 1, 0x00);
    uart.write(UART_IER, 1, 0x02);
    expect(irq.level).toBe(false);
    uart.write(UART_MCR, 1, 0x08);
    expect(irq.level).toBe(true);
  });

  it("lists QEMU's four ISA serial ports", () => {
    expect(ISA_SERIAL_PORTS.map((p) => [p.iobase, p.irq])).toEqual([
      [0x3f8, 4],
      [0x2f8, 3],
      [0x3e8, 4],
      [0x2e8, 3],
    ]);
  });

  it("round-trips its state with FIFO contents and a pending timeout", () => {
    const { uart, clock, chardev, text } = setup();
    uart.write(UART_LCR, 1, 0x03);
    uart.write(UART_FCR, 1, 0x81);
    uart.write(UART_IER, 1, 0x03);
    chardev.writeToDevice(text("abc"));
    uart.read(UART_RBR, 1);
    const saved = JSON.parse(JSON.stringify(uart.state())) as ReturnType<Uart16550["state"]>;
    const clock2 = new VirtualClock();
    clock2.fromState(clock.state());
    const irq2 = new IrqProbe();
    const copy = new Uart16550(clock2, { irq: irq2 });
    copy.fromState(saved);
    expect(copy.state()).toEqual(uart.state());
    clock2.advance(1e8);
    expect(copy.read(UART_IIR, 1)).toBe(0xcc);
    expect(readString(copy, 2)).toBe("bc");
  });
});
