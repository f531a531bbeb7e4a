import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { humanizeInstants } from './format';
import { ApiError, createApi, describeError, type Organization } from './api';
import { CopyButton } from './components/copy-button';
import { IncidentBanner } from './components/incident-banner';
import { Logo } from './components/logo';
import { Loading, Notice } from './components/ui';
import { SessionContext, useSession, type Session } from './context';
import { ApiAccessPage } from './pages/api-access';
import { AuditLogPage } from './pages/audit-log';
import { GroupsPage } from './pages/groups';
import { IncidentsPage } from './pages/incidents';
import { MembersPage } from './pages/members';
import { NotificationsPage } from './pages/notifications';
import { OrganizationPage } from './pages/organization';
import { RolesPage } from './pages/roles';
import { ScimRequestsPage } from './pages/scim-requests';
import { SecurityPage } from './pages/security';
import { SignInPage } from './pages/sign-in';
import {
  BASE,
  currentParam,
  currentSlug,
  DEFAULT_PAGE,
  followLink,
  LINKED_PAGES,
  navigate,
  pageHref,
  PAGES,
  usePath,
} from './router';
import { clearKey, storedKey, storeKey } from './session';

type AuthState =
  | { kind: 'signed-out'; message?: string; refused?: boolean }
  | { kind: 'checking'; key: string }
  | { kind: 'unreachable'; key: string; message: string }
  | { kind: 'signed-in'; key: string; organization: Organization };

/** Sentence shown on the sign-in page when the API refuses the stored key (deleted, expired, ...). */
function sessionEndedMessage(reason: string): string {
  return `You were signed out because the API key was refused: ${humanizeInstants(reason)}`;
}

