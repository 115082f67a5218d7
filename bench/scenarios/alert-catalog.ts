/**
 * Which alerts an item of each kind raises: when the fault starts on it (root), when a fault
 * reaches it from elsewhere (symptom), and background noise unrelated to any fault. Summaries
 * name the item, as real alert templates do. Per-instance alerts fire once per pod or port.
 */
export interface AlertType {
  name: string;
  perInstance: boolean;
  severity: 'critical' | 'warning' | 'info';
  /** `{item}` and `{instance}` are filled in. */
  summary: string;
}

const t = (name: string, severity: AlertType['severity'], summary: string, perInstance = false): AlertType => ({ name, severity, summary, perInstance });

const SERVICE_ROOT = [
  t('HighErrorRate', 'critical', '5xx ratio of {item} above 5%'),
  t('HighLatency', 'warning', 'p99 latency of {item} above 2s'),
  t('PodCrashLooping', 'critical', 'pod {instance} of {item} is crash looping', true),
  t('ContainerOOMKilled', 'warning', 'container in {instance} was OOM killed', true),
];
const SERVICE_SYMPTOM = [
  t('HighLatency', 'warning', 'p99 latency of {item} above 2s'),
  t('HighErrorRate', 'critical', '5xx ratio of {item} above 5%'),
  t('UpstreamTimeouts', 'warning', 'calls from {instance} to dependencies time out', true),
  t('CircuitBreakerOpen', 'warning', 'circuit breaker open in {instance}', true),
];

export const ALERT_CATALOG: {
  root: Record<string, AlertType[]>;
  symptom: Record<string, AlertType[]>;
  noise: AlertType[];
} = {
  root: {
    service: SERVICE_ROOT,
    appserver: [
      t('JVMHeapHigh', 'warning', 'heap usage of {item} above 90%'),
      t('ThreadPoolExhausted', 'critical', 'request thread pool of {item} exhausted'),
      t('PoolExhausted', 'critical', 'connection pool {instance} of {item} exhausted', true),
      t('AppServerDown', 'critical', '{item} does not answer health checks'),
    ],
    web: [t('WebServerDown', 'critical', '{item} does not answer'), t('HighCPU', 'warning', 'CPU of {item} above 95%')],
    lb: [t('LBBackendDown', 'critical', 'no healthy backend behind {item}')],
    database: [
      t('DBDown', 'critical', 'database {item} is down'),
      t('DBConnectionsExhausted', 'critical', 'connections of {item} exhausted'),
      t('ReplicationLag', 'warning', 'replication lag of {item} above 30s'),
      t('SlowQueries', 'warning', 'slow queries on {item}'),
    ],
    host: [
      t('HostDown', 'critical', 'host {item} is down'),
      t('HighCPU', 'warning', 'CPU of {item} above 95%'),
      t('DiskIOSaturated', 'warning', 'disk IO of {item} saturated'),
      t('HostMemoryPressure', 'warning', 'memory pressure on {item}'),
    ],
    storage: [t('StorageLatencyHigh', 'critical', 'IO latency of array {item} above 50ms'), t('ArrayDegraded', 'critical', 'array {item} degraded')],
    router: [
      t('BGPSessionDown', 'critical', 'BGP session on {item} down'),
      t('InterfaceDown', 'critical', 'interface {instance} on {item} down', true),
      t('RouterCPUHigh', 'warning', 'control plane CPU of {item} high'),
    ],
    switch: [
      t('InterfaceDown', 'critical', 'interface {instance} on {item} down', true),
      t('HighPortErrors', 'warning', 'CRC errors on {instance} of {item}', true),
      t('SwitchPowerSupplyFailed', 'critical', 'power supply failed on {item}'),
    ],
  },
  symptom: {
    service: SERVICE_SYMPTOM,
    appserver: [
      t('HighLatency', 'warning', 'p99 latency of {item} above 2s'),
      t('DownstreamErrors', 'critical', 'calls from {item} to dependencies fail'),
      t('PoolWaitHigh', 'warning', 'requests wait for connections in {instance} on {item}', true),
    ],
    web: [
      t('HTTP5xxRate', 'critical', '5xx rate of {item} high'),
      t('HighLatency', 'warning', 'p99 latency of {item} above 2s'),
      t('HTTPCheckFailed', 'critical', 'synthetic check of {instance} fails', true),
    ],
    lb: [t('LBBackendUnhealthy', 'warning', 'backends of {item} unhealthy'), t('HTTP5xxRate', 'critical', '5xx rate of {item} high')],
    database: [t('DBDown', 'critical', 'database {item} is down'), t('ReplicationLag', 'warning', 'replication lag of {item} above 30s')],
    host: [
      t('HostUnreachable', 'critical', 'host {item} unreachable'),
      t('NodeExporterDown', 'warning', 'node exporter on {item} down'),
      t('ServiceCheckFailed', 'critical', 'check {instance} against {item} fails', true),
    ],
    storage: [t('StorageLatencyHigh', 'critical', 'IO latency of array {item} above 50ms')],
    router: [t('DeviceUnreachable', 'critical', '{item} unreachable'), t('PacketLoss', 'warning', 'packet loss towards {item}')],
    switch: [t('DeviceUnreachable', 'critical', '{item} unreachable'), t('PacketLoss', 'warning', 'packet loss towards {item}')],
  },
  noise: [
    t('DiskSpaceLow', 'warning', 'disk space on {item} below 10%'),
    t('CertificateExpiringSoon', 'info', 'TLS certificate of {item} expires in 14 days'),
    t('BackupJobFailed', 'warning', 'nightly backup of {item} failed'),
    t('NTPClockSkew', 'warning', 'clock of {item} skewed'),
    t('ConfigReloadFailed', 'warning', 'config reload of {item} failed'),
    t('LogShippingLag', 'info', 'log shipping from {item} lags'),
    t('CronJobFailed', 'warning', 'cron job on {item} failed'),
    t('SwapUsageHigh', 'info', 'swap usage of {item} high'),
  ],
};
