import { inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/client.js';
import { chatParticipants, contacts, messages, users } from '../src/db/schema.js';
import { DEMO_PASSWORD, DEMO_USERS, seedDemoData } from '../src/seed/demo-data.js';
import { createAuthDeps, createDataServices } from '../src/services.js';
import { gql } from './helpers/graphql.js';
import { startServer, testDatabase, TEST_JWT_SECRET, type TestServer } from './helpers/server.js';

let srv: TestServer;
let database: Database;
const seed = () => {
  const { config } = srv;
  return seedDemoData(database.db, createDataServices({ db: database.db, ...createAuthDeps(database.db, config, TEST_JWT_SECRET), config }));
};

beforeAll(async () => {
  srv = await startServer();
  database = testDatabase();
});
afterAll(async () => {
  await database?.close();
  await srv?.stop();
});

const CHATS = `{ chats { edges { node { id name isGroup unreadCount participants { user { firstname } } lastMessage { content } } } } }`;
const MESSAGES = `query($c: ID!) { messages(chatId: $c, first: 100) { edges { node { content messageType sender { firstname } } } } }`;

async function login(email: string): Promise<string> {
  const res = await gql(srv.url, `mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken } }`, { e: email, p: DEMO_PASSWORD });
  expect(res.errors).toBeUndefined();
  return res.data!.login.accessToken;
}

/** Everything the demo owns (other test files share the database, so only these rows count). */
async function snapshot() {
  const db = database.db;
  const people = await db.select({ id: users.id }).from(users).where(sql`${users.email} like '%@parley.example'`).orderBy(users.id);
  const ids = people.map((p) => p.id);
  return {
    users: ids,
    contacts: await db.select().from(contacts).where(inArray(contacts.userId, ids)).orderBy(contacts.id),
    participants: await db.select().from(chatParticipants).where(inArray(chatParticipants.userId, ids)).orderBy(chatParticipants.chatId, chatParticipants.userId),
    messages: (await db.select({ n: sql<number>`count(*)::int` }).from(messages).where(inArray(messages.senderId, ids)))[0]!.n,
  };
}

describe('demo data (npm run seed)', () => {
  it('creates users who log in and find their contacts, chats and history', async () => {
    const result = await seed();
    expect(result.created).toBe(true);
    expect(result.users.map((u) => u.email)).toEqual(Object.values(DEMO_USERS).map((u) => u.email));

    const ana = await login(DEMO_USERS.ana.email);
    const chats = (await gql(srv.url, CHATS, {}, ana)).data!.chats.edges.map((e: any) => e.node);
    expect(chats.map((c: any) => c.name)).toEqual(['Weekend hike', null, null]);
    expect(chats.map((c: any) => c.unreadCount)).toEqual([1, 1, 2]);
    expect(chats[0].participants.map((p: any) => p.user.firstname)).toEqual(['Ana', 'Ben', 'Chloé', 'Dev']);

    const history = (await gql(srv.url, MESSAGES, { c: chats[0].id }, ana)).data!.messages.edges.map((e: any) => e.node);
    expect(history.filter((m: any) => m.messageType === 'TEXT')).toHaveLength(17);
    expect(history.at(-1)).toMatchObject({ content: 'See you all at 8:30. Do not forget sunscreen!', sender: { firstname: 'Dev' } });

    const contactsOf = (await gql(srv.url, `{ contacts(status: ACCEPTED) { user { firstname } } invitations(direction: INCOMING) { user { firstname } } }`, {}, ana)).data!;
    expect(contactsOf.contacts.map((c: any) => c.user.firstname)).toEqual(['Ben', 'Chloé', 'Dev']);
    expect(contactsOf.invitations.map((c: any) => c.user.firstname)).toEqual(['Emma']);

    for (const who of ['ben', 'chloe', 'dev'] as const) {
      const theirs = (await gql(srv.url, CHATS, {}, await login(DEMO_USERS[who].email))).data!.chats.edges;
      expect(theirs.length, who).toBeGreaterThanOrEqual(1);
    }
    await login(DEMO_USERS.emma.email);
  }, 90_000);

  it('changes nothing when run again', async () => {
    const before = await snapshot();
    expect(before.users).toHaveLength(5);
    const again = await seed();
    expect(again.created).toBe(false);
    expect(await snapshot()).toEqual(before);
  }, 90_000);
});
