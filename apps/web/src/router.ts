import { useEffect, useState } from 'preact/hooks';

/** The SPA lives under /settings; the server answers index.html for every path below it. */
export const BASE = '/settings';

export interface PageDef {
  slug: string;
  title: string;
}

export const PAGES: PageDef[] = [
  { slug: 'organization', title: 'Organization' },
  { slug: 'security', title: 'Security' },
  { slug: 'api-access', title: 'API Access' },
  { slug: 'roles', title: 'Roles' },
  { slug: 'members', title: 'Members' },
  { slug: 'groups', title: 'Groups' },
  { slug: 'notifications', title: 'Notifications' },
  { slug: 'scim-requests', title: 'SCIM requests' },
  { slug: 'audit-log', title: 'Audit log' },
];

/** Pages reached by links (the incident banner, the Security page, Members), not listed in the navigation. */
export const LINKED_PAGES: PageDef[] = [{ slug: 'incidents', title: 'Deprovisioning incidents' }];

export const DEFAULT_PAGE = 'security';

const NAVIGATE_EVENT = 'torii:navigate';

export function pageHref(slug: string): string {
  return `${BASE}/${slug}`;
}

/** One deprovisioning incident's page. */
export function incidentHref(id: string): string {
  return `${pageHref('incidents')}/${encodeURIComponent(id)}`;
}

/** One SCIM request's page in the provisioning inspector. */
export function scimRequestHref(id: string): string {
  return `${pageHref('scim-requests')}/${encodeURIComponent(id)}`;
}

/** The provisioning inspector's list with these filters (`{ requestId }` from an audit event, `{ targetId }` from a user). */
export function scimRequestsHref(filters: Record<string, string | undefined>): string {
  const text = new URLSearchParams(Object.entries(filters).filter((e): e is [string, string] => Boolean(e[1]))).toString();
  return `${pageHref('scim-requests')}${text ? `?${text}` : ''}`;
}

/** The path's parts below /settings: `/settings/incidents/7` is `["incidents", "7"]`. */
function segments(pathname: string): string[] {
  const rest = pathname.toLowerCase().startsWith(BASE) ? pathname.slice(BASE.length) : '';
  return rest.replace(/^\/+|\/+$/g, '').split('/');
}

/** The page slug of the current URL ("" for /settings itself, the unknown slug as is). */
export function currentSlug(pathname = window.location.pathname): string {
  return (segments(pathname)[0] ?? '').toLowerCase();
}

/** What follows the slug, e.g. an incident's id in /settings/incidents/7 (undefined when nothing does). */
export function currentParam(pathname = window.location.pathname): string | undefined {
  const param = segments(pathname)[1];
  if (!param) return undefined;
  try {
    return decodeURIComponent(param);
  } catch {
    return param;
  }
}

export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

/** The current path, again on every navigation: read it with currentSlug and currentParam. */
export function usePath(): string {
  const [path, setPath] = useState(() => window.location.pathname);
  useEffect(() => {
    const update = () => setPath(window.location.pathname);
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE_EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE_EVENT, update);
    };
  }, []);
  return path;
}

/** A click on an in-app link: navigate without reloading, unless the user asked for a new tab or window. */
export function followLink(event: MouseEvent, href: string): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(href);
}
