import { describe, expect, it } from 'vitest';
import { AppError } from '../../engine/errors/app-error.ts';
import { formatLineProtocol, invalidPointReason, parseLineProtocol } from '../../engine/metrics/line-protocol.ts';
import type { MetricPoint } from '../../engine/metrics/metric-store.ts';

const NOW = 1_700_000_000_123_456_789n;
const parse = (body: string, precision: 'ns' | 'us' | 'ms' | 's' = 'ns') => parseLineProtocol(body, precision, NOW);

function one(body: string, precision: 'ns' | 'us' | 'ms' | 's' = 'ns'): MetricPoint {
  const { points, errors } = parse(body, precision);
  expect(errors).toEqual([]);
  expect(points).toHaveLength(1);
  return points[0] as MetricPoint;
}

function errorOf(body: string): { line: number; message: string } {
  const { points, errors } = parse(body);
  expect(points).toEqual([]);
  expect(errors).toHaveLength(1);
  return errors[0] as { line: number; message: string };
}

describe('parseLineProtocol: keepLines', () => {
  it('keeps each valid line as sent, pins the default time on lines without one, and skips bad lines and comments', () => {
    const body = '# comment\r\ncpu,host=a usage=1i 1700000000  \r\n\ncpu usage=2\ncpu usage=\nmem,host=b free=3 1700000001\n';
    const nowNs = 1_700_000_005_123_000_000n;
    const { lines, points, errors } = parseLineProtocol(body, 's', nowNs, { keepLines: true });
    expect(errors.map((e) => e.line)).toEqual([5]);
    expect(lines).toEqual(['cpu,host=a usage=1i 1700000000', 'cpu usage=2 1700000005', 'mem,host=b free=3 1700000001']);
    expect(points.map((p) => p.timeNs)).toEqual([1_700_000_000_000_000_000n, 1_700_000_005_000_000_000n, 1_700_000_001_000_000_000n]);
  });

  it('returns no lines unless asked', () => {
    expect(parseLineProtocol('cpu usage=1 1', 'ns', 0n).lines).toBeUndefined();
  });
});

describe('parseLineProtocol: structure', () => {
  it('parses measurement, tags, fields and timestamp', () => {
    expect(one('cpu,host=a,region=eu usage=1.5,idle=98 1465839830100400200')).toEqual({
      measurement: 'cpu',
      tags: { host: 'a', region: 'eu' },
      fields: { usage: 1.5, idle: 98 },
      timeNs: 1465839830100400200n,
    });
  });

  it('takes a point without tags', () => {
    expect(one('mem used=1i 5')).toEqual({ measurement: 'mem', tags: {}, fields: { used: 1 }, timeNs: 5n });
  });

  it('skips comments, blank lines and leading whitespace, and tolerates CRLF', () => {
    const body = '# a comment\r\n\r\n   \n  cpu v=1 1\r\n\t# indented comment\r\ncpu v=2 2\r\n\r\n';
    const { points, errors } = parse(body);
    expect(errors).toEqual([]);
    expect(points.map((p) => [p.fields.v, p.timeNs])).toEqual([
      [1, 1n],
      [2, 2n],
    ]);
  });

  it('accepts a last line without newline, several spaces between sections and trailing spaces', () => {
    const { points, errors } = parse('cpu v=1   7   \ncpu v=2');
    expect(errors).toEqual([]);
    expect(points.map((p) => p.timeNs)).toEqual([7n, NOW]);
  });

  it('returns nothing for an empty body', () => {
    expect(parse('')).toEqual({ points: [], errors: [] });
    expect(parse('\n\n# only comments\n')).toEqual({ points: [], errors: [] });
  });
});

