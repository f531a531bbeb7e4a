import { useState } from 'preact/hooks';
import { describeError, type MailDelivery, type Page, type Reminder, type ReminderStatus } from '../api';
import { Badge, EmptyState, Loading, LoadError, LoadMore, Notice, PageHeader, useAsync } from '../components/ui';
import { useSession } from '../context';
import { describeLeadTime, formatDate, formatDateTime, KEY_TYPE_LABELS, plural, REMINDER_STATUS_LABELS } from '../format';
import { followLink, incidentHref, pageHref } from '../router';

const STATUS_TONES: Record<ReminderStatus, 'success' | 'warning' | 'danger' | 'neutral'> = {
  sent: 'success',
  pending: 'warning',
  failed: 'danger',
  cancelled: 'neutral',
  superseded: 'neutral',
};

export function NotificationsPage() {
  const { api } = useSession();
  const list = useAsync(() => api.notifications());
  const upcoming = useAsync(() => api.notificationOverview());
  const outbox = upcoming.data?.mailDelivery === 'outbox';
  const [more, setMore] = useState<{ after: Page<Reminder>; pages: Page<Reminder>[] }>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string>();

  const first = list.data;
  const pages = first ? [first, ...(more?.after === first ? more.pages : [])] : [];
  const reminders = pages.flatMap((p) => p.items);
  const last = pages[pages.length - 1];

  const loadMore = async () => {
    if (!first || !last?.nextCursor) return;
    setLoadingMore(true);
    try {
      const next = await api.notifications(last.nextCursor);
      setMore({ after: first, pages: [...pages.slice(1), next] });
    } catch (e) {
      setError(describeError(e));
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <>
      <PageHeader
        title="Notifications"
        description={
          <>
            Torii emails your organization's active Admins and its{' '}
            <a href={pageHref('organization')} onClick={(e) => followLink(e, pageHref('organization'))}>
              notification recipients
            </a>{' '}
            a month before an API key expires, so there is time to{' '}
            <a href={pageHref('api-access')} onClick={(e) => followLink(e, pageHref('api-access'))}>
              rotate it
            </a>
            , when the SCIM connection becomes degraded or silent, and when a deprovisioning incident opens. A send that fails is
            retried with back-off; nothing is lost.
          </>
        }
        actions={
          <button
            type="button"
            class="btn btn-secondary"
            disabled={list.loading}
            onClick={() => {
              void list.reload();
              void upcoming.reload();
            }}
          >
            Refresh
          </button>
        }
      />
      {error && <Notice tone="danger">{error}</Notice>}
      {outbox && (
        <div data-outbox-notice>
          <Notice tone="warning" title="No SMTP server is configured: nobody receives these emails">
            <p>
              This server writes each email as an <code>.eml</code> file to its outbox folder (<code>MAIL_OUTBOX_DIR</code>)
              instead of sending it. To send them, set <code>SMTP_URL</code> (<code>smtps://user:password@host:465</code>) and{' '}
              <code>MAIL_FROM</code> in the server's environment and restart it; the SMTP settings are described in{' '}
              <code>docs/configuration.md</code>. Emails written to the folder are not sent again.
            </p>
          </Notice>
        </div>
      )}
      {upcoming.data && (
        <section class="section" aria-labelledby="upcoming-title">
          <h2 id="upcoming-title" class="section-title">
            Upcoming <span class="count">{upcoming.data.upcoming.length}</span>
          </h2>
          <p class="section-note">
            {upcoming.data.nextRunAt
              ? `The reminder job runs next at ${formatDateTime(upcoming.data.nextRunAt)}.`
              : 'This server does not run the reminder job itself (SCHEDULER_ENABLED=false): another instance does.'}
          </p>
          <div class="card card-flush table-scroll">
            {upcoming.data.upcoming.length === 0 ? (
              <p class="empty-inline">No reminder to come: no key with an expiration date is waiting for one.</p>
            ) : (
              <table class="table table-responsive">
                <caption class="visually-hidden">Reminders to come, soonest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Key</th>
                    <th scope="col">Key expires</th>
                    <th scope="col">Reminder from</th>
                  </tr>
                </thead>
                <tbody>
                  {upcoming.data.upcoming.map((u) => (
                    <tr key={`${u.apiKeyId}/${u.leadTime}`} data-upcoming={u.maskedKey}>
                      <td data-label="Key" class="cell-grow">
                        <span class="stack">
                          <span>
                            <Badge tone={u.keyType === 'scim' ? 'accent' : 'neutral'}>{KEY_TYPE_LABELS[u.keyType]}</Badge>{' '}
                            <code class="masked-key">{u.maskedKey}</code>
                          </span>
                          {u.keyDescription && <span class="muted small">{u.keyDescription}</span>}
                        </span>
                      </td>
                      <td data-label="Key expires" class="nowrap">
                        {formatDate(u.expiresAt)}
                      </td>
                      <td data-label="Reminder from">
                        <span class="stack">
                          <span class="nowrap">{formatDateTime(u.remindAt)}</span>
                          <span class="muted small">{describeLeadTime(u.leadTime)}</span>
                        </span>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </div>
        </section>
      )}
      <h2 class="section-title">Sent and scheduled</h2>
      {list.error && !first ? (
        <LoadError error={list.error} onRetry={list.reload} />
      ) : !first ? (
        <Loading />
      ) : reminders.length === 0 ? (
        <div class="card">
          <EmptyState title="No reminders yet">
            Reminders appear here once a key with an expiration date enters its reminder window.
          </EmptyState>
        </div>
      ) : (
        <div class="card card-flush table-scroll">
          <table class="table table-responsive">
            <caption class="visually-hidden">Key expiry reminders and connection alerts, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">About</th>
                <th scope="col">Recipients</th>
                <th scope="col">Status</th>
                <th scope="col">When</th>
              </tr>
            </thead>
            <tbody>
              {reminders.map((r) => (
                <tr key={r.id}>
                  <td data-label="Key" class="cell-grow">
                    <span class="stack">
                      <span>
                        <Badge tone={r.keyType === 'scim' ? 'accent' : 'neutral'}>{KEY_TYPE_LABELS[r.keyType]}</Badge>{' '}
                        <code class="masked-key">{r.maskedKey}</code>
                      </span>
                      {r.keyDescription && <span class="muted small">{r.keyDescription}</span>}
                    </span>
                  </td>
                  <td data-label="About">
                    {r.kind === 'scim-health' ? (
                      <span class="stack">
                        <span>
                          <Badge tone="danger">SCIM connection {r.health?.status}</Badge>
                        </span>
                        <span class="muted small">{r.health?.summary}</span>
                      </span>
                    ) : r.kind === 'deprovisioning' ? (
                      <span class="stack">
                        <span>
                          <Badge tone="danger">Deprovisioning incident</Badge>
                        </span>
                        {r.incident && (
                          <a
                            class="small"
                            href={incidentHref(r.incident.id)}
                            onClick={(event) => followLink(event, incidentHref(r.incident!.id))}
                          >
                            {plural(r.incident.count, 'user')} deactivated or deleted
                          </a>
                        )}
                      </span>
                    ) : (
                      <span class="stack">
                        <span class="nowrap" title={formatDateTime(r.expiresAt)}>
                          Key expires {formatDate(r.expiresAt)}
                        </span>
                        <span class="muted small">Reminder {describeLeadTime(r.leadTime)}</span>
                      </span>
                    )}
                  </td>
                  <td data-label="Recipients" class="cell-wrap cell-recipients">
                    {r.recipients.length ? <RecipientList emails={r.recipients} /> : <span class="muted">No active Admin</span>}
                  </td>
                  <td data-label="Status" class="cell-fit">
                    <span class="stack" data-status={statusLabel(r)}>
                      <span>
                        <Badge tone={r.delivery === 'outbox' ? 'warning' : STATUS_TONES[r.status]}>{statusLabel(r)}</Badge>
                      </span>
                      {deliveryNote(r, upcoming.data?.mailDelivery) && (
                        <span class="muted small status-note">{deliveryNote(r, upcoming.data?.mailDelivery)}</span>
                      )}
                      {r.attempts > 0 && (
                        <span class="muted small">{r.attempts === 1 ? '1 attempt' : `${r.attempts} attempts`}</span>
                      )}
                      {r.lastError && r.status !== 'sent' && <span class="error-text small status-note">{r.lastError}</span>}
                    </span>
                  </td>
                  <td data-label="When" class="nowrap cell-fit">
                    {r.sentAt ? (
                      formatDateTime(r.sentAt)
                    ) : r.status === 'pending' && r.nextAttemptAt ? (
                      <span class="stack muted">
                        <span class="small">Next try</span>
                        <span>{formatDateTime(r.nextAttemptAt)}</span>
                      </span>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <LoadMore shown={Boolean(last?.nextCursor)} loading={loadingMore} onClick={() => void loadMore()} />
        </div>
      )}
    </>
  );
}

/** "Sent" only for mail an SMTP server took: mail written to the outbox folder reached nobody. */
function statusLabel(r: Reminder): string {
  return r.status === 'sent' && r.delivery === 'outbox' ? 'Not emailed' : REMINDER_STATUS_LABELS[r.status];
}

/** What became, or will become, of the message when it was not (or will not be) handed to SMTP. */
function deliveryNote(r: Reminder, now: MailDelivery | undefined): string | undefined {
  if (r.status === 'sent' && r.delivery === 'outbox') return 'Written to the outbox folder — no SMTP configured';
  if (r.status === 'pending' && now === 'outbox') return 'Will only be written to the outbox folder: no SMTP configured';
  return undefined;
}

/** Addresses shown at first: the active Admins and up to 20 recipients would make a row very tall. */
const RECIPIENTS_SHOWN = 3;

/** A message's addresses, one a line; past the first few, "and N more" shows the rest. */
function RecipientList({ emails }: { emails: string[] }) {
  const [all, setAll] = useState(false);
  const shown = all || emails.length <= RECIPIENTS_SHOWN + 1 ? emails : emails.slice(0, RECIPIENTS_SHOWN);
  return (
    <span class="recipient-lines">
      {shown.map((email, i) => (
        <span key={i}>{email}</span>
      ))}
      {shown.length < emails.length && (
        <button
          type="button"
          class="btn-link small"
          aria-label={`Show all ${emails.length} recipients`}
          onClick={() => setAll(true)}
        >
          and {emails.length - shown.length} more
        </button>
      )}
    </span>
  );
}
