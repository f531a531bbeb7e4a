import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { describeError, type Page, query, type ScimRequest, type ScimRequestDetail, type ScimRequestFilters } from '../api';
import { CopyButton } from '../components/copy-button';
import { Badge, EmptyState, Loading, LoadError, LoadMore, Notice, PageHeader, useAsync } from '../components/ui';
import { useSession } from '../context';
import { followLink, pageHref, scimRequestHref } from '../router';
import { CLIENT_LABELS, curlCommand, refusalHint, showBody } from '../scim-inspection';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
const RESOURCES = ['Users', 'Groups'];

/** Filters from the address (`?requestId=…` from the audit log, `?targetId=…` from a user's history). */
function filtersFromUrl(): ScimRequestFilters {
  const q = new URLSearchParams(window.location.search);
  const get = (name: string) => q.get(name) || undefined;
  return {
    outcome: q.get('outcome') === 'failure' ? 'failure' : q.get('outcome') === 'success' ? 'success' : undefined,
    method: get('method'),
    resourceType: get('resourceType'),
    keyId: get('keyId'),
    targetId: get('targetId'),
    requestId: get('requestId'),
    since: get('since'),
    until: get('until'),
  };
}

/** The list's address with its filters, so that a request's page leads back to the same list. */
let listHref = pageHref('scim-requests');

/** A `datetime-local` value (read as UTC, like every time on these pages) as the API takes it, and back. */
const toInstant = (value: string) => (value ? `${value}:00Z` : undefined);
const toInput = (iso?: string) => (iso ? iso.slice(0, 16) : '');

const secondsFormat = new Intl.DateTimeFormat('en-US', {
  dateStyle: 'medium',
  timeStyle: 'medium',
  hourCycle: 'h23',
  timeZone: 'UTC',
});

/** To the second, in UTC: requests come many a minute, and support matches them with the identity provider's log. */
function formatInstant(iso: string): string {
  return `${secondsFormat.format(new Date(iso))} UTC`;
}

