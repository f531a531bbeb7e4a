import type { ScimHealthStatus, ScimHealthView } from '@app/api-types';
import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Injectable } from '@nestjs/common';
import { ApiKeysService } from '../api-keys/api-keys.service';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { DeprovisioningService } from '../deprovisioning/deprovisioning.service';
import { OrganizationsService } from '../organizations/organizations.service';
import { HEALTH_WINDOW_MS, isDegraded } from './health-schedule';
import { MinuteCounts, ScimTrafficRepository } from './scim-traffic.repository';
import { ScimTrafficService } from './scim-traffic.service';

const DAY_MS = HEALTH_WINDOW_MS;

/** What the status depends on, as stored (the health monitor's check; see ScimHealthService.assess). */
export interface HealthAssessment {
  status: ScimHealthStatus;
  enabled: boolean;
  lastUse: Date | null;
  requests24h: number;
  errors24h: number;
}

/**
 * How the identity provider's SCIM connection is doing, from what this server sees: whether SCIM
 * is on, when a SCIM key was last used, and the last 24 hours' requests and failures per key
 * (ScimTrafficService), with each key's last failure from the audit log, and the organization's open
 * deprovisioning incident, if any.
 */
@Injectable()
export class ScimHealthService {
  constructor(
    private readonly organizations: OrganizationsService,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
    private readonly traffic: ScimTrafficService,
    private readonly counts: ScimTrafficRepository,
    private readonly deprovisionings: DeprovisioningService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async health(organizationId: number): Promise<ScimHealthView> {
    const now = this.clock.now();
    const since = new Date(now.getTime() - DAY_MS);
    const [enabled, keys, lastUse, stored, incident] = await Promise.all([
      this.organizations.isScimEnabled(organizationId),
      this.apiKeys.list(organizationId),
      this.apiKeys.lastUsed(organizationId, 'scim'),
      this.counts.totals(organizationId, since),
      this.deprovisionings.openIncident(organizationId),
    ]);
    const pending = this.traffic.unflushed(organizationId, since);
    const countOf = (keyId: number) => {
      const a = stored.get(keyId) ?? { requests: 0, errors: 0 };
      const b = pending.get(keyId) ?? { requests: 0, errors: 0 };
      return { requests: a.requests + b.requests, errors: a.errors + b.errors };
    };
    const scimKeys = keys.filter((k) => k.type === 'scim');
    const failures = await this.audit.lastFailures(
      organizationId,
      scimKeys.map((k) => Number(k.id)),
    );
    // Every key's counts, deleted keys' too: the identity provider may have used one until an hour ago.
    let requests24h = 0;
    let errors24h = 0;
    for (const keyId of new Set([...stored.keys(), ...pending.keys()])) {
      const c = countOf(keyId);
      requests24h += c.requests;
      errors24h += c.errors;
    }
    const status = this.status(enabled, lastUse, now, requests24h, errors24h);
    return {
      status,
      summary: this.summary(status, requests24h, errors24h),
      lastRequestAt: lastUse?.toISOString() ?? null,
      requests24h,
      errors24h,
      keys: scimKeys.map((k) => {
        const c = countOf(Number(k.id));
        const lastError = failures.get(Number(k.id));
        return {
          keyId: k.id,
          maskedKey: k.maskedKey,
          description: k.description,
          lastUsedAt: k.lastUsedAt,
          requests24h: c.requests,
          errors24h: c.errors,
          ...(lastError ? { lastError } : {}),
        };
      }),
      incident: incident && {
        id: String(incident.id),
        openedAt: incident.openedAt.toISOString(),
        lastAt: incident.lastAt.toISOString(),
        count: incident.count,
      },
    };
  }

  /**
   * The status from what is stored, in three statements: the health monitor's check of an
   * organization that is due. The counts of this instance not yet written are left out (unlike the
   * view): writing them marks the organization due again when they may change its status.
   */
  async assess(organizationId: number, now: Date): Promise<HealthAssessment> {
    const [enabled, lastUse, stored] = await Promise.all([
      this.organizations.isScimEnabled(organizationId),
      this.apiKeys.lastUsed(organizationId, 'scim'),
      this.counts.totals(organizationId, new Date(now.getTime() - DAY_MS)),
    ]);
    let requests24h = 0;
    let errors24h = 0;
    for (const c of stored.values()) {
      requests24h += c.requests;
      errors24h += c.errors;
    }
    return { status: this.status(enabled, lastUse, now, requests24h, errors24h), enabled, lastUse, requests24h, errors24h };
  }

  /** The organization's stored counts per minute since `since`, oldest first (when failures age out). */
  minuteCounts(organizationId: number, since: Date): Promise<MinuteCounts[]> {
    return this.counts.perMinute(organizationId, since);
  }

  status(enabled: boolean, lastUse: Date | null, now: Date, requests: number, errors: number): ScimHealthStatus {
    if (!enabled) return 'off';
    if (!lastUse) return 'never-connected';
    if (now.getTime() - lastUse.getTime() > this.config.scimHealth.silentHours * 60 * 60 * 1000) return 'silent';
    if (isDegraded(requests, errors)) return 'degraded';
    return 'healthy';
  }

  private summary(status: ScimHealthStatus, requests: number, errors: number): string {
    const hours = this.config.scimHealth.silentHours;
    switch (status) {
      case 'off':
        return 'SCIM is turned off: identity providers are refused. Turn it on to provision users.';
      case 'never-connected':
        return 'No identity provider has called yet. Paste a Torii SCIM key and the base URL into Okta or Entra, then test the connection.';
      case 'silent':
        return `No SCIM request for more than ${hours} hours. Check that provisioning is still on in your identity provider and that its key has not expired or been deleted.`;
      case 'degraded':
        return `${errors} of the last 24 hours' ${requests} SCIM requests failed (${Math.round((errors / requests) * 100)}%). Entra quarantines a job above 40%: see the failures in the audit log.`;
      case 'healthy':
        return requests
          ? `${requests} SCIM request${requests === 1 ? '' : 's'} in the last 24 hours, ${errors} failed.`
          : 'Connected; no SCIM request in the last 24 hours.';
    }
  }
}
