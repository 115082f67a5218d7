/**
 * The console's static client: the page at `/` and every file of web/console at
 * `/console/<name>` (plain ES modules, one stylesheet), read once at start and served from
 * memory with an ETag, so a wall screen's reload is a handful of 304s. No front-end framework,
 * no build step.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'console');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export const consoleRoutes: FastifyPluginAsync = async (app) => {
  const files = (await readdir(DIR)).filter((f) => TYPES[path.extname(f)] !== undefined).sort();
  for (const file of files) {
    const body = await readFile(path.join(DIR, file));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    const type = TYPES[path.extname(file)]!;
    const urls = file === 'index.html' ? ['/', '/console/', '/console/index.html'] : [`/console/${file}`];
    for (const url of urls) {
      app.get(url, async (request, reply) => {
        reply.type(type).header('cache-control', 'no-cache').header('etag', etag).header('x-content-type-options', 'nosniff');
        if (request.headers['if-none-match'] === etag) return reply.code(304).send();
        return reply.send(body);
      });
    }
  }
};
