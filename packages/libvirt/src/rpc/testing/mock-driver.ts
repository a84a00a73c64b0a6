// A small in-memory driver for RPC tests that must not depend on the XML layer: one domain
// "mock" whose console echoes what is written to it, lifecycle events on suspend/resume, and a
// volume that supports sparse upload/download through streams.
import type { ConnectDriver, DomainEventCallback, DomainRef, HypervisorConnection } from "../../api/driver.js";
import type { Stream, StreamSink } from "../../api/stream.js";
import { virError } from "../../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";

export const MOCK_UUID = Uint8Array.from([0x66, 0x95, 0xeb, 0x01, 0xf6, 0xa4, 0x83, 0x04, 0x79, 0xaa, 0x97, 0xf2, 0x50, 0x2e, 0x19, 0x3f]);

export interface MockVolume {
  data: Uint8Array;
  /** holes received, in order, for sparse-upload checks */
  holes: number[];
}

export class MockConnection implements HypervisorConnection {
  readonly type = "MOCK";
  state = 1;
  private readonly cbs = new Map<number, { eventID: number; cb: DomainEventCallback }>();
  private next = 0;
  readonly vol: MockVolume = { data: new Uint8Array(0), holes: [] };
  /** Per call name, a promise the call waits for: holds a call back until the test lets it go, to provoke out-of-order replies. */
  gates = new Map<string, Promise<unknown>>();

  private ref(): DomainRef {
    return { name: "mock", uuid: MOCK_UUID, id: this.state === 5 ? -1 : 1 };
  }
  private async wait(name: string): Promise<void> {
    const gate = this.gates.get(name);
    if (gate) await gate;
  }
  connectClose(): void {
    this.cbs.clear();
  }
  connectGetType(): string {
    return "MOCK";
  }
  async connectGetVersion(): Promise<number> {
    await this.wait("version");
    return 1002003;
  }
  async connectGetHostname(): Promise<string> {
    await this.wait("hostname");
    return "mockhost";
  }
  domainLookupByName(name: string): DomainRef {
    if (name !== "mock") throw virError(VirErrorDomain.VIR_FROM_TEST, VirErrorNumber.VIR_ERR_NO_DOMAIN);
    return this.ref();
  }
  /** a save half done: values past 2^32 exercise the unsigned hyper fields */
  domainGetJobInfo() {
    const mem = 6 * 2 ** 30;
    return { type: 2, timeElapsed: 1234, timeRemaining: 0, dataTotal: mem, dataProcessed: mem / 3, dataRemaining: (mem * 2) / 3, memTotal: mem, memProcessed: mem / 3, memRemaining: (mem * 2) / 3, fileTotal: 0, fileProcessed: 0, fileRemaining: 0 };
  }
  domainGetState() {
    return { state: this.state, reason: 0 };
  }
  domainSuspend(): void {
    this.state = 3;
    this.emit(3, 0);
  }
  domainResume(): void {
    this.state = 1;
    this.emit(4, 0);
  }
  private emit(event: number, detail: number): void {
    const dom = this.ref();
    setImmediate(() => {
      for (const c of this.cbs.values()) if (c.eventID === 0) c.cb({ eventID: 0, dom, event, detail });
    });
  }
  connectDomainEventRegisterAny(_dom: DomainRef | null, eventID: number, cb: DomainEventCallback): number {
    const id = this.next++;
    this.cbs.set(id, { eventID, cb });
    return id;
  }
  connectDomainEventDeregisterAny(id: number): void {
    this.cbs.delete(id);
  }
  /** The console echoes every chunk back in upper case; finish ends it. */
  domainOpenConsole(_dom: DomainRef, _dev: string | null, stream: Stream): void {
    let sink: StreamSink | null = null;
    sink = stream.attach({
      send: (data) => {
        const up = Uint8Array.from(data, (b) => (b >= 0x61 && b <= 0x7a ? b - 32 : b));
        sink!.data(up);
      },
      finish: () => undefined,
      abort: () => undefined,
    });
    sink.data(new TextEncoder().encode("login: "));
  }
  storageVolUpload(_vol: unknown, stream: Stream): void {
    const chunks: Uint8Array[] = [];
    this.vol.holes = [];
    stream.attach({
      send: (d) => { chunks.push(d.slice()); },
      sendHole: (len) => {
        this.vol.holes.push(len);
        chunks.push(new Uint8Array(len));
      },
      finish: () => {
        const total = chunks.reduce((n, c) => n + c.length, 0);
        const out = new Uint8Array(total);
        let off = 0;
        for (const c of chunks) {
          out.set(c, off);
          off += c.length;
        }
        this.vol.data = out;
      },
      abort: () => undefined,
    });
  }
  /** Download: data, a 1 MiB hole, data, EOF. */
  storageVolDownload(_vol: unknown, stream: Stream): void {
    const sink = stream.attach({ send: () => undefined, finish: () => undefined, abort: () => undefined });
    setImmediate(() => {
      sink.data(new TextEncoder().encode("head"));
      sink.hole(1 << 20);
      sink.data(new Uint8Array(300000).fill(7));
      sink.eof();
    });
  }
}

/** mock:///anything, served by MockConnection instances recorded in `opened`. */
export function mockConnectDriver(opened: MockConnection[] = []): ConnectDriver {
  return {
    name: "Mock",
    probe: (uri) => uri.scheme === "mock" && uri.transport === "" && uri.server === "",
    open: () => {
      const c = new MockConnection();
      opened.push(c);
      return Promise.resolve(c);
    },
  };
}
