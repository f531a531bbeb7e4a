import type { OutgoingMail } from './mailer/mailer.service';
import { esc, whyYouGetThis } from './reminder-email';

export interface HealthAlertFacts {
  status: string;
  summary: string;
  organizationName: string;
  organizationId: number;
  maskedKey: string;
  keyDescription: string | null;
  appUrl: string;
  recipients: string[];
}

const WHAT_TO_DO: Record<string, string[]> = {
  degraded: [
    'Open the audit log (Settings > Audit log, failures only) to see which requests were refused and why.',
    'Fix the cause in your identity provider (a userName that is not an email, a role name that does not exist, …).',
    'Microsoft Entra quarantines a provisioning job whose failures pass 40%: check its provisioning logs too.',
  ],
  silent: [
    'Check that provisioning is still turned on in your identity provider (Okta: the Torii app > Provisioning; Entra: Provisioning status).',
    'Check that the key it uses has not expired or been deleted (Settings > API Access).',
    'Run a test connection from the identity provider, then look at Settings > Security.',
  ],
};

/** The alert that the SCIM connection became degraded or silent: what we see, and what to do. */
export function healthAlertEmail(f: HealthAlertFacts): OutgoingMail {
  const link = `${f.appUrl}/settings/security`;
  const key = f.keyDescription ? `${f.keyDescription} (${f.maskedKey})` : f.maskedKey;
  const steps = WHAT_TO_DO[f.status] ?? [];
  const subject = `SCIM provisioning of ${f.organizationName} is ${f.status}`;
  const text = [
    `Hello,`,
    ``,
    `The SCIM connection of ${f.organizationName} (Organization ID ${f.organizationId}) is ${f.status}.`,
    ``,
    f.summary,
    ``,
    `  Key concerned: ${key}`,
    ``,
    `What to do:`,
    ...steps.map((s, i) => `  ${i + 1}. ${s}`),
    ``,
    `The connection's state, live: ${link}`,
    ``,
    `${whyYouGetThis(f.organizationName)} You get one such email each time the connection becomes ${f.status}.`,
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">
<p>Hello,</p>
<p>The SCIM connection of <strong>${esc(f.organizationName)}</strong> (Organization ID ${f.organizationId}) is <strong>${esc(f.status)}</strong>.</p>
<p>${esc(f.summary)}</p>
<p>Key concerned: <code>${esc(key)}</code></p>
<p>What to do:</p>
<ol>${steps.map((s) => `<li>${esc(s)}</li>`).join('')}</ol>
<p><a href="${esc(link)}">See the connection's state in Settings &rsaquo; Security</a></p>
<p style="color:#666">${esc(whyYouGetThis(f.organizationName))}</p>
</body></html>`;
  return { to: f.recipients, subject, text, html };
}
