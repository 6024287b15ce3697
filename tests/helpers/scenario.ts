import type { Client } from 'graphql-ws';
import { afterAll, beforeAll } from 'vitest';
import type { Database } from '../../src/db/client.js';
import { MESSAGE_FIELDS } from './chat.js';
import { gql, registerUser, type GraphQLResponse, type TestUser } from './graphql.js';
import { startServer, testDatabase, type ConfigOverrides, type TestServer } from './server.js';
import { settled } from './log.js';
import { subscribeReady, wsClient, type Subscription } from './ws.js';

/** A signed-in user bound to a server: what a test does as them reads as a scenario. */
export interface Actor extends TestUser {
  /** Any operation over HTTP. */
  gql<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse<T>>;
  /** An operation that must succeed: its data. */
  must<T = Record<string, any>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  send(chatId: string, content: string, input?: Record<string, unknown>): Promise<{ id: string; content: string }>;
  /** A subscription over a real graphql-ws socket, once the server has registered it (rejects when refused). */
  subscribe<T = any>(query: string, variables?: Record<string, unknown>, server?: TestServer): Promise<Subscription<T>>;
  /** This user as seen through another instance. */
  on(server: TestServer): Actor;
}

export interface Parley {
  readonly srv: TestServer;
  readonly db: Database;
  newUser(firstname?: string): Promise<Actor>;
  newUsers(n: number, prefix?: string): Promise<Actor[]>;
  newDirectChat(a: Actor, b: Actor): Promise<string>;
  newGroup(owner: Actor, members: Actor[], name?: string): Promise<string>;
  /** Another instance on the same database, stopped after the file. */
  newInstance(overrides?: ConfigOverrides): Promise<TestServer>;
  /** Waits until every change made so far is final in the chat log (see helpers/log.ts). */
  settled(): Promise<void>;
}

/** One server (and direct database connection) per test file, with factories for its scenarios. */
export function useParley(overrides: ConfigOverrides = {}): Parley {
  let srv: TestServer;
  let db: Database;
  const clients: Client[] = [];
  const instances: TestServer[] = [];
  beforeAll(async () => {
    srv = await startServer(overrides);
    db = testDatabase();
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.dispose()));
    await Promise.all(instances.map((i) => i.stop()));
    await srv?.stop();
    await db?.close();
  });

  const actor = (user: TestUser, server: () => TestServer): Actor => {
    const self: Actor = {
      ...user,
      gql: (query, variables) => gql(server().url, query, variables, user.token),
      async must(query, variables) {
        const res = await self.gql(query, variables);
        if (res.errors) throw new Error(`${query.slice(0, 60)}… failed: ${JSON.stringify(res.errors)}`);
        return res.data as any;
      },
      async send(chatId, content, input = {}) {
        const data = await self.must(`mutation($i: SendMessageInput!) { sendMessage(input: $i) { ${MESSAGE_FIELDS} } }`, { i: { chatId, content, ...input } });
        return data.sendMessage;
      },
      async subscribe(query, variables = {}, on = server()) {
        const client = wsClient(on.wsUrl, user.token);
        clients.push(client);
        const sub = await subscribeReady(on.server.hub, client, query, variables);
        if (sub.errors.length) throw new Error(`subscription refused: ${JSON.stringify(sub.errors)}`);
        return sub;
      },
      on: (other) => actor(user, () => other),
    };
    return self;
  };

  const parley: Parley = {
    get srv() {
      return srv;
    },
    get db() {
      return db;
    },
    newUser: async (firstname = 'Test') => actor(await registerUser(srv.url, { firstname }), () => srv),
    newUsers: (n, prefix = 'U') => Promise.all(Array.from({ length: n }, (_, i) => parley.newUser(`${prefix}${i}`))),
    async newDirectChat(a, b) {
      return (await a.must(`mutation($u: ID!) { createDirectChat(userId: $u) { id } }`, { u: b.id })).createDirectChat.id;
    },
    async newGroup(owner, members, name = 'Group') {
      const data = await owner.must(`mutation($n: String!, $p: [ID!]!) { createGroupChat(name: $n, participantIds: $p) { id } }`, {
        n: name,
        p: members.map((m) => m.id),
      });
      return data.createGroupChat.id;
    },
    settled: () => settled(db),
    async newInstance(more = {}) {
      const instance = await startServer({ ...overrides, ...more });
      instances.push(instance);
      return instance;
    },
  };
  return parley;
}
