import { useState } from 'preact/hooks';

/** Asks for an API key with the `dashboard` or `admin` scope; it is kept in this tab's sessionStorage only. */
export function LoginView({ message, onKey }: { message: string | null; onKey: (key: string) => void }) {
  const [key, setKey] = useState('');
  return (
    <main class="login">
      <h1>GridLLM dashboard</h1>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (key.trim()) onKey(key.trim());
        }}
      >
        <p>
          This gateway requires an API key with the <code>dashboard</code> (view) or <code>admin</code> scope.
        </p>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autocomplete="off"
          required
          value={key}
          onInput={(event) => setKey((event.target as HTMLInputElement).value)}
          aria-describedby={message ? 'login-error' : undefined}
        />
        <button type="submit">Sign in</button>
        {message && (
          <p id="login-error" class="error" role="alert">
            {message}
          </p>
        )}
        <p class="hint">
          The key stays in this browser tab (sessionStorage) and is sent as an Authorization header.
        </p>
      </form>
    </main>
  );
}
