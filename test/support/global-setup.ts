/**
 * vitest globalSetup: one InfluxDB for the whole run. TEST_INFLUX_URL points at a server
 * someone else runs; otherwise a throwaway `influxd` is started here and stopped in the
 * teardown. Test files get the URL with `inject('influxUrl')` and make their own database.
 */
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { INFLUXD_PATH, startInfluxd } from './influxd.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    influxUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_INFLUX_URL;
  if (external !== undefined && external !== '') {
    project.provide('influxUrl', external);
    return async () => {};
  }
  if (!existsSync(INFLUXD_PATH)) {
    throw new Error(
      `${INFLUXD_PATH} is missing: run \`bash scripts/prepare-test-env.sh\` to install InfluxDB, ` +
        'or set TEST_INFLUX_URL to a running InfluxDB 1.x',
    );
  }
  const influxd = await startInfluxd();
  project.provide('influxUrl', influxd.url);
  return () => influxd.stop();
}
