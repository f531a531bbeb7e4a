import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { errorCodes, FastifyReply, FastifyRequest, LogController } from 'fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { FailedRequestRecorder } from './audit/failed-requests';
import type { AuthenticatedRequest } from './auth/auth.decorators';
import { MetricsService } from './metrics/metrics.service';
import { ScimTrafficService } from './scim-health/scim-traffic.service';
import { InspectedRequest, ScimRequestRecorder } from './scim-requests/scim-request-recorder.service';
import { lazyChildLogger, loggedUrl, PinoLoggerService, routeWords } from './common/logger';
import { isScimPath, renderError } from './common/http-error';
import { isUtf8 } from 'node:buffer';
import { hasBody, jsonTooDeep, loneSurrogate, loneSurrogateIn, MAX_JSON_DEPTH, notUtf8, scanJson } from './common/json-body';
import { REQUEST_ID_HEADER, requestId } from './common/request-id';
import { serveSettingsUi } from './settings-ui/settings-ui.routes';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Options of the Nest application (main.ts and the tests): Nest's own body parsers are off, because
 * configureApp installs the only ones the APIs take (JSON and SCIM JSON, with a depth limit); form
 * and text bodies are then 415 like any other media type.
 */
export const APP_OPTIONS = { bodyParser: false } as const;

/** Fastify, set up for SCIM clients: 1 MiB bodies, case-insensitive paths, request ids, the process's pino logger. */
export function createHttpAdapter(logger: Logger): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 500 },
    genReqId: requestId,
    loggerInstance: logger,
    childLoggerFactory: lazyChildLogger,
    // One line per request, written when the response is done (see configureApp), instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    // Malformed or over-long path segments are refused by the router before any route (or Nest's
    // exception filter) runs; render them like every other error (a SCIM Error under the SCIM path).
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => {
      const rendered = renderError(error, request.url, request.method);
      securityHeaders(request.url, reply);
      void reply
        .status(rendered.status)
        .headers({ ...rendered.headers, [REQUEST_ID_HEADER]: request.id })
        .send(JSON.stringify(rendered.body));
    },
  });
}

/**
 * Everything about the HTTP application that is not a Nest provider, shared by
 * main.ts and the end-to-end tests so both run the same pipeline.
 */
