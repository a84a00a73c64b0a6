// Typed XDR codecs built from the rpcgen type language (RFC 4506 §4): each .x declaration becomes
// a Codec<T> whose TypeScript type follows from its shape, so a struct written field by field in
// the order of the .x file is both the wire layout and the static type.
import { XdrError, type XdrReader, type XdrWriter } from "./xdr.js";

export interface Codec<T> {
  enc(w: XdrWriter, v: T): void;
  dec(r: XdrReader): T;
  /** Smallest encoded size, used to reject array counts that cannot fit in what is left. */
  readonly min: number;
}

export type Infer<C> = C extends Codec<infer T> ? T : never;

export const int: Codec<number> = { enc: (w, v) => { w.i32(v); }, dec: (r) => r.i32(), min: 4 };
export const uint: Codec<number> = { enc: (w, v) => { w.u32(v); }, dec: (r) => r.u32(), min: 4 };
/** `char`, `short` and their unsigned forms: one 4-byte word each (reference §3.2). */
export const char = int;
export const uchar = uint;
export const short = int;
export const ushort = uint;
export const hyper: Codec<number> = { enc: (w, v) => { w.i64(v); }, dec: (r) => r.i64(), min: 8 };
export const uhyper: Codec<number> = { enc: (w, v) => { w.u64(v); }, dec: (r) => r.u64(), min: 8 };
export const hyperBig: Codec<bigint> = { enc: (w, v) => { w.i64(v); }, dec: (r) => r.i64big(), min: 8 };
export const uhyperBig: Codec<bigint> = { enc: (w, v) => { w.u64(v); }, dec: (r) => r.u64big(), min: 8 };
export const double: Codec<number> = { enc: (w, v) => { w.f64(v); }, dec: (r) => r.f64(), min: 8 };
export const bool: Codec<boolean> = {
  enc: (w, v) => { w.u32(v ? 1 : 0); },
  dec: (r) => {
    const v = r.u32();
    if (v > 1) throw new XdrError(`bad XDR bool ${v}`);
    return v === 1;
  },
  min: 4,
};

export function string(max: number): Codec<string> {
  return { enc: (w, v) => { w.string(v, max); }, dec: (r) => r.string(max), min: 4 };
}

export function opaque(max: number): Codec<Uint8Array> {
  return { enc: (w, v) => { w.opaque(v, max); }, dec: (r) => r.opaque(max), min: 4 };
}

export function opaqueFixed(n: number): Codec<Uint8Array> {
  return {
    enc: (w, v) => {
      if (v.length !== n) throw new XdrError(`fixed opaque needs ${n} bytes, got ${v.length}`);
      w.bytes(v);
    },
    dec: (r) => r.bytes(n).slice(),
    min: (n + 3) & ~3,
  };
}

/** `T *x`: a presence word then T. */
export function optional<T>(c: Codec<T>): Codec<T | null> {
  return {
    enc: (w, v) => {
      if (v === null) w.u32(0);
      else {
        w.u32(1);
        c.enc(w, v);
      }
    },
    dec: (r) => {
      const present = r.u32();
      if (present === 0) return null;
      if (present !== 1) throw new XdrError(`bad XDR optional marker ${present}`);
      return c.dec(r);
    },
    min: 4,
  };
}

/** `T x<max>`. */
export function array<T>(c: Codec<T>, max: number): Codec<T[]> {
  return {
    enc: (w, v) => {
      if (v.length > max) throw new XdrError(`array length ${v.length} exceeds maximum ${max}`);
      w.u32(v.length);
      for (const e of v) c.enc(w, e);
    },
    dec: (r) => {
      const n = r.count(max, c.min);
      const out = new Array<T>(n);
      for (let i = 0; i < n; i++) out[i] = c.dec(r);
      return out;
    },
    min: 4,
  };
}