describe('parseLineProtocol: field types', () => {
  it.each([
    ['1', 1],
    ['1.5', 1.5],
    ['-1.5', -1.5],
    ['.5', 0.5],
    ['-.5', -0.5],
    ['1.', 1],
    ['1e3', 1000],
    ['1.5E-3', 0.0015],
    ['-6.0e+5', -600000],
    ['0', 0],
  ])('float %s', (text, value) => {
    expect(one(`m f=${text} 1`).fields.f).toBe(value);
  });

  it.each([
    ['12i', 12],
    ['-12i', -12],
    ['0i', 0],
    ['9223372036854775807i', 9223372036854775807],
    ['-9223372036854775808i', -9223372036854775808],
    ['12u', 12],
    ['18446744073709551615u', 18446744073709551615],
  ])('integer %s arrives as a number', (text, value) => {
    expect(one(`m f=${text} 1`).fields.f).toBe(value);
  });

  it.each([
    ['t', true],
    ['T', true],
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['f', false],
    ['F', false],
    ['false', false],
    ['False', false],
    ['FALSE', false],
  ])('boolean %s', (text, value) => {
    expect(one(`m f=${text} 1`).fields.f).toBe(value);
  });

  it('strings keep spaces, commas and equals signs, and unescape \\" and \\\\ only', () => {
    expect(one('m s="a b, c=d" 1').fields.s).toBe('a b, c=d');
    expect(one('m s="say \\"hi\\"" 1').fields.s).toBe('say "hi"');
    expect(one('m s="back\\\\slash" 1').fields.s).toBe('back\\slash');
    expect(one('m s="C:\\new\\table" 1').fields.s).toBe('C:\\new\\table');
    expect(one('m s="ends with backslash\\\\" 1').fields.s).toBe('ends with backslash\\');
    expect(one('m s="" 1').fields.s).toBe('');
    expect(one('m s="émoji 🚀" 1').fields.s).toBe('émoji 🚀');
  });

  it('lets a quoted string span lines, counting those lines for later errors', () => {
    const { points, errors } = parse('m s="first\nsecond",n=1 1\nm v= 2\n');
    expect(points).toEqual([{ measurement: 'm', tags: {}, fields: { s: 'first\nsecond', n: 1 }, timeNs: 1n }]);
    expect(errors).toEqual([{ line: 3, message: expect.stringContaining('field "v" has no value') }]);
  });

  it('mixes types in one line', () => {
    expect(one('m a=1i,b=2.5,c="x",d=t 1').fields).toEqual({ a: 1, b: 2.5, c: 'x', d: true });
  });
});

describe('parseLineProtocol: escaping in names', () => {
  it('unescapes comma and space in measurements; = needs no escape there', () => {
    expect(one('my\\ meas\\,ure f=1 1').measurement).toBe('my meas,ure');
    expect(one('a=b f=1 1').measurement).toBe('a=b');
    expect(one('a\\=b f=1 1').measurement).toBe('a\\=b');
  });

  it('unescapes comma, equals and space in tag keys, tag values and field keys', () => {
    const p = one('m,tag\\ key=a\\,b\\=c\\ d f\\=1\\,2\\ 3=1 1');
    expect(p.tags).toEqual({ 'tag key': 'a,b=c d' });
    expect(p.fields).toEqual({ 'f=1,2 3': 1 });
  });

  it('keeps other backslashes literal', () => {
    const p = one('m\\x,path=C:\\dir\\file f\\n=1 1');
    expect(p.measurement).toBe('m\\x');
    expect(p.tags.path).toBe('C:\\dir\\file');
    expect(p.fields).toEqual({ 'f\\n': 1 });
    // Two backslashes before a comma: the first is literal, the second escapes the comma
    // (the newer spec; 1.x servers read this differently, so the formatter never writes it).
    expect(one('m,t=a\\\\,u f=1 1').tags).toEqual({ t: 'a\\,u' });
  });

  it('keeps quotes in names as part of the name', () => {
    const p = one(`"m",'t'="v" f=1 1`);
    expect(p.measurement).toBe('"m"');
    expect(p.tags).toEqual({ "'t'": '"v"' });
  });

  it('reads UTF-8 names', () => {
    expect(one('température,salle=été v=21.5 1').tags).toEqual({ salle: 'été' });
  });
});

describe('parseLineProtocol: timestamps and precision', () => {
  it.each([
    ['ns', '1700000000123456789', 1700000000123456789n],
    ['us', '1700000000123456', 1700000000123456000n],
    ['ms', '1700000000123', 1700000000123000000n],
    ['s', '1700000000', 1700000000000000000n],
  ] as const)('precision %s', (precision, text, expected) => {
    expect(one(`m f=1 ${text}`, precision).timeNs).toBe(expected);
  });

  it('accepts negative timestamps', () => {
    expect(one('m f=1 -5', 's').timeNs).toBe(-5_000_000_000n);
  });

  it.each([
    ['ns', NOW],
    ['us', 1_700_000_000_123_456_000n],
    ['ms', 1_700_000_000_123_000_000n],
    ['s', 1_700_000_000_000_000_000n],
  ] as const)('a missing timestamp is now, truncated to %s', (precision, expected) => {
    expect(one('m f=1', precision).timeNs).toBe(expected);
  });

  it('rejects timestamps beyond int64 after conversion', () => {
    expect(parse('m f=1 9223372036854775807', 'ns').errors).toEqual([]);
    expect(parse('m f=1 9223372036854775808', 'ns').errors[0]?.message).toMatch(/out of range/);
    expect(parse('m f=1 9223372036854775', 's').errors[0]?.message).toMatch(/out of range/);
  });
});

