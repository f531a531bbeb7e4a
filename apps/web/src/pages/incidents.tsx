import { useState } from 'preact/hooks';
import { describeError, type Incident, type UndoResult } from '../api';
import { Dialog } from '../components/dialog';
import { incidentChanged } from '../components/incident-banner';
import { Badge, EmptyState, Loading, LoadError, Notice, PageHeader, useAsync } from '../components/ui';
import { useSession } from '../context';
import { describeActor, describeBurst, formatDateTime, formatSpan, plural } from '../format';
import { followLink, incidentHref, pageHref } from '../router';

const STATUS_BADGES: Record<Incident['status'], { label: string; tone: 'danger' | 'success' | 'neutral' }> = {
  open: { label: 'Open', tone: 'danger' },
  undone: { label: 'Undone', tone: 'success' },
  dismissed: { label: 'Dismissed', tone: 'neutral' },
};

const INTRO =
  'When your identity provider deactivates or deletes many users at once, Torii still does what it asks (refusing would get the connection quarantined), but opens an incident: the Admins get an email, every page shows a banner, and one click puts every user back as they were.';

/** Rows shown before "Show all": a burst can hold thousands of users. */
const FIRST_ROWS = 100;

/** The identity provider repeats its change on its next cycle unless its assignment is fixed: said on the page and in the confirmation. */
function RepeatWarning() {
  return (
    <>
      Your identity provider will deactivate these users again on its next sync cycle unless its assignment is fixed first: in
      Okta, the Torii app's assignments (people and groups); in Microsoft Entra ID, the enterprise app's users and groups and its
      scoping filters. Torii never refuses its requests, so nothing else stops it.
    </>
  );
}

function statusBadge(status: Incident['status']) {
  const badge = STATUS_BADGES[status];
  return <Badge tone={badge.tone}>{badge.label}</Badge>;
}

function keyLabel(incident: Incident) {
  if (!incident.key) return <span class="muted">A key since deleted</span>;
  return (
    <span class="stack">
      <code class="masked-key">{incident.key.maskedKey}</code>
      {incident.key.description && <span class="muted small">{incident.key.description}</span>}
    </span>
  );
}

/** The first and last change of the incident's users (its opening may come after the first of them). */
function span(incident: Incident): { from: string; to: string } {
  const times = incident.users.map((u) => u.at).sort();
  return { from: times[0] ?? incident.openedAt, to: times[times.length - 1] ?? incident.lastAt };
}

function Back() {
  const href = pageHref('incidents');
  return (
    <a class="back-link" href={href} onClick={(event) => followLink(event, href)}>
      <span aria-hidden="true">←</span> All incidents
    </a>
  );
}

/** /settings/incidents (every incident, newest first) and /settings/incidents/<id> (one, with Undo and Dismiss). */
export function IncidentsPage({ id }: { id?: string }) {
  const { api } = useSession();
  const list = useAsync(() => api.incidents());

  if (!list.data) {
    return (
      <>
        {id !== undefined && <Back />}
        <PageHeader
          title={id === undefined ? 'Deprovisioning incidents' : 'Deprovisioning incident'}
          description={id === undefined ? INTRO : ''}
        />
        {list.error ? <LoadError error={list.error} onRetry={list.reload} /> : <Loading />}
      </>
    );
  }
  if (id === undefined) return <IncidentList incidents={list.data} />;
  const incident = list.data.find((i) => i.id === id);
  if (!incident) {
    return (
      <>
        <Back />
        <PageHeader title="Deprovisioning incident" description="" />
        <div class="card">
          <EmptyState title="No such incident">This organization has no incident {id}.</EmptyState>
        </div>
      </>
    );
  }
  return <IncidentDetail incident={incident} reload={list.reload} />;
}

