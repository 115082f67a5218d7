/** Every alert format the ingest role serves, one line each. */
import { alertmanagerFormat } from './alertmanager/alertmanager-format.ts';
import { datadogFormat } from './datadog/datadog-format.ts';
import { genericFormat } from './generic/generic-format.ts';
import { grafanaFormat } from './grafana/grafana-format.ts';
import { pagerdutyFormat } from './pagerduty/pagerduty-format.ts';
import { zabbixFormat } from './zabbix/zabbix-format.ts';
import type { AlertFormat } from './shared/alert-format.ts';

export const alertFormats: AlertFormat[] = [
  alertmanagerFormat,
  grafanaFormat,
  zabbixFormat,
  datadogFormat,
  pagerdutyFormat,
  genericFormat,
];
