/**
 * HTTP and SQL load: closed loops of sendMessage (P3), a query (P4) or login (P6) over kept-alive
 * connections, and the SQL floor of P3 when pgbench is not installed.
 */
import postgres from 'postgres';
import { closedLoop, failed, postRaw, type Window } from '../lib/http.js';
import { serve } from '../lib/proc.js';

const SEND = `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`;
const LOGIN = `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`;

serve({
  /** Writer i sends to writers[i].chatId, one message at a time. */
  sends: (url: string, writers: { token: string; chatId: string }[], window: Window) =>
    closedLoop(writers.length, window, async (w) => {
      const { token, chatId } = writers[w]!;
      return !failed(await postRaw(url, JSON.stringify({ query: SEND, variables: { i: { chatId, content: 'a message of ordinary length, some forty characters' } } }), token));
    }),

  /** `clients` callers posting the same body, each with its token. */
  queries: (url: string, body: string, tokens: string[], window: Window) =>
    closedLoop(tokens.length, window, async (w) => !failed(await postRaw(url, body, tokens[w]))),

  /** Each caller logs in as its user again and again; refusals (RATE_LIMITED) are counted apart. */
  async logins(url: string, users: { email: string; password: string }[], window: Window) {
    let refused = 0;
    const result = await closedLoop(users.length, window, async (w) => {
      const res = await postRaw(url, JSON.stringify({ query: LOGIN, variables: { e: users[w]!.email, p: users[w]!.password } }));
      if (res.body.includes('RATE_LIMITED')) refused++;
      return !failed(res);
    });
    return { ...result, refused };
  },

  /** P3's floor without pgbench: the same statement from `clients` connections. */
  async sqlInserts(databaseUrl: string, clients: number, sharedChat: boolean, window: Window) {
    const sql = postgres(databaseUrl, { max: clients, onnotice: () => {} });
    try {
      return await closedLoop(clients, window, async (w) => {
        const chat = sharedChat ? 1 : w + 1;
        await sql`with m as (insert into bench_floor_messages (chat_id, sender_id, content) values (${chat}, ${chat}, 'a message of ordinary length, some forty characters') returning id)
                  select pg_notify('bench_floor', m.id::text) from m`;
        return true;
      });
    } finally {
      await sql.end();
    }
  },
});
