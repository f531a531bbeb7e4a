import { useState } from 'preact/hooks';
import { ApiError, describeError, type ApiKey, type CreatedApiKey, type KeyPolicy, type KeyType } from '../api';
import { TEXT_LIMITS } from '@app/api-types/limits';
import { CopyButton } from '../components/copy-button';
import { Dialog, FormFooter } from '../components/dialog';
import { ExpiryField, expiryLimits, initialExpiry, resolveExpiry, successorExpiry } from '../components/expiry-field';
import { LimitedInput, overLimit } from '../components/limited-input';
import { Badge, EmptyState, Loading, LoadError, Notice, PageHeader, useAsync } from '../components/ui';
import { useSession } from '../context';
import { describeExpiry, formatDate, formatDateTime, formatTime, KEY_TYPE_LABELS, REMINDER_WINDOW_DAYS } from '../format';
import { followLink, pageHref } from '../router';

export function ApiAccessPage() {
  const { api } = useSession();
  const data = useAsync(async () => {
    const [list, security] = await Promise.all([api.apiKeyList(), api.security()]);
    return { keys: list.apiKeys, scimEnabled: security.scimEnabled, policy: list.policy };
  });
  const [generating, setGenerating] = useState(false);
  const [deleting, setDeleting] = useState<ApiKey>();
  const [describing, setDescribing] = useState<ApiKey>();
  // `?rotate=<id>` (the link in reminder emails) opens the key's rotation.
  const [rotatingId, setRotatingId] = useState(() => new URLSearchParams(window.location.search).get('rotate') ?? undefined);
  const rotating = rotatingId ? data.data?.keys.find((k) => k.id === rotatingId) : undefined;
  const successorOf = (key: ApiKey) => data.data?.keys.find((k) => k.replacesKeyId === key.id);
  const [done, setDone] = useState<string>();
  const now = new Date();

  return (
    <>
      <PageHeader
        title="API Access"
        description={
          <>
            Keys let other systems act for your organization. A <strong>Torii SCIM</strong> key is what your identity provider
            uses to provision users; a <strong>Torii API</strong> key calls the settings API, for automation and this page.
          </>
        }
        actions={
          <button type="button" class="btn btn-primary" onClick={() => setGenerating(true)}>
            <svg viewBox="0 0 20 20" width="14" height="14" aria-hidden="true" class="btn-icon">
              <path d="M10 4v12M4 10h12" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
            </svg>
            Generate API Key
          </button>
        }
      />
      {done && <Notice tone="success">{done}</Notice>}
      {data.error && !data.data ? (
        <LoadError error={data.error} onRetry={data.reload} />
      ) : !data.data ? (
        <Loading />
      ) : data.data.keys.length === 0 ? (
        <div class="card">
          <EmptyState title="No API keys yet">Generate a key to connect your identity provider or automation.</EmptyState>
        </div>
      ) : (
        <div class="card card-flush table-scroll">
          <table class="table table-responsive">
            <caption class="visually-hidden">API keys of this organization</caption>
            <thead>
              <tr>
                <th scope="col">Key</th>
                <th scope="col">Description</th>
                <th scope="col">Created</th>
                <th scope="col">Expires</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.data.keys.map((key) => (
                <KeyRow
                  key={key.id}
                  apiKey={key}
                  successor={successorOf(key)}
                  now={now}
                  onDelete={() => setDeleting(key)}
                  onDescribe={() => setDescribing(key)}
                  onRotate={() => setRotatingId(key.id)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}

      <section class="card help" aria-labelledby="rotate-title">
        <h2 id="rotate-title" class="card-title">
          Rotate a key
        </h2>
        <ol class="steps">
          <li>
            <strong>Rotate</strong> on the key: its successor is generated (same type and description, a new expiration) and shown
            once.
          </li>
          <li>Replace the old key with the new one where it is used (for a SCIM key: your identity provider's Torii app).</li>
          <li>
            The old key's row shows when the new key was first used; once the old one is no longer used, delete it. Both keys work
            until you do, so nothing stops in between.
          </li>
        </ol>
        <p class="card-text muted">
          Torii emails your organization's active Admins and its notification recipients a month before a key expires. Keys
          expiring within {REMINDER_WINDOW_DAYS} days are highlighted above.
        </p>
      </section>

      {generating && data.data && (
        <GenerateKeyDialog
          scimEnabled={data.data.scimEnabled}
          policy={data.data.policy}
          onClose={() => setGenerating(false)}
          onCreated={() => {
            setDone(undefined);
            void data.reload();
          }}
        />
      )}
      {rotating && data.data && (
        <RotateKeyDialog
          apiKey={rotating}
          policy={data.data.policy}
          onClose={() => {
            setRotatingId(undefined);
            window.history.replaceState(null, '', window.location.pathname);
          }}
          onRotated={() => {
            setDone(undefined);
            void data.reload();
          }}
        />
      )}
      {describing && (
        <DescribeKeyDialog
          apiKey={describing}
          onClose={() => setDescribing(undefined)}
          onSaved={(key) => {
            setDescribing(undefined);
            void data.reload().then(() => setDone(`The description of ${key.maskedKey} was saved.`));
          }}
        />
      )}
      {deleting && (
        <DeleteKeyDialog
          apiKey={deleting}
          onClose={() => setDeleting(undefined)}
          onDeleted={() => {
            const message = `The ${KEY_TYPE_LABELS[deleting.type]} key ${deleting.maskedKey} was deleted.`;
            setDeleting(undefined);
            // Said once the list no longer shows the key, so that the message and the table agree.
            void data.reload().then(() => setDone(message));
          }}
        />
      )}
    </>
  );
}

function KeyRow({
  apiKey,
  successor,
  now,
  onDelete,
  onDescribe,
  onRotate,
}: {
  apiKey: ApiKey;
  successor?: ApiKey;
  now: Date;
  onDelete: () => void;
  onDescribe: () => void;
  onRotate: () => void;
}) {
  const expiry = describeExpiry(apiKey.expiresAt, now);
  return (
    <tr data-key-id={apiKey.id}>
      <td data-label="Key">
        <span class="stack key-id">
          <span>
            <Badge tone={apiKey.type === 'scim' ? 'accent' : 'neutral'}>{KEY_TYPE_LABELS[apiKey.type]}</Badge>
          </span>
          <code class="masked-key">{apiKey.maskedKey}</code>
        </span>
      </td>
      <td data-label="Description" class="cell-wrap cell-grow">
        <span class="stack">
          {apiKey.description ? <span>{apiKey.description}</span> : <span class="muted">No description</span>}
          {successor && <RotationStatus apiKey={apiKey} successor={successor} onDelete={onDelete} />}
        </span>
      </td>
      <td data-label="Created" class="nowrap cell-fit">
        {formatDate(apiKey.createdAt)}
      </td>
      <td data-label="Expires" class={`expires expires-${expiry.tone} cell-fit`}>
        {apiKey.expiresAt ? (
          <span class="stack">
            <span class="nowrap" title={formatDateTime(apiKey.expiresAt)}>
              {formatDate(apiKey.expiresAt)}
            </span>
            <span class="expires-relative">
              {expiry.tone === 'warning' && (
                <svg viewBox="0 0 20 20" width="13" height="13" aria-hidden="true" class="inline-icon">
                  <path d="M10 3l8 14H2z" fill="none" stroke="currentColor" stroke-width="1.7" stroke-linejoin="round" />
                  <path d="M10 8v4M10 14.5v.1" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
                </svg>
              )}
              {expiry.relative}
            </span>
          </span>
        ) : (
          <span class="muted">Never</span>
        )}
      </td>
      <td data-label="Last used" class="cell-fit">
        {apiKey.lastUsedAt ? (
          <span class="stack" title={formatDateTime(apiKey.lastUsedAt)}>
            <span class="nowrap">{formatDate(apiKey.lastUsedAt)}</span>
            <span class="muted small nowrap">{formatTime(apiKey.lastUsedAt)}</span>
          </span>
        ) : (
          <span class="muted">Never</span>
        )}
      </td>
      <td data-label="Status" class="cell-fit">
        {apiKey.status === 'active' ? <Badge tone="success">Active</Badge> : <Badge tone="danger">Expired</Badge>}
      </td>
      <td class="cell-actions">
        <div class="row-actions row-actions-column">
          {!successor && (
            <button type="button" class="btn btn-ghost btn-small" aria-label={`Rotate ${apiKey.maskedKey}`} onClick={onRotate}>
              Rotate
            </button>
          )}
          <button
            type="button"
            class="btn btn-ghost btn-small"
            aria-label={`Edit the description of ${apiKey.maskedKey}`}
            onClick={onDescribe}
          >
            Edit
          </button>
          <button
            type="button"
            class="btn btn-ghost-danger btn-small"
            aria-label={`Delete ${KEY_TYPE_LABELS[apiKey.type]} key ${apiKey.maskedKey}`}
            onClick={onDelete}
          >
            Delete
          </button>
        </div>
      </td>
    </tr>
  );
}

function GenerateKeyDialog({
  scimEnabled,
  policy,
  onClose,
  onCreated,
}: {
  scimEnabled: boolean;
  policy: KeyPolicy;
  onClose: () => void;
  onCreated: () => void;
}) {
  const { api } = useSession();
  const [type, setType] = useState<KeyType>('scim');
  const [limits] = useState(() => expiryLimits(policy));
  const [expiry, setExpiry] = useState(() => initialExpiry(limits));
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; scimOff: boolean }>();
  const [created, setCreated] = useState<CreatedApiKey>();
  const scimBlocked = type === 'scim' && !scimEnabled;

  const submit = async (event: Event) => {
    event.preventDefault();
    if (scimBlocked) return;
    const expiresAt = resolveExpiry(expiry, limits);
    if (expiresAt !== null && typeof expiresAt === 'object') {
      setError({ message: expiresAt.error, scimOff: false });
      return;
    }
    if (overLimit(description, TEXT_LIMITS.description)) {
      setError({ message: `Shorten the description to at most ${TEXT_LIMITS.description} characters.`, scimOff: false });
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const key = await api.createApiKey({
        type,
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(expiresAt ? { expiresAt } : {}),
      });
      setCreated(key);
      onCreated();
    } catch (e) {
      setError({ message: describeError(e), scimOff: e instanceof ApiError && e.status === 409 && type === 'scim' });
    } finally {
      setBusy(false);
    }
  };

  if (created) return <NewKeyDialog created={created} onClose={onClose} />;

  return (
    <Dialog
      title="Generate API Key"
      onClose={onClose}
      footer={
        <>
          <button type="button" class="btn btn-secondary" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" form="generate-key-form" class="btn btn-primary" disabled={busy || scimBlocked}>
            {busy ? 'Generating…' : 'Generate key'}
          </button>
        </>
      }
    >
      <form id="generate-key-form" onSubmit={submit} noValidate>
        <fieldset class="field">
          <legend class="label">Type</legend>
          <div class="choices">
            {(['scim', 'api'] as const).map((t) => (
              <label key={t} class={`choice${type === t ? ' choice-selected' : ''}`}>
                <input type="radio" name="type" value={t} checked={type === t} onChange={() => setType(t)} />
                <span>
                  <span class="choice-title">{KEY_TYPE_LABELS[t]}</span>
                  <span class="choice-text">
                    {t === 'scim'
                      ? 'For your identity provider (Okta, Microsoft Entra ID) to provision users.'
                      : 'For automation that calls the Torii settings API.'}
                  </span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        {scimBlocked && (
          <Notice tone="warning" title="SCIM is turned off">
            A Torii SCIM key cannot be generated while SCIM provisioning is off for this organization: every SCIM request would be
            refused. Turn it on in{' '}
            <a href={pageHref('security')} onClick={(e) => followLink(e, pageHref('security'))}>
              Security
            </a>{' '}
            first, then come back here.
          </Notice>
        )}
        <ExpiryField id="key-expires" choice={expiry} limits={limits} onChange={setExpiry} />
        <div class="field">
          <label for="key-description" class="label">
            Description <span class="label-note">Optional</span>
          </label>
          <LimitedInput
            id="key-description"
            placeholder="e.g. Okta provisioning"
            value={description}
            limit={TEXT_LIMITS.description}
            onValue={setDescription}
          />
        </div>
        {error && (
          <Notice tone="danger">
            {error.message}
            {error.scimOff && (
              <>
                {' '}
                <a href={pageHref('security')} onClick={(e) => followLink(e, pageHref('security'))}>
                  Go to Security
                </a>
              </>
            )}
          </Notice>
        )}
      </form>
    </Dialog>
  );
}

function DeleteKeyDialog({ apiKey, onClose, onDeleted }: { apiKey: ApiKey; onClose: () => void; onDeleted: () => void }) {
  const { api, keyHint } = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const isOwnKey = apiKey.type === 'api' && apiKey.maskedKey.endsWith(keyHint);
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.deleteApiKey(apiKey.id);
      onDeleted();
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  return (
    <Dialog
      title="Delete this key?"
      tone="danger"
      size="small"
      onClose={onClose}
      footer={
        <>
          <button type="button" class="btn btn-secondary" data-autofocus onClick={onClose}>
            Cancel
          </button>
          <button type="button" class="btn btn-danger" disabled={busy} onClick={remove}>
            {busy ? 'Deleting…' : 'Delete key'}
          </button>
        </>
      }
    >
      <p>
        <Badge tone={apiKey.type === 'scim' ? 'accent' : 'neutral'}>{KEY_TYPE_LABELS[apiKey.type]}</Badge>{' '}
        <code class="masked-key">{apiKey.maskedKey}</code>
        {apiKey.description && <> · {apiKey.description}</>}
      </p>
      <p>
        Systems using this key stop working at once
        {apiKey.type === 'scim' ? ': your identity provider can no longer provision users with it' : ''}. This cannot be undone.
      </p>
      {isOwnKey && <Notice tone="warning">This looks like the key you are signed in with: you will be signed out.</Notice>}
      {error && <Notice tone="danger">{error}</Notice>}
    </Dialog>
  );
}

function DescribeKeyDialog({
  apiKey,
  onClose,
  onSaved,
}: {
  apiKey: ApiKey;
  onClose: () => void;
  onSaved: (key: ApiKey) => void;
}) {
  const { api } = useSession();
  const [description, setDescription] = useState(apiKey.description ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const submit = async (event: Event) => {
    event.preventDefault();
    if (overLimit(description, TEXT_LIMITS.description)) {
      setError(`Shorten the description to at most ${TEXT_LIMITS.description} characters.`);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      onSaved(await api.describeApiKey(apiKey.id, description.trim() || null));
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Describe ${apiKey.maskedKey}`}
      size="small"
      onClose={onClose}
      footer={<FormFooter form="describe-key-form" busy={busy} onCancel={onClose} />}
    >
      <form id="describe-key-form" onSubmit={submit} noValidate>
        <div class="field">
          <label for="describe-key" class="label">
            Description
          </label>
          <LimitedInput
            id="describe-key"
            value={description}
            limit={TEXT_LIMITS.description}
            describedBy="describe-key-hint"
            onValue={setDescription}
          />
          <p id="describe-key-hint" class="hint">
            What the key is for. Only the description can change: the expiration is fixed (rotate instead).
          </p>
        </div>
        {error && <Notice tone="danger">{error}</Notice>}
      </form>
    </Dialog>
  );
}

/**
 * The new key, shown once. Escape or × ask first: the key is never shown again (GitHub's and
 * Torii's "Got it"). `rotating`: the key it replaces, for the next step of a rotation.
 */
function NewKeyDialog({ created, rotating, onClose }: { created: CreatedApiKey; rotating?: ApiKey; onClose: () => void }) {
  const [leaving, setLeaving] = useState(false);
  return (
    <Dialog
      title={`Your new ${KEY_TYPE_LABELS[created.type]} key`}
      onClose={() => setLeaving(true)}
      footer={
        leaving ? (
          <>
            <button type="button" class="btn btn-secondary" data-autofocus onClick={() => setLeaving(false)}>
              Show the key again
            </button>
            <button type="button" class="btn btn-danger" onClick={onClose}>
              Close without the key
            </button>
          </>
        ) : (
          <button type="button" class="btn btn-primary" onClick={onClose}>
            Got it, I have copied the key
          </button>
        )
      }
    >
      {leaving ? (
        <div role="alert">
          <Notice tone="danger" title="Have you copied the key?">
            Once this window is closed the key cannot be shown again: you would have to generate another one.
          </Notice>
        </div>
      ) : (
        <Notice tone="warning" title="Copy the key now">
          This is the only time the full key is shown. After you close this window, only its last characters are visible.
        </Notice>
      )}
      <div class="field">
        <label for="new-key" class="label">
          {KEY_TYPE_LABELS[created.type]} key
        </label>
        <div class="secret">
          <textarea
            id="new-key"
            class="input input-mono secret-value"
            readOnly
            rows={2}
            spellcheck={false}
            value={created.key}
            onFocus={(e) => (e.target as HTMLTextAreaElement).select()}
          />
          <CopyButton text={created.key} label={`Copy the ${KEY_TYPE_LABELS[created.type]} key`} variant="primary" />
        </div>
        <p class="hint">
          {created.expiresAt ? `Expires ${formatDateTime(created.expiresAt)}.` : 'No expiration: it works until you delete it.'}{' '}
          {created.type === 'scim' && 'Paste it into your identity provider’s Torii app with your Organization ID.'}
        </p>
        {rotating && (
          <p class="hint">
            Next: replace <code>{rotating.maskedKey}</code> with it where it is used. This page shows when the new key is first
            used, and offers to delete the old one once it is no longer used.
          </p>
        )}
      </div>
    </Dialog>
  );
}

/**
 * Rotate: the key's successor, same type and description, with an expiration chosen here: the same
 * lifetime as the key from today by default (for a key that never expires, the lifetime the server
 * proposes, `policy.defaultLifetimeDays`), "No expiration" only when chosen.
 */
function RotateKeyDialog({
  apiKey,
  policy,
  onClose,
  onRotated,
}: {
  apiKey: ApiKey;
  policy: KeyPolicy;
  onClose: () => void;
  onRotated: () => void;
}) {
  const { api } = useSession();
  const [limits] = useState(() => expiryLimits(policy));
  const [expiry, setExpiry] = useState(() => successorExpiry(apiKey, limits));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [created, setCreated] = useState<CreatedApiKey>();
  if (created) return <NewKeyDialog created={created} rotating={apiKey} onClose={onClose} />;
  const sameAs = successorExpiry(apiKey, limits);
  const rotate = async (event: Event) => {
    event.preventDefault();
    const expiresAt = resolveExpiry(expiry, limits);
    if (expiresAt !== null && typeof expiresAt === 'object') {
      setError(expiresAt.error);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      setCreated(await api.rotateApiKey(apiKey.id, expiresAt));
      onRotated();
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };
  return (
    <Dialog
      title={`Rotate ${apiKey.maskedKey}?`}
      size="small"
      onClose={onClose}
      footer={
        <FormFooter
          form="rotate-key-form"
          busy={busy}
          onCancel={onClose}
          label="Generate its successor"
          busyLabel="Generating…"
        />
      }
    >
      <form id="rotate-key-form" onSubmit={rotate} noValidate>
        <ol class="steps rotate-steps">
          <li>
            A new {KEY_TYPE_LABELS[apiKey.type]} key is generated{apiKey.description ? ` ("${apiKey.description}")` : ''}, with
            the expiration below, and shown once.
          </li>
          <li>You replace this key with it where it is used{apiKey.type === 'scim' ? ' (your identity provider)' : ''}.</li>
          <li>This page shows when the new key is first used; once this key is no longer used, delete it.</li>
        </ol>
        <ExpiryField
          id="rotate-expires"
          choice={expiry}
          limits={limits}
          sameAsDays={apiKey.expiresAt && sameAs.kind === 'days' ? sameAs.days : undefined}
          onChange={setExpiry}
        />
        {!apiKey.expiresAt && (
          <p class="hint">This key never expires; its successor gets an expiration unless you choose "No expiration".</p>
        )}
        <p class="hint">Both keys work until you delete this one, so nothing stops in between.</p>
        {error && <Notice tone="danger">{error}</Notice>}
      </form>
    </Dialog>
  );
}

/** Where a rotation stands, on the old key's row: has the new key been used, is the old one still used. */
function RotationStatus({ apiKey, successor, onDelete }: { apiKey: ApiKey; successor: ApiKey; onDelete: () => void }) {
  const switched = successor.firstUsedAt !== null;
  const idle = switched && (apiKey.lastUsedAt === null || apiKey.lastUsedAt < successor.firstUsedAt!);
  return (
    <span class="stack rotation" data-rotation={successor.maskedKey}>
      <span class="small">
        Replaced by <code>{successor.maskedKey}</code>:{' '}
        {switched
          ? `first used ${formatDateTime(successor.firstUsedAt!)}; this key last used ${apiKey.lastUsedAt ? formatDateTime(apiKey.lastUsedAt) : 'never'}.`
          : 'waiting for its first use.'}
      </span>
      {idle && (
        <span>
          <button type="button" class="btn btn-ghost-danger btn-small btn-wrap" onClick={onDelete}>
            Not used since the switch: delete it
          </button>
        </span>
      )}
    </span>
  );
}
