/**
 * A minimal protobuf writer for tests: builds remote_write WriteRequest bytes by hand,
 * field by field, so the decoder is checked against the wire format itself rather than
 * against another library's idea of it.
 */
import { compress } from 'snappyjs';

export const STALE_NAN_BITS = 0x7ff0000000000002n;

export function varint(value: bigint | number): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return out;
}

export function key(field: number, wire: number): number[] {
  return varint((field << 3) | wire);
}

export function lengthDelimited(field: number, payload: number[] | Uint8Array): number[] {
  return [...key(field, 2), ...varint(payload.length), ...payload];
}

export function str(field: number, s: string): number[] {
  return lengthDelimited(field, Buffer.from(s, 'utf8'));
}

export function double(field: number, value: number): number[] {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(value);
  return [...key(field, 1), ...b];
}

export function doubleBits(field: number, bits: bigint): number[] {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(bits);
  return [...key(field, 1), ...b];
}

export function label(name: string, value: string): number[] {
  return lengthDelimited(1, [...str(1, name), ...str(2, value)]);
}

export function sample(value: number | { bits: bigint }, timestampMs: bigint | number): number[] {
  const v = typeof value === 'number' ? double(1, value) : doubleBits(1, value.bits);
  return lengthDelimited(2, [...v, ...key(2, 0), ...varint(timestampMs)]);
}

export function timeSeries(labels: Record<string, string>, samples: number[][], extra: number[] = []): number[] {
  const ls = Object.entries(labels).flatMap(([k, v]) => label(k, v));
  return lengthDelimited(1, [...ls, ...samples.flat(), ...extra]);
}

/** A MetricMetadata entry (WriteRequest field 3): type, family name, help, unit. */
export function metadata(name: string, help: string): number[] {
  return lengthDelimited(3, [...key(1, 0), ...varint(2), ...str(2, name), ...str(4, help), ...str(5, '')]);
}

export function writeRequest(...parts: number[][]): Uint8Array {
  return Uint8Array.from(parts.flat());
}

export function snappy(bytes: Uint8Array): Buffer {
  return Buffer.from(compress(bytes));
}
