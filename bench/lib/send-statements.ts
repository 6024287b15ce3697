import postgres from 'postgres';

/**
 * What sendMessage asks of PostgreSQL for a plain message, statement for statement as Parley
 * sends them: the chat's lock, then the sender's message budget and the message, on the
 * condition that the sender may write there, with its chat update and log entry. Parley's
 * wake-up follows the commit, one at a time however many commit meanwhile (src/realtime/bus/postgres.ts):
 * WAKE_AFTER_COMMIT. Written once, for pgbench (`:chat`, `:user`) and for postgres.js (`$1::int`, `$2::int`).
 */
export const CONTENT = 'a message of ordinary length, some forty characters';

export function lockStatement(chat: string): string {
  return `select pg_advisory_xact_lock(1, ${chat})`;
}

/** `notify`: a NOTIFY selected inside the statement (as Parley sent them before its wake-ups went after the commit). */
export function messageStatement(chat: string, user: string, content: string, notify?: string): string {
  return `with taken as (insert into rate_limits (key, points, expire) select w.key, 1, w.expire from (values ('message-1s:' || ${user}, now() + interval '1 second', 1000000000)) as w(key, expire, "limit") where 1 <= w."limit" on conflict (key) do update set points = case when rate_limits.expire <= now() then excluded.points else rate_limits.points + excluded.points end, expire = case when rate_limits.expire <= now() then excluded.expire else rate_limits.expire end where rate_limits.expire <= now() or rate_limits.points + excluded.points <= case excluded.key when 'message-1s:' || ${user} then 1000000000 end returning 1), budget as (select budget_check(count(*), 1) as taken from taken), m as (insert into messages (id, chat_id, sender_id, content, message_type) select (with x as (select (pg_current_xact_id()::text)::bigint * 256 as base) select x.base + coalesce((select max(m.id) - x.base + 1 from messages m where m.id >= x.base and m.id < x.base + 256), 0) from x), ${chat}, ${user}, ${content}, 'TEXT' from budget where case when budget.taken then exists (select 1 from chats c join chat_participants p on p.chat_id = c.id and p.user_id = ${user} where c.id = ${chat} and not (not c.is_group and exists (select 1 from contacts k where k.status = 'BLOCKED' and ((k.user_id = ${user} and k.contact_id = 0) or (k.user_id = 0 and k.contact_id = ${user}))))) end returning *), c as (update chats set last_message_id = m.id, last_activity_at = m.sent_at, activity_seq = nextval('chat_activity_seq') from m where chats.id = m.chat_id returning chats.id, chats.name, chats.last_message_id, chats.last_activity_at), e as (insert into chat_log (chat_id, user_id, kind, message_id, chat_name, last_message_id, last_activity_at, top_message_id) select c.id, m.sender_id, 'MESSAGE_ADDED', m.id, c.name, c.last_message_id, c.last_activity_at, m.id from c, m returning id) select m.*, e.id as log_id${notify ? `, ${notify}` : ''} from m, e`;
}

/** Parley's wake-up after a commit: its own transaction, which does not wait for the flush. */
export const wakeAfterCommit = (channel: string, payload: string) => `select set_config('synchronous_commit', 'off', true), pg_notify(${channel}, ${payload})`;

/**
 * Users `base` … `base + count - 1`, each alone in the group chat of the same id: writers for
 * sendMessage's statements run outside Parley, far from the ids its API hands out. `shared`:
 * all of them are members of chat `base` too (ceilingScript's one chat).
 */
export async function ceilingWriters(databaseUrl: string, base: number, count: number, shared = false): Promise<void> {
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  try {
    const last = base + count - 1;
    await sql`insert into users (id, firstname, lastname, email, password)
      select g, 'Ceiling', 'Writer', 'ceiling-' || g || '@example.com', 'x' from generate_series(${base}::int, ${last}::int) g on conflict do nothing`;
    await sql`insert into chats (id, name, is_group) select g, 'ceiling ' || g, true from generate_series(${base}::int, ${last}::int) g on conflict do nothing`;
    await sql`insert into chat_participants (chat_id, user_id, role) select g, g, 'OWNER' from generate_series(${base}::int, ${last}::int) g on conflict do nothing`;
    if (shared) {
      await sql`insert into chat_participants (chat_id, user_id, role) select ${base}, g, 'MEMBER' from generate_series(${base}::int, ${last}::int) g on conflict do nothing`;
    }
  } finally {
    await sql.end();
  }
}

/**
 * Where a ceiling transaction's wake-up goes: nowhere (the most the writes allow); inside it,
 * as Parley sent them before; or after its commit, in a transaction of its own, one per message
 * (Parley sends fewer). To a channel nobody hears.
 */
export type CeilingWake = 'none' | 'inside' | 'after';

/**
 * sendMessage's statements as a pgbench script (prepared; BEGIN, the two statements and COMMIT
 * pipelined, as Parley sends them). Writer i is user `base + i` in chat `base + i`, or with
 * `shared` in chat `base` (ceilingWriters).
 */
export function ceilingScript(base: number, wake: CeilingWake = 'none', shared = false): string {
  const inside = wake === 'inside' ? "pg_notify('bench_ceiling', 'log')" : undefined;
  const after = wake === 'after' ? `${wakeAfterCommit("'bench_ceiling'", "'log'")};\n` : '';
  return `\\set chat ${shared ? base : `:client_id + ${base}`}
\\set user :client_id + ${base}
\\startpipeline
begin;
${lockStatement(':chat')};
${messageStatement(':chat', ':user', `'${CONTENT}'`, inside)};
commit;
\\endpipeline
${after}`;
}
