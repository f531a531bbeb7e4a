import { useEffect, useState } from 'preact/hooks';

/** Copies text: the Clipboard API where the page may use it, else a hidden selection (plain-HTTP deployments). */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through to the selection fallback
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.className = 'offscreen';
  document.body.appendChild(area);
  area.select();
  try {
    return document.execCommand('copy');
  } finally {
    area.remove();
  }
}

interface CopyButtonProps {
  text: string;
  /** What is copied, for screen readers: "Copy Organization ID". */
  label: string;
  variant?: 'secondary' | 'primary' | 'ghost';
  small?: boolean;
  children?: string;
}

export function CopyButton({ text, label, variant = 'secondary', small = false, children = 'Copy' }: CopyButtonProps) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (state === 'idle') return;
    const timer = setTimeout(() => setState('idle'), 2000);
    return () => clearTimeout(timer);
  }, [state]);
  return (
    <span class="copy">
      <button
        type="button"
        class={`btn btn-${variant}${small ? ' btn-small' : ''}`}
        aria-label={label}
        onClick={async () => setState((await copyText(text)) ? 'copied' : 'failed')}
      >
        <svg viewBox="0 0 20 20" width="14" height="14" aria-hidden="true" class="btn-icon">
          {state === 'copied' ? (
            <path
              d="M4 10.5l4 4 8-9"
              fill="none"
              stroke="currentColor"
              stroke-width="2"
              stroke-linecap="round"
              stroke-linejoin="round"
            />
          ) : (
            <g fill="none" stroke="currentColor" stroke-width="1.6">
              <rect x="7" y="7" width="10" height="10" rx="2" />
              <path d="M13 7V5a2 2 0 00-2-2H5a2 2 0 00-2 2v6a2 2 0 002 2h2" />
            </g>
          )}
        </svg>
        {state === 'copied' ? 'Copied' : children}
      </button>
      <span class="visually-hidden" role="status" aria-live="polite">
        {state === 'copied'
          ? 'Copied to the clipboard.'
          : state === 'failed'
            ? 'Could not copy: select the text and copy it.'
            : ''}
      </span>
    </span>
  );
}
