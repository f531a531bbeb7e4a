import { useState } from 'preact/hooks';
import { describeError, type ScimHealth } from '../api';
import { CopyButton } from '../components/copy-button';
import { Dialog } from '../components/dialog';
import { type Async, Badge, Loading, LoadError, Notice, PageHeader, Switch, useAsync } from '../components/ui';
import { describeBurst, formatDateTime } from '../format';
import { useSession } from '../context';
import { followLink, incidentHref, pageHref } from '../router';

export function SecurityPage() {
  const { api, organization } = useSession();
  const security = useAsync(() => api.security());
  const health = useAsync(() => api.scimHealth());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [confirmOff, setConfirmOff] = useState(false);
  const scimUrl = `${window.location.origin}/v1.0/scim/v2`;

  const save = async (scimEnabled: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      security.setData(await api.setScimEnabled(scimEnabled));
      void health.reload();
    } catch (e) {
      setError(`Could not turn SCIM ${scimEnabled ? 'on' : 'off'}: ${describeError(e)}`);
    } finally {
      setBusy(false);
      setConfirmOff(false);
    }
  };

  return (
    <>
      <PageHeader title="Security" description="Control how your identity provider provisions the users of this organization." />
      {security.error && !security.data ? (
        <LoadError error={security.error} onRetry={security.reload} />
      ) : !security.data ? (
        <Loading />
      ) : (
        <>
          {error && <Notice tone="danger">{error}</Notice>}
          <section class="card" aria-labelledby="scim-title">
            <div class="setting">
              <div class="setting-text">
                <h2 id="scim-title" class="card-title">
                  SCIM provisioning {security.data.scimEnabled ? <Badge tone="success">Enabled</Badge> : <Badge>Disabled</Badge>}
                </h2>
                <p id="scim-description" class="card-text">
                  When SCIM is on, your identity provider (Okta, Microsoft Entra ID) creates, updates and deactivates the users of
                  this organization with a Torii SCIM key. Turning it off refuses every SCIM request of this organization at once,
                  so provisioning stops; your SCIM keys are kept and work again when you turn SCIM back on.
                </p>
              </div>
              <Switch
                checked={security.data.scimEnabled}
                disabled={busy}
                labelledBy="scim-title"
                describedBy="scim-description"
                onChange={(on) => (on ? save(true) : setConfirmOff(true))}
              />
            </div>
          </section>

          <ConnectionCard health={health} />

          <section class="card" aria-labelledby="connect-title">
            <h2 id="connect-title" class="card-title">
              Connect your identity provider
            </h2>
            <ol class="steps">
              <li>Turn on SCIM provisioning above. {security.data.scimEnabled && <Badge tone="success">Done</Badge>}</li>
              <li>
                In{' '}
                <a href={pageHref('api-access')} onClick={(e) => followLink(e, pageHref('api-access'))}>
                  API Access
                </a>
                , generate a <strong>Torii SCIM</strong> key with an expiration date and copy it.
              </li>
              <li>In your identity provider's Torii app, enable API integration and enter these values with the key:</li>
            </ol>
            <dl class="facts">
              <div class="fact">
                <dt>SCIM base URL</dt>
                <dd>
                  <code class="code-value">{scimUrl}</code>
                  <CopyButton text={scimUrl} label="Copy SCIM base URL" small />
                </dd>
              </div>
              <div class="fact">
                <dt>Organization ID</dt>
                <dd>
                  <code class="code-value">{organization.id}</code>
                  <CopyButton text={organization.id} label="Copy Organization ID" small />
                </dd>
              </div>
            </dl>
          </section>
        </>
      )}
      {confirmOff && (
        <Dialog
          title="Turn off SCIM provisioning?"
          tone="danger"
          size="small"
          onClose={() => setConfirmOff(false)}
          footer={
            <>
              <button type="button" class="btn btn-secondary" data-autofocus onClick={() => setConfirmOff(false)}>
                Cancel
              </button>
              <button type="button" class="btn btn-danger" disabled={busy} onClick={() => save(false)}>
                Turn off SCIM
              </button>
            </>
          }
        >
          <p>
            Every SCIM request of <strong>{organization.name}</strong> is refused from now on: your identity provider stops
            creating, updating and deactivating users. Your SCIM keys are kept and work again when you turn SCIM back on.
          </p>
        </Dialog>
      )}
    </>
  );
}

