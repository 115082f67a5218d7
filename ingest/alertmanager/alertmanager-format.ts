/** Prometheus Alertmanager webhook v4 as an alert format. */
import type { AlertFormat } from '../shared/alert-format.ts';
import { normalizeAlertmanager } from './alertmanager-normalizer.ts';
import { type AlertmanagerWebhook, alertmanagerWebhookSchema } from './alertmanager-schema.ts';

export const alertmanagerFormat: AlertFormat<AlertmanagerWebhook> = {
  source: 'alertmanager',
  schema: alertmanagerWebhookSchema,
  normalize: (body) => normalizeAlertmanager(body),
};
