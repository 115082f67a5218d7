/** Grafana unified alerting (webhook contact point) as an alert format. */
import type { AlertFormat } from '../shared/alert-format.ts';
import { normalizeGrafana } from './grafana-normalizer.ts';
import { type GrafanaWebhook, grafanaWebhookSchema } from './grafana-schema.ts';

export const grafanaFormat: AlertFormat<GrafanaWebhook> = {
  source: 'grafana',
  schema: grafanaWebhookSchema,
  normalize: (body) => normalizeGrafana(body),
};