export function App() {
  const [auth, setAuth] = useState<AuthState>(() => {
    const key = storedKey();
    return key ? { kind: 'checking', key } : { kind: 'signed-out' };
  });

  const signOut = useCallback((message?: string, refused = false) => {
    clearKey();
    setAuth({ kind: 'signed-out', message, refused });
  }, []);

  // Checks a key by reading the organization; the same call serves the header.
  const check = useCallback(async (key: string): Promise<void> => {
    try {
      const organization = await createApi(key, () => undefined).organization();
      storeKey(key);
      setAuth({ kind: 'signed-in', key, organization });
    } catch (error) {
      if (error instanceof ApiError && error.status !== 0 && error.status < 500) {
        clearKey();
        throw error;
      }
      setAuth({ kind: 'unreachable', key, message: describeError(error) });
    }
  }, []);

  useEffect(() => {
    if (auth.kind === 'checking') {
      check(auth.key).catch((error) => signOut(sessionEndedMessage(describeError(error)), true));
    }
  }, [auth, check, signOut]);

  const signedInKey = auth.kind === 'signed-in' ? auth.key : undefined;
  // One client per key: a rename (which changes the organization below) keeps it.
  const api = useMemo(
    () => (signedInKey ? createApi(signedInKey, (message) => signOut(sessionEndedMessage(message), true)) : undefined),
    [signedInKey, signOut],
  );

  const session = useMemo<Session | null>(() => {
    if (auth.kind !== 'signed-in' || !api) return null;
    return {
      api,
      organization: auth.organization,
      setOrganization: (organization) =>
        setAuth((current) => (current.kind === 'signed-in' ? { ...current, organization } : current)),
      keyHint: auth.key.slice(-4),
      signOut: () => {
        // A sign-out leaves the page it was on: the address no longer names a page of the session.
        window.history.replaceState(null, '', BASE);
        signOut('You signed out. The key was removed from this browser tab.');
      },
    };
  }, [auth, api, signOut]);

  if (auth.kind === 'checking') {
    return (
      <div class="center-screen">
        <Loading label="Signing in…" />
      </div>
    );
  }
  if (auth.kind === 'unreachable') {
    return (
      <div class="center-screen">
        <div class="card narrow-card">
          <Notice tone="danger" title="The Torii server did not answer">
            <p>{auth.message}</p>
          </Notice>
          <div class="button-row">
            <button type="button" class="btn btn-secondary" onClick={() => signOut()}>
              Sign out
            </button>
            <button type="button" class="btn btn-primary" onClick={() => setAuth({ kind: 'checking', key: auth.key })}>
              Try again
            </button>
          </div>
        </div>
      </div>
    );
  }
  if (auth.kind === 'signed-out' || !session) {
    return (
      <SignInPage
        message={auth.kind === 'signed-out' ? auth.message : undefined}
        refused={auth.kind === 'signed-out' && auth.refused}
        onSignIn={check}
      />
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <Shell />
    </SessionContext.Provider>
  );
}

function Shell() {
  const path = usePath();
  const slug = currentSlug(path);
  const param = currentParam(path);
  const page = [...PAGES, ...LINKED_PAGES].find((p) => p.slug === slug);

  useEffect(() => {
    // /settings and unknown paths land on the first page; the address bar says where the admin is.
    if (!page) navigate(pageHref(DEFAULT_PAGE), { replace: true });
  }, [page]);

  // Signed in: focus goes to the page's heading (screen readers announce where the admin landed), not the body.
  useEffect(() => {
    requestAnimationFrame(() => document.querySelector<HTMLElement>('[data-page-title]')?.focus());
  }, []);

  useEffect(() => {
    if (!page) return;
    document.title = `${page.title} · Torii Settings`;
    // On a narrow window the navigation scrolls sideways: keep the current page's tab in view.
    document.querySelector('.sidenav [aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [page]);

  const session = useSession();
  const tabs = useRef<HTMLUListElement>(null);
  const more = useScrollEdges(tabs);
  return (
    <div class="layout">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <Header session={session} />
      <IncidentBanner path={path} />
      <div class="shell">
        <nav
          class="sidenav"
          aria-label="Settings"
          data-more-start={more.start ? '' : undefined}
          data-more-end={more.end ? '' : undefined}
        >
          <p class="sidenav-heading" aria-hidden="true">
            Settings
          </p>
          <ul ref={tabs}>
            {PAGES.map((p) => (
              <li key={p.slug}>
                <a
                  href={pageHref(p.slug)}
                  class="sidenav-link"
                  aria-current={p.slug === slug ? 'page' : undefined}
                  onClick={(event) => {
                    followLink(event, pageHref(p.slug));
                    // Move focus to the new page's heading, like a page load would.
                    requestAnimationFrame(() => document.querySelector<HTMLElement>('[data-page-title]')?.focus());
                  }}
                >
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" class="content" tabIndex={-1}>
          {page?.slug === 'organization' && <OrganizationPage />}
          {page?.slug === 'security' && <SecurityPage />}
          {page?.slug === 'api-access' && <ApiAccessPage />}
          {page?.slug === 'roles' && <RolesPage />}
          {page?.slug === 'members' && <MembersPage />}
          {page?.slug === 'groups' && <GroupsPage />}
          {page?.slug === 'notifications' && <NotificationsPage />}
          {page?.slug === 'scim-requests' && <ScimRequestsPage key={param ?? ''} id={param} />}
          {page?.slug === 'audit-log' && <AuditLogPage />}
          {page?.slug === 'incidents' && <IncidentsPage key={param ?? ''} id={param} />}
        </main>
      </div>
    </div>
  );
}

/**
 * Whether a sideways-scrolling element has more to show on either side (the phone's tab strip): the
 * navigation fades and shows an arrow on that side, so that "Notifi…" reads as "there is more".
 */
function useScrollEdges(ref: { current: HTMLElement | null }): { start: boolean; end: boolean } {
  const [edges, setEdges] = useState({ start: false, end: false });
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const update = () => {
      const start = element.scrollLeft > 1;
      const end = element.scrollLeft + element.clientWidth < element.scrollWidth - 1;
      setEdges((old) => (old.start === start && old.end === end ? old : { start, end }));
    };
    update();
    element.addEventListener('scroll', update, { passive: true });
    window.addEventListener('resize', update);
    return () => {
      element.removeEventListener('scroll', update);
      window.removeEventListener('resize', update);
    };
  }, [ref]);
  return edges;
}

function Header({ session }: { session: Session }) {
  const { organization } = session;
  return (
    <header class="topbar">
      <a class="brand" href={pageHref(DEFAULT_PAGE)} onClick={(event) => followLink(event, pageHref(DEFAULT_PAGE))}>
        <Logo />
        <span class="brand-name">Torii</span>
        <span class="brand-divider" aria-hidden="true" />
        <span class="brand-section">Settings</span>
      </a>
      <div class="org">
        <div class="org-text">
          <span class="org-name" title={organization.name}>
            {organization.name}
          </span>
          <span class="org-id">
            <span class="org-id-label">Organization ID</span>{' '}
            <code class="org-id-value" data-testid="organization-id">
              {organization.id}
            </code>
          </span>
        </div>
        <CopyButton text={organization.id} label="Copy Organization ID" variant="ghost" small>
          Copy ID
        </CopyButton>
        <button type="button" class="btn btn-secondary btn-small" onClick={session.signOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}
