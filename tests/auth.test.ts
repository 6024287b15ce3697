import { eq, sql } from 'drizzle-orm';
import { decodeJwt, SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { refreshTokens, users } from '../src/db/schema.js';
import { errorOf, gql, registerUser, uniqueEmail, USER_FIELDS } from './helpers/graphql.js';
import { TEST_JWT_SECRET, useServerAndDatabase } from './helpers/server.js';
import { until } from './helpers/ws.js';

const REGISTER = `mutation($input: RegisterInput!) {
  register(input: $input) { accessToken refreshToken expiresAt user { ${USER_FIELDS} } }
}`;
const LOGIN = `mutation($email: String!, $password: String!) {
  login(email: $email, password: $password) { accessToken refreshToken expiresAt user { id email } }
}`;
const REFRESH = `mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken refreshToken user { id } } }`;
const ME = `{ me { ${USER_FIELDS} } }`;

const env = useServerAndDatabase();

const validInput = () => ({ firstname: 'Ana', lastname: 'Lima', email: uniqueEmail('ana'), password: 'correct horse battery' });

async function countUsers(email: string) {
  const [row] = await env.db.db.select({ n: sql<number>`count(*)::int` }).from(users).where(eq(sql`lower(${users.email})`, email.toLowerCase()));
  return row!.n;
}

describe('register', () => {
  it('creates an account and returns a working token pair', async () => {
    const input = { ...validInput(), phone: '+351 912 345 678', country: 'Portugal', profilePicture: 'https://img.example.com/a.png' };
    const res = await gql(env.srv.url, REGISTER, { input });
    expect(res.errors).toBeUndefined();
    const payload = res.data!.register;
    expect(payload.user).toMatchObject({ firstname: 'Ana', lastname: 'Lima', email: input.email, phone: input.phone, country: 'Portugal' });
    expect(new Date(payload.expiresAt).getTime()).toBeGreaterThan(Date.now());
    const me = await gql(env.srv.url, ME, {}, payload.accessToken);
    expect(me.data!.me).toEqual(payload.user);
    const [row] = await env.db.db.select().from(users).where(eq(users.id, Number(payload.user.id)));
    expect(row!.password).toMatch(/^\$argon2id\$/);
  });

  it('refuses a taken email whatever its case, and stores nothing', async () => {
    const input = validInput();
    await gql(env.srv.url, REGISTER, { input });
    const res = await gql(env.srv.url, REGISTER, { input: { ...input, email: input.email.toUpperCase() } });
    expect(errorOf(res)).toEqual({ code: 'CONFLICT', field: 'email' });
    expect(await countUsers(input.email)).toBe(1);
  });

  it('refuses two concurrent registrations of one email but one', async () => {
    const input = validInput();
    const results = await Promise.all([1, 2, 3].map(() => gql(env.srv.url, REGISTER, { input })));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => errorOf(r).code === 'CONFLICT')).toHaveLength(2);
    expect(await countUsers(input.email)).toBe(1);
  });

  const long = (n: number) => 'x'.repeat(n);
  it.each([
    ['email', { email: 'not-an-email' }],
    ['email', { email: `${long(250)}@example.com` }],
    ['password', { password: 'short' }],
    ['password', { password: long(129) }],
    ['firstname', { firstname: '' }],
    ['firstname', { firstname: '   ' }],
    ['firstname', { firstname: long(101) }],
    ['lastname', { lastname: long(101) }],
    ['phone', { phone: long(21) }],
    ['phone', { phone: 'call me maybe' }],
    ['country', { country: long(101) }],
    ['profilePicture', { profilePicture: 'ftp://example.com/a.png' }],
    ['profilePicture', { profilePicture: 'javascript:alert(1)' }],
    ['profilePicture', { profilePicture: `https://example.com/${long(490)}` }],
  ])('refuses a bad %s (%j) and stores nothing', async (field, patch) => {
    const input = { ...validInput(), ...patch };
    const res = await gql(env.srv.url, REGISTER, { input });
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field });
    expect(res.data ?? null).toBeNull();
    expect(await countUsers(input.email)).toBe(0);
  });

  it('accepts passwords of exactly 8 and 128 characters', async () => {
    for (const password of ['12345678', long(128)]) {
      const res = await gql(env.srv.url, REGISTER, { input: { ...validInput(), password } });
      expect(res.errors).toBeUndefined();
    }
  });

  it('refuses unknown fields in the input, inline or in variables', async () => {
    const inline = await gql(
      env.srv.url,
      `mutation { register(input: { firstname: "A", lastname: "B", email: "${uniqueEmail()}", password: "password-1", admin: true }) { accessToken } }`,
    );
    expect(errorOf(inline)).toEqual({ code: 'BAD_USER_INPUT', field: 'admin' });
    const viaVariables = await gql(env.srv.url, REGISTER, { input: { ...validInput(), isAdmin: true } });
    expect(errorOf(viaVariables)).toEqual({ code: 'BAD_USER_INPUT', field: 'isAdmin' });
  });

  it('never exposes a password field', async () => {
    const res = await gql(env.srv.url, '{ me { password } }');
    expect(errorOf(res).code).toBe('BAD_USER_INPUT');
  });
});

