import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { IncidentSummary } from '../api';
import { useSession } from '../context';
import { describeBurst } from '../format';
import { followLink, incidentHref } from '../router';

/** How often the banner asks whether an incident is open, besides on every navigation. */
const POLL_MS = 60_000;
const INCIDENT_EVENT = 'torii:incident-changed';

/** Tells the banner to look again at once (after an undo or a dismiss). */
export function incidentChanged(): void {
  window.dispatchEvent(new Event(INCIDENT_EVENT));
}

/**
 * The banner on every page while a deprovisioning incident is open. It reads `scim-health` (one request)
 * when the admin moves to another page, every minute while the tab is visible, and after an undo or dismiss.
 */
export function IncidentBanner({ path }: { path: string }) {
  const { api } = useSession();
  const [incident, setIncident] = useState<IncidentSummary | null>(null);
  const generation = useRef(0);

  const check = useCallback(async () => {
    if (document.visibilityState === 'hidden') return;
    const mine = ++generation.current;
    try {
      const health = await api.scimHealth();
      if (mine === generation.current) setIncident(health.incident ?? null);
    } catch {
      // The banner keeps what it showed; the page itself says when the server cannot be reached.
    }
  }, [api]);

  useEffect(() => {
    void check();
  }, [check, path]);

  useEffect(() => {
    const run = () => void check();
    const timer = window.setInterval(run, POLL_MS);
    window.addEventListener(INCIDENT_EVENT, run);
    document.addEventListener('visibilitychange', run);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener(INCIDENT_EVENT, run);
      document.removeEventListener('visibilitychange', run);
      generation.current += 1;
    };
  }, [check]);

  // The live region is always there, so that a banner appearing is announced.
  return (
    <div aria-live="polite">
      {incident && (
        <section class="incident-banner" aria-label="Deprovisioning incident" data-incident={incident.id}>
          <div class="incident-banner-inner">
            <svg class="incident-banner-icon" viewBox="0 0 20 20" width="20" height="20" aria-hidden="true">
              <path d="M10 2.8l7.6 13.2H2.4z" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linejoin="round" />
              <path d="M10 8v3.6M10 13.9v.1" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" />
            </svg>
            <p class="incident-banner-text">
              <strong>{describeBurst(incident.count)}.</strong>
            </p>
            <a
              class="btn btn-small btn-danger incident-banner-link"
              href={incidentHref(incident.id)}
              onClick={(event) => {
                followLink(event, incidentHref(incident.id));
                requestAnimationFrame(() => document.querySelector<HTMLElement>('[data-page-title]')?.focus());
              }}
            >
              Review and undo
            </a>
          </div>
        </section>
      )}
    </div>
  );
}
