import { MAX_NOTIFICATION_RECIPIENTS, TEXT_LIMITS, textLength } from '@app/api-types/limits';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, describeError, query } from '../api';
import { CopyButton } from '../components/copy-button';
import { LimitedInput, overLimit } from '../components/limited-input';
import { Loading, LoadError, Notice, PageHeader, useAsync } from '../components/ui';
import { useSession } from '../context';
import { formatDate, plural } from '../format';
import { followLink, pageHref } from '../router';

/**
 * Settings > Organization, as GitHub's organization profile and Okta's account settings have it: the
 * organization's name (the header and every email show it), and who gets its emails besides the Admins.
 */
export function OrganizationPage() {
  return (
    <>
      <PageHeader
        title="Organization"
        description="Your organization's name, and who gets the emails Torii sends about its keys, its SCIM connection and its deprovisioning incidents."
      />
      <NameCard />
      <RecipientsCard />
    </>
  );
}

function NameCard() {
  const { api, organization, setOrganization } = useSession();
  const [name, setName] = useState(organization.name);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const unchanged = name.trim() === organization.name;

  const save = async (event: Event) => {
    event.preventDefault();
    setDone(undefined);
    if (!name.trim()) return setError('Enter a name: the organization needs one.');
    if (overLimit(name, TEXT_LIMITS.organizationName))
      return setError(`Shorten the name to at most ${TEXT_LIMITS.organizationName} characters.`);
    setBusy(true);
    setError(undefined);
    try {
      const renamed = await api.renameOrganization(name);
      setOrganization(renamed);
      setName(renamed.name);
      setDone(`The organization is now called "${renamed.name}".`);
    } catch (e) {
      // The server's own sentence (a control character, a name too long): it names what to fix.
      setError(sentence(describeError(e)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="card" aria-labelledby="organization-name-title">
      <h2 id="organization-name-title" class="card-title">
        Organization name
      </h2>
      <p class="card-text">
        Shown in the header of these pages and in the emails Torii sends. Renaming does not affect your identity provider: it
        connects with the Organization ID, which never changes.
      </p>
      <form class="card-form" onSubmit={save} noValidate>
        <div class="field">
          <label class="label" for="organization-name">
            Name
          </label>
          <LimitedInput
            id="organization-name"
            value={name}
            limit={TEXT_LIMITS.organizationName}
            required
            invalid={Boolean(error)}
            describedBy={error ? 'organization-name-error' : undefined}
            onValue={(value) => {
              setName(value);
              setError(undefined);
              setDone(undefined);
            }}
          />
          {error && (
            <p id="organization-name-error" class="field-error" role="alert">
              {error}
            </p>
          )}
        </div>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy || unchanged}>
            {busy ? 'Saving…' : 'Save name'}
          </button>
          {!unchanged && !busy && (
            <button
              type="button"
              class="btn btn-secondary"
              onClick={() => {
                setName(organization.name);
                setError(undefined);
              }}
            >
              Discard changes
            </button>
          )}
          <span role="status" class="form-status">
            {done}
          </span>
        </div>
      </form>
      <dl class="facts">
        <div class="fact">
          <dt>Organization ID</dt>
          <dd>
            <code class="code-value">{organization.id}</code>
            <CopyButton text={organization.id} label="Copy Organization ID" small />
          </dd>
        </div>
        <div class="fact">
          <dt>Created</dt>
          <dd>{formatDate(organization.createdAt)}</dd>
        </div>
      </dl>
    </section>
  );
}

interface Row {
  id: number;
  value: string;
}

let nextRow = 0;
const toRows = (emails: string[]): Row[] => emails.map((value) => ({ id: ++nextRow, value }));
/** The addresses a list of rows stands for: trimmed, blank rows left out. */
const addressesOf = (rows: Row[]) => rows.map((r) => r.value.trim()).filter(Boolean);

/** The people who get every email anyway: the active Admins (the first page of them). */
const ADMINS_SHOWN = 5;

function RecipientsCard() {
  const { api } = useSession();
  const stored = useAsync(() => api.notificationRecipients());
  const admins = useAsync(() => api.users(null, { role: 'Admin', status: 'active' }));
  const [rows, setRows] = useState<Row[]>();
  const [errors, setErrors] = useState<Record<number, string>>({});
  const [formError, setFormError] = useState<string>();
  const [done, setDone] = useState<string>();
  const [busy, setBusy] = useState(false);
  // Where focus goes after an add or a remove: a row's input, or the Add button.
  const [focus, setFocus] = useState<{ row?: number; add?: boolean }>();
  const addButton = useRef<HTMLButtonElement>(null);

  const saved = stored.data;
  useEffect(() => {
    if (saved && !rows) setRows(toRows(saved));
  }, [saved, rows]);

  useEffect(() => {
    if (!focus) return;
    if (focus.row !== undefined) document.getElementById(`recipient-${focus.row}`)?.focus();
    else addButton.current?.focus();
    setFocus(undefined);
  }, [focus]);

  if (stored.error && !saved) return <LoadError error={stored.error} onRetry={stored.reload} />;
  if (!saved || !rows) {
    return (
      <section class="card" aria-labelledby="recipients-title">
        <h2 id="recipients-title" class="card-title">
          Notification recipients
        </h2>
        <Loading />
      </section>
    );
  }

  const wanted = addressesOf(rows);
  const changed = wanted.length !== saved.length || wanted.some((email, i) => email !== saved[i]);
  const full = rows.length >= MAX_NOTIFICATION_RECIPIENTS;
  const errorCount = Object.keys(errors).length;

  const edit = (next: Row[]) => {
    setRows(next);
    setDone(undefined);
    setFormError(undefined);
  };
  const add = () => {
    const row = { id: ++nextRow, value: '' };
    edit([...rows, row]);
    setFocus({ row: row.id });
  };
  const remove = (index: number) => {
    const row = rows[index];
    const next = rows.filter((r) => r !== row);
    edit(next);
    setErrors((current) => without(current, row.id));
    // Focus moves to the row that took its place, else the one before, else the Add button.
    const neighbour = next[index] ?? next[index - 1];
    setFocus(neighbour ? { row: neighbour.id } : { add: true });
  };

  const save = async (event: Event) => {
    event.preventDefault();
    setDone(undefined);
    setFormError(undefined);
    // Blank rows are left out; the rest is sent in order, each row remembered by its place in the request.
    const sent = rows.filter((r) => r.value.trim());
    const tooLong = Object.fromEntries(
      sent
        .filter((r) => textLength(r.value) > TEXT_LIMITS.email)
        .map((r) => [r.id, `At most ${TEXT_LIMITS.email} characters: this address has ${textLength(r.value)}.`]),
    );
    setErrors(tooLong);
    if (Object.keys(tooLong).length) return;
    setBusy(true);
    try {
      const emails = await api.setNotificationRecipients(sent.map((r) => r.value.trim()));
      const folded = sent.length - emails.length;
      stored.setData(emails);
      setRows(toRows(emails));
      setDone(
        (emails.length === 0
          ? 'Saved: only the active Admins get these emails now.'
          : `Saved: ${addresses(emails.length)} ${emails.length === 1 ? 'gets' : 'get'} these emails besides the active Admins.`) +
          (folded > 0 ? ` ${plural(folded, 'duplicate')} left out.` : ''),
      );
    } catch (e) {
      // A 400 names each bad entry as `emails[2]`: each message goes under its row, saying what is wrong with it.
      const perRow: Record<number, string> = {};
      if (e instanceof ApiError) {
        for (const detail of e.details) {
          const match = /^emails\[(\d+)\]$/.exec(detail.field);
          const row = match ? sent[Number(match[1])] : undefined;
          if (row) perRow[row.id] = sentence(detail.message.replace(/^emails\[\d+\]\s*/, 'This address '));
        }
      }
      setErrors(perRow);
      setFormError(
        Object.keys(perRow).length
          ? `${addresses(Object.keys(perRow).length)} could not be saved: correct ${
              Object.keys(perRow).length === 1 ? 'it' : 'them'
            } below. Nothing was changed.`
          : describeError(e),
      );
    } finally {
      setBusy(false);
    }
  };

  const adminPage = admins.data;
  const adminEmails = adminPage?.items.map((u) => u.email) ?? [];
  const adminsHref = `${pageHref('members')}${query({ role: 'Admin', status: 'active' })}`;

  return (
    <section class="card" aria-labelledby="recipients-title">
      <h2 id="recipients-title" class="card-title">
        Notification recipients{' '}
        <span class="count" data-recipient-count>
          {wanted.length} of {MAX_NOTIFICATION_RECIPIENTS}
        </span>
      </h2>
      <p class="card-text" id="recipients-description">
        Key expiry reminders, SCIM connection health alerts and deprovisioning incident emails go to the organization's active
        Admins and to these addresses, each address once. Add a shared mailbox or a team list, so that they reach someone when an
        Admin is away or leaves.
      </p>
      <p class="card-text" data-admins>
        {adminPage ? (
          adminEmails.length === 0 ? (
            'There is no active Admin now: only these addresses get the emails.'
          ) : (
            <>
              {adminPage.total === 1 ? 'The active Admin always gets them: ' : 'The active Admins always get them: '}
              <span class="admin-emails">{adminEmails.slice(0, ADMINS_SHOWN).join(', ')}</span>
              {(adminPage.total ?? adminEmails.length) > ADMINS_SHOWN &&
                ` and ${(adminPage.total ?? adminEmails.length) - ADMINS_SHOWN} more`}{' '}
              (
              <a href={adminsHref} onClick={(e) => followLink(e, adminsHref)}>
                change who is an Admin in Members
              </a>
              ).
            </>
          )
        ) : null}
      </p>
      <form class="card-form" onSubmit={save} noValidate aria-describedby="recipients-description">
        {formError && (
          <div class="form-error">
            <Notice tone="danger" title={errorCount ? 'Check the addresses' : 'Could not save the recipients'}>
              {formError}
            </Notice>
          </div>
        )}
        {rows.length === 0 ? (
          <p class="empty-inline recipients-empty">No addresses yet: only the active Admins get these emails.</p>
        ) : (
          <ul class="recipients" aria-label="Addresses">
            {rows.map((row, index) => {
              const id = `recipient-${row.id}`;
              const error = errors[row.id];
              return (
                <li key={row.id} class="recipient" data-recipient={row.value}>
                  <div class="recipient-row">
                    <label class="visually-hidden" for={id}>
                      Address {index + 1}
                    </label>
                    <input
                      id={id}
                      class="input"
                      type="email"
                      autoComplete="off"
                      spellcheck={false}
                      placeholder="it-alerts@example.com"
                      value={row.value}
                      aria-invalid={error ? true : undefined}
                      aria-describedby={error ? `${id}-error` : undefined}
                      onInput={(e) => {
                        const value = (e.target as HTMLInputElement).value;
                        edit(rows.map((r) => (r.id === row.id ? { ...r, value } : r)));
                        if (error) setErrors((current) => without(current, row.id));
                      }}
                    />
                    <button
                      type="button"
                      class="btn btn-ghost-danger btn-small"
                      aria-label={row.value.trim() ? `Remove ${row.value.trim()}` : `Remove address ${index + 1}`}
                      onClick={() => remove(index)}
                    >
                      Remove
                    </button>
                  </div>
                  {error && (
                    <p id={`${id}-error`} class="field-error small">
                      {error}
                    </p>
                  )}
                </li>
              );
            })}
          </ul>
        )}
        <div class="recipients-add">
          <button
            ref={addButton}
            type="button"
            class="btn btn-secondary btn-small"
            disabled={full}
            aria-describedby={full ? 'recipients-full' : undefined}
            onClick={add}
          >
            <svg viewBox="0 0 20 20" width="12" height="12" aria-hidden="true" class="btn-icon">
              <path d="M10 4v12M4 10h12" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
            </svg>
            Add address
          </button>
          {full && (
            <span id="recipients-full" class="hint">
              At most {MAX_NOTIFICATION_RECIPIENTS} addresses: to reach more people, add a mailing list.
            </span>
          )}
        </div>
        <div class="form-actions">
          <button type="submit" class="btn btn-primary" disabled={busy || !changed}>
            {busy ? 'Saving…' : 'Save recipients'}
          </button>
          {changed && !busy && (
            <button
              type="button"
              class="btn btn-secondary"
              onClick={() => {
                setRows(toRows(saved));
                setErrors({});
                setFormError(undefined);
              }}
            >
              Discard changes
            </button>
          )}
          <span role="status" class="form-status">
            {done}
          </span>
        </div>
      </form>
    </section>
  );
}

/** The API's sentence as one under a field: it starts with the field's name ("name must…"), in capitals here. */
function sentence(text: string): string {
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?)]$/.test(capital) ? capital : `${capital}.`;
}

/** "1 address", "3 addresses". */
function addresses(count: number): string {
  return `${count} ${count === 1 ? 'address' : 'addresses'}`;
}

function without(errors: Record<number, string>, id: number): Record<number, string> {
  const next = { ...errors };
  delete next[id];
  return next;
}