describe('login', () => {
  it('signs in with any case of the email', async () => {
    const u = await registerUser(env.srv.url);
    const res = await gql(env.srv.url, LOGIN, { email: u.email.toUpperCase(), password: u.password });
    expect(res.errors).toBeUndefined();
    expect(res.data!.login.user).toEqual({ id: u.id, email: u.email });
  });

  it('gives the same error for an unknown email and a wrong password', async () => {
    const u = await registerUser(env.srv.url);
    const wrong = await gql(env.srv.url, LOGIN, { email: u.email, password: 'wrong-password' });
    const unknown = await gql(env.srv.url, LOGIN, { email: uniqueEmail('nobody'), password: 'wrong-password' });
    expect(errorOf(wrong).code).toBe('UNAUTHENTICATED');
    expect(wrong.errors![0]!.message).toBe(unknown.errors![0]!.message);
    expect(errorOf(unknown).code).toBe('UNAUTHENTICATED');
  });

  it('writes its session and refresh token in one transaction, and its access token names that session', async () => {
    const u = await registerUser(env.srv.url);
    const res = await gql(env.srv.url, LOGIN, { email: u.email, password: u.password });
    expect(res.errors).toBeUndefined();
    const sessionId = decodeJwt(res.data!.login.accessToken).sid as string;
    // xmin: the transaction that wrote the row.
    const rows = await env.db.sql<{ table: string; xmin: string }[]>`
      select 'sessions' as table, xmin::text from sessions where id = ${sessionId}
      union all select 'refresh_tokens', xmin::text from refresh_tokens where family_id = ${sessionId}`;
    expect(rows.map((r) => r.table).sort()).toEqual(['refresh_tokens', 'sessions']);
    expect(new Set(rows.map((r) => r.xmin)).size).toBe(1);
    // The pair works: the refresh token belongs to the session the access token names.
    const refreshed = await gql(env.srv.url, REFRESH, { t: res.data!.login.refreshToken });
    expect(decodeJwt(refreshed.data!.refreshToken.accessToken).sid).toBe(sessionId);
  });
});