describe('parseLineProtocol: errors', () => {
  it.each([
    ['cpu', /missing fields after measurement "cpu"/],
    ['cpu ', /missing fields/],
    ['cpu,host=a', /missing fields/],
    [',host=a f=1', /missing measurement name/],
    ['cpu,host f=1', /tag key "host" is not followed by "="/],
    ['cpu,host= f=1', /tag "host" has no value/],
    ['cpu,=a f=1', /missing tag key/],
    ['cpu, f=1', /missing tag key/],
    ['cpu,host=a=b f=1', /unescaped "=" in the value of tag "host"/],
    ['cpu,host=a,host=b f=1', /duplicate tag "host"/],
    ['cpu f', /field key "f" is not followed by "="/],
    ['cpu f=', /field "f" has no value/],
    ['cpu =1', /missing field key/],
    ['cpu f=1,', /missing field after ","/],
    ['cpu f=hello', /invalid value "hello" for field "f" \(string values must be double-quoted\)/],
    ['cpu f=yes', /string values must be double-quoted/],
    ['cpu f=1.5i', /invalid value "1.5i"/],
    ['cpu f=-1u', /invalid value "-1u"/],
    ['cpu f=+1', /invalid value "\+1"/],
    ['cpu f=0x10', /invalid value "0x10"/],
    ['cpu f=NaN', /invalid value "NaN"/],
    ['cpu f=1e999', /out of range/],
    ['cpu f=9223372036854775808i', /out of the int64 range/],
    ['cpu f=18446744073709551616u', /out of the uint64 range/],
    ['cpu f="unterminated', /string value of field "f" is never closed/],
    ['cpu f="x"y', /unexpected "y" after a field value/],
    ['cpu f=1 12abc', /invalid timestamp "12abc"/],
    ['cpu f=1 1.5', /invalid timestamp "1.5"/],
    ['cpu f=1 1 2', /unexpected text after the timestamp/],
    ['cpu\tx f=1', /control character/],
  ])('%j', (body, message) => {
    const error = errorOf(body);
    expect(error.line).toBe(1);
    expect(error.message).toMatch(message);
  });

  it('names the column of the problem', () => {
    expect(errorOf('cpu,host= f=1').message).toMatch(/\(column 10\)$/);
  });

  it('reports every bad line with its 1-based number and still parses the good ones', () => {
    const body = [
      'good v=1 1', // 1
      'bad', // 2
      '', // 3
      '# comment', // 4
      'good v=2 2', // 5
      'bad,t= v=1', // 6
      'bad s="never closed', // 7
      'good v=3 3', // 8
      'bad v=hello', // 9
      'good v=4 4', // 10
    ].join('\r\n');
    const { points, errors } = parse(body);
    expect(points.map((p) => p.fields.v)).toEqual([1, 2, 3, 4]);
    expect(errors.map((e) => e.line)).toEqual([2, 6, 7, 9]);
    expect(errors[2]?.message).toMatch(/never closed/);
  });

  it('costs a stray quote only its own line even when a later line has quotes', () => {
    const { points, errors } = parse('m s="oops 1\nm s="fine" 2\nm v=3 3');
    expect(errors).toEqual([{ line: 1, message: expect.stringContaining('unexpected "f" after a field value (line 2') }]);
    expect(points.map((p) => p.fields)).toEqual([{ s: 'fine' }, { v: 3 }]);
  });
});

