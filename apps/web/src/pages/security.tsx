import { useState } from 'preact/hooks';
import { describeError } from '../api';
import { CopyButton } from '../components/copy-button';
import { Dialog } from '../components/dialog';
import { Badge, Loading, LoadError, Notice, PageHeader, Switch, useAsync } from '../components/ui';
import { useSession } from '../context';
import { followLink, pageHref } from '../router';

export function SecurityPage() {
  const { api, organization } = useSession();
  const security = useAsync(() => api.security());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [confirmOff, setConfirmOff] = useState(false);
  const scimUrl = `${window.location.origin}/v1.0/scim/v2`;

  const save = async (scimEnabled: boolean) => {
    setBusy(true);
    setError(undefined);
    try {
      security.setData(await api.setScimEnabled(scimEnabled));
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

          <section class="card" aria-labelledby="connect-title">
            <h2 id="connect-title" class="card-title">
              Connect your identity provider
            </h2>
            <ol class="steps">
              <li>Turn on SCIM provisioning above.</li>
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