describe('access tokens', () => {
  const key = new TextEncoder().encode(TEST_JWT_SECRET);
  const sessionOf = (u: { token: string }) => decodeJwt(u.token).sid as string;
  const sign = (userId: string, sid: string | undefined, alg = 'HS256', exp: number | string = '15m', secret = key) =>
    new SignJWT(sid ? { sid } : {}).setProtectedHeader({ alg }).setSubject(userId).setIssuer('parley').setAudience('parley').setIssuedAt().setExpirationTime(exp).sign(secret);

  it('accepts a valid token and refuses a missing one', async () => {
    const u = await registerUser(env.srv.url);
    expect((await gql(env.srv.url, ME, {}, await sign(u.id, sessionOf(u)))).data!.me.id).toBe(u.id);
    expect(errorOf(await gql(env.srv.url, ME)).code).toBe('UNAUTHENTICATED');
  });

  it('refuses a token that names no session: it could never be revoked', async () => {
    const u = await registerUser(env.srv.url);
    const res = await gql(env.srv.url, ME, {}, await sign(u.id, undefined));
    expect(errorOf(res).code).toBe('UNAUTHENTICATED');
  });

  it('refuses an expired token', async () => {
    const u = await registerUser(env.srv.url);
    const res = await gql(env.srv.url, ME, {}, await sign(u.id, sessionOf(u), 'HS256', Math.floor(Date.now() / 1000) - 10));
    expect(errorOf(res).code).toBe('UNAUTHENTICATED');
    expect(res.errors![0]!.message).toMatch(/expired/i);
  });

  it('refuses a token once it expires, though it was accepted before', async () => {
    const u = await registerUser(env.srv.url);
    const token = await sign(u.id, sessionOf(u), 'HS256', Math.floor(Date.now() / 1000) + 2);
    expect((await gql(env.srv.url, ME, {}, token)).data!.me.id).toBe(u.id);
    let last: Awaited<ReturnType<typeof gql>> | undefined;
    await until(async () => (last = await gql(env.srv.url, ME, {}, token)).errors !== undefined, 10_000, 'the token to expire');
    expect(errorOf(last!).code).toBe('UNAUTHENTICATED');
    expect(last!.errors![0]!.message).toMatch(/expired/i);
  });

  it('refuses a tampered token', async () => {
    const a = await registerUser(env.srv.url);
    const b = await registerUser(env.srv.url);
    const [h, , s] = a.token.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: b.id, iss: 'parley', aud: 'parley', exp: 9999999999 })).toString('base64url');
    expect(errorOf(await gql(env.srv.url, ME, {}, `${h}.${forgedPayload}.${s}`)).code).toBe('UNAUTHENTICATED');
  });

  it('refuses a token signed with another algorithm, another key, or none', async () => {
    const u = await registerUser(env.srv.url);
    const hs512 = await sign(u.id, sessionOf(u), 'HS512');
    const otherKey = await sign(u.id, sessionOf(u), 'HS256', '15m', new TextEncoder().encode('another-secret-another-secret-another-secret'));
    const none = new UnsecuredJWT({ sid: sessionOf(u) }).setSubject(u.id).setIssuer('parley').setAudience('parley').setExpirationTime('15m').encode();
    for (const token of [hs512, otherKey, none, 'garbage']) {
      const res = await gql(env.srv.url, ME, {}, token);
      expect(errorOf(res).code, token).toBe('UNAUTHENTICATED');
    }
  });

  it('refuses a well-signed token for another issuer or audience, not yet valid, or requiring unknown extensions', async () => {
    const u = await registerUser(env.srv.url);
    const claims = () => new SignJWT({ sid: sessionOf(u) }).setSubject(u.id).setIssuedAt().setExpirationTime('15m');
    const tokens = await Promise.all([
      claims().setProtectedHeader({ alg: 'HS256' }).setIssuer('someone-else').setAudience('parley').sign(key),
      claims().setProtectedHeader({ alg: 'HS256' }).setIssuer('parley').setAudience('someone-else').sign(key),
      claims().setProtectedHeader({ alg: 'HS256' }).setIssuer('parley').setAudience('parley').setNotBefore('10m').sign(key),
      claims().setProtectedHeader({ alg: 'HS256', crit: ['exp'] }).setIssuer('parley').setAudience('parley').sign(key).catch(() => null),
      claims().setProtectedHeader({ alg: 'HS256', b64: false, crit: ['b64'] }).setIssuer('parley').setAudience('parley').sign(key).catch(() => null),
    ]);
    for (const token of tokens.filter((t): t is string => t !== null)) {
      expect(errorOf(await gql(env.srv.url, ME, {}, token)).code, token).toBe('UNAUTHENTICATED');
    }
    const both = await claims().setProtectedHeader({ alg: 'HS256' }).setIssuer('parley').setAudience(['other', 'parley']).sign(key);
    expect((await gql(env.srv.url, ME, {}, both)).data!.me.id).toBe(u.id);
  });

  it('still lets a client with a stale token call login', async () => {
    const u = await registerUser(env.srv.url);
    const res = await gql(env.srv.url, LOGIN, { email: u.email, password: u.password }, 'expired-or-garbage');
    expect(res.errors).toBeUndefined();
  });
});

