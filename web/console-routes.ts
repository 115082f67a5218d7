/**
 * The console's static client: a page, a script and a stylesheet, read once at start
 * and served from memory. No front-end framework: a wall screen loads it in a blink.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'console');
const FILES: Array<[url: string, file: string, type: string]> = [
  ['/', 'index.html', 'text/html; charset=utf-8'],
  ['/console/console.js', 'console.js', 'text/javascript; charset=utf-8'],
  ['/console/console.css', 'console.css', 'text/css; charset=utf-8'],
];

export const consoleRoutes: FastifyPluginAsync = async (app) => {
  for (const [url, file, type] of FILES) {
    const body = await readFile(path.join(DIR, file));
    app.get(url, async (_request, reply) => reply.type(type).header('cache-control', 'no-cache').send(body));
  }
};
