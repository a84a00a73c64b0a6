/** The parts of @virtkit/kvm the tests use: ioctl numbers and struct encoders (one import site). */
export * as IOC from "@virtkit/kvm";
export { StructView, decodeRegs, decodeSregs, encodeMemoryRegion, encodeRegs, encodeSregs } from "@virtkit/kvm";