describe('refresh tokens', () => {
  it('rotates: the new pair works and the old refresh token is single-use', async () => {
    const u = await registerUser(env.srv.url);
    const first = await gql(env.srv.url, REFRESH, { t: u.refreshToken });
    expect(first.errors).toBeUndefined();
    const next = first.data!.refreshToken;
    expect(next.refreshToken).not.toBe(u.refreshToken);
    expect((await gql(env.srv.url, ME, {}, next.accessToken)).data!.me.id).toBe(u.id);
    const second = await gql(env.srv.url, REFRESH, { t: next.refreshToken });
    expect(second.errors).toBeUndefined();
  });

  it('treats reuse as theft: refuses it and revokes the whole family', async () => {
    const u = await registerUser(env.srv.url);
    const rotated = (await gql(env.srv.url, REFRESH, { t: u.refreshToken })).data!.refreshToken;
    const reuse = await gql(env.srv.url, REFRESH, { t: u.refreshToken });
    expect(errorOf(reuse).code).toBe('UNAUTHENTICATED');
    expect(reuse.errors![0]!.message).toMatch(/already used/);
    // The legitimate holder's newer token is revoked too.
    expect(errorOf(await gql(env.srv.url, REFRESH, { t: rotated.refreshToken })).code).toBe('UNAUTHENTICATED');
  });

  it('lets one of two concurrent uses of a token win, and revokes the family', async () => {
    const u = await registerUser(env.srv.url);
    const results = await Promise.all([1, 2].map(() => gql(env.srv.url, REFRESH, { t: u.refreshToken })));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    const winner = results.find((r) => !r.errors)!.data!.refreshToken;
    expect(errorOf(await gql(env.srv.url, REFRESH, { t: winner.refreshToken })).code).toBe('UNAUTHENTICATED');
  });

  it('refuses an unknown or expired refresh token', async () => {
    expect(errorOf(await gql(env.srv.url, REFRESH, { t: 'nope' })).code).toBe('UNAUTHENTICATED');
    const u = await registerUser(env.srv.url);
    await env.db.db.update(refreshTokens).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(refreshTokens.userId, Number(u.id)));
    expect(errorOf(await gql(env.srv.url, REFRESH, { t: u.refreshToken })).code).toBe('UNAUTHENTICATED');
  });

  it('stores only a hash of the token', async () => {
    const u = await registerUser(env.srv.url);
    const rows = await env.db.db.select().from(refreshTokens).where(eq(refreshTokens.userId, Number(u.id)));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.tokenHash).not.toContain(u.refreshToken);
    expect(rows[0]!.tokenHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('logout', () => {
  const LOGOUT = `mutation($t: String) { logout(refreshToken: $t) }`;

  it('ends the session of the given refresh token only', async () => {
    const u = await registerUser(env.srv.url);
    const other = (await gql(env.srv.url, LOGIN, { email: u.email, password: u.password })).data!.login;
    expect((await gql(env.srv.url, LOGOUT, { t: u.refreshToken }, u.token)).data!.logout).toBe(true);
    expect(errorOf(await gql(env.srv.url, REFRESH, { t: u.refreshToken })).code).toBe('UNAUTHENTICATED');
    expect((await gql(env.srv.url, REFRESH, { t: other.refreshToken })).errors).toBeUndefined();
  });

  it('without a token ends every session of the viewer, and needs a viewer', async () => {
    const u = await registerUser(env.srv.url);
    const other = (await gql(env.srv.url, LOGIN, { email: u.email, password: u.password })).data!.login;
    expect(errorOf(await gql(env.srv.url, LOGOUT, {})).code).toBe('UNAUTHENTICATED');
    expect((await gql(env.srv.url, LOGOUT, {}, u.token)).data!.logout).toBe(true);
    for (const t of [u.refreshToken, other.refreshToken]) {
      expect(errorOf(await gql(env.srv.url, REFRESH, { t })).code).toBe('UNAUTHENTICATED');
    }
  });

  it("does not end someone else's session", async () => {
    const a = await registerUser(env.srv.url);
    const b = await registerUser(env.srv.url);
    expect((await gql(env.srv.url, LOGOUT, { t: b.refreshToken }, a.token)).data!.logout).toBe(false);
    expect((await gql(env.srv.url, REFRESH, { t: b.refreshToken })).errors).toBeUndefined();
  });
});

describe('changePassword', () => {
  const CHANGE = `mutation($c: String!, $n: String!) { changePassword(currentPassword: $c, newPassword: $n) }`;

  it('changes the password and ends the other sessions, keeping the current one', async () => {
    const u = await registerUser(env.srv.url);
    const other = (await gql(env.srv.url, LOGIN, { email: u.email, password: u.password })).data!.login;
    const res = await gql(env.srv.url, CHANGE, { c: u.password, n: 'a-new-password' }, u.token);
    expect(res.data!.changePassword).toBe(true);
    expect(errorOf(await gql(env.srv.url, LOGIN, { email: u.email, password: u.password })).code).toBe('UNAUTHENTICATED');
    expect((await gql(env.srv.url, LOGIN, { email: u.email, password: 'a-new-password' })).errors).toBeUndefined();
    expect(errorOf(await gql(env.srv.url, ME, {}, other.accessToken)).code).toBe('UNAUTHENTICATED');
    expect(errorOf(await gql(env.srv.url, REFRESH, { t: other.refreshToken })).code).toBe('UNAUTHENTICATED');
    expect((await gql(env.srv.url, ME, {}, u.token)).data!.me.id).toBe(u.id);
    expect((await gql(env.srv.url, REFRESH, { t: u.refreshToken })).errors).toBeUndefined();
  });

  it('refuses a wrong current password, a bad new one, and no viewer; nothing changes', async () => {
    const u = await registerUser(env.srv.url);
    expect(errorOf(await gql(env.srv.url, CHANGE, { c: 'wrong-password', n: 'a-new-password' }, u.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'currentPassword' });
    expect(errorOf(await gql(env.srv.url, CHANGE, { c: u.password, n: 'short' }, u.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'newPassword' });
    expect(errorOf(await gql(env.srv.url, CHANGE, { c: u.password, n: 'x'.repeat(129) }, u.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'newPassword' });
    expect(errorOf(await gql(env.srv.url, CHANGE, { c: u.password, n: 'a-new-password' })).code).toBe('UNAUTHENTICATED');
    expect((await gql(env.srv.url, LOGIN, { email: u.email, password: u.password })).errors).toBeUndefined();
  });
});
