import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { OnboardedOrganization, OnboardingService } from './onboarding.service';

/**
 * On an empty database, `npm start` creates a first organization, its Admin
 * and a Torii API key, and shows the Organization ID and the key once: printed
 * on a terminal; otherwise (journald, a container's log collector) written to
 * BOOTSTRAP_KEY_FILE, readable only by its owner, whose path is logged, as
 * GitLab does with its initial root password. The key never enters the logs.
 */
@Injectable()
export class FirstRunService implements OnApplicationBootstrap {
  private readonly logger = new Logger('FirstRun');

  constructor(
    private readonly onboarding: OnboardingService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.bootstrap.enabled) return;
    const { organizationName, adminEmail, adminName } = this.config.bootstrap;
    const created = await this.onboarding.bootstrapOnce(organizationName, adminEmail, adminName);
    if (!created) return;
    this.logger.log(`Created the first organization (id ${created.organizationId}) and its Admin`);
    const text = banner(created, this.config.appUrl);
    if (process.stdout.isTTY) {
      // Printed on the terminal, outside the JSON logs, so the person who started it sees it.
      process.stdout.write(text);
      return;
    }
    const file = resolve(this.config.bootstrap.keyFile);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text, { mode: 0o600, flag: 'w' });
    this.logger.warn(
      `The first organization's Organization ID and Torii API key are in ${file} (readable only by this user): copy the key, then delete the file.`,
    );
  }
}

function banner(created: OnboardedOrganization, appUrl: string): string {
  const lines = [
    'First start: an organization was created for you.',
    '',
    `  Organization ID : ${created.organizationId}   (${created.organizationName})`,
    `  Admin user      : ${created.adminEmail}`,
    `  Torii API key   : ${created.apiKey.key}`,
    '',
    'Copy the key now: it is shown only this once and stored only as a hash.',
    `Sign in to the settings UI with it: ${appUrl}/settings`,
    `or try it: curl -H "Authorization: Bearer <key>" ${appUrl}/v1.0/organization`,
  ];
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const rule = '='.repeat(width);
  return `\n${rule}\n${lines.map((l) => `  ${l}`).join('\n')}\n${rule}\n\n`;
}
