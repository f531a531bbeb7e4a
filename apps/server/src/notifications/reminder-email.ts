import type { OutgoingMail } from './mailer/mailer.service';

export interface ReminderFacts {
  organizationName: string;
  organizationId: number;
  keyId: number;
  keyType: 'api' | 'scim';
  keyDescription: string | null;
  maskedKey: string;
  keyCreatedAt: Date;
  expiresAt: Date;
  now: Date;
  appUrl: string;
  recipients: string[];
}

const TYPE_NAMES = { api: 'Torii API', scim: 'Torii SCIM' } as const;

/** The expiry reminder: which key, when, what stops working, and how to rotate. */
export function reminderEmail(f: ReminderFacts): OutgoingMail {
  const typeName = TYPE_NAMES[f.keyType];
  const label = f.keyDescription ? `"${f.keyDescription}"` : f.maskedKey;
  const when = formatUtc(f.expiresAt);
  const days = Math.max(0, Math.ceil((f.expiresAt.getTime() - f.now.getTime()) / 86_400_000));
  const inDays = days === 0 ? 'today' : days === 1 ? 'in 1 day' : `in ${days} days`;
  // Straight to the key's rotation in the settings UI (sign-in first when needed).
  const link = `${f.appUrl}/settings/api-access?rotate=${f.keyId}`;
  const stops =
    f.keyType === 'scim'
      ? 'Okta (or your other identity provider) will no longer be able to create, update or deactivate users in Torii.'
      : 'Scripts and integrations that call the Torii API with this key will be refused.';
  const subject = `Your ${typeName} key ${label} expires ${inDays} (${when})`;
  const text = [
    `Hello,`,
    ``,
    `A ${typeName} key of ${f.organizationName} (Organization ID ${f.organizationId}) expires ${inDays}.`,
    ``,
    `  Key:         ${f.keyDescription ?? '(no description)'}`,
    `  Type:        ${typeName}`,
    `  Masked key:  ${f.maskedKey}`,
    `  Created:     ${formatUtc(f.keyCreatedAt)}`,
    `  Expires:     ${when}`,
    ``,
    `From that moment the key is refused. ${stops}`,
    ``,
    `To rotate it without downtime (an expiration cannot be extended):`,
    `  1. Rotate it in Settings > API Access (it generates the new key): ${link}`,
    `     (or on the server: npm run cli -- keys:rotate --org ${f.organizationId} --key ${f.keyId})`,
    `  2. Replace the old key with the new one in ${f.keyType === 'scim' ? 'your identity provider (Okta: the Torii app > Provisioning > API token)' : 'every system that uses it'}.`,
    `  3. Delete the old key.`,
    `Both keys work in between.`,
    lifetimeLine(f),
    ``,
    whyYouGetThis(f.organizationName),
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">
<p>Hello,</p>
<p>A <strong>${esc(typeName)}</strong> key of <strong>${esc(f.organizationName)}</strong> (Organization ID ${f.organizationId}) expires <strong>${esc(inDays)}</strong>.</p>
<table cellpadding="4" style="border-collapse:collapse">
<tr><th align="left">Key</th><td>${esc(f.keyDescription ?? '(no description)')}</td></tr>
<tr><th align="left">Type</th><td>${esc(typeName)}</td></tr>
<tr><th align="left">Masked key</th><td><code>${esc(f.maskedKey)}</code></td></tr>
<tr><th align="left">Created</th><td>${esc(formatUtc(f.keyCreatedAt))}</td></tr>
<tr><th align="left">Expires</th><td><strong>${esc(when)}</strong></td></tr>
</table>
<p>From that moment the key is refused. ${esc(stops)}</p>
<p>To rotate it without downtime (an expiration cannot be extended):</p>
<ol>
<li>Rotate it in <a href="${esc(link)}">Settings &gt; API Access</a> (it generates the new key).</li>
<li>Replace the old key with the new one in ${f.keyType === 'scim' ? 'your identity provider (Okta: the Torii app &gt; Provisioning &gt; API token)' : 'every system that uses it'}.</li>
<li>Delete the old key.</li>
</ol>
<p>Both keys work in between. ${esc(lifetimeLine(f))}</p>
<p style="color:#666">${esc(whyYouGetThis(f.organizationName))}</p>
</body></html>`;
  return { to: f.recipients, subject, text, html };
}

/** The key's lifetime, which Rotate gives its successor unless another expiration is chosen. */
function lifetimeLine(f: ReminderFacts): string {
  const days = Math.max(1, Math.round((f.expiresAt.getTime() - f.keyCreatedAt.getTime()) / 86_400_000));
  return `This key was given ${days === 1 ? '1 day' : `${days} days`} to live; Rotate gives the new key the same lifetime unless you choose another expiration (keys expire by default, so that a forgotten one stops working).`;
}

/** Why the reader gets the organization's emails: as an active Admin, or as a notification recipient. */
export function whyYouGetThis(organizationName: string): string {
  return `You receive this as an Admin of ${organizationName} in Torii, or as one of its notification recipients (Settings > Organization).`;
}

function formatUtc(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function esc(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
