import type { OutgoingMail } from './mailer/mailer.service';
import { esc, whyYouGetThis } from './reminder-email';

/** What a deprovisioning incident's alert says, as recorded when it was put in the outbox. */
export interface IncidentAlertPayload {
  incidentId: number;
  count: number;
  deactivated: number;
  deleted: number;
  windowMinutes: number;
  /** The first users of the incident (at most 10), for the email. */
  sample: string[];
}

export interface IncidentAlertFacts extends IncidentAlertPayload {
  organizationName: string;
  organizationId: number;
  maskedKey: string;
  keyDescription: string | null;
  appUrl: string;
  recipients: string[];
}

/**
 * The email of a deprovisioning incident: what happened, that nothing was refused, how to undo it in
 * one click, and, plainly, that the identity provider will do it again unless its assignment is fixed first.
 */
export function incidentAlertEmail(f: IncidentAlertFacts): OutgoingMail {
  const link = `${f.appUrl}/settings/incidents/${f.incidentId}`;
  const key = f.keyDescription ? `${f.keyDescription} (${f.maskedKey})` : f.maskedKey;
  const what = [f.deactivated ? `${f.deactivated} deactivated` : '', f.deleted ? `${f.deleted} deleted` : '']
    .filter(Boolean)
    .join(', ');
  const more = f.count > f.sample.length ? ` and ${f.count - f.sample.length} more` : '';
  const subject = `${f.count} users of ${f.organizationName} were deprovisioned at once`;
  const steps = [
    'Check in your identity provider why it deprovisioned them: an app assignment or a group removed by mistake (Okta), a scoping filter or assignment changed (Entra), an HR feed marking people as leavers.',
    'Fix the assignment there first: otherwise it will deactivate them again on its next provisioning cycle.',
    `Then open the incident and click Undo: every user is put back as they were just before (active, role, groups; deleted users restored with the same id). Or Dismiss it if this was intended.`,
  ];
  const text = [
    `Hello,`,
    ``,
    `Your identity provider deactivated or deleted ${f.count} users of ${f.organizationName} (Organization ID ${f.organizationId}) through SCIM within ${f.windowMinutes} minutes (${what}). Torii opened a deprovisioning incident. The requests were not refused; every change can be undone.`,
    ``,
    `  Users: ${f.sample.join(', ')}${more}`,
    `  Key used: ${key}`,
    ``,
    `What to do:`,
    ...steps.map((s, i) => `  ${i + 1}. ${s}`),
    ``,
    `The incident: ${link}`,
    ``,
    `${whyYouGetThis(f.organizationName)} You get one such email per incident; further deprovisioning joins the open incident.`,
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">
<p>Hello,</p>
<p>Your identity provider deactivated or deleted <strong>${f.count} users</strong> of <strong>${esc(f.organizationName)}</strong> (Organization ID ${f.organizationId}) through SCIM within ${f.windowMinutes} minutes (${esc(what)}). Torii opened a deprovisioning incident. The requests were not refused; every change can be undone.</p>
<p>Users: ${esc(f.sample.join(', '))}${esc(more)}<br>Key used: <code>${esc(key)}</code></p>
<p>What to do:</p>
<ol>${steps.map((s) => `<li>${esc(s)}</li>`).join('')}</ol>
<p><a href="${esc(link)}">Open the incident in Settings</a></p>
<p style="color:#666">${esc(whyYouGetThis(f.organizationName))} You get one such email per incident.</p>
</body></html>`;
  return { to: f.recipients, subject, text, html };
}
