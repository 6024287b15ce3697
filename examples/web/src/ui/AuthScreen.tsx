import { useState, type FormEvent } from 'react';
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { setAuth } from '../apollo/auth';
import { LoginDocument, RegisterDocument, type AuthFieldsFragment } from '../gql/graphql';

type Mode = 'login' | 'register';

/** Signing in needs no Apollo Client yet: one plain request, and its answer starts the session. */
async function request<T, V>(document: TypedDocumentNode<T, V>, variables: V): Promise<T> {
  const res = await fetch(new URL('/graphql', location.href), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await res.json()) as { data?: T | null; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(body.errors?.[0]?.message ?? `The server answered ${res.status}`);
  return body.data;
}

export function AuthScreen() {
  const [mode, setMode] = useState<Mode>('login');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = Object.fromEntries(new FormData(event.currentTarget)) as Record<string, string>;
    setBusy(true);
    setError(null);
    try {
      let auth: AuthFieldsFragment;
      if (mode === 'login') auth = (await request(LoginDocument, { email: form.email!, password: form.password! })).login;
      else {
        const input = { firstname: form.firstname!, lastname: form.lastname!, email: form.email!, password: form.password! };
        auth = (await request(RegisterDocument, { input })).register;
      }
      setAuth(auth);
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  }

  return (
    <main className="auth">
      <div className="auth-card">
        <div className="brand brand-large">
          <span className="brand-mark">P</span> Parley
        </div>
        <p className="muted">{mode === 'login' ? 'Welcome back.' : 'Create an account to start chatting.'}</p>
        <form onSubmit={submit} className="stack">
          {mode === 'register' && (
            <div className="row">
              <label>
                First name
                <input name="firstname" required autoComplete="given-name" />
              </label>
              <label>
                Last name
                <input name="lastname" required autoComplete="family-name" />
              </label>
            </div>
          )}
          <label>
            Email
            <input name="email" type="email" required autoComplete="email" />
          </label>
          <label>
            Password
            <input name="password" type="password" required minLength={8} autoComplete={mode === 'login' ? 'current-password' : 'new-password'} />
          </label>
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <button className="primary" disabled={busy}>
            {mode === 'login' ? 'Sign in' : 'Create account'}
          </button>
        </form>
        <p className="muted switch">
          {mode === 'login' ? 'New here? ' : 'Have an account? '}
          <button className="link" onClick={() => (setMode(mode === 'login' ? 'register' : 'login'), setError(null))}>
            {mode === 'login' ? 'Create an account' : 'Sign in'}
          </button>
        </p>
      </div>
    </main>
  );
}
