/**
 * What the console's browser tests share: the app in this process on the real services with
 * sign-in required (startTestRuntime('real', { WEB_AUTH: 'required' })), listening on a free
 * port; users of each role; Debian's Chromium with a fresh profile of its own (the flags and
 * the HOME trick of console-browser.test.ts); signing a page in as a user through the session
 * cookie; posting alerts; screenshots into test-artifacts/.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { type BrowserContext, type Page, chromium } from 'playwright-core';
import { expect } from 'vitest';
import { hashPassword } from '../../engine/auth/password-hash.ts';
import type { UserRole } from '../../engine/auth/roles.ts';
import { UserRepository } from '../../engine/auth/user-repository.ts';
import { newTokenSecret } from '../../engine/auth/api-token.ts';
import { TokenRepository } from '../../engine/auth/token-repository.ts';
import { alertmanagerPayload } from '../support/alertmanager-payload.ts';
import { type TestRuntime, eventually, startTestRuntime } from '../support/test-runtime.ts';
import { REPO_ROOT, baseEnv, killProcessesWithArgument, tempDir } from './processes.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'test-artifacts');
const CHEAP_SCRYPT = { N: 2 ** 12, r: 8, p: 1 };

export interface ConsoleUser {
  id: string;
  username: string;
  password: string;
  role: UserRole;
}

export interface ConsoleHarness {
  rt: TestRuntime;
  baseUrl: string;
  context: BrowserContext;
  page: Page;
  pageErrors: string[];
  users: Record<'viewer' | 'operator' | 'manager' | 'admin', ConsoleUser>;
  /** An API token with the admin scope, for set-up calls. */
  adminToken: string;
  /** Signs `page` in as `user` (session cookie) and opens `hash`, waiting for the live stream. */
  signIn(user: ConsoleUser, hash?: string): Promise<void>;
  /** GET/POST on the API as the admin token. */
  call(method: string, url: string, body?: unknown): Promise<{ status: number; body: any }>;
  fire(alerts: Array<{ fingerprint: string; labels: Record<string, string>; startsAt?: string; status?: 'firing' | 'resolved' }>): Promise<void>;
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startConsoleHarness(viewport = { width: 1400, height: 900 }, extraEnv: Record<string, string> = {}): Promise<ConsoleHarness> {
  const rt = await startTestRuntime('real', { WEB_AUTH: 'required', ...extraEnv });
  const root = await tempDir('aiops-e2e-console-');
  const browserDir = path.join(root, 'browser');
  let context: BrowserContext | undefined;
  try {
    await rt.app.listen({ port: 0, host: '127.0.0.1' });
    const address = rt.app.server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const baseUrl = `http://127.0.0.1:${port}`;

    const repo = new UserRepository(rt.adapters.database.db);
    const make = async (role: UserRole, name: string): Promise<ConsoleUser> => {
      const password = `pw-${randomBytes(9).toString('hex')}`;
      const username = `${name}-${randomBytes(3).toString('hex')}`;
      const user = await repo.insert({ username, displayName: name, role, passwordHash: await hashPassword(password, CHEAP_SCRYPT) });
      return { id: user.id, username, password, role };
    };
    const users = { viewer: await make('viewer', 'wall'), operator: await make('operator', 'noc'), manager: await make('problem-manager', 'pm'), admin: await make('admin', 'root') };
    const token = newTokenSecret();
    await new TokenRepository(rt.adapters.database.db).insert({ name: 'e2e-admin', scopes: ['admin'], sources: null, hash: token.hash });

    await mkdir(path.join(browserDir, 'profile'), { recursive: true });
    context = await chromium.launchPersistentContext(path.join(browserDir, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      chromiumSandbox: false,
      env: { ...baseEnv(), HOME: browserDir },
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport,
      // A cold start beside a full parallel test run can take well over 30 s on two cores.
      timeout: 90_000,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.setDefaultTimeout(15_000);
    const ctx = context;

    const call = async (method: string, url: string, body?: unknown) => {
      const res = await rt.app.inject({ method: method as 'GET', url, headers: { authorization: `Bearer ${token.secret}` }, ...(body !== undefined ? { payload: body as object } : {}) });
      return { status: res.statusCode, body: res.body ? safeJson(res.body) : null };
    };

    return {
      rt,
      baseUrl,
      context: ctx,
      page,
      pageErrors,
      users,
      adminToken: token.secret,
      call,
      async signIn(user, hash = '#/board') {
        const res = await rt.app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username: user.username, password: user.password } });
        expect(res.statusCode, res.body).toBe(200);
        await ctx.clearCookies();
        await ctx.addCookies([{ name: 'aiops_session', value: res.json().token, url: baseUrl, httpOnly: true, sameSite: 'Strict' }]);
        // A fresh document: going to the same URL with another hash would keep the old one.
        await page.goto('about:blank');
        await page.goto(`${baseUrl}/${hash}`, { waitUntil: 'load' });
        await page.locator('#conn', { hasText: /^live$/ }).waitFor();
        expect(await page.locator('#user').textContent()).toContain(user.role);
      },
      async fire(alerts) {
        const res = await rt.app.inject({ method: 'POST', url: '/api/v1/webhooks/alertmanager', payload: alertmanagerPayload(alerts) });
        expect(res.statusCode, res.body).toBe(202);
      },
      async screenshot(name) {
        await mkdir(ARTIFACTS, { recursive: true });
        await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
      },
      async close() {
        await ctx.close().catch(() => undefined);
        killProcessesWithArgument(`${browserDir}/`);
        await rt.cleanup();
        await rm(root, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await context?.close().catch(() => undefined);
    killProcessesWithArgument(`${browserDir}/`);
    await rt.cleanup();
    await rm(root, { recursive: true, force: true });
    throw err;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The open incidents, polled until `ok` holds for them. */
export async function incidentsWhere<T = Array<{ id: string; title: string; groupKey: string; alertCount: number; firingCount: number; status: string; assignee: string | null; sourceFingerprints: string[] }>>(
  h: ConsoleHarness,
  ok: (items: Array<{ id: string; title: string; groupKey: string; alertCount: number; firingCount: number; status: string; assignee: string | null; sourceFingerprints: string[] }>) => boolean,
  what: string,
  query = 'status=open,acknowledged&limit=500',
): Promise<T> {
  return eventually(async () => {
    const res = await h.call('GET', `/api/v1/incidents?${query}`);
    return ok(res.body.items) ? (res.body.items as T) : undefined;
  }, 20_000, what);
}

/** Waits until `selector` matches exactly `n` elements of `page`. */
export async function countIs(page: Page, selector: string, n: number, timeout = 15_000): Promise<void> {
  await expect.poll(() => page.locator(selector).count(), { timeout, message: `${n} × ${selector}` }).toBe(n);
}