describe('formatLineProtocol', () => {
  it('writes sorted tags, escaped names and typed values', () => {
    const text = formatLineProtocol([
      {
        measurement: 'my meas,ure=x',
        tags: { z: 'last', 'a key': 'v,a=l ue' },
        fields: { 'f=1': 1, s: 'say "hi" \\o/', b: false, n: 2.5 },
        timeNs: 1465839830100400200n,
      },
    ]);
    expect(text).toBe('my\\ meas\\,ure=x,a\\ key=v\\,a\\=l\\ ue,z=last f\\=1=1,s="say \\"hi\\" \\\\o/",b=false,n=2.5 1465839830100400200');
  });

  it('writes numbers as floats, never as integers, so a field keeps one type', () => {
    const text = formatLineProtocol([{ measurement: 'm', tags: {}, fields: { a: 12, b: -0, c: 1e21, d: 1e-7 }, timeNs: 1n }]);
    expect(text).toBe('m a=12,b=0,c=1e+21,d=1e-7 1');
    expect(one(text).fields).toEqual({ a: 12, b: 0, c: 1e21, d: 1e-7 });
  });

  it('leaves out tags with an empty value', () => {
    expect(formatLineProtocol([{ measurement: 'm', tags: { a: '', b: 'x' }, fields: { v: 1 }, timeNs: 1n }])).toBe('m,b=x v=1 1');
  });

  it('joins several points with newlines', () => {
    const points: MetricPoint[] = [
      { measurement: 'm', tags: {}, fields: { v: 1 }, timeNs: 1n },
      { measurement: 'm', tags: {}, fields: { v: 2 }, timeNs: 2n },
    ];
    expect(formatLineProtocol(points)).toBe('m v=1 1\nm v=2 2');
    expect(formatLineProtocol([])).toBe('');
  });

  it.each([
    ['a non-finite number', { fields: { v: Number.POSITIVE_INFINITY } }, /Infinity/],
    ['NaN', { fields: { v: Number.NaN } }, /NaN/],
    ['no field', { fields: {} }, /no field/],
    ['an empty measurement', { measurement: '' }, /measurement is empty/],
    ['a control character', { tags: { t: 'a\nb' } }, /control character/],
    ['a trailing backslash', { tags: { t: 'a\\' } }, /backslash/],
    ['a backslash before a comma', { measurement: 'a\\,b' }, /backslash/],
    ['an empty field key', { fields: { '': 1 } }, /field key is empty/],
    ['a timestamp beyond int64', { timeNs: 2n ** 63n }, /int64/],
  ])('rejects %s with a 400', (_what, override, reason) => {
    const p = { measurement: 'm', tags: {}, fields: { v: 1 }, timeNs: 1n, ...override } as MetricPoint;
    expect(invalidPointReason(p)).toMatch(reason);
    let caught: unknown;
    try {
      formatLineProtocol([{ measurement: 'ok', tags: {}, fields: { v: 1 }, timeNs: 1n }, p]);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(AppError);
    expect((caught as AppError).status).toBe(400);
    expect((caught as AppError).message).toMatch(/^point 1 /);
  });
});

describe('format → parse round trip', () => {
  it('gives back awkward points unchanged', () => {
    const points: MetricPoint[] = [
      {
        measurement: 'odd "name", with = signs',
        tags: { 'k e,y=': 'v a,l=ue', quote: "it's \"x\"", path: 'C:\\dir\\x' },
        fields: { 'f i,e=ld': 'multi\nline "quoted" back\\slash\\', t: true, f: false, n: -1.25e-300, i: 9007199254740991 },
        timeNs: -1234567890123456789n,
      },
      { measurement: 'plain', tags: {}, fields: { v: 0 }, timeNs: 9223372036854775807n },
    ];
    const { points: back, errors } = parse(formatLineProtocol(points));
    expect(errors).toEqual([]);
    expect(back).toEqual(points);
  });

  it('holds for many generated points', () => {
    // A small deterministic generator, biased towards characters that need escaping.
    let seed = 42;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const alphabet = ['a', 'Z', '9', ' ', ',', '=', '"', "'", '\\', '#', 'é', '🚀', '_', '-'];
    const name = (): string => Array.from({ length: 1 + rand(6) }, () => alphabet[rand(alphabet.length)]).join('');
    const value = (): MetricPoint['fields'][string] => {
      switch (rand(4)) {
        case 0:
          return (rand(2000000) - 1000000) / 1000;
        case 1:
          return rand(2) === 0;
        case 2:
          return `${name()}\n${name()}`;
        default:
          return rand(1000);
      }
    };
    const points: MetricPoint[] = [];
    let rejected = 0;
    while (points.length < 500) {
      const tags: Record<string, string> = {};
      for (let i = rand(3); i > 0; i--) tags[name()] = name();
      const fields: MetricPoint['fields'] = {};
      for (let i = 1 + rand(3); i > 0; i--) fields[name()] = value();
      const p: MetricPoint = { measurement: name(), tags, fields, timeNs: BigInt(rand(1_000_000_000)) * 1_000_003n };
      if (invalidPointReason(p) === undefined) points.push(p);
      else rejected++;
    }
    const { points: back, errors } = parse(formatLineProtocol(points));
    expect(errors).toEqual([]);
    expect(back).toEqual(points);
    // The generator does produce names the formatter must refuse, and they are refused.
    expect(rejected).toBeGreaterThan(0);
  });
});
