import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { REQUEST_ID_HEADER, requestId } from './common/request-id';
import { serveSettingsUi } from './settings-ui/settings-ui.routes';

export const BODY_LIMIT_BYTES = 1024 * 1024;

/** Fastify, set up for SCIM clients: 1 MiB bodies, case-insensitive paths, request ids. */
export function createHttpAdapter(): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 500 },
    genReqId: requestId,
    // Nest's pino logger logs requests; Fastify's own logger stays off.
    logger: false,
    return503OnClosing: true,
  });
}

/**
 * Everything about the HTTP application that is not a Nest provider, shared by
 * main.ts and the end-to-end tests so both run the same pipeline.
 */
export function configureApp(app: NestFastifyApplication): void {
  app.useLogger(app.get(Logger));
  const fastify = app.getHttpAdapter().getInstance();
  // SCIM clients send application/scim+json; parse it like JSON, refusing __proto__ keys.
  fastify.addContentTypeParser(
    ['application/scim+json'],
    { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES },
    fastify.getDefaultJsonParser('error', 'ignore'),
  );
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
  setUpOpenApi(app);
  serveSettingsUi(app);
}

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
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'torii_api_… key' }, 'apiKey')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'torii_scim_… key' }, 'scimKey')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json', yamlDocumentUrl: 'docs/openapi.yaml' });
}