function IncidentList({ incidents }: { incidents: Incident[] }) {
  return (
    <>
      <PageHeader title="Deprovisioning incidents" description={INTRO} />
      {incidents.length === 0 ? (
        <div class="card">
          <EmptyState title="No incidents">
            Your identity provider has never deactivated or deleted enough users at once to open one.
          </EmptyState>
        </div>
      ) : (
        <div class="card card-flush table-scroll">
          <table class="table table-responsive">
            <caption class="visually-hidden">Deprovisioning incidents, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Incident</th>
                <th scope="col">Status</th>
                <th scope="col">SCIM key</th>
                <th scope="col">Closed</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {incidents.map((incident) => {
                const { from, to } = span(incident);
                return (
                  <tr key={incident.id} data-incident={incident.id} data-status={incident.status}>
                    <td data-label="Incident" class="cell-wrap">
                      <span class="stack">
                        <span class="strong">{plural(incident.count, 'user')} deactivated or deleted</span>
                        <span class="muted small">{formatSpan(from, to)}</span>
                      </span>
                    </td>
                    <td data-label="Status">{statusBadge(incident.status)}</td>
                    <td data-label="SCIM key">{keyLabel(incident)}</td>
                    <td data-label="Closed" class="cell-wrap">
                      {incident.closedAt ? (
                        <span class="stack">
                          <span>{formatDateTime(incident.closedAt)}</span>
                          {incident.closedBy && <span class="muted small">{describeActor(incident.closedBy)}</span>}
                        </span>
                      ) : (
                        <span class="muted">Not yet</span>
                      )}
                    </td>
                    <td class="cell-actions">
                      <a
                        class={`btn btn-small ${incident.status === 'open' ? 'btn-danger' : 'btn-ghost'}`}
                        href={incidentHref(incident.id)}
                        onClick={(event) => followLink(event, incidentHref(incident.id))}
                      >
                        {incident.status === 'open' ? 'Review and undo' : 'Details'}
                      </a>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function IncidentDetail({ incident, reload }: { incident: Incident; reload: () => Promise<void> }) {
  const { api } = useSession();
  const [confirming, setConfirming] = useState<'undo' | 'dismiss'>();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<UndoResult>();
  const [dismissed, setDismissed] = useState(false);
  const [error, setError] = useState<{ title: string; text: string }>();
  const [showAll, setShowAll] = useState(false);

  const { from, to } = span(incident);
  const deleted = incident.users.filter((u) => u.change === 'deleted').length;
  const deactivated = incident.users.length - deleted;
  const open = incident.status === 'open';
  const rows = showAll ? incident.users : incident.users.slice(0, FIRST_ROWS);

  const act = async (action: 'undo' | 'dismiss') => {
    setConfirming(undefined);
    setBusy(true);
    setError(undefined);
    setResult(undefined);
    setDismissed(false);
    try {
      if (action === 'undo') setResult(await api.undoIncident(incident.id));
      else {
        await api.dismissIncident(incident.id);
        setDismissed(true);
      }
    } catch (e) {
      setError({
        title: action === 'undo' ? 'Could not undo the incident' : 'Could not dismiss the incident',
        text: describeError(e),
      });
    } finally {
      // The page, the banner and the status agree with the server again (a 409: someone else closed it).
      await reload();
      incidentChanged();
      setBusy(false);
    }
  };

  return (
    <>
      <Back />
      <PageHeader
        title="Deprovisioning incident"
        description={`${describeBurst(incident.count, { from, to })}: ${formatSpan(from, to)}.`}
        actions={
          open && (
            <>
              <button type="button" class="btn btn-secondary" disabled={busy} onClick={() => setConfirming('dismiss')}>
                Dismiss
              </button>
              <button type="button" class="btn btn-primary" disabled={busy} onClick={() => setConfirming('undo')}>
                Undo
              </button>
            </>
          )
        }
      />
      {error && (
        <Notice tone="danger" title={error.title}>
          {error.text}
        </Notice>
      )}
      {result && (
        <div role="status" class="stack-gap" data-undo-result>
          <Notice tone="success" title={`Restored ${plural(result.restored.length, 'user')}`}>
            {result.restored.length > 0
              ? 'They are back as they were just before the incident: active state, role and groups; deleted users with the same id.'
              : 'No user could be put back.'}
          </Notice>
          {result.notRestored.length > 0 && (
            <Notice tone="warning" title={`${plural(result.notRestored.length, 'user')} not restored`}>
              <ul class="plain-list reasons" aria-label="Users not restored">
                {result.notRestored.map((u) => (
                  <li key={u.id}>
                    <span class="strong">{u.userName}</span>: {u.reason}
                  </li>
                ))}
              </ul>
            </Notice>
          )}
        </div>
      )}
      {dismissed && (
        <div role="status">
          <Notice tone="success" title="Incident dismissed">
            Nothing was changed: the users stay as your identity provider left them.
          </Notice>
        </div>
      )}
      {open && (
        <Notice tone="warning" title="Fix the assignment in your identity provider first">
          <RepeatWarning />
        </Notice>
      )}
      <section class="card" aria-labelledby="incident-facts">
        <h2 id="incident-facts" class="card-title">
          What happened {statusBadge(incident.status)}
        </h2>
        <dl class="facts">
          <div class="fact">
            <dt>Users</dt>
            <dd>
              {[deactivated && `${plural(deactivated, 'user')} deactivated`, deleted && `${plural(deleted, 'user')} deleted`]
                .filter(Boolean)
                .join(', ')}
            </dd>
          </div>
          <div class="fact">
            <dt>Opened</dt>
            <dd>{formatDateTime(incident.openedAt)}</dd>
          </div>
          <div class="fact">
            <dt>Last change</dt>
            <dd>{formatDateTime(incident.lastAt)}</dd>
          </div>
          <div class="fact">
            <dt>SCIM key</dt>
            <dd>{keyLabel(incident)}</dd>
          </div>
          {incident.closedAt && (
            <div class="fact">
              <dt>{incident.status === 'undone' ? 'Undone' : 'Dismissed'}</dt>
              <dd>
                {formatDateTime(incident.closedAt)}
                {incident.closedBy && ` by ${describeActor(incident.closedBy)}`}
              </dd>
            </div>
          )}
        </dl>
      </section>
      <section class="section" aria-labelledby="incident-users">
        <h2 id="incident-users" class="section-title">
          Users <span class="count">{incident.users.length}</span>
        </h2>
        <div class="card card-flush table-scroll">
          <table class="table table-responsive">
            <caption class="visually-hidden">The users of the incident and their change</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Change</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((u) => {
                const history = `${pageHref('audit-log')}?targetType=user&targetId=${encodeURIComponent(u.id)}`;
                return (
                  <tr key={u.id} data-user={u.userName}>
                    <td data-label="User" class="cell-wrap">
                      {u.userName}
                    </td>
                    <td data-label="Change">
                      <span class="change-at">
                        {u.change === 'deleted' ? (
                          <Badge tone="danger">Deleted</Badge>
                        ) : (
                          <Badge tone="warning">Deactivated</Badge>
                        )}
                        <span class="muted small nowrap">{formatDateTime(u.at)}</span>
                      </span>
                    </td>
                    <td class="cell-actions">
                      <a
                        class="btn btn-ghost btn-small"
                        href={history}
                        aria-label={`History of ${u.userName}`}
                        onClick={(event) => followLink(event, history)}
                      >
                        History
                      </a>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {rows.length < incident.users.length && (
            <div class="table-footer">
              <button type="button" class="btn btn-secondary btn-small" onClick={() => setShowAll(true)}>
                Show all {incident.users.length}
              </button>
            </div>
          )}
        </div>
      </section>
      {confirming === 'undo' && (
        <Dialog
          title={`Restore ${plural(incident.count, 'user')}?`}
          onClose={() => setConfirming(undefined)}
          footer={
            <>
              <button type="button" class="btn btn-secondary" data-autofocus onClick={() => setConfirming(undefined)}>
                Cancel
              </button>
              <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void act('undo')}>
                Restore {plural(incident.count, 'user')}
              </button>
            </>
          }
        >
          <p>
            Restore {plural(incident.count, 'user')} to how they were before the incident: their active state, role and groups
            {deleted === 1 && '; the deleted user comes back with the same id'}
            {deleted > 1 && `; the ${deleted} deleted users come back with the same id`}. A user whose email (userName) is now
            taken by another user is not restored, and you are told which.
          </p>
          <Notice tone="warning">
            <RepeatWarning />
          </Notice>
        </Dialog>
      )}
      {confirming === 'dismiss' && (
        <Dialog
          title="Dismiss this incident?"
          size="small"
          onClose={() => setConfirming(undefined)}
          footer={
            <>
              <button type="button" class="btn btn-secondary" data-autofocus onClick={() => setConfirming(undefined)}>
                Cancel
              </button>
              <button type="button" class="btn btn-primary" disabled={busy} onClick={() => void act('dismiss')}>
                Dismiss incident
              </button>
            </>
          }
        >
          <p>
            The incident closes and nothing changes: the {plural(incident.count, 'user')} stay deactivated or deleted, as your
            identity provider left them. Do this when the change was meant.
          </p>
          {deleted > 0 && (
            <p>
              Deleted users can still be restored one by one in{' '}
              <a
                href={`${pageHref('members')}?view=deleted`}
                onClick={(event) => followLink(event, `${pageHref('members')}?view=deleted`)}
              >
                Members › Deleted users
              </a>{' '}
              until they are purged.
            </p>
          )}
        </Dialog>
      )}
    </>
  );
}
