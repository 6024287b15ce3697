import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directChat, send } from './helpers/chat.js';
import { gql, registerUser, type TestUser } from './helpers/graphql.js';
import { startServer, type TestServer } from './helpers/server.js';
import { until, wsClient } from './helpers/ws.js';

/**
 * A reader in many chats that keeps reconnecting, each time resuming after the newest thing it
 * saw, while writers in every chat send concurrently through two instances: nothing may be lost,
 * nothing duplicated, and each chat's order kept.
 */
const WRITERS = 8;
const PER_WRITER = 150;

let one: TestServer;
let two: TestServer;
beforeAll(async () => {
  [one, two] = await Promise.all([startServer(), startServer()]);
});
afterAll(async () => {
  await Promise.all([one?.stop(), two?.stop()]);
});

interface Received {
  id: string;
  chatId: string;
}

/** Resubscribes every 150–300 ms, alternating instances, resuming from `resumeFrom()`. */
function resubscribingReader(
  reader: TestUser,
  open: (client: ReturnType<typeof wsClient>, onItem: (item: Received, cursor: string) => void) => () => void,
) {
  const received: Received[] = [];
  let cursor: string | undefined;
  let stopped = false;
  let round = 0;
  const loop = (async () => {
    while (!stopped) {
      const server = round++ % 2 === 0 ? one : two;
      const client = wsClient(server.wsUrl, reader.token);
      const dispose = open(client, (item, next) => {
        received.push(item);
        cursor = next;
      });
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 150));
      dispose();
      await client.dispose();
    }
  })();
  return {
    received,
    get cursor() {
      return cursor;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

interface Setup {
  reader: TestUser;
  writers: TestUser[];
  chats: string[];
}

/**
 * `start` runs before anything is sent and gives the reader its first place to resume from, the
 * way a client that has loaded its chats has one.
 */
async function scenario(start: (setup: Setup) => Promise<void>, open: Parameters<typeof resubscribingReader>[1]) {
  const reader = await registerUser(one.url, { firstname: 'Reader' });
  const writers = await Promise.all(Array.from({ length: WRITERS }, (_, i) => registerUser(one.url, { firstname: `W${i}` })));
  const chats = await Promise.all(writers.map((w) => directChat(one.url, w, reader)));
  await start({ reader, writers, chats });
  const follower = resubscribingReader(reader, open);
  const sent = new Map<string, string[]>(chats.map((c) => [c, []]));
  await Promise.all(
    writers.map(async (w, i) => {
      for (let n = 0; n < PER_WRITER; n++) {
        const m = await send(n % 2 === 0 ? one.url : two.url, w, chats[i]!, `w${i}-${n}`);
        sent.get(chats[i]!)!.push(m.id);
      }
    }),
  );
  const all = new Set([...sent.values()].flat());
  // Wait until everything sent has arrived, or long enough to be sure something is missing.
  await until(() => all.size > 0 && [...all].every((id) => follower.received.some((r) => r.id === id)), 30_000, 'every message').catch(() => {});
  await follower.stop();

  const ids = follower.received.map((r) => r.id);
  const lost = [...all].filter((id) => !ids.includes(id));
  const duplicated = ids.length - new Set(ids).size;
  expect({ lost: lost.length, duplicated }).toEqual({ lost: 0, duplicated: 0 });
  for (const [chatId, order] of sent) {
    expect(follower.received.filter((r) => r.chatId === chatId).map((r) => r.id)).toEqual(order);
  }
}

describe('a reader resuming across reconnects and instances, with writers in 8 chats', () => {
  it('messageAdded without a chat id, resuming after the newest id seen: 0 lost, 0 duplicated, per-chat order', async () => {
    let after: string | undefined;
    // The client's history ends with this message: it resumes after it.
    const start = async ({ writers, chats }: Setup) => {
      after = (await send(one.url, writers[0]!, chats[0]!, 'history')).id;
    };
    await scenario(start, (client, onItem) =>
      client.subscribe<{ messageAdded: Received }>(
        { query: `subscription($after: ID) { messageAdded(after: $after) { id chatId } }`, variables: { after } },
        {
          next: ({ data }) => {
            const m = data!.messageAdded;
            // The newest id seen, as a client would keep it.
            if (after === undefined || BigInt(m.id) > BigInt(after)) after = m.id;
            onItem(m, after);
          },
          error: () => {},
          complete: () => {},
        },
      ),
    );
  }, 120_000);

  it('updates without a chat id, resuming after the last cursor received: 0 lost, 0 duplicated, per-chat order', async () => {
    let after: string | undefined;
    // The client reads the cursor, then loads its state, then follows the log from the cursor.
    const start = async ({ reader }: Setup) => {
      after = (await gql(one.url, `{ updateCursor }`, {}, reader.token)).data!.updateCursor;
    };
    await scenario(start, (client, onItem) =>
      client.subscribe<{ updates: { cursor: string; chatId: string; message?: Received } }>(
        { query: `subscription($after: String) { updates(after: $after) { cursor chatId ... on MessageAddedUpdate { message { id chatId } } } }`, variables: { after } },
        {
          next: ({ data }) => {
            const update = data!.updates;
            after = update.cursor;
            if (update.message) onItem(update.message, after);
          },
          error: () => {},
          complete: () => {},
        },
      ),
    );
  }, 120_000);
});
