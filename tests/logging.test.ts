import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directChat } from './helpers/chat.js';
import { errorOf, gql, registerUser, uniqueEmail } from './helpers/graphql.js';
import { capturedLogger, startServer, testDatabase, type TestServer } from './helpers/server.js';

/**
 * Logs never hold secrets: a database error is logged as its code, message and constraint,
 * never with the query's parameters (password hashes, message text, emails), and credentials
 * anywhere in a logged object are redacted.
 */
const marker = `forced-${randomBytes(4).toString('hex')}`;
const fn = `parley_fail_${randomBytes(4).toString('hex')}`;
const db = testDatabase();
const captured = capturedLogger();
let srv: TestServer;

beforeAll(async () => {
  srv = await startServer({ isProduction: true, env: 'production' }, undefined, captured.log);
  // A database error that only this file's marked rows raise, with the statement's parameters.
  await db.sql.unsafe(`
    create function ${fn}() returns trigger language plpgsql as $$
    begin raise exception 'forced failure' using errcode = 'P0001', detail = 'row: ' || row_to_json(new)::text; end $$;
    create trigger ${fn}_users before insert on users for each row when (new.firstname = '${marker}') execute function ${fn}();
    create trigger ${fn}_messages before insert on messages for each row when (new.content like '${marker}%') execute function ${fn}();`);
});

afterAll(async () => {
  // One statement at a time: several in one query are one transaction, which would hold the
  // lock on users while waiting for the one on messages — a deadlock with a concurrent writer.
  await db.sql.unsafe(`drop trigger if exists ${fn}_users on users`);
  await db.sql.unsafe(`drop trigger if exists ${fn}_messages on messages`);
  await db.sql.unsafe(`drop function if exists ${fn}()`);
  await srv?.stop();
  await db.close();
});

/** The log lines written since `from`, as raw text. */
const since = (from: number) => captured.raw.slice(from).join('');

describe('logs without secrets', () => {
  it('logs a failed registration by code and message, without the password, its hash or the email', async () => {
    const from = captured.raw.length;
    const email = uniqueEmail('secret');
    const password = `pw-${randomBytes(6).toString('hex')}`;
    const res = await gql(srv.url, `mutation($i: RegisterInput!) { register(input: $i) { accessToken } }`, {
      i: { firstname: marker, lastname: 'Hidden-Lastname', email, password },
    });
    expect(errorOf(res).code).toBe('INTERNAL_SERVER_ERROR');
    expect(res.errors![0]!.message).toBe('Internal server error');

    const entry = captured.lines.slice(0).reverse().find((l) => l.msg === 'unexpected error');
    expect(entry?.err).toMatchObject({ type: 'DatabaseError', code: 'P0001', message: 'forced failure' });
    const logged = since(from);
    for (const secret of [password, email, '$argon2', 'Hidden-Lastname', 'insert into', 'row: ']) expect(logged).not.toContain(secret);
  });

  it('logs a failed message without its text', async () => {
    const [a, b] = await Promise.all([registerUser(srv.url), registerUser(srv.url)]);
    const chatId = await directChat(srv.url, a, b);
    const from = captured.raw.length;
    const content = `${marker} the secret plan ${randomBytes(4).toString('hex')}`;
    const res = await gql(srv.url, `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`, { i: { chatId, content, clientMessageId: 'cm-secret-1' } }, a.token);
    expect(errorOf(res).code).toBe('INTERNAL_SERVER_ERROR');
    const logged = since(from);
    expect(logged).toContain('"code":"P0001"');
    for (const secret of [content, 'the secret plan', 'cm-secret-1', 'params']) expect(logged).not.toContain(secret);
  });

  it('redacts credentials and variables wherever they are in a logged object', () => {
    const from = captured.raw.length;
    captured.log.info(
      {
        password: 'top-1',
        user: { password: 'top-2', accessToken: 'top-3', nested: { refreshToken: 'top-4' } },
        req: { headers: { authorization: 'Bearer top-5', cookie: 'sid=top-6' } },
        variables: { input: { password: 'top-7' } },
        operation: { variables: { content: 'top-8' } },
      },
      'something',
    );
    const logged = since(from);
    expect(logged).toContain('[redacted]');
    for (let i = 1; i <= 8; i++) expect(logged).not.toContain(`top-${i}`);
  });
});
