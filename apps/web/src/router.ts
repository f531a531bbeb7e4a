import { useEffect, useState } from 'preact/hooks';

/** The SPA lives under /settings; the server answers index.html for every path below it. */
export const BASE = '/settings';

export interface PageDef {
  slug: string;
  title: string;
}

export const PAGES: PageDef[] = [
  { slug: 'security', title: 'Security' },
  { slug: 'api-access', title: 'API Access' },
  { slug: 'roles', title: 'Roles' },
  { slug: 'members', title: 'Members' },
  { slug: 'groups', title: 'Groups' },
  { slug: 'notifications', title: 'Notifications' },
  { slug: 'audit-log', title: 'Audit log' },
];

export const DEFAULT_PAGE = 'security';

const NAVIGATE_EVENT = 'torii:navigate';

export function pageHref(slug: string): string {
  return `${BASE}/${slug}`;
}

/** The page slug of the current URL ("" for /settings itself, the unknown slug as is). */
export function currentSlug(pathname = window.location.pathname): string {
  const rest = pathname.toLowerCase().startsWith(BASE) ? pathname.slice(BASE.length) : '';
  return rest.replace(/^\/+|\/+$/g, '').split('/')[0] ?? '';
}

export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, '', href);
  else window.history.pushState(null, '', href);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

export function useSlug(): string {
  const [slug, setSlug] = useState(currentSlug);
  useEffect(() => {
    const update = () => setSlug(currentSlug());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE_EVENT, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE_EVENT, update);
    };
  }, []);
  return slug;
}

/** A click on an in-app link: navigate without reloading, unless the user asked for a new tab or window. */
export function followLink(event: MouseEvent, href: string): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(href);
}
