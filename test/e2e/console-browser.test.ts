/**
 * The console in a real browser against the app as its own process (embedded defaults,
 * auth on as on a fresh install, the first admin from ADMIN_USERNAME/ADMIN_PASSWORD_FILE):
 * the login form, then an alert posted to the webhook shows up on an already-open board
 * over the websocket, without a reload, and a second alert for the same service updates
 * the row in place.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { eventually } from '../support/test-runtime.ts';
import { type AppProcess, REPO_ROOT, baseEnv, killProcessesWithArgument, pidsWithArgument, startApp, tempDir, withLogs } from './processes.ts';

const CHROMIUM = '/usr/bin/chromium';
const SCREENSHOT = path.join(REPO_ROOT, 'test-artifacts', 'console-live.png');
const ADMIN = 'e2e-admin';
const PASSWORD = `e2e-${randomBytes(12).toString('hex')}`;

describe('console in a browser (app as a child process, embedded defaults)', () => {
  let root: string | undefined;
  /** The browser's HOME; its profile and its crash handler's database live under it, so it names all its processes. */
  let browserDir: string | undefined;
  let app: AppProcess | undefined;
  let dataDir: string;
  let context: BrowserContext | undefined;
  let page: Page;
  const pageErrors: string[] = [];
  let mainFrameNavigations = 0;

  beforeAll(async () => {
    root = await tempDir('aiops-e2e-console-');
    dataDir = path.join(root, 'data');
    browserDir = path.join(root, 'browser');
    const profileDir = path.join(browserDir, 'profile');
    await mkdir(dataDir);
    await mkdir(profileDir, { recursive: true });
    const passwordFile = path.join(root, 'admin-password');
    await writeFile(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    app = await startApp({ name: 'app', env: { DATA_DIR: dataDir, LOG_LEVEL: 'warn', ADMIN_USERNAME: ADMIN, ADMIN_PASSWORD_FILE: passwordFile }, logDir: root });

    // Playwright refuses `--user-data-dir` in `args`: a profile folder of our own goes
    // through launchPersistentContext, which also puts `--headless` on the command line.
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
      // Debian's wrapper turns the crash reporter on; its handler detaches from the browser's
      // process group and keeps its database under $HOME, so HOME goes into our temp folder too.
      env: { ...baseEnv(), HOME: browserDir },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      // A cold start beside a full parallel test run can take well over 30 s on two cores.
      timeout: 90_000,
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) mainFrameNavigations++;
    });
  });

  afterAll(async () => {
    await context?.close().catch(() => undefined);
    // launchPersistentContext gives no PID; our unique folder names every process of our browser.
    if (browserDir) killProcessesWithArgument(`${browserDir}/`);
    await app?.proc.stop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  // Auth is on, as on a fresh install: the first token (scopes ingest, admin) was written to DATA_DIR/initial-token.
  const bearer = async () => `Bearer ${(await readFile(path.join(dataDir, 'initial-token'), 'utf8')).trim()}`;

  const post = async (body: unknown): Promise<void> => {
    const res = await fetch(`${app!.baseUrl}/api/v1/webhooks/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: await bearer() },
      body: JSON.stringify(body),
    });
    expect(res.status, await res.text()).toBe(202);
  };

  const alertsCell = (id: string) => page.locator(`#rows tr[data-id="${id}"] td:nth-child(4)`);

  it('shows a new incident live, then updates its alert count, without reloading', { timeout: 60_000 }, async () => {
    await withLogs(
      () => [app?.proc],
      async () => {
        const base = app!.baseUrl;
        const service = `e2e-console-${randomBytes(4).toString('hex')}`;

        // The board loads its state after the websocket's hello; wait for both, so the
        // alert below can only reach the page through the stream.
        const boardLoaded = page.waitForResponse((r) => r.url().includes('/api/v1/incidents') && r.ok(), { timeout: 15_000 });
        await page.goto(`${base}/`, { waitUntil: 'load' });
        await page.locator('#login').waitFor({ timeout: 15_000 });
        await page.fill('#username', ADMIN);
        await page.fill('#password', PASSWORD);
        await page.click('#login button[type=submit]');
        await (await boardLoaded).finished();
        expect(await page.locator('#user').textContent()).toContain(ADMIN);
        expect(await page.locator('#login').isVisible()).toBe(false);
        await page.locator('#conn', { hasText: /^live$/ }).waitFor({ timeout: 15_000 });
        expect(await page.locator('#rows tr').count()).toBe(0);

        const marker = randomBytes(8).toString('hex');
        await page.evaluate((m) => {
          (globalThis as Record<string, unknown>).__e2eMarker = m;
        }, marker);
        const navigationsBefore = mainFrameNavigations;

        const t0 = Date.now();
        await post(alertmanagerPayload([{ fingerprint: `fp-${service}-1`, labels: { alertname: 'E2EConsoleLatency', service, severity: 'critical' }, startsAt: new Date(t0).toISOString() }]));

        const incident = await eventually(async () => {
          const list = (await (await fetch(`${base}/api/v1/incidents?status=open`, { headers: { authorization: await bearer() } })).json()) as { items: Array<{ id: string; groupKey: string }> };
          return list.items.find((i) => i.groupKey === `service=${service}`);
        }, 15_000, `the incident for ${service} in the API`);

        const row = page.locator(`#rows tr[data-id="${incident.id}"]`);
        await row.waitFor({ timeout: 15_000 });
        expect(await row.locator('td:nth-child(3)').textContent()).toBe(service);
        expect(await alertsCell(incident.id).textContent()).toBe('1/1');

        await post(alertmanagerPayload([{ fingerprint: `fp-${service}-2`, labels: { alertname: 'E2EConsoleErrors', service, severity: 'warning' }, startsAt: new Date(t0 + 1000).toISOString() }]));
        let lastText: string | null = null;
        await eventually(
          async () => {
            lastText = await alertsCell(incident.id).textContent({ timeout: 1_000 });
            return lastText === '2/2' ? true : undefined;
          },
          15_000,
          'the alert count cell to read 2/2',
        ).catch((err: Error) => {
          throw new Error(`${err.message}; last seen ${JSON.stringify(lastText)}`, { cause: err });
        });

        // Same document all along: the marker survived and the main frame never navigated.
        expect(await page.evaluate(() => (globalThis as Record<string, unknown>).__e2eMarker)).toBe(marker);
        expect(mainFrameNavigations).toBe(navigationsBefore);
        expect(await page.locator('#rows tr').count()).toBe(1);
        expect(await page.locator('#conn').textContent()).toBe('live');
        expect(pageErrors).toEqual([]);

        await mkdir(path.dirname(SCREENSHOT), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
      },
    );
  });

  it('leaves no browser process (crash handler included) behind once the context is closed', async () => {
    await context!.close();
    await eventually(async () => (pidsWithArgument(`${browserDir!}/`).length === 0 ? true : undefined), 10_000, 'chromium processes to exit');
  });
});