function describeDuration(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function StatusBadge({ request }: { request: Pick<ScimRequest, 'status' | 'outcome'> }) {
  return request.outcome === 'failure' ? (
    <Badge tone="danger">{request.status} refused</Badge>
  ) : (
    <Badge tone="success">{request.status}</Badge>
  );
}

function KeyLabel({ keyInfo }: { keyInfo: ScimRequest['key'] }) {
  return (
    <span class="stack">
      <code class="masked-key">{keyInfo.maskedKey}</code>
      {keyInfo.description && (
        <span class="muted small key-description" title={keyInfo.description}>
          {keyInfo.description}
        </span>
      )}
    </span>
  );
}

export function ScimRequestsPage({ id }: { id?: string }) {
  return id ? <ScimRequestPage id={id} /> : <ScimRequestList />;
}

function ScimRequestList() {
  const { api } = useSession();
  const [filters, setFilters] = useState<ScimRequestFilters>(filtersFromUrl);
  const keys = useAsync(() => api.apiKeys());
  const list = useAsync(async () => ({ filters, page: await api.scimRequests(filters) }), [JSON.stringify(filters)]);
  const [more, setMore] = useState<{ after: Page<ScimRequest>; pages: Page<ScimRequest>[] }>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string>();
  const [targetText, setTargetText] = useState(filters.targetId ?? '');

  const first = list.data?.filters === filters ? list.data.page : undefined;
  const pages = first ? [first, ...(more?.after === first ? more.pages : [])] : [];
  const requests = pages.flatMap((p) => p.items);
  const last = pages[pages.length - 1];

  useEffect(() => {
    listHref = `${pageHref('scim-requests')}${query(filters)}`;
  }, [filters]);

  const change = (next: Partial<ScimRequestFilters>) => {
    const merged = { ...filters, ...next };
    setFilters(merged);
    setError(undefined);
    window.history.replaceState(null, '', `${window.location.pathname}${query(merged)}`);
  };

  const loadMore = async () => {
    if (!first || !last?.nextCursor) return;
    setLoadingMore(true);
    try {
      setMore({ after: first, pages: [...pages.slice(1), await api.scimRequests(filters, last.nextCursor)] });
    } catch (e) {
      setError(describeError(e));
    } finally {
      setLoadingMore(false);
    }
  };

  const open = (event: MouseEvent, request: ScimRequest) => followLink(event, scimRequestHref(request.id));
  const filtered = Object.values(filters).some(Boolean);

  return (
    <>
      <PageHeader
        title="SCIM requests"
        description="What your identity provider sent and what Torii answered, for every SCIM request of the last days (successes and refusals), newest first. Open one to see its bodies, why it was refused and how to send it again. Passwords and keys are never kept."
        actions={
          <button type="button" class="btn btn-secondary" disabled={list.loading} onClick={() => void list.reload()}>
            Refresh
          </button>
        }
      />
      <form
        class="filters"
        aria-label="Filter the SCIM requests"
        onSubmit={(e) => {
          e.preventDefault();
          change({ targetId: targetText.trim() || undefined });
        }}
      >
        <label class="checkbox">
          <input
            type="checkbox"
            checked={filters.outcome === 'failure'}
            onChange={(e) => change({ outcome: (e.target as HTMLInputElement).checked ? 'failure' : undefined })}
          />{' '}
          Failures only
        </label>
        <div class="field field-inline">
          <label class="label" for="scim-method">
            Method
          </label>
          <select
            id="scim-method"
            class="select select-small"
            value={filters.method ?? ''}
            onChange={(e) => change({ method: (e.target as HTMLSelectElement).value || undefined })}
          >
            <option value="">Any method</option>
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </div>
        <div class="field field-inline">
          <label class="label" for="scim-resource">
            Resource
          </label>
          <select
            id="scim-resource"
            class="select select-small"
            value={filters.resourceType ?? ''}
            onChange={(e) => change({ resourceType: (e.target as HTMLSelectElement).value || undefined })}
          >
            <option value="">Any resource</option>
            {RESOURCES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div class="field field-inline">
          <label class="label" for="scim-key">
            Key
          </label>
          <select
            id="scim-key"
            class="select select-small"
            value={filters.keyId ?? ''}
            onChange={(e) => change({ keyId: (e.target as HTMLSelectElement).value || undefined })}
          >
            <option value="">Any key</option>
            {(keys.data ?? []).map((k) => (
              <option key={k.id} value={k.id}>
                {k.description ? `${k.description} (${k.maskedKey})` : k.maskedKey}
              </option>
            ))}
            {filters.keyId && !(keys.data ?? []).some((k) => k.id === filters.keyId) && (
              <option value={filters.keyId}>Key {filters.keyId} (deleted)</option>
            )}
          </select>
        </div>
        <div class="field field-inline">
          <label class="label" for="scim-target">
            User or group id
          </label>
          <input
            id="scim-target"
            class="input input-small"
            value={targetText}
            maxLength={64}
            placeholder="e.g. 42"
            onInput={(e) => setTargetText((e.target as HTMLInputElement).value)}
            onBlur={() => targetText.trim() !== (filters.targetId ?? '') && change({ targetId: targetText.trim() || undefined })}
          />
        </div>
        <div class="field field-inline">
          <label class="label" for="scim-since">
            From (UTC)
          </label>
          <input
            id="scim-since"
            class="input input-small"
            type="datetime-local"
            value={toInput(filters.since)}
            onChange={(e) => change({ since: toInstant((e.target as HTMLInputElement).value) })}
          />
        </div>
        <div class="field field-inline">
          <label class="label" for="scim-until">
            Before (UTC)
          </label>
          <input
            id="scim-until"
            class="input input-small"
            type="datetime-local"
            value={toInput(filters.until)}
            onChange={(e) => change({ until: toInstant((e.target as HTMLInputElement).value) })}
          />
        </div>
        {filters.requestId && (
          <p class="toolbar-note">
            The request <code>{filters.requestId}</code>{' '}
            <button type="button" class="btn btn-link" onClick={() => change({ requestId: undefined })}>
              Show every request
            </button>
          </p>
        )}
        {filtered && (
          <button
            type="button"
            class="btn btn-ghost btn-small"
            onClick={() => {
              setTargetText('');
              change({
                outcome: undefined,
                method: undefined,
                resourceType: undefined,
                keyId: undefined,
                targetId: undefined,
                requestId: undefined,
                since: undefined,
                until: undefined,
              });
            }}
          >
            Clear filters
          </button>
        )}
      </form>
      {error && <Notice tone="danger">{error}</Notice>}
      {list.error && !first ? (
        <LoadError error={list.error} onRetry={list.reload} />
      ) : !first ? (
        <Loading />
      ) : requests.length === 0 ? (
        <div class="card">
          <EmptyState title={filtered ? 'No request matches these filters' : 'No SCIM request yet'}>
            {filtered
              ? 'Requests are kept for a few days; older ones are gone.'
              : 'Requests appear here within a second of your identity provider sending them.'}
          </EmptyState>
        </div>
      ) : (
        <div class="card card-flush table-scroll">
          <table class="table table-responsive scim-requests">
            <caption class="visually-hidden">SCIM requests, newest first</caption>
            <thead>
              <tr>
                <th scope="col" class="col-time">
                  Time
                </th>
                <th scope="col">Request</th>
                <th scope="col" class="col-status">
                  Status
                </th>
                <th scope="col" class="col-client">
                  Client
                </th>
                <th scope="col" class="col-key">
                  Key
                </th>
                <th scope="col" class="num col-duration">
                  Duration
                </th>
              </tr>
            </thead>
            <tbody>
              {requests.map((r) => (
                <tr
                  key={r.id}
                  data-scim-request={r.id}
                  data-outcome={r.outcome}
                  class={`row-link${r.outcome === 'failure' ? ' row-failure' : ''}`}
                  onClick={(event) => {
                    // The whole row opens the request; the link inside it is what the keyboard reaches.
                    if ((event.target as HTMLElement).closest('a, button')) return;
                    open(event, r);
                  }}
                >
                  <td data-label="Time" class="nowrap">
                    {formatInstant(r.at)}
                  </td>
                  <td data-label="Request" class="cell-wrap">
                    <span class="stack">
                      <a
                        class="request-line"
                        href={scimRequestHref(r.id)}
                        onClick={(event) => open(event, r)}
                        aria-label={`${r.method} ${r.path}, ${r.status}: details`}
                      >
                        <span class="method">{r.method}</span> <span class="request-path">{r.path}</span>
                      </a>
                      {r.query && <span class="muted small request-path">?{r.query}</span>}
                      {r.outcome === 'failure' && r.detail && <span class="error-text small">{r.detail}</span>}
                    </span>
                  </td>
                  <td data-label="Status">
                    <StatusBadge request={r} />
                  </td>
                  <td data-label="Client">{CLIENT_LABELS[r.client]}</td>
                  <td data-label="Key" class="cell-wrap">
                    <KeyLabel keyInfo={r.key} />
                  </td>
                  <td data-label="Duration" class="num nowrap">
                    {describeDuration(r.durationMs)}
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

function ScimRequestPage({ id }: { id: string }) {
  const { api } = useSession();
  const request = useAsync(() => api.scimRequest(id), [id]);
  const r = request.data;
  const back = (
    <a class="back-link" href={listHref} onClick={(e) => followLink(e, listHref)}>
      ← SCIM requests
    </a>
  );
  if (request.error && !r) {
    return (
      <>
        {back}
        <PageHeader title="SCIM request" description="" />
        <LoadError error={request.error} onRetry={request.reload} />
      </>
    );
  }
  if (!r) return <Loading />;
  const hint = refusalHint(r);
  const curl = curlCommand(window.location.origin, r);
  return (
    <>
      {back}
      <PageHeader
        title={`${r.method} ${r.resourceType ?? 'request'}`}
        description={
          <>
            <code class="request-path">
              {r.path}
              {r.query ? `?${r.query}` : ''}
            </code>
          </>
        }
        actions={
          <CopyButton text={curl} label="Copy as curl (without the key)">
            Copy as curl
          </CopyButton>
        }
      />
      {r.outcome === 'failure' && (
        <Notice tone="danger" title={`Refused: ${r.status}${r.scimType ? ` ${r.scimType}` : ''}`}>
          {r.detail && <p class="refusal-detail">{r.detail}</p>}
          {hint && (
            <p class="refusal-hint" data-hint>
              <strong>What this means:</strong> {hint}
            </p>
          )}
        </Notice>
      )}
      <section class="card" aria-labelledby="request-facts">
        <h2 id="request-facts" class="card-title">
          Request <StatusBadge request={r} />
        </h2>
        <dl class="facts request-facts">
          <Fact label="Time">{formatInstant(r.at)}</Fact>
          <Fact label="Status">
            {r.status}
            {r.scimType ? ` (${r.scimType})` : ''}
          </Fact>
          {r.detail && <Fact label="Detail">{r.detail}</Fact>}
          <Fact label="Duration">{describeDuration(r.durationMs)}</Fact>
          <Fact label="Key">
            <KeyLabel keyInfo={r.key} />
          </Fact>
          <Fact label="Client">{CLIENT_LABELS[r.client]}</Fact>
          <Fact label="User agent">
            {r.userAgent ? <code class="wrap-anywhere">{r.userAgent}</code> : <span class="muted">None</span>}
          </Fact>
          {r.targetId && (
            <Fact label={r.resourceType === 'Groups' ? 'Group id' : 'User id'}>
              <code>{r.targetId}</code>{' '}
              <a
                class="small"
                href={`${pageHref('scim-requests')}?targetId=${encodeURIComponent(r.targetId)}`}
                onClick={(e) => followLink(e, `${pageHref('scim-requests')}?targetId=${encodeURIComponent(r.targetId!)}`)}
              >
                Every request about it
              </a>
            </Fact>
          )}
          {r.requestId && (
            <Fact label="Request id">
              <code class="wrap-anywhere">{r.requestId}</code>
            </Fact>
          )}
        </dl>
      </section>
      <Body title="Request body" text={r.requestBody} />
      <Body title="Response body" text={r.responseBody} />
      <section class="card" aria-labelledby="curl-title">
        <h2 id="curl-title" class="card-title">
          Send it again
        </h2>
        <p class="card-text">
          The request as a curl command, without the key: set <code>TORII_SCIM_KEY</code> to a Torii SCIM key of this organization
          first. Passwords read <code>"[redacted]"</code>.
        </p>
        <pre class="code-block" data-curl>
          {curl}
        </pre>
      </section>
    </>
  );
}

function Fact({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="fact">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function Body({ title, text }: { title: string; text: ScimRequestDetail['requestBody'] }) {
  const slug = title.toLowerCase().replace(/ /g, '-');
  const shown = text ? showBody(text) : null;
  return (
    <section class="card" aria-labelledby={slug}>
      <h2 id={slug} class="card-title">
        {title} {shown?.json && <Badge>JSON</Badge>}
        {shown?.cut && <Badge tone="warning">Cut at 64 KB</Badge>}
      </h2>
      {!shown ? (
        <p class="muted">No body.</p>
      ) : (
        <>
          {shown.cut && (
            <p class="card-text">
              The body was longer than 64 KB: only its beginning is kept ({shown.cut} were not), so it is shown as text.
            </p>
          )}
          {shown.notKept && <p class="card-text">The body was not kept, only what the server noted about it.</p>}
          <pre class={`code-block${shown.json ? ' code-json' : ''}`} data-body={slug}>
            {shown.text}
          </pre>
        </>
      )}
    </section>
  );
}
