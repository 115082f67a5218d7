/**
 * A hand-written decoder for the one protobuf message Prometheus remote_write 1.0 sends,
 * `prometheus.WriteRequest` (prompb/remote.proto, prompb/types.proto):
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; reserved 2; repeated MetricMetadata metadata = 3; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2;
 *                  repeated Exemplar exemplars = 3; repeated Histogram histograms = 4; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; }   // timestamp in ms
 *
 * Metadata, exemplars and native histograms are skipped (only counted), as is any field
 * this decoder does not know, of any wire type, so a newer sender's additions do not break
 * it. Anything that is not well-formed protobuf throws a ProtobufError naming the offset.
 *
 * Strings are decoded leniently (invalid UTF-8 becomes U+FFFD), as Prometheus' own
 * receiver (gogo/protobuf) accepts them.
 */

export interface Label {
  name: string;
  value: string;
}

export interface Sample {
  value: number;
  /** Milliseconds since the epoch (int64). */
  timestampMs: bigint;
  /** True for Prometheus' staleness marker, the NaN with bits 0x7ff0000000000002. */
  stale: boolean;
}

export interface TimeSeries {
  labels: Label[];
  samples: Sample[];
  /** Native histogram samples, which have no MetricPoint form here; counted only. */
  histograms: number;
  exemplars: number;
}

export interface WriteRequest {
  timeseries: TimeSeries[];
  /** MetricMetadata entries, counted only. */
  metadata: number;
}

