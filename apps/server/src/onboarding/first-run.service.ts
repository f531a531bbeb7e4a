import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { OnboardedOrganization, OnboardingService } from './onboarding.service';

/**
 * On an empty database, `npm start` creates a first organization, its Admin
 * and a Torii API key, and prints the Organization ID and the key once.
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
    const created = await this.onboarding.bootstrapOnce(this.config.bootstrap.organizationName, this.config.bootstrap.adminEmail);
    if (!created) return;
    this.logger.log(`Created the first organization (id ${created.organizationId}) with Admin ${created.adminEmail}`);
    // Printed to stdout, outside the JSON logs, so a person sees it; the key is never logged.
    process.stdout.write(banner(created, this.config.appUrl));
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
