/** Every alert format the ingest role serves, one line each. */
import { alertmanagerFormat } from './alertmanager/alertmanager-format.ts';
import type { AlertFormat } from './shared/alert-format.ts';

export const alertFormats: AlertFormat[] = [alertmanagerFormat];
