import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply } from 'fastify';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

export const SETTINGS_UI_PATH = '/settings';

/**
 * Where `npm run build` puts the Vite build of apps/web: dist/web. This file runs
 * from dist/apps/server/src/settings-ui (npm start) or from its source folder
 * (tests compile on the fly), so both places are tried.
 */
export function settingsUiRoot(): string {
  const candidates = [resolve(__dirname, '../../../../web'), resolve(__dirname, '../../../../dist/web')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[candidates.length - 1];
}

/**
 * The page holds no data (every call it makes needs an API key), so it is
 * served without authentication, straight from Fastify, outside Nest's guard
 * and OpenAPI document. The headers keep it from being framed or from loading
 * anything but its own files.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

/**
 * Serves the settings SPA (apps/web): hashed assets under /settings/assets/
 * cached for a year, and index.html for /settings and every client-side route
 * under it (/settings/api-access is the link in reminder emails). `/` redirects
 * to /settings.
 */
export function serveSettingsUi(app: NestFastifyApplication, root = settingsUiRoot()): void {
  const fastify = app.getHttpAdapter().getInstance();
  void app.register(fastifyStatic, {
    root: join(root, 'assets'),
    prefix: `${SETTINGS_UI_PATH}/assets/`,
    // Vite names assets by content hash: a new build gets new names.
    maxAge: '365d',
    immutable: true,
    index: false,
    // @nestjs/swagger registers its own instance for /docs.
    decorateReply: false,
  });
  const indexFile = join(root, 'index.html');
  const page = async (_request: unknown, reply: FastifyReply) => {
    let html: string;
    try {
      html = await readFile(indexFile, 'utf8');
    } catch {
      return reply
        .status(503)
        .type('text/plain; charset=utf-8')
        .send(`The settings UI is not built (${indexFile} is missing). Run "npm run build", then restart the server.`);
    }
    return reply.headers(PAGE_HEADERS).send(html);
  };
  fastify.get(SETTINGS_UI_PATH, page);
  fastify.get(`${SETTINGS_UI_PATH}/*`, page);
  fastify.get('/', (_request, reply) => reply.redirect(SETTINGS_UI_PATH, 302));
}
