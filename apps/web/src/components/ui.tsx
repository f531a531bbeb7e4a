import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../api';

type Tone = 'info' | 'warning' | 'danger' | 'success';

const ICONS: Record<Tone, string> = {
  info: 'M10 9v5M10 6.2v.1',
  warning: 'M10 7v4M10 13.8v.1',
  danger: 'M10 6v5M10 13.8v.1',
  success: 'M6.5 10.5l2.5 2.5 5-6',
};

/** A message block. Errors are announced (role="alert"); the rest are plain text. */
export function Notice({ tone = 'info', title, children }: { tone?: Tone; title?: string; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${tone}`} role={tone === 'danger' ? 'alert' : undefined}>
      <svg class="notice-icon" viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">
        <circle cx="10" cy="10" r="8" fill="none" stroke="currentColor" stroke-width="1.6" />
        <path
          d={ICONS[tone]}
          fill="none"
          stroke="currentColor"
          stroke-width="1.8"
          stroke-linecap="round"
          stroke-linejoin="round"
        />
      </svg>
      <div class="notice-content">
        {title && <p class="notice-title">{title}</p>}
        <div>{children}</div>
      </div>
    </div>
  );
}

/** A status pill; `text` for one that holds a name (a role), which may wrap onto more lines. */
export function Badge({
  tone = 'neutral',
  text = false,
  children,
}: {
  tone?: 'neutral' | 'success' | 'warning' | 'danger' | 'accent';
  text?: boolean;
  children: ComponentChildren;
}) {
  return <span class={`badge badge-${tone}${text ? ' badge-text' : ''}`}>{children}</span>;
}

export function PageHeader({
  title,
  description,
  actions,
}: {
  title: string;
  description: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <div class="page-header">
      <div class="page-header-text">
        <h1 class="page-title" tabIndex={-1} data-page-title>
          {title}
        </h1>
        {description && <p class="page-description">{description}</p>}
      </div>
      {actions && <div class="page-actions">{actions}</div>}
    </div>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function LoadError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <Notice tone="danger" title="Could not load this page">
      <p>{describeError(error)}</p>
      <button type="button" class="btn btn-secondary btn-small notice-action" onClick={onRetry}>
        Try again
      </button>
    </Notice>
  );
}

/** The footer of a cursor-paged table: "Load more" while there is a next page. */
export function LoadMore({ shown, loading, onClick }: { shown: boolean; loading: boolean; onClick: () => void }) {
  if (!shown) return null;
  return (
    <div class="table-footer">
      <button type="button" class="btn btn-secondary btn-small" disabled={loading} onClick={onClick}>
        {loading ? 'Loading…' : 'Load more'}
      </button>
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{title}</p>
      {children && <p class="empty-text">{children}</p>}
    </div>
  );
}

export interface Async<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
  setData: (data: T) => void;
}

/**
 * Loads data for a page, again whenever `deps` change; `reload` runs the loader again (after a change).
 * Answers that arrive after a newer load started are dropped.
 */
export function useAsync<T>(loader: () => Promise<T>, deps: unknown[] = []): Async<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [loading, setLoading] = useState(true);
  const loaderRef = useRef(loader);
  loaderRef.current = loader;
  const generation = useRef(0);
  const reload = useCallback(async () => {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const result = await loaderRef.current();
      if (mine !== generation.current) return;
      setData(result);
      setError(undefined);
    } catch (e) {
      if (mine !== generation.current) return;
      setError(e);
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);
  useEffect(() => {
    void reload();
    return () => {
      generation.current += 1;
    };
  }, [reload, ...deps]);
  return { data, error, loading, reload, setData };
}

/** role="switch": Space or Enter toggles it, like a checkbox. */
export function Switch({
  checked,
  onChange,
  disabled,
  labelledBy,
  describedBy,
}: {
  checked: boolean;
  onChange: (checked: boolean) => void;
  disabled?: boolean;
  labelledBy: string;
  describedBy?: string;
}) {
  return (
    <button
      type="button"
      role="switch"
      class="switch"
      aria-checked={checked}
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      disabled={disabled}
      onClick={() => onChange(!checked)}
    >
      <span class="switch-track" aria-hidden="true">
        <span class="switch-thumb" />
      </span>
      <span class="switch-state" aria-hidden="true">
        {checked ? 'On' : 'Off'}
      </span>
    </button>
  );
}