export function configureApp(app: NestFastifyApplication, logger: Logger): void {
  app.useLogger(new PinoLoggerService(logger));
  const fastify = app.getHttpAdapter().getInstance();
  // The words of every route's path (v1.0, scim, Users, health, ...): what a logged path keeps (loggedUrl).
  // Routes are registered after this (Nest's at listen, the UI's and the docs' below), so all are seen.
  const routeWordSet = new Set<string>();
  fastify.addHook('onRoute', (route) => {
    for (const word of routeWords(route.url)) routeWordSet.add(word);
  });
  // The only bodies the APIs take: JSON and application/scim+json (what SCIM clients send), with
  // __proto__ keys refused and nesting deeper than MAX_JSON_DEPTH refused before parsing, so no deep
  // body reaches recursive code. Fastify's text/plain parser goes: a text body is 415 like a form.
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  // The provisioning inspector keeps a SCIM request's body as it was read, whether or not it parses
  // (the parsers below set `inspectedBody`), and its response as it was sent (the onSend hook).
  fastify.decorateRequest('inspectedBody', null);
  fastify.decorateRequest('inspectedResponse', null);
  // Bytes that are not UTF-8, and strings with a lone UTF-16 surrogate (only a \uD800-style escape
  // makes one), are refused here, once for every route of both APIs, rather than stored as U+FFFD.
  const jsonParser = (parse: ReturnType<typeof fastify.getDefaultJsonParser>) =>
    ((request, body: Buffer, done) => {
      if (!isUtf8(body)) {
        (request as FastifyRequest & InspectedRequest).inspectedBody = body.toString('utf8');
        return done(notUtf8(), undefined);
      }
      const text = body.toString('utf8');
      (request as FastifyRequest & InspectedRequest).inspectedBody = text;
      const scan = scanJson(text, MAX_JSON_DEPTH);
      if (scan.tooDeep) return done(jsonTooDeep(), undefined);
      if (!scan.surrogateEscapes) return parse(request, text, done);
      parse(request, text, (error: Error | null, value?: unknown) => {
        const lone = error ? undefined : loneSurrogateIn(value);
        if (lone) return done(loneSurrogate(lone.field, lone.problem), undefined);
        done(error, value);
      });
    }) as Parameters<typeof fastify.addContentTypeParser>[2];
  const options = { parseAs: 'buffer' as const, bodyLimit: BODY_LIMIT_BYTES };
  fastify.addContentTypeParser('application/json', options, jsonParser(fastify.getDefaultJsonParser('error', 'error')));
  fastify.addContentTypeParser('application/scim+json', options, jsonParser(fastify.getDefaultJsonParser('error', 'ignore')));
  // Any other media type: under the SCIM path the body is read (for the inspector) and the request goes
  // on, so that the key is checked and ScimMediaTypeGuard answers 415 for its organization to see;
  // elsewhere it is 415 at once, as Fastify answers a type it has no parser for (404 for no route).
  fastify.addContentTypeParser('*', options, (request: FastifyRequest, body: Buffer, done) => {
    if (isScimPath(request.url)) {
      (request as FastifyRequest & InspectedRequest).inspectedBody = body.toString('utf8');
      return done(null, undefined);
    }
    if (request.is404) return done(null, undefined);
    done(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE(), undefined);
  });
  // Callback hooks, not async ones: no promise per request.
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    securityHeaders(request.url, reply);
    // A SCIM body sent without Content-Type is read as JSON (some scripts and validators omit it).
    if (request.headers['content-type'] === undefined && isScimPath(request.url) && hasBody(request.headers)) {
      request.headers['content-type'] = 'application/json';
    }
    done();
  });
  // Failed SCIM requests go to their organization's audit log once answered,
  // every SCIM request is counted for the connection health (in memory, written once a minute),
  // and kept for the provisioning inspector (in memory, written every second).
  // With METRICS_ENABLED, every request is counted for /metrics by its route template.
  const failures = app.get(FailedRequestRecorder);
  const traffic = app.get(ScimTrafficService);
  const inspector = app.get(ScimRequestRecorder);
  const metrics = app.get(MetricsService);
  const measured = metrics.config.metrics.enabled;
  fastify.addHook('onSend', (request, _reply, payload, done) => {
    inspector.onSend(request, payload);
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    failures.onResponse(request, reply);
    traffic.onResponse(request, reply);
    inspector.onResponse(request, reply);
    if (measured) metrics.onResponse(request, reply);
    done();
  });
  if (logger.isLevelEnabled('info')) {
    fastify.addHook('onResponse', async (request, reply) => {
      const auth = (request as AuthenticatedRequest).auth;
      const fields = {
        method: request.method,
        url: loggedUrl(request.url, routeWordSet),
        statusCode: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        // Who: the organization and key of an authenticated request (ids only, never the key).
        ...(auth ? { organizationId: auth.organizationId, keyId: auth.keyId } : {}),
      };
      if (reply.statusCode >= 500) request.log.error(fields, 'request failed');
      else request.log.info(fields, 'request completed');
    });
  }
  setUpOpenApi(app);
  serveSettingsUi(app);
}

/**
 * Every answer, from any route or none (/health, a 404 anywhere, a static file), is never sniffed as
 * another type than it says. The API's answers (admin and SCIM, errors included) are also never
 * cached (a created key's secret is in one); the OpenAPI viewer at /docs gets a
 * Content-Security-Policy that allows only its own files, and cannot be framed. The settings UI sets
 * its own (settings-ui.routes.ts). Paths match case-insensitively, as the router does.
 */
function securityHeaders(url: string, reply: FastifyReply): void {
  void reply.header('x-content-type-options', 'nosniff');
  const prefix = url.slice(0, 6).toLowerCase();
  if (prefix === '/v1.0/' || prefix === '/v1.0' || prefix === '/v1.0?') {
    void reply.header('cache-control', 'no-store');
  } else if (prefix === '/docs' || prefix === '/docs/' || prefix === '/docs?') {
    void reply.header('content-security-policy', DOCS_CSP).header('x-frame-options', 'DENY');
  }
}

/** Swagger UI loads its scripts and styles from /docs; it styles elements inline and uses data: images. */
const DOCS_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function setUpOpenApi(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Torii SCIM backend')
      .setDescription(
        'Admin/settings API (/v1.0, Torii API key) and SCIM 2.0 API (/v1.0/scim/v2, Torii SCIM key). ' +
          'See the project README and docs/ for the rules behind each endpoint.',
      )
      .setVersion('1.0')
      // The keys are opaque random strings, not JWTs (the builder's default bearerFormat).
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: 'torii_api_… key' }, 'apiKey')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: 'torii_scim_… key' }, 'scimKey')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
}
