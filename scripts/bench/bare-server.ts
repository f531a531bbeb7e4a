/**
 * The practical ceiling: bare node:http, fixed JSON, no auth, no storage.
 * Answers the same paths as the SCIM workloads so both are driven identically.
 */
import { createServer } from 'node:http';

const USER = JSON.stringify({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '1',
  userName: 'user1@bench.test',
  name: { givenName: 'User', familyName: 'One' },
  emails: [{ value: 'user1@bench.test', type: 'work', primary: true }],
  active: true,
  meta: { resourceType: 'User', created: '2026-01-01T00:00:00.000Z', lastModified: '2026-01-01T00:00:00.000Z', version: 'W/"1"' },
});
const LIST = JSON.stringify({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
  totalResults: 1,
  startIndex: 1,
  itemsPerPage: 1,
  Resources: [JSON.parse(USER)],
});

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const body = req.method === 'GET' && req.url?.includes('?') ? LIST : USER;
    res.writeHead(req.method === 'POST' ? 201 : 200, {
      'content-type': 'application/scim+json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
