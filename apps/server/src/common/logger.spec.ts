import Fastify from 'fastify';
import pino from 'pino';
import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { lazyChildLogger, loggedUrl, logSafeError, PinoLoggerService, routeWords, withoutAddresses } from './logger';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: pino({ level }, stream) };
}

describe('lazyChildLogger', () => {
  it('should not create a pino child for a request that logs nothing enabled', () => {
    const { logger, lines } = capture('warn');
    const child = jest.spyOn(logger, 'child');
    const log = lazyChildLogger(logger, { reqId: 'r-1' }, {});
    log.info('not written');
    log.debug('not written');
    expect(child).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });

  it('should write enabled lines with the request bindings, through one child', () => {
    const { logger, lines } = capture('info');
    const child = jest.spyOn(logger, 'child');
    const log = lazyChildLogger(logger, { reqId: 'r-2' }, {});
    log.info({ statusCode: 200 }, 'request completed');
    log.error('request failed');
    log.trace('not written');
    expect(child).toHaveBeenCalledTimes(1);
    expect(lines.map(({ reqId, msg, statusCode }) => ({ reqId, msg, statusCode }))).toEqual([
      { reqId: 'r-2', msg: 'request completed', statusCode: 200 },
      { reqId: 'r-2', msg: 'request failed', statusCode: undefined },
    ]);
    expect((log as unknown as pino.Logger).isLevelEnabled('debug')).toBe(false);
    expect(log.level).toBe('info');
  });

  it('should give a request its own level when one is set, leaving the server logger as it was', () => {
    const { logger, lines } = capture('info');
    const log = lazyChildLogger(logger, { reqId: 'r-3' }, {});
    log.silent('never written');
    log.level = 'debug';
    log.debug('now written');
    expect(logger.level).toBe('info');
    expect(lines.map(({ reqId, msg }) => ({ reqId, msg }))).toEqual([{ reqId: 'r-3', msg: 'now written' }]);
  });

  it('should not create a pino child per request under Fastify when nothing is logged, and still log with a route level', async () => {
    const { logger, lines } = capture('warn');
    const app = Fastify({ loggerInstance: logger, childLoggerFactory: lazyChildLogger, genReqId: () => 'req-7' });
    app.get('/quiet', async (request) => {
      request.log.info('below the level');
      return { ok: true };
    });
    app.get('/chatty', { logLevel: 'debug' }, async (request) => {
      request.log.debug('route level');
      return { ok: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const child = jest.spyOn(logger, 'child');
    try {
      const { port } = app.server.address() as { port: number };
      for (let i = 0; i < 3; i++) expect((await fetch(`http://127.0.0.1:${port}/quiet`)).status).toBe(200);
      expect(child).not.toHaveBeenCalled();
      expect((await fetch(`http://127.0.0.1:${port}/chatty`)).status).toBe(200);
    } finally {
      await app.close();
    }
    expect(lines.filter(({ msg }) => msg !== 'incoming request' && msg !== 'request completed')).toEqual([
      expect.objectContaining({ reqId: 'req-7', msg: 'route level' }),
    ]);
  });

  it('should be accepted by Fastify as request.log, with the request id on every line', async () => {
    const { logger, lines } = capture('info');
    const app = Fastify({ loggerInstance: logger, childLoggerFactory: lazyChildLogger, genReqId: () => 'req-42' });
    app.get('/', async (request) => {
      request.log.info('inside the handler');
      request.log.child({ step: 'nested' }).warn('from a grandchild');
      return { ok: true };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const { port } = app.server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/`);
      expect(await response.json()).toEqual({ ok: true });
    } finally {
      await app.close();
    }
    const handlerLines = lines.filter((line) => line.msg === 'inside the handler' || line.msg === 'from a grandchild');
    expect(handlerLines.map(({ reqId, step }) => ({ reqId, step }))).toEqual([
      { reqId: 'req-42', step: undefined },
      { reqId: 'req-42', step: 'nested' },
    ]);
  });
});

describe('loggedUrl', () => {
  const words = new Set(
    [
      '/v1.0/scim/v2/Users/:id',
      '/v1.0/scim/v2/Users/.search',
      '/v1.0/settings/api-keys/:id/rotate',
      '/settings/*',
      '/health',
    ].flatMap(routeWords),
  );

  it('should keep the words of the routes and ids, and mask every other path segment', () => {
    expect(loggedUrl('/v1.0/scim/v2/Users/42', words)).toBe('/v1.0/scim/v2/Users/42');
    expect(loggedUrl('/v1.0/SCIM/v2/users/.search', words)).toBe('/v1.0/SCIM/v2/users/.search');
    expect(loggedUrl('/v1.0/settings/api-keys/7/rotate', words)).toBe('/v1.0/settings/api-keys/7/rotate');
    expect(loggedUrl('/v1.0/scim/v2/Users/jane@ex.test', words)).toBe('/v1.0/scim/v2/Users/…');
    expect(loggedUrl('/v1.0/scim/v2/Users/jane%40ex.test/', words)).toBe('/v1.0/scim/v2/Users/…/');
    // Not canonical ids: a sign, a leading zero, a space, past the INT columns.
    for (const id of ['-1', '08', '%208', '0', '2147483648', '99999999999']) {
      expect(loggedUrl(`/v1.0/scim/v2/Users/${id}`, words)).toBe('/v1.0/scim/v2/Users/…');
    }
    // Unrouted paths, anywhere: only the known words stay.
    expect(loggedUrl('/jane.doe', words)).toBe('/…');
    expect(loggedUrl('/settings/assets/Jane%20Doe.js', words)).toBe('/settings/…/…');
    expect(loggedUrl('/health/jane@ex.test/v1.0', words)).toBe('/health/…/v1.0');
    expect(loggedUrl('/', words)).toBe('/');
  });

  it('should keep the SCIM schema URNs of /Schemas/{urn}, which are no one', () => {
    const urn = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    expect(loggedUrl(`/v1.0/scim/v2/Schemas/${urn}`, words)).toBe(`/v1.0/scim/v2/…/${urn}`);
    expect(loggedUrl('/v1.0/scim/v2/Schemas/urn:ietf:params:scim:jane@ex.test', words)).toBe('/v1.0/scim/v2/…/…');
  });

  it('should keep the parameter names, and only harmless values that are a number or a keyword', () => {
    expect(loggedUrl('/v1.0/scim/v2/Users?filter=userName%20eq%20%22a%40b.c%22&startIndex=101&count=100', words)).toBe(
      '/v1.0/scim/v2/Users?filter=…&startIndex=101&count=100',
    );
    expect(loggedUrl('/v1.0/organization?access_token=torii_api_secret&', words)).toBe('/v1.0/…?access_token=…');
    expect(loggedUrl('/v1.0/scim/v2/Users?sortOrder=descending&count=a@b.c&startIndex=1%20a', words)).toBe(
      '/v1.0/scim/v2/Users?sortOrder=descending&count=…&startIndex=…',
    );
    // A name that is no parameter name (an address sent as the query) is masked whole.
    expect(loggedUrl('/health?jane@ex.test&a%40b=1&x', words)).toBe('/health?…&…&x=…');
  });
});

describe('withoutAddresses', () => {
  it('should mask every email address in a sentence, whatever its script or quoting', () => {
    expect(
      withoutAddresses(
        "Can't send mail - all recipients were rejected: 550 5.1.1 <jane.doe+x@mail.example.com>: Recipient address rejected",
      ),
    ).toBe("Can't send mail - all recipients were rejected: 550 5.1.1 <…>: Recipient address rejected");
    expect(withoutAddresses('to ops@a.io, jöhn@exämple.de and "j doe"@b.co')).toBe('to …, … and …');
  });

  it('should keep what is not an address', () => {
    const text = 'at run (/app/node_modules/@nestjs/core/injector.js:12:3) 550 mailbox full @ 12:00 user@localhost';
    expect(withoutAddresses(text)).toBe(text);
  });
});

describe('logSafeError', () => {
  it("should drop a failed statement's parameters and driver error, and quoted values from its message", () => {
    const driverError = Object.assign(new Error("Duplicate entry 'a@b.c' for key 'UQ'"), {
      code: 'ER_DUP_ENTRY',
      errno: 1062,
      sql: "INSERT INTO users VALUES ('a@b.c')",
    });
    const error = new QueryFailedError('INSERT INTO users (user_name) VALUES (?)', ['a@b.c'], driverError);
    const logged = JSON.stringify(logSafeError(error));
    expect(logged).not.toContain('a@b.c');
    expect(logged).toContain('INSERT INTO users (user_name) VALUES (?)');
    expect(logged).toContain('ER_DUP_ENTRY');
    expect(logSafeError('not an error')).toBe('not an error');
  });
});

describe("Nest's start-up narration", () => {
  it('should log route mapping and module initialisation at debug, and the rest at info', () => {
    const lines: Array<{ level: number; msg: string }> = [];
    const destination = { write: (line: string) => lines.push(JSON.parse(line)) };
    const service = new PinoLoggerService(pino({ level: 'info' }, destination));
    service.log('Mapped {/v1.0/scim/v2/Users, GET} route', 'RouterExplorer');
    service.log('UsersModule dependencies initialized', 'InstanceLoader');
    service.log('Listening on 0.0.0.0:3000', 'Bootstrap');
    expect(lines.map((l) => l.msg)).toEqual(['Listening on 0.0.0.0:3000']);
  });
});
