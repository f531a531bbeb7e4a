import { useState } from 'preact/hooks';
import { type AuditEvent, type AuditFilters, describeError, type Page, query } from '../api';
import { Badge, EmptyState, Loading, LoadError, LoadMore, Notice, PageHeader, useAsync } from '../components/ui';
import { useSession } from '../context';
import { AUDIT_ACTION_LABELS, describeActor, describeChange, formatDateTime } from '../format';
import { followLink, incidentHref, scimRequestsHref } from '../router';

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

  const first = list.data?.filters === filters ? list.data.page : undefined;
  const pages = first ? [first, ...(more?.after === first ? more.pages : [])] : [];
  const events = pages.flatMap((p) => p.items);
  const last = pages[pages.length - 1];

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
          <button type="button" class="btn btn-secondary" disabled={list.loading} onClick={() => void list.reload()}>
            Refresh
          </button>
        }
      />
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
        {filters.targetId && (
          <p class="toolbar-note">
            History of {filters.targetType ?? 'item'} {filters.targetId}{' '}
            <button type="button" class="btn btn-link" onClick={() => change({ targetType: undefined, targetId: undefined })}>
              Show everything
            </button>{' '}
            {(filters.targetType === 'user' || filters.targetType === 'group') && (
              <a
                href={scimRequestsHref({ targetId: filters.targetId })}
                onClick={(event) => followLink(event, scimRequestsHref({ targetId: filters.targetId }))}
              >
                SCIM requests about this {filters.targetType}
              </a>
            )}
          </p>
        )}
      </form>
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
          <table class="table table-responsive">
            <caption class="visually-hidden">Audit log, newest first</caption>
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
                  <td data-label="Who" class="cell-wrap">
                    {describeActor(e.actor)}
                  </td>
                  <td data-label="Details" class="cell-wrap">
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
                      {(e.changes ?? []).slice(0, 6).map((c, i) => (
                        <span key={i} class="small">
                          {describeChange(c)}
                        </span>
                      ))}
                      {(e.changes?.length ?? 0) > 6 && <span class="muted small">and {e.changes!.length - 6} more changes</span>}
                    </span>
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
