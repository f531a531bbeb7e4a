import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const manifest = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '../../../node_modules', name, 'package.json'), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
  };

describe('HTTP platform', () => {
  // package.json overrides the exact Fastify version Nest's adapter pins (docs/decisions.md): the override
  // must stay within the major version the adapter was built for.
  it("should run the major version of Fastify that Nest's Fastify adapter is built for", () => {
    const pinned = manifest('@nestjs/platform-fastify').dependencies.fastify;
    const major = (version: string) => version.replace(/^[^\d]*/, '').split('.')[0];
    expect(major(manifest('fastify').version)).toBe(major(pinned));
  });
});
