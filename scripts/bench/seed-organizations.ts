/**
 * The bench's organizations (`npm run bench -- --orgs N`): what `npm run cli -- org:create` does, for
 * many organizations in one process.
 *
 *   node dist/scripts/bench/seed-organizations.js <first> <count>     # DATABASE_URL names the database
 *
 * `org:create` starts a process and the CLI's Nest context for one organization (~0.75 s on the bench
 * machine: two hours for 10,000); this starts that context once and calls the same service
 * (`OnboardingService.createOrganization`, with the CLI's audit scope), a few at a time. Organization
 * `Tenant <n>` gets the Admin `admin@tenant<n>.test`. Prints one JSON line per organization:
 * `{"n":…,"id":"…","apiKey":"torii_api_…"}` (the Torii API key org:create prints once).
 */
import 'reflect-metadata';
import { loadConfig } from '@app/config';
import { NestFactory } from '@nestjs/core';
import { CLI_SCOPE } from '../../apps/server/src/audit/audit-context';
import { CliModule } from '../../apps/server/src/cli/cli.module';
import { OnboardingService } from '../../apps/server/src/onboarding/onboarding.service';

/** Organizations created at once: SQLite's group commit and MySQL's pool share the work. */
const PARALLEL = 8;

async function main(): Promise<void> {
  const [first, count] = process.argv.slice(2).map(Number);
  if (!Number.isInteger(first) || !Number.isInteger(count) || first < 1 || count < 0)
    throw new Error('Usage: seed-organizations.js <first tenant number> <count>');
  const config = loadConfig();
  // As runCli does: no first-run bootstrap, no scheduler in this process.
  const app = await NestFactory.createApplicationContext(
    CliModule.forRoot({
      ...config,
      bootstrap: { ...config.bootstrap, enabled: false },
      reminders: { ...config.reminders, schedulerEnabled: false },
    }),
    { logger: ['error', 'warn'], abortOnError: false },
  );
  try {
    const onboarding = app.get(OnboardingService);
    let next = first;
    const last = first + count - 1;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next <= last) {
          const n = next++;
          const created = await onboarding.createOrganization(`Tenant ${n}`, `admin@tenant${n}.test`, undefined, CLI_SCOPE);
          process.stdout.write(`${JSON.stringify({ n, id: created.organizationId, apiKey: created.apiKey.key })}\n`);
        }
      }),
    );
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`seed-organizations failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
});
