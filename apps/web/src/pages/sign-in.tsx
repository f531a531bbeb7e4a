import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../api';
import { Logo } from '../components/logo';
import { Notice } from '../components/ui';

interface SignInProps {
  /** Why the admin is here: signed out, or a refused key. */
  message?: string;
  /** The message says the API refused the key (deleted, expired): shown as a warning. */
  refused?: boolean;
  onSignIn: (key: string) => Promise<void>;
}

export function SignInPage({ message, refused = false, onSignIn }: SignInProps) {
  const [key, setKey] = useState('');
  const [show, setShow] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    document.title = 'Sign in · Torii Settings';
    input.current?.focus();
  }, []);

  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setError('Paste a Torii API key to sign in.');
      input.current?.focus();
      return;
    }
    if (trimmed.startsWith('torii_scim_')) {
      setError(
        'This is a Torii SCIM key: it only works for SCIM provisioning. Sign in with a Torii API key (it starts with torii_api_).',
      );
      input.current?.focus();
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await onSignIn(trimmed);
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
      input.current?.focus();
    }
  };

  const errorId = 'sign-in-error';
  return (
    <div class="signin">
      <main class="signin-card card" id="main">
        <div class="signin-brand">
          <Logo size={36} />
          <span class="brand-name">Torii</span>
        </div>
        <h1 class="signin-title">Sign in to Settings</h1>
        <p class="signin-intro">
          Paste a <strong>Torii API key</strong> of your organization. It is kept in this browser tab only and forgotten when you
          sign out or close the tab.
        </p>
        {message && !error && (
          <div role={refused ? 'alert' : 'status'}>
            <Notice tone={refused ? 'warning' : 'info'}>{message}</Notice>
          </div>
        )}
        <form onSubmit={submit} noValidate>
          <div class="field">
            <label for="api-key" class="label">
              Torii API key
            </label>
            <div class="input-group">
              <input
                ref={input}
                id="api-key"
                name="api-key"
                class="input input-mono"
                type={show ? 'text' : 'password'}
                autocomplete="off"
                autocapitalize="off"
                spellcheck={false}
                placeholder="torii_api_…"
                value={key}
                aria-invalid={error ? true : undefined}
                aria-describedby={error ? errorId : 'api-key-hint'}
                onInput={(e) => setKey((e.target as HTMLInputElement).value)}
              />
              <button type="button" class="btn btn-secondary" aria-pressed={show} onClick={() => setShow(!show)}>
                {show ? 'Hide' : 'Show'}
              </button>
            </div>
            <p id="api-key-hint" class="hint">
              It starts with <code>torii_api_</code>. No key yet? The server's first start printed one (or wrote it to{' '}
              <code>data/first-run-key.txt</code>); an operator can also create one with{' '}
              <code>npm run cli -- keys:create --org &lt;id&gt; --type api</code>. Signed-in Admins generate more in Settings &gt;
              API Access.
            </p>
            {error && (
              <p id={errorId} class="field-error" role="alert">
                {error}
              </p>
            )}
          </div>
          <button type="submit" class="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      </main>
    </div>
  );
}