/** `T x[n]`. */
export function fixedArray<T>(c: Codec<T>, n: number): Codec<T[]> {
  return {
    enc: (w, v) => {
      if (v.length !== n) throw new XdrError(`fixed array needs ${n} elements, got ${v.length}`);
      for (const e of v) c.enc(w, e);
    },
    dec: (r) => {
      const out = new Array<T>(n);
      for (let i = 0; i < n; i++) out[i] = c.dec(r);
      return out;
    },
    min: c.min * n,
  };
}

/** `char x[n]` as a NUL-terminated C string, one 4-byte word per char (NODE_GET_INFO model). */
export function charString(n: number): Codec<string> {
  return {
    enc: (w, v) => {
      const bytes = new TextEncoder().encode(v);
      for (let i = 0; i < n; i++) w.i32(i < bytes.length && i < n - 1 ? (bytes[i]! << 24) >> 24 : 0);
    },
    dec: (r) => {
      const bytes = new Uint8Array(n);
      let len = -1;
      for (let i = 0; i < n; i++) {
        bytes[i] = r.i32() & 0xff;
        if (len < 0 && bytes[i] === 0) len = i;
      }
      return new TextDecoder().decode(bytes.subarray(0, len < 0 ? n : len));
    },
    min: 4 * n,
  };
}

/**
 * `char x<max>` carrying a C string with its trailing NUL counted (reference §3.2:
 * "testSecurity" is 13 elements). An empty string goes as zero elements.
 */
export function charArrayString(max: number): Codec<string> {
  return {
    enc: (w, v) => {
      if (v === "") {
        w.u32(0);
        return;
      }
      const bytes = new TextEncoder().encode(v);
      if (bytes.length + 1 > max) throw new XdrError(`char array length ${bytes.length + 1} exceeds maximum ${max}`);
      w.u32(bytes.length + 1);
      for (const b of bytes) w.i32((b << 24) >> 24);
      w.i32(0);
    },
    dec: (r) => {
      const n = r.count(max, 4);
      const bytes = new Uint8Array(n);
      for (let i = 0; i < n; i++) bytes[i] = r.i32() & 0xff;
      const nul = bytes.indexOf(0);
      return new TextDecoder().decode(bytes.subarray(0, nul < 0 ? n : nul));
    },
    min: 4,
  };
}

type Fields = Record<string, Codec<unknown>>;
export type StructOf<F extends Fields> = { [K in keyof F]: Infer<F[K]> };

/** A struct: fields in declaration order (object key order). */
export function struct<F extends Fields>(fields: F): Codec<StructOf<F>> {
  const entries = Object.entries(fields);
  const n = entries.length;
  const keys = entries.map(([k]) => k);
  const codecs = entries.map(([, c]) => c);
  let min = 0;
  for (const c of codecs) min += c.min;
  return {
    enc: (w, v) => {
      const rec = v as Record<string, unknown>;
      for (let i = 0; i < n; i++) codecs[i]!.enc(w, rec[keys[i]!]);
    },
    dec: (r) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) out[keys[i]!] = codecs[i]!.dec(r);
      return out as StructOf<F>;
    },
    min,
  };
}

/** The empty payload of a `void` args/ret. */
export const empty: Codec<Record<string, never>> = { enc: () => undefined, dec: () => ({}), min: 0 };

/**
 * A discriminated union `switch (int type)`: each arm is `{type: k, value: T_k}`.
 */
export function union<A extends Record<number, Codec<unknown>>>(
  arms: A,
): Codec<{ [K in keyof A]: { type: K; value: Infer<A[K]> } }[keyof A]> {
  return {
    enc: (w, v) => {
      const arm = (arms as Record<number, Codec<unknown> | undefined>)[v.type as number];
      if (!arm) throw new XdrError(`bad union discriminant ${String(v.type)}`);
      w.i32(v.type as number);
      arm.enc(w, v.value);
    },
    dec: (r) => {
      const type = r.i32();
      const arm = (arms as Record<number, Codec<unknown> | undefined>)[type];
      if (!arm) throw new XdrError(`bad union discriminant ${type}`);
      return { type, value: arm.dec(r) } as never;
    },
    min: 4,
  };
}
