/**
 * Prometheus remote_write 1.0 at POST /api/v1/prom/write: a snappy (block format)
 * compressed protobuf `WriteRequest`, sent with `Content-Encoding: snappy` and
 * `Content-Type: application/x-protobuf`.
 *
 * Each sample becomes one MetricPoint: measurement = `__name__`, tags = the other labels,
 * one field `value`, time ms → ns. Answers 204 once the points are in the metric store's
 * buffer; 400 for a body that is not snappy or not protobuf (Prometheus drops such a
 * batch rather than retrying it forever); 413 past the size limit; 503 with Retry-After
 * when the store's buffer is full (Prometheus retries).
 *
 * Samples are skipped, not refused, when no MetricPoint can hold them, and counted in
 * `metric_points_dropped_total{reason}`: refusing the request would make Prometheus drop
 * the valid samples of the batch too, as its own receiver avoids.
 * - `stale-marker`: Prometheus' staleness marker (a special NaN meaning "series ended");
 *   InfluxDB has no such notion and the absence of later points says the same.
 * - `non-finite`: NaN and ±Inf, which InfluxDB cannot store.
 * - `no-metric-name`, `invalid`: labels that make no valid point (e.g. a control
 *   character in a label value).
 * - `native-histogram`: native histogram samples, which have no single value.
 *
 * Size limit: the app's body limit (BODY_LIMIT_BYTES) applies to the compressed body
 * and, read from the snappy preamble before anything is allocated, to the decompressed one.
 */
import type { FastifyPluginAsync } from 'fastify';
import { uncompress } from 'snappyjs';
import { AppError, badRequest } from '../../engine/errors/app-error.ts';
import { invalidPointReason } from '../../engine/metrics/line-protocol.ts';
import type { MetricPoint, MetricStore } from '../../engine/metrics/metric-store.ts';
import type { AppMetrics } from '../../engine/observability/metrics-registry.ts';
import { ProtobufError, type WriteRequest, decodeWriteRequest } from './remote-write-decoder.ts';

export interface RemoteWriteRoutesOptions {
  metricStore: MetricStore;
  metrics: AppMetrics;
}

export type DropReason = 'stale-marker' | 'non-finite' | 'no-metric-name' | 'invalid' | 'native-histogram';

/** The protobuf message of remote_write 1.0, as named in a `proto=` content-type parameter. */
const V1_MESSAGE = 'prometheus.WriteRequest';

export const remoteWriteRoutes: FastifyPluginAsync<RemoteWriteRoutesOptions> = async (app, opts) => {
  const maxBytes = app.initialConfig.bodyLimit ?? 1024 * 1024;
  app.addContentTypeParser('application/x-protobuf', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  app.post('/api/v1/prom/write', async (request, reply) => {
    const contentType = request.headers['content-type'] ?? '';
    const proto = /;\s*proto=([^;\s]+)/i.exec(contentType)?.[1];
    if (!Buffer.isBuffer(request.body) || (proto !== undefined && proto !== V1_MESSAGE)) {
      throw unsupported(
        proto !== undefined && proto !== V1_MESSAGE
          ? `remote_write message ${JSON.stringify(proto)} is not supported; send remote_write 1.0 (${V1_MESSAGE})`
          : 'the body must be a snappy-compressed protobuf WriteRequest sent as application/x-protobuf',
      );
    }
    const coding = String(request.headers['content-encoding'] ?? '').trim().toLowerCase();
    if (coding !== 'snappy') {
      throw unsupported(`Content-Encoding must be snappy (got ${coding === '' ? 'none' : JSON.stringify(coding)})`);
    }

    const writeRequest = decode(request.body, maxBytes);
    const { points, dropped } = toMetricPoints(writeRequest);
    for (const [reason, n] of Object.entries(dropped)) opts.metrics.pointsDropped.inc({ reason }, n);
    if (points.length > 0) {
      opts.metricStore.write(points);
      opts.metrics.pointsAccepted.inc(points.length);
    }
    return reply.code(204).send();
  });
};

function decode(body: Buffer, maxBytes: number): WriteRequest {
  const declared = snappyLength(body);
  if (declared === undefined) throw badRequest('the body is not valid snappy (block format): bad length preamble');
  if (declared > maxBytes) {
    throw new AppError({
      code: 'payload-too-large',
      status: 413,
      title: 'The request body is too large',
      detail: `the body decompresses to ${declared} bytes; at most ${maxBytes} are accepted`,
    });
  }
  let raw: Buffer;
  try {
    raw = uncompress(body, maxBytes);
  } catch (err) {
    throw badRequest(`the body is not valid snappy (block format): ${(err as Error).message}`);
  }
  try {
    return decodeWriteRequest(raw);
  } catch (err) {
    if (err instanceof ProtobufError) throw badRequest(`the body is not a valid protobuf WriteRequest: ${err.message}`);
    throw err;
  }
}

/** The uncompressed length a snappy block declares in its varint preamble. */
function snappyLength(body: Buffer): number | undefined {
  let n = 0;
  for (let i = 0, scale = 1; i < 5 && i < body.length; i++, scale *= 128) {
    const b = body[i] as number;
    n += (b & 0x7f) * scale;
    if (b < 0x80) return n <= 0xffffffff ? n : undefined;
  }
  return undefined;
}

/** Maps every sample to a point; what cannot be stored is counted by reason instead. */
export function toMetricPoints(req: WriteRequest): { points: MetricPoint[]; dropped: Partial<Record<DropReason, number>> } {
  const points: MetricPoint[] = [];
  const dropped: Partial<Record<DropReason, number>> = {};
  const drop = (reason: DropReason, n: number): void => {
    if (n > 0) dropped[reason] = (dropped[reason] ?? 0) + n;
  };
  for (const series of req.timeseries) {
    drop('native-histogram', series.histograms);
    if (series.samples.length === 0) continue;
    let measurement = '';
    const tags: Record<string, string> = {};
    for (const label of series.labels) {
      if (label.name === '__name__') measurement = label.value;
      // Prometheus never sends empty label values; an empty one means "absent" anyway.
      else if (label.value !== '') tags[label.name] = label.value;
    }
    if (measurement === '') {
      drop('no-metric-name', series.samples.length);
      continue;
    }
    for (const sample of series.samples) {
      if (sample.stale) {
        drop('stale-marker', 1);
        continue;
      }
      if (!Number.isFinite(sample.value)) {
        drop('non-finite', 1);
        continue;
      }
      const point: MetricPoint = { measurement, tags, fields: { value: sample.value }, timeNs: sample.timestampMs * 1_000_000n };
      // Checked here so one bad series cannot make the store refuse the whole batch.
      if (invalidPointReason(point) !== undefined) {
        drop('invalid', 1);
        continue;
      }
      points.push(point);
    }
  }
  return { points, dropped };
}

function unsupported(detail: string): AppError {
  return new AppError({ code: 'unsupported-media-type', status: 415, title: 'The request was rejected', detail });
}
