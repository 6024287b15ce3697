import { describe, expect, it } from 'vitest';
import { directChat } from './helpers/chat.js';
import { errorOf, gql, registerUser, uniqueEmail } from './helpers/graphql.js';
import { useServerAndDatabase } from './helpers/server.js';
import { subscribe, wsClient } from './helpers/ws.js';

/**
 * Text PostgreSQL cannot store — a NUL byte, an unpaired surrogate — is the client's input
 * (BAD_USER_INPUT naming the field) in any argument of any operation, on both transports, and
 * nothing is written.
 */
const env = useServerAndDatabase();
const NUL = 'a\u0000b';
const LONE_SURROGATE = 'x\uD800y';

describe('text that cannot be stored', () => {
  it('is refused in register, and no account is created', async () => {
    const email = uniqueEmail('nul');
    for (const [field, value] of [
      ['firstname', NUL],
      ['lastname', LONE_SURROGATE],
      ['password', `password-${NUL}`],
    ] as const) {
      const res = await gql(env.srv.url, `mutation($i: RegisterInput!) { register(input: $i) { accessToken } }`, {
        i: { firstname: 'Ana', lastname: 'Lima', email, password: 'password-123', [field]: value },
      });
      expect(errorOf(res), field).toEqual({ code: 'BAD_USER_INPUT', field });
      expect(res.errors![0]!.message).toMatch(/cannot be stored/);
    }
    expect(await env.db.sql`select 1 from users where email = ${email}`).toHaveLength(0);
  });

  it('is refused in plain arguments: login, searchUsers, createGroupChat, sendInvitation', async () => {
    const u = await registerUser(env.srv.url);
    const cases: [string, string, Record<string, unknown>, string][] = [
      ['login', `mutation($e: String!) { login(email: $e, password: "password-123") { accessToken } }`, { e: `x${NUL}@example.com` }, 'email'],
      ['searchUsers', `query($q: String!) { searchUsers(query: $q) { id } }`, { q: NUL }, 'query'],
      ['createGroupChat', `mutation($n: String!) { createGroupChat(name: $n, participantIds: []) { id } }`, { n: LONE_SURROGATE }, 'name'],
      ['sendInvitation', `mutation($e: String) { sendInvitation(email: $e) { id } }`, { e: `x${NUL}@example.com` }, 'email'],
      ['chat', `query($id: ID!) { chat(id: $id) { id } }`, { id: `1${NUL}` }, 'id'],
    ];
    for (const [name, query, variables, field] of cases) {
      expect(errorOf(await gql(env.srv.url, query, variables, u.token)), name).toEqual({ code: 'BAD_USER_INPUT', field });
    }
    // Written into the document rather than passed as a variable.
    expect(errorOf(await gql(env.srv.url, `{ searchUsers(query: "a\\u0000") { id } }`, {}, u.token))).toEqual({ code: 'BAD_USER_INPUT', field: 'query' });
  });

  it('is refused in sendMessage and updateProfile, and nothing changes', async () => {
    const [a, b] = await Promise.all([registerUser(env.srv.url), registerUser(env.srv.url)]);
    const chatId = await directChat(env.srv.url, a, b);
    for (const content of [NUL, LONE_SURROGATE, `fine ${'\uDC00'} then`]) {
      const res = await gql(env.srv.url, `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`, { i: { chatId, content } }, a.token);
      expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'content' });
    }
    const profile = await gql(env.srv.url, `mutation($i: UpdateProfileInput!) { updateProfile(input: $i) { id } }`, { i: { country: 'PT', phone: NUL } }, a.token);
    expect(errorOf(profile)).toEqual({ code: 'BAD_USER_INPUT', field: 'phone' });
    expect(await env.db.sql`select 1 from messages where chat_id = ${Number(chatId)} and message_type = 'TEXT'`).toHaveLength(0);
    expect((await env.db.sql`select country from users where id = ${Number(a.id)}`)[0]!.country).toBeNull();
    // Ordinary text, emoji (surrogate pairs) included, is stored as sent.
    const ok = await gql(env.srv.url, `mutation($i: SendMessageInput!) { sendMessage(input: $i) { content } }`, { i: { chatId, content: 'olá 👋🏽' } }, a.token);
    expect(ok.data?.sendMessage.content).toBe('olá 👋🏽');
  });

  it('is refused over the WebSocket too, for mutations and subscriptions', async () => {
    const [a, b] = await Promise.all([registerUser(env.srv.url), registerUser(env.srv.url)]);
    const chatId = await directChat(env.srv.url, a, b);
    const client = wsClient(env.srv.wsUrl, a.token);
    try {
      const send = subscribe(client, `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`, { i: { chatId, content: NUL } });
      const sub = subscribe(client, `subscription($c: ID) { messageAdded(chatId: $c) { id } }`, { c: `${chatId}${NUL}` });
      for (const s of [send, sub]) {
        await expect.poll(() => s.errors.length).toBeGreaterThan(0);
        expect(s.errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
      }
      expect((send.errors[0] as { extensions: { field: string } }).extensions.field).toBe('content');
      expect((sub.errors[0] as { extensions: { field: string } }).extensions.field).toBe('chatId');
    } finally {
      await client.dispose();
    }
    expect(await env.db.sql`select 1 from messages where chat_id = ${Number(chatId)} and message_type = 'TEXT'`).toHaveLength(0);
  });
});
