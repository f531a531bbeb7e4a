import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { OnboardedOrganization, OnboardingService } from './onboarding.service';

/**
 * On an empty database, `npm start` creates a first organization (BOOTSTRAP_ORG_NAME), its Admin
 * (BOOTSTRAP_ADMIN_EMAIL, BOOTSTRAP_ADMIN_NAME) and a Torii API key that expires after
 * API_KEY_DEFAULT_LIFETIME_DAYS, and shows the Organization ID and the key once: printed
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
    const text = banner(created, this.config);
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

function banner(created: OnboardedOrganization, config: AppConfig): string {
  const appUrl = config.appUrl;
  const expires = created.apiKey.expiresAt?.slice(0, 10) ?? 'never';
  const lines = [
    'First start: an organization was created for you.',
    '',
    `  Organization ID : ${created.organizationId}   (${created.organizationName})`,
    `  Admin user      : ${created.adminEmail}   (id ${created.adminUserId})`,
    `  Torii API key   : ${created.apiKey.key}`,
    `  Key expires     : ${expires}   (in ${config.apiKeys.defaultLifetimeDays} days, API_KEY_DEFAULT_LIFETIME_DAYS)`,
    '',
    'Copy the key now: it is shown only this once and stored only as a hash.',
    `Its expiry reminder goes to ${created.adminEmail} a month before; rotate it in Settings > API Access.`,
    'Name, Admin email: BOOTSTRAP_ORG_NAME, BOOTSTRAP_ADMIN_EMAIL, BOOTSTRAP_ADMIN_NAME before the first start;',
    'now: Settings > Organization, or npm run cli -- org:rename / users:edit.',
    ...(created.adminEmail.toLowerCase().endsWith('@example.com')
      ? [
          '',
          `${created.adminEmail} is a placeholder: reminders and alerts sent to it reach nobody. Set the real address:`,
          `  npm run cli -- users:edit --org ${created.organizationId} --user ${created.adminUserId} --email <you@your-company.com>`,
        ]
      : []),
    `Sign in to the settings UI with it: ${appUrl}/settings`,
    `or try it: curl -H "Authorization: Bearer <key>" ${appUrl}/v1.0/organization`,
  ];
  const width = Math.max(...lines.map((l) => l.length)) + 4;
  const rule = '='.repeat(width);
  return `\n${rule}\n${lines.map((l) => `  ${l}`).join('\n')}\n${rule}\n\n`;
}
