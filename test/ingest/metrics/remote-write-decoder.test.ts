import { describe, expect, it } from 'vitest';
import { ProtobufError, decodeWriteRequest } from '../../../ingest/metrics/remote-write-decoder.ts';
import { toMetricPoints } from '../../../ingest/metrics/remote-write-routes.ts';
import {
  STALE_NAN_BITS,
  key,
  label,
  lengthDelimited,
  metadata,
  sample,
  str,
  timeSeries,
  varint,
  writeRequest,
} from './prompb.ts';

const T = 1_700_000_000_123n;

describe('decodeWriteRequest', () => {
  it('decodes series, labels, samples (double little endian, int64 ms)', () => {
    const bytes = writeRequest(
      timeSeries({ __name__: 'up', job: 'node', instance: 'a:9100' }, [sample(1, T), sample(0.5, T + 15_000n)]),
      timeSeries({ __name__: 'temp' }, [sample(-273.15, 0)]),
    );
    expect(decodeWriteRequest(bytes)).toEqual({
      timeseries: [
        {
          labels: [
            { name: '__name__', value: 'up' },
            { name: 'job', value: 'node' },
            { name: 'instance', value: 'a:9100' },
          ],
          samples: [
            { value: 1, timestampMs: T, stale: false },
            { value: 0.5, timestampMs: T + 15_000n, stale: false },
          ],
          histograms: 0,
          exemplars: 0,
        },
        { labels: [{ name: '__name__', value: 'temp' }], samples: [{ value: -273.15, timestampMs: 0n, stale: false }], histograms: 0, exemplars: 0 },
      ],
      metadata: 0,
    });
  });

  it('reads negative int64 timestamps (10-byte varints) and multi-byte UTF-8', () => {
    const bytes = writeRequest(timeSeries({ __name__: 'x', city: 'Zürich ☃' }, [sample(2, -1n)]));
    expect(varint(-1n)).toHaveLength(10);
    const [series] = decodeWriteRequest(bytes).timeseries;
    expect(series?.samples[0]?.timestampMs).toBe(-1n);
    expect(series?.labels[1]?.value).toBe('Zürich ☃');
  });

  it('uses proto3 defaults for absent fields', () => {
    // A sample with neither value nor timestamp, a label with no value.
    const bytes = writeRequest(lengthDelimited(1, [...label('__name__', 'm'), ...lengthDelimited(1, str(1, 'empty')), ...lengthDelimited(2, [])]));
    const [series] = decodeWriteRequest(bytes).timeseries;
    expect(series?.labels[1]).toEqual({ name: 'empty', value: '' });
    expect(series?.samples).toEqual([{ value: 0, timestampMs: 0n, stale: false }]);
  });

  it('tells the staleness marker apart from an ordinary NaN', () => {
    const bytes = writeRequest(timeSeries({ __name__: 'up' }, [sample({ bits: STALE_NAN_BITS }, T), sample(Number.NaN, T + 1n)]));
    const samples = decodeWriteRequest(bytes).timeseries[0]?.samples ?? [];
    expect(samples.map((s) => s.stale)).toEqual([true, false]);
    expect(samples.every((s) => Number.isNaN(s.value))).toBe(true);
  });

  it('counts metadata (field 3) and skips it, also in a metadata-only request', () => {
    expect(decodeWriteRequest(writeRequest(metadata('up', 'target is up'), metadata('x', '')))).toEqual({ timeseries: [], metadata: 2 });
    expect(decodeWriteRequest(new Uint8Array(0))).toEqual({ timeseries: [], metadata: 0 });
  });

  it('counts exemplars and native histograms without decoding them', () => {
    const exemplar = lengthDelimited(3, [...label('trace_id', 'abc'), ...key(2, 1), 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    const histogram = lengthDelimited(4, [...key(1, 0), ...varint(5)]);
    const bytes = writeRequest(timeSeries({ __name__: 'h' }, [sample(1, T)], [...exemplar, ...histogram, ...histogram]));
    expect(decodeWriteRequest(bytes).timeseries[0]).toMatchObject({ exemplars: 1, histograms: 2, samples: [{ value: 1 }] });
  });

  it('skips unknown fields of every wire type, at every level', () => {
    const unknownFields = [
      ...key(15, 0), ...varint(300n), // varint
      ...key(16, 1), 1, 2, 3, 4, 5, 6, 7, 8, // fixed64
      ...str(17, 'later addition'), // length-delimited
      ...key(18, 5), 1, 2, 3, 4, // fixed32
      ...key(19, 3), ...key(1, 0), ...varint(1), ...key(2, 3), ...key(2, 4), ...key(19, 4), // nested groups
    ];
    const lbl = lengthDelimited(1, [...str(1, '__name__'), ...unknownFields, ...str(2, 'm')]);
    const smp = lengthDelimited(2, [...unknownFields, ...key(1, 1), 0, 0, 0, 0, 0, 0, 0x08, 0x40, ...key(2, 0), ...varint(7)]);
    const bytes = writeRequest(unknownFields, lengthDelimited(1, [...lbl, ...unknownFields, ...smp]), key(2, 0), varint(1));
    expect(decodeWriteRequest(bytes)).toEqual({
      timeseries: [{ labels: [{ name: '__name__', value: 'm' }], samples: [{ value: 3, timestampMs: 7n, stale: false }], histograms: 0, exemplars: 0 }],
      metadata: 0,
    });
  });

  describe('refuses malformed input with the offset', () => {
    const full = writeRequest(timeSeries({ __name__: 'up' }, [sample(1, T)]));
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['a truncated message', full.subarray(0, full.length - 3), /runs past the end/],
      ['a truncated varint', Uint8Array.from([...key(9, 0), 0x80]), /truncated varint/],
      ['field number 0', Uint8Array.from([0x00, 0x01]), /field number 0/],
      ['a wrong wire type for timeseries', Uint8Array.from([0x08, 0x01]), /timeseries has wire type 0, expected 2/],
      ['a wrong wire type for Sample.value', writeRequest(lengthDelimited(1, lengthDelimited(2, [...key(1, 0), 1]))), /Sample\.value has wire type 0/],
      ['wire type 6', Uint8Array.from([...key(9, 6)]), /unknown wire type 6/],
      ['wire type 7', Uint8Array.from([...key(9, 7)]), /unknown wire type 7/],
      ['an end-group without start', Uint8Array.from([...key(9, 4)]), /unexpected end-group/],
      ['an unclosed group', Uint8Array.from([...key(9, 3), ...key(1, 0), 1]), /never closed/],
      ['a varint over 10 bytes', Uint8Array.from([...key(9, 0), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), /longer than 10 bytes/],
      ['an inner length past the outer message', writeRequest(lengthDelimited(1, [...key(1, 2), 50, 1, 2])), /runs past the end/],
      ['a truncated double', writeRequest(lengthDelimited(1, lengthDelimited(2, [...key(1, 1), 1, 2, 3]))), /truncated: 8 byte/],
    ];
    it.each(cases)('%s', (_name, bytes, message) => {
      let error: unknown;
      try {
        decodeWriteRequest(bytes);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ProtobufError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toMatch(/at byte \d+/);
    });
  });
});

describe('toMetricPoints', () => {
  it('maps __name__ to the measurement, other labels to tags, the value to field value, ms to ns', () => {
    const req = decodeWriteRequest(writeRequest(timeSeries({ __name__: 'up', job: 'node', empty: '' }, [sample(1, T)])));
    expect(toMetricPoints(req)).toEqual({
      points: [{ measurement: 'up', tags: { job: 'node' }, fields: { value: 1 }, timeNs: T * 1_000_000n }],
      dropped: {},
    });
  });

  it('skips and counts staleness markers, NaN and ±Inf, nameless series, invalid labels and histograms', () => {
    const req = decodeWriteRequest(
      writeRequest(
        timeSeries({ __name__: 'up' }, [sample({ bits: STALE_NAN_BITS }, T), sample(1, T + 1n)]),
        timeSeries({ __name__: 'q' }, [sample(Number.NaN, T), sample(Number.POSITIVE_INFINITY, T), sample(Number.NEGATIVE_INFINITY, T)]),
        timeSeries({ job: 'x' }, [sample(1, T), sample(2, T)]),
        timeSeries({ __name__: 'bad', msg: 'line\nbreak' }, [sample(1, T)]),
        timeSeries({ __name__: 'h' }, [], lengthDelimited(4, [])),
      ),
    );
    const { points, dropped } = toMetricPoints(req);
    expect(points).toEqual([{ measurement: 'up', tags: {}, fields: { value: 1 }, timeNs: (T + 1n) * 1_000_000n }]);
    expect(dropped).toEqual({ 'stale-marker': 1, 'non-finite': 3, 'no-metric-name': 2, invalid: 1, 'native-histogram': 1 });
  });
});
