import { AppConfig } from '@app/config';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { DataSource } from 'typeorm';
import { AppModule } from '../../apps/server/src/app.module';
import { APP_OPTIONS, configureApp, createHttpAdapter } from '../../apps/server/src/app.setup';
import { SYSTEM_SCOPE } from '../../apps/server/src/audit/audit-context';
import { Clock } from '../../apps/server/src/common/clock';
import { createLogger } from '../../apps/server/src/common/logger';
import { OnboardedOrganization, OnboardingService } from '../../apps/server/src/onboarding/onboarding.service';
import { createTestDatabase, TestDatabase, testConfig } from './database';
import { TestClock } from './test-clock';

export interface TestApp {
  app: NestFastifyApplication;
  url: string;
  clock: TestClock;
  db: TestDatabase;
  dataSource: DataSource;
  config: AppConfig;
  /** Creates an organization with its Admin and a Torii API key, through the real onboarding service. */
  createOrganization(name?: string, adminEmail?: string): Promise<OnboardedOrganization>;
  close(): Promise<void>;
}

let counter = 0;

/**
 * Starts the real server (same modules, pipeline and HTTP adapter as
 * production) on a random port, against a fresh database of the engine
 * DATABASE_URL names. Only the clock is replaced.
 */
export async function startTestApp(overrides: Partial<AppConfig> = {}, existing?: TestDatabase): Promise<TestApp> {
  const db = existing ?? (await createTestDatabase());
  const config = testConfig(db.config, overrides);
  const clock = new TestClock();
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  const logger = createLogger(config);
  const app = moduleRef.createNestApplication<NestFastifyApplication>(createHttpAdapter(logger), {
    ...APP_OPTIONS,
    logger: false,
  });
  configureApp(app, logger);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const onboarding = app.get(OnboardingService);
  return {
    app,
    url,
    clock,
    db,
    config,
    dataSource: app.get(DataSource),
    createOrganization: (name, adminEmail) => {
      counter += 1;
      return onboarding.createOrganization(
        name ?? `Org ${counter}`,
        adminEmail ?? `admin${counter}@org${counter}.test`,
        undefined,
        SYSTEM_SCOPE,
        // A key that never expires: suites move the clock years ahead; the default expiry has its own tests.
        null,
      );
    },
    close: async () => {
      await app.close();
      if (!existing) await db.drop();
    },
  };
}
