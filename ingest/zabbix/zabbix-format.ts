/** Zabbix, through our webhook media type (docs/senders/zabbix.md), as an alert format. */
import type { AlertFormat } from '../shared/alert-format.ts';
import { normalizeZabbix } from './zabbix-normalizer.ts';
import { type ZabbixWebhook, zabbixWebhookSchema } from './zabbix-schema.ts';

export const zabbixFormat: AlertFormat<ZabbixWebhook> = {
  source: 'zabbix',
  schema: zabbixWebhookSchema,
  normalize: normalizeZabbix,
};
