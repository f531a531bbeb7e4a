import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type AuditEvent, type AuditFilters, describeError, type Page, query } from '../api';
import { ActorLabel } from '../components/actor-label';
import { Badge, EmptyState, Loading, LoadError, LoadMore, Notice, PageHeader, useAsync } from '../components/ui';
import { useSession } from '../context';
import { AUDIT_ACTION_LABELS, describeChange, formatDate, formatDateTime, isoDay, userLabel } from '../format';
import { followLink, incidentHref, scimRequestsHref } from '../router';

/** Changes shown on an event's row before "Show all": a user created by Okta has a dozen. */
const CHANGES_SHOWN = 3;

/** Filters from the address (`?targetType=user&targetId=42` from the Members page), so a history can be linked to. */
function filtersFromUrl(): AuditFilters {
  const q = new URLSearchParams(window.location.search);
  const get = (name: string) => q.get(name) ?? undefined;
  return {
    action: get('action'),
    actorKeyId: get('actorKeyId'),
    targetType: get('targetType'),
    targetId: get('targetId'),
    since: get('since'),
    until: get('until'),
    outcome: q.get('outcome') === 'failure' ? 'failure' : undefined,
  };
}

export function AuditLogPage() {
  const { api } = useSession();
  const [filters, setFilters] = useState<AuditFilters>(filtersFromUrl);
  const keys = useAsync(() => api.apiKeys());
  const list = useAsync(async () => ({ filters, page: await api.auditLog(filters) }), [JSON.stringify(filters)]);
  const [more, setMore] = useState<{ after: Page<AuditEvent>; pages: Page<AuditEvent>[] }>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string>();

  const subject = useAsync(() => historySubjectOf(api, filters), [filters.targetType, filters.targetId]);
  const first = list.data?.filters === filters ? list.data.page : undefined;
  const pages = first ? [first, ...(more?.after === first ? more.pages : [])] : [];
  const events = pages.flatMap((p) => p.items);
  const last = pages[pages.length - 1];

  // Both are dates (YYYY-MM-DD) from the pickers; From is inclusive, Before exclusive.
  const backwards = Boolean(filters.since && filters.until && filters.since >= filters.until);

  const change = (next: Partial<AuditFilters>) => {
    const merged = { ...filters, ...next };
    setFilters(merged);
    setError(undefined);
    window.history.replaceState(null, '', `${window.location.pathname}${query(merged)}`);
  };

  const loadMore = async () => {
    if (!first || !last?.nextCursor) return;
    setLoadingMore(true);
    try {
      setMore({ after: first, pages: [...pages.slice(1), await api.auditLog(filters, last.nextCursor)] });
    } catch (e) {
      setError(describeError(e));
    } finally {
      setLoadingMore(false);
    }
  };

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Everything done in this organization, by whom and when: changes from the settings, from your identity provider and from the operator CLI, and every SCIM request that was refused, with the reason it was given. Kept 180 days by default."
        actions={
          <>
            <ExportButton filters={filters} onError={setError} />
            <button type="button" class="btn btn-secondary" disabled={list.loading} onClick={() => void list.reload()}>
              Refresh
            </button>
          </>
        }
      />
      {filters.targetId && (
        <section class="history-title" aria-labelledby="history-title">
          <h2 id="history-title" class="section-title">
            History of {historyName(subject.data, filters, events)}
          </h2>
          {subject.data?.email && subject.data.name && <span class="muted">{subject.data.email}</span>}
          <button type="button" class="btn btn-link" onClick={() => change({ targetType: undefined, targetId: undefined })}>
            Show everything
          </button>
          {(filters.targetType === 'user' || filters.targetType === 'group') && (
            <a
              href={scimRequestsHref({ targetId: filters.targetId })}
              onClick={(event) => followLink(event, scimRequestsHref({ targetId: filters.targetId }))}
            >
              SCIM requests about this {filters.targetType}
            </a>
          )}
        </section>
      )}
      <form class="filters" aria-label="Filter the audit log" onSubmit={(e) => e.preventDefault()}>
        <div class="field field-inline">
          <label class="label" for="audit-action">
            Action
          </label>
          <select
            id="audit-action"
            class="select select-small"
            value={filters.action ?? ''}
            onChange={(e) => change({ action: (e.target as HTMLSelectElement).value || undefined })}
          >
            <option value="">All actions</option>
            {Object.entries(AUDIT_ACTION_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div class="field field-inline">
          <label class="label" for="audit-key">
            Key
          </label>
          <select
            id="audit-key"
            class="select select-small"
            value={filters.actorKeyId ?? ''}
            onChange={(e) => change({ actorKeyId: (e.target as HTMLSelectElement).value || undefined })}
          >
            <option value="">Any key</option>
            {(keys.data ?? []).map((k) => (
              <option key={k.id} value={k.id}>
                {k.description ? `${k.description} (${k.maskedKey})` : k.maskedKey}
              </option>
            ))}
          </select>
        </div>
        <div class="field field-inline">
          <label class="label" for="audit-since">
            From
          </label>
          <input
            id="audit-since"
            class="input input-small"
            type="date"
            value={filters.since ?? ''}
            onChange={(e) => change({ since: (e.target as HTMLInputElement).value || undefined })}
          />
        </div>
        <div class="field field-inline">
          <label class="label" for="audit-until">
            Before
          </label>
          <input
            id="audit-until"
            class="input input-small"
            type="date"
            value={filters.until ?? ''}
            onChange={(e) => change({ until: (e.target as HTMLInputElement).value || undefined })}
          />
        </div>
        <label class="checkbox">
          <input
            type="checkbox"
            checked={filters.outcome === 'failure'}
            onChange={(e) => change({ outcome: (e.target as HTMLInputElement).checked ? 'failure' : undefined })}
          />{' '}
          Refused SCIM requests only
        </label>
      </form>
      {backwards && (
        <div role="status">
          <Notice tone="warning" title="No event can match these dates">
            {filters.since === filters.until
              ? `“Before” is the first day not shown: with From and Before both ${formatDate(`${filters.since}T00:00:00Z`)}, the range is empty. To see one day, set Before to the day after.`
              : `“From” (${formatDate(`${filters.since}T00:00:00Z`)}) is after “Before” (${formatDate(`${filters.until}T00:00:00Z`)}).`}{' '}
            <button
              type="button"
              class="btn btn-link"
              onClick={() =>
                change(
                  filters.since === filters.until
                    ? { until: isoDay(new Date(Date.parse(`${filters.until}T00:00:00Z`) + 86_400_000)) }
                    : { since: filters.until, until: filters.since },
                )
              }
            >
              {filters.since === filters.until ? 'Show that day' : 'Swap the dates'}
            </button>
          </Notice>
        </div>
      )}
      {error && <Notice tone="danger">{error}</Notice>}
      {list.error && !first ? (
        <LoadError error={list.error} onRetry={list.reload} />
      ) : !first ? (
        <Loading />
      ) : events.length === 0 ? (
        <div class="card">
          <EmptyState title="Nothing recorded">No event matches these filters.</EmptyState>
        </div>
      ) : (
        <div class="card card-flush table-scroll">
          <table class="table table-responsive table-audit">
            <caption class="visually-hidden">Audit log, newest first</caption>
            <colgroup>
              <col class="col-when" />
              <col class="col-what" />
              <col class="col-who" />
              <col />
            </colgroup>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">What</th>
                <th scope="col">Who</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.id} data-action={e.action} class={e.outcome === 'failure' ? 'row-failure' : undefined}>
                  <td data-label="When" class="nowrap">
                    {formatDateTime(e.occurredAt)}
                  </td>
                  <td data-label="What">
                    <span class="stack">
                      <span>
                        {e.outcome === 'failure' ? (
                          <Badge tone="danger">{AUDIT_ACTION_LABELS[e.action] ?? e.action}</Badge>
                        ) : (
                          <span class="strong">{AUDIT_ACTION_LABELS[e.action] ?? e.action}</span>
                        )}
                      </span>
                      {e.target.type === 'deprovisioning-incident' && e.target.id ? (
                        <a
                          class="small"
                          href={incidentHref(e.target.id)}
                          onClick={(event) => followLink(event, incidentHref(e.target.id!))}
                        >
                          {e.target.display ?? 'The incident'}
                        </a>
                      ) : (
                        e.target.display && <span class="muted small">{e.target.display}</span>
                      )}
                    </span>
                  </td>
                  <td data-label="Who">
                    <ActorLabel actor={e.actor} />
                  </td>
                  <td data-label="Details">
                    <EventDetails event={e} />
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

/** A refusal's sentence, or what was changed: the first few changes side by side, the rest on request. */
function EventDetails({ event: e }: { event: AuditEvent }) {
  const [all, setAll] = useState(false);
  const changes = e.changes ?? [];
  const shown = all ? changes : changes.slice(0, CHANGES_SHOWN);
  if (e.outcome !== 'failure' && !e.detail && changes.length === 0) return null;
  return (
    <span class="stack">
      {e.outcome === 'failure' && (
        <span class="error-text">
          {e.status}
          {e.scimType ? ` ${e.scimType}` : ''}: {e.detail}
        </span>
      )}
      {e.outcome === 'failure' && e.requestId && (
        <a
          class="small"
          href={scimRequestsHref({ requestId: e.requestId })}
          onClick={(event) => followLink(event, scimRequestsHref({ requestId: e.requestId! }))}
        >
          See what was sent
        </a>
      )}
      {e.outcome !== 'failure' && e.detail && <span>{e.detail}</span>}
      {changes.length > 0 && (
        <span class="changes">
          {shown.map((c, i) => (
            <span key={i} class="small change">
              {describeChange(c)}
            </span>
          ))}
          {changes.length > CHANGES_SHOWN && (
            <button type="button" class="btn btn-link small" aria-expanded={all} onClick={() => setAll(!all)}>
              {all ? 'Show fewer' : `and ${changes.length - CHANGES_SHOWN} more`}
            </button>
          )}
        </span>
      )}
    </span>
  );
}

interface Subject {
  /** The person's name, when the user has one. */
  name?: string;
  email?: string;
}

/** Whose history the filters show: a user's name and email, read from the API (null: not a live user). */
async function historySubjectOf(api: ReturnType<typeof useSession>['api'], filters: AuditFilters): Promise<Subject | null> {
  if (filters.targetType !== 'user' || !filters.targetId) return null;
  try {
    const user = await api.user(filters.targetId);
    return { name: userLabel(user) ?? undefined, email: user.userName };
  } catch (error) {
    // A deleted or purged user: its events still name it.
    if (error instanceof ApiError && (error.status === 404 || error.status === 400)) return null;
    throw error;
  }
}

/** "Ana Silva", "ana@example.com", or what the events call the target when the API no longer knows it. */
function historyName(subject: Subject | null | undefined, filters: AuditFilters, events: AuditEvent[]): string {
  if (subject) return subject.name ?? subject.email ?? '';
  const named = events.find((e) => e.target.id === filters.targetId && e.target.display);
  if (named?.target.display) return named.target.display;
  return `${filters.targetType === 'user' ? 'user' : (filters.targetType ?? 'item')} ${filters.targetId}`;
}

/** The Export menu: the events the filters match, as CSV (a spreadsheet) or NDJSON (a SIEM), downloaded as a file. */
function ExportButton({ filters, onError }: { filters: AuditFilters; onError: (message: string | undefined) => void }) {
  const { api } = useSession();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!open) return;
    // Escape or a click elsewhere closes the menu; Escape gives the focus back to its button.
    const close = (event: Event) => {
      if (event instanceof KeyboardEvent) {
        if (event.key !== 'Escape') return;
        ref.current?.querySelector<HTMLElement>('button')?.focus();
      } else if (ref.current?.contains(event.target as Node)) return;
      setOpen(false);
    };
    document.addEventListener('keydown', close);
    document.addEventListener('mousedown', close);
    return () => {
      document.removeEventListener('keydown', close);
      document.removeEventListener('mousedown', close);
    };
  }, [open]);

  const download = async (format: 'csv' | 'ndjson') => {
    setBusy(true);
    onError(undefined);
    try {
      const blob = await api.auditExport(filters, format);
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = `audit-log-${isoDay(new Date())}.${format}`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
      setOpen(false);
    } catch (e) {
      onError(`Could not export the audit log: ${describeError(e)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="menu" ref={ref}>
      <button
        type="button"
        class="btn btn-secondary"
        aria-expanded={open}
        aria-controls="audit-export-menu"
        disabled={busy}
        onClick={() => setOpen(!open)}
      >
        {busy ? 'Exporting…' : 'Export'}
      </button>
      {open && (
        <div id="audit-export-menu" class="menu-panel">
          <p class="hint">Every event the filters match, newest first.</p>
          <button type="button" class="btn btn-ghost menu-item" disabled={busy} onClick={() => void download('csv')}>
            CSV <span class="muted">for a spreadsheet</span>
          </button>
          <button type="button" class="btn btn-ghost menu-item" disabled={busy} onClick={() => void download('ndjson')}>
            NDJSON <span class="muted">for a SIEM</span>
          </button>
        </div>
      )}
    </div>
  );
}
