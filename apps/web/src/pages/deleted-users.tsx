import { useState } from 'preact/hooks';
import { type DeletedUser, describeError, type Page } from '../api';
import { ActorLabel } from '../components/actor-label';
import { Dialog } from '../components/dialog';
import { EmptyState, Loading, LoadError, LoadMore, Notice, useAsync } from '../components/ui';
import { useSession } from '../context';
import { formatDate, formatDateTime } from '../format';
import { followLink, pageHref } from '../router';

/** Members › Deleted users: every deleted user still kept, most recently deleted first, with Restore. */
export function DeletedUsers() {
  const { api } = useSession();
  const list = useAsync(() => api.deletedUsers());
  // Pages added with "Load more" belong to the first page they were loaded after; a reload starts over.
  const [more, setMore] = useState<{ after: Page<DeletedUser>; pages: Page<DeletedUser>[] }>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [confirming, setConfirming] = useState<DeletedUser>();
  const [busyUser, setBusyUser] = useState<string>();
  const [message, setMessage] = useState<{ tone: 'success' | 'danger'; title?: string; text: string }>();

  const first = list.data;
  const pages = first ? [first, ...(more?.after === first ? more.pages : [])] : [];
  const users = pages.flatMap((p) => p.items);
  const last = pages[pages.length - 1];

  const loadMore = async () => {
    if (!first || !last?.nextCursor) return;
    setLoadingMore(true);
    try {
      setMore({ after: first, pages: [...pages.slice(1), await api.deletedUsers(last.nextCursor)] });
    } catch (e) {
      setMessage({ tone: 'danger', text: describeError(e) });
    } finally {
      setLoadingMore(false);
    }
  };

  const restore = async (user: DeletedUser) => {
    setConfirming(undefined);
    setBusyUser(user.id);
    setMessage(undefined);
    try {
      const restored = await api.restoreUser(user.id);
      await list.reload();
      setMessage({
        tone: 'success',
        text: `${restored.userName} was restored${restored.active ? '' : ' (inactive, as it was when deleted)'}.`,
      });
    } catch (e) {
      setMessage({ tone: 'danger', title: `Could not restore ${user.userName}`, text: describeError(e) });
      // A purged user (404) is gone from the list too.
      void list.reload();
    } finally {
      setBusyUser(undefined);
    }
  };

  const incidents = pageHref('incidents');
  return (
    <>
      <p class="view-note">
        Deleted users are kept until the date shown, then purged. Restore brings a user back with the same id, so your identity
        provider recognizes them again. Many deleted at once? Undo the whole{' '}
        <a href={incidents} onClick={(event) => followLink(event, incidents)}>
          deprovisioning incident
        </a>{' '}
        instead.
      </p>
      {message && (
        <div role={message.tone === 'danger' ? undefined : 'status'}>
          <Notice tone={message.tone} title={message.title}>
            {message.text}
          </Notice>
        </div>
      )}
      {list.error && !first ? (
        <LoadError error={list.error} onRetry={list.reload} />
      ) : !first ? (
        <Loading />
      ) : users.length === 0 ? (
        <div class="card">
          <EmptyState title="No deleted users">
            Users deleted by your identity provider or the API are kept here for a while.
          </EmptyState>
        </div>
      ) : (
        <div class="card card-flush table-scroll">
          <table class="table table-responsive">
            <caption class="visually-hidden">Deleted users, most recently deleted first</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Deleted</th>
                <th scope="col">By</th>
                <th scope="col">Purged on</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.map((user) => (
                <tr key={user.id} data-user={user.userName}>
                  <td data-label="User" class="cell-wrap cell-grow">
                    <span class="stack">
                      <span class="strong">{user.displayName ?? user.userName}</span>
                      {user.displayName && <span class="muted small">{user.userName}</span>}
                    </span>
                  </td>
                  <td data-label="Deleted" class="nowrap">
                    {formatDateTime(user.deletedAt)}
                  </td>
                  <td data-label="By" class="cell-wrap">
                    <ActorLabel actor={user.deletedBy} />
                  </td>
                  <td data-label="Purged on" class="nowrap">
                    {formatDate(user.purgeAt)}
                  </td>
                  <td class="cell-actions">
                    <button
                      type="button"
                      class="btn btn-ghost btn-small"
                      disabled={busyUser === user.id}
                      aria-label={`Restore ${user.userName}`}
                      onClick={() => setConfirming(user)}
                    >
                      Restore
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <LoadMore shown={Boolean(last?.nextCursor)} loading={loadingMore} onClick={() => void loadMore()} />
        </div>
      )}
      {confirming && (
        <Dialog
          title={`Restore ${confirming.userName}?`}
          size="small"
          onClose={() => setConfirming(undefined)}
          footer={
            <>
              <button type="button" class="btn btn-secondary" data-autofocus onClick={() => setConfirming(undefined)}>
                Cancel
              </button>
              <button type="button" class="btn btn-primary" onClick={() => void restore(confirming)}>
                Restore
              </button>
            </>
          }
        >
          <p>
            {confirming.userName} comes back with the same id, the attributes, own role and active state it had, and its
            memberships of the groups that still exist.
          </p>
          <p class="muted">
            If your identity provider deleted this user on purpose, it may delete the user again on its next sync: check its
            assignment first.
          </p>
        </Dialog>
      )}
    </>
  );
}