const HEALTH_BADGES: Record<ScimHealth['status'], { label: string; tone: 'success' | 'warning' | 'danger' | 'neutral' }> = {
  healthy: { label: 'Healthy', tone: 'success' },
  degraded: { label: 'Degraded', tone: 'danger' },
  silent: { label: 'Silent', tone: 'warning' },
  'never-connected': { label: 'Not connected yet', tone: 'neutral' },
  off: { label: 'Off', tone: 'neutral' },
};

/** The identity provider's connection, live: status, last request, per-key counts and last error. */
function ConnectionCard({ health }: { health: Async<ScimHealth> }) {
  const data = health.data;
  return (
    <section class="card" aria-labelledby="health-title" data-health={data?.status}>
      <h2 id="health-title" class="card-title">
        Connection {data && <Badge tone={HEALTH_BADGES[data.status].tone}>{HEALTH_BADGES[data.status].label}</Badge>}
        <button type="button" class="btn btn-ghost btn-small" disabled={health.loading} onClick={() => void health.reload()}>
          Refresh
        </button>
      </h2>
      {health.error && !data ? (
        <LoadError error={health.error} onRetry={health.reload} />
      ) : !data ? (
        <Loading />
      ) : (
        <>
          {data.incident && (
            <div class="card-notice" data-open-incident={data.incident.id}>
              <Notice tone="danger" title="Deprovisioning incident open">
                <p>
                  {describeBurst(data.incident.count)}. Incident open since {formatDateTime(data.incident.openedAt)}: undo it once
                  the assignment in your identity provider is fixed, or dismiss it if the change was meant.
                </p>
                <a
                  class="btn btn-danger btn-small notice-action"
                  href={incidentHref(data.incident.id)}
                  onClick={(e) => followLink(e, incidentHref(data.incident!.id))}
                >
                  Review the incident
                </a>
              </Notice>
            </div>
          )}
          <p class="card-text health-summary">{data.summary}</p>
          <p class="health-stats">
            <span>
              Last request: <strong>{data.lastRequestAt ? formatDateTime(data.lastRequestAt) : 'never'}</strong>
            </span>
            <span>
              Last 24 hours: <strong>{data.requests24h}</strong> requests, <strong>{data.errors24h}</strong> refused
            </span>
            {data.errors24h > 0 && (
              <a
                href={`${pageHref('audit-log')}?outcome=failure`}
                onClick={(e) => followLink(e, `${pageHref('audit-log')}?outcome=failure`)}
              >
                See the refused requests
              </a>
            )}
            {data.lastRequestAt && (
              <a href={pageHref('scim-requests')} onClick={(e) => followLink(e, pageHref('scim-requests'))}>
                See the requests
              </a>
            )}
          </p>
          {data.keys.length > 0 && (
            <div class="table-scroll">
              <table class="table table-responsive">
                <caption class="visually-hidden">SCIM keys and their requests in the last 24 hours</caption>
                <thead>
                  <tr>
                    <th scope="col">SCIM key</th>
                    <th scope="col">Last used</th>
                    <th scope="col" class="num">
                      Requests (24 h)
                    </th>
                    <th scope="col" class="num">
                      Refused
                    </th>
                    <th scope="col">Last refusal</th>
                  </tr>
                </thead>
                <tbody>
                  {data.keys.map((k) => (
                    <tr key={k.keyId}>
                      <td data-label="SCIM key">
                        <span class="stack">
                          <code class="masked-key">{k.maskedKey}</code>
                          {k.description && <span class="muted small">{k.description}</span>}
                        </span>
                      </td>
                      <td data-label="Last used" class="nowrap">
                        {k.lastUsedAt ? formatDateTime(k.lastUsedAt) : <span class="muted">Never</span>}
                      </td>
                      <td data-label="Requests (24 h)" class="num">
                        {k.requests24h}
                      </td>
                      <td data-label="Refused" class="num">
                        {k.errors24h}
                      </td>
                      <td data-label="Last refusal" class="cell-wrap">
                        {k.lastError ? (
                          <span class="stack">
                            <span class="error-text small">
                              {k.lastError.status}: {k.lastError.detail}
                            </span>
                            <span class="muted small">{formatDateTime(k.lastError.at)}</span>
                          </span>
                        ) : (
                          <span class="muted">None</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
