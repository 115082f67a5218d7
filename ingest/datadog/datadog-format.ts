/** Datadog monitor notifications (webhooks integration, our payload template) as an alert format. */
import type { AlertFormat } from '../shared/alert-format.ts';
import { normalizeDatadog } from './datadog-normalizer.ts';
import { type DatadogWebhook, datadogWebhookSchema } from './datadog-schema.ts';

export const datadogFormat: AlertFormat<DatadogWebhook> = {
  source: 'datadog',
  schema: datadogWebhookSchema,
  normalize: normalizeDatadog,
};