export class ProtobufError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at byte ${offset}`);
    this.name = 'ProtobufError';
  }
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_START_GROUP = 3;
const WIRE_END_GROUP = 4;
const WIRE_FIXED32 = 5;

/** Nested groups deeper than this are refused rather than risking the stack. */
const MAX_GROUP_DEPTH = 32;

/** The staleness marker's bits, as two little-endian 32-bit halves. */
const STALE_NAN_LOW = 0x00000002;
const STALE_NAN_HIGH = 0x7ff00000;

export function decodeWriteRequest(bytes: Uint8Array): WriteRequest {
  const r = new Reader(bytes);
  const timeseries: TimeSeries[] = [];
  let metadata = 0;
  while (!r.done()) {
    const { field, wire, at } = r.tag();
    if (field === 1) {
      r.expectWire(wire, WIRE_LENGTH_DELIMITED, 'WriteRequest.timeseries', at);
      const end = r.lengthDelimitedEnd();
      timeseries.push(decodeTimeSeries(r, end));
    } else if (field === 3) {
      r.expectWire(wire, WIRE_LENGTH_DELIMITED, 'WriteRequest.metadata', at);
      r.pos = r.lengthDelimitedEnd();
      metadata++;
    } else {
      r.skip(field, wire, at);
    }
  }
  return { timeseries, metadata };
}

function decodeTimeSeries(r: Reader, end: number): TimeSeries {
  const series: TimeSeries = { labels: [], samples: [], histograms: 0, exemplars: 0 };
  while (r.pos < end) {
    const { field, wire, at } = r.tag(end);
    switch (field) {
      case 1: {
        r.expectWire(wire, WIRE_LENGTH_DELIMITED, 'TimeSeries.labels', at);
        series.labels.push(decodeLabel(r, r.lengthDelimitedEnd(end)));
        break;
      }
      case 2: {
        r.expectWire(wire, WIRE_LENGTH_DELIMITED, 'TimeSeries.samples', at);
        series.samples.push(decodeSample(r, r.lengthDelimitedEnd(end)));
        break;
      }
      case 3:
        r.expectWire(wire, WIRE_LENGTH_DELIMITED, 'TimeSeries.exemplars', at);
        r.pos = r.lengthDelimitedEnd(end);
        series.exemplars++;
        break;
      case 4:
        r.expectWire(wire, WIRE_LENGTH_DELIMITED, 'TimeSeries.histograms', at);
        r.pos = r.lengthDelimitedEnd(end);
        series.histograms++;
        break;
      default:
        r.skip(field, wire, at, end);
    }
  }
  return series;
}

function decodeLabel(r: Reader, end: number): Label {
  let name = '';
  let value = '';
  while (r.pos < end) {
    const { field, wire, at } = r.tag(end);
    if (field === 1) {
      r.expectWire(wire, WIRE_LENGTH_DELIMITED, 'Label.name', at);
      name = r.string(end);
    } else if (field === 2) {
      r.expectWire(wire, WIRE_LENGTH_DELIMITED, 'Label.value', at);
      value = r.string(end);
    } else {
      r.skip(field, wire, at, end);
    }
  }
  return { name, value };
}

function decodeSample(r: Reader, end: number): Sample {
  // proto3 defaults: an absent field is zero.
  let value = 0;
  let stale = false;
  let timestampMs = 0n;
  while (r.pos < end) {
    const { field, wire, at } = r.tag(end);
    if (field === 1) {
      r.expectWire(wire, WIRE_FIXED64, 'Sample.value', at);
      r.need(8, end);
      stale = r.view.getUint32(r.pos, true) === STALE_NAN_LOW && r.view.getUint32(r.pos + 4, true) === STALE_NAN_HIGH;
      value = r.view.getFloat64(r.pos, true);
      r.pos += 8;
    } else if (field === 2) {
      r.expectWire(wire, WIRE_VARINT, 'Sample.timestamp', at);
      timestampMs = BigInt.asIntN(64, r.varint64(end));
    } else {
      r.skip(field, wire, at, end);
    }
  }
  return { value, timestampMs, stale };
}

class Reader {
  pos = 0;
  readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  done(): boolean {
    return this.pos >= this.bytes.length;
  }

  need(n: number, end = this.bytes.length): void {
    if (this.pos + n > end) throw new ProtobufError(`truncated: ${n} byte(s) needed, ${end - this.pos} left`, this.pos);
  }

  tag(end = this.bytes.length): { field: number; wire: number; at: number } {
    const at = this.pos;
    const key = this.varint32(end);
    const field = key >>> 3;
    if (field === 0) throw new ProtobufError('field number 0 is invalid', at);
    return { field, wire: key & 7, at };
  }

  expectWire(wire: number, expected: number, what: string, at: number): void {
    if (wire !== expected) throw new ProtobufError(`${what} has wire type ${wire}, expected ${expected}`, at);
  }

  /** A varint that must fit in 32 bits (tags, lengths). */
  varint32(end: number): number {
    const start = this.pos;
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++) {
      if (this.pos >= end) throw new ProtobufError('truncated varint', start);
      const b = this.bytes[this.pos++] as number;
      n += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (n > 0xffffffff) break;
        return n;
      }
      scale *= 128;
    }
    throw new ProtobufError('varint does not fit in 32 bits', start);
  }

  /** Up to 10 bytes, unsigned 64-bit; callers reinterpret as signed where the field is int64. */
  varint64(end: number): bigint {
    const start = this.pos;
    // The first 7 bytes (49 bits) accumulate exactly in a double; beyond that, BigInt.
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      if (this.pos >= end) throw new ProtobufError('truncated varint', start);
      const b = this.bytes[this.pos++] as number;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return BigInt(n);
      scale *= 128;
    }
    let big = BigInt(n);
    let shift = 49n;
    for (let i = 7; i < 10; i++) {
      if (this.pos >= end) throw new ProtobufError('truncated varint', start);
      const b = this.bytes[this.pos++] as number;
      big |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) {
        if (i === 9 && b > 1) throw new ProtobufError('varint overflows 64 bits', start);
        return big;
      }
      shift += 7n;
    }
    throw new ProtobufError('varint longer than 10 bytes', start);
  }

  /** Reads a length prefix and returns where the payload ends, checked against `end`. */
  lengthDelimitedEnd(end = this.bytes.length): number {
    const at = this.pos;
    const length = this.varint32(end);
    const stop = this.pos + length;
    if (stop > end) throw new ProtobufError(`length ${length} runs past the end of its message`, at);
    return stop;
  }

  string(end: number): string {
    const stop = this.lengthDelimitedEnd(end);
    const s = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.pos, stop - this.pos).toString('utf8');
    this.pos = stop;
    return s;
  }

  /** Skips one field of any wire type, groups included. */
  skip(field: number, wire: number, at: number, end = this.bytes.length, depth = 0): void {
    switch (wire) {
      case WIRE_VARINT:
        this.varint64(end);
        return;
      case WIRE_FIXED64:
        this.need(8, end);
        this.pos += 8;
        return;
      case WIRE_LENGTH_DELIMITED:
        this.pos = this.lengthDelimitedEnd(end);
        return;
      case WIRE_FIXED32:
        this.need(4, end);
        this.pos += 4;
        return;
      case WIRE_START_GROUP: {
        if (depth >= MAX_GROUP_DEPTH) throw new ProtobufError('groups nested too deeply', at);
        for (;;) {
          if (this.pos >= end) throw new ProtobufError(`group ${field} is never closed`, at);
          const inner = this.tag(end);
          if (inner.wire === WIRE_END_GROUP) {
            if (inner.field !== field) throw new ProtobufError(`group ${field} closed by end-group ${inner.field}`, inner.at);
            return;
          }
          this.skip(inner.field, inner.wire, inner.at, end, depth + 1);
        }
      }
      case WIRE_END_GROUP:
        throw new ProtobufError(`unexpected end-group for field ${field}`, at);
      default:
        throw new ProtobufError(`unknown wire type ${wire} for field ${field}`, at);
    }
  }
}
