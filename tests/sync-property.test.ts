import { describe, expect, it } from 'vitest';
import { useParley, type Actor } from './helpers/scenario.js';

/**
 * The sync property: a client that reads the cursor, loads its state (while others keep
 * changing things) and then applies `updates(after: cursor)` holds exactly what a fresh load
 * returns — for random interleavings of sends, edits, deletes, reactions, reads, renames, adds and
 * removes.
 */
const parley = useParley();

const MESSAGE = 'id content deletedAt reactions { emoji count reactedByMe }';
const CHAT = `id name unreadCount lastMessage { id content } participants { user { id } }`;
const UPDATE = `__typename
  ... on MessageAddedUpdate { message { ${MESSAGE} chat { ${CHAT} } } }
  ... on MessageEditedUpdate { message { ${MESSAGE} chat { ${CHAT} } } }
  ... on MessageDeletedUpdate { message { ${MESSAGE} chat { ${CHAT} } } }
  ... on ReactionsChangedUpdate { message { ${MESSAGE} chat { ${CHAT} } } }
  ... on ReadMarkerUpdate { receipt { chat { ${CHAT} } } }
  ... on ChatChangedUpdate { chatId kind user { id } chat { ${CHAT} } }`;

interface ChatState {
  id: string;
  name: string | null;
  unreadCount: number;
  lastMessage: { id: string; content: string | null } | null;
  participants: string[];
}
interface State {
  chats: Map<string, ChatState>;
  messages: Map<string, Map<string, MessageState>>;
}
interface MessageState {
  content: string | null;
  deletedAt: string | null;
  reactions: { emoji: string; count: number; reactedByMe: boolean }[];
}
const messageState = (m: any): MessageState => ({ content: m.content, deletedAt: m.deletedAt, reactions: m.reactions });

const chatState = (c: any): ChatState => ({
  id: c.id,
  name: c.name,
  unreadCount: c.unreadCount,
  lastMessage: c.lastMessage,
  participants: c.participants.map((p: any) => p.user.id).sort(),
});

async function history(viewer: Actor, chatId: string) {
  const all = new Map<string, MessageState>();
  let after: string | null = null;
  for (;;) {
    const page: any = (await viewer.must(`query($c: ID!, $a: String) { messages(chatId: $c, first: 50, after: $a) { edges { node { ${MESSAGE} } } pageInfo { hasNextPage endCursor } } }`, { c: chatId, a: after })).messages;
    for (const { node } of page.edges) all.set(node.id, messageState(node));
    if (!page.pageInfo.hasNextPage) return all;
    after = page.pageInfo.endCursor;
  }
}

/** What a fresh load shows the viewer. */
async function load(viewer: Actor): Promise<State> {
  const chats = (await viewer.must(`{ chats(first: 50) { edges { node { ${CHAT} } } } }`)).chats.edges.map((e: any) => chatState(e.node));
  const state: State = { chats: new Map(chats.map((c: ChatState) => [c.id, c])), messages: new Map() };
  for (const c of chats) state.messages.set(c.id, await history(viewer, c.id));
  return state;
}

/** Applies the log after `cursor`, as a client's cache would. */
async function catchUp(viewer: Actor, state: State, cursor: string) {
  await parley.settled();
  let after = cursor;
  for (;;) {
    const page = (await viewer.must(`query($a: String!, $n: Int) { updates(after: $a, first: $n) { cursor hasMore updates { ${UPDATE} } } }`, { a: after, n: 20 })).updates;
    for (const u of page.updates) {
      const message = u.message;
      const chat = message?.chat ?? u.receipt?.chat ?? u.chat;
      if (u.__typename === 'ChatChangedUpdate' && !u.chat) {
        state.chats.delete(u.chatId);
        state.messages.delete(u.chatId);
        continue;
      }
      if (!state.messages.has(chat.id)) state.messages.set(chat.id, await history(viewer, chat.id));
      state.chats.set(chat.id, chatState(chat));
      if (message) state.messages.get(chat.id)!.set(message.id, messageState(message));
    }
    after = page.cursor;
    if (!page.hasMore) return;
  }
}

/** A small deterministic generator, so that a failing interleaving can be replayed. */
function random(seed: number) {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  return { next, pick: <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)]! };
}

async function world(seed: number) {
  const rnd = random(seed);
  const people = await parley.newUsers(5, `W${seed}-`);
  const [viewer] = people;
  const groups = [await parley.newGroup(people[1]!, [viewer!, people[2]!], 'g1'), await parley.newGroup(viewer!, [people[3]!], 'g2')];
  const directs = [await parley.newDirectChat(viewer!, people[1]!), await parley.newDirectChat(people[2]!, viewer!)];
  const members = new Map<string, Set<Actor>>([
    [groups[0]!, new Set([people[1]!, viewer!, people[2]!])],
    [groups[1]!, new Set([viewer!, people[3]!])],
    [directs[0]!, new Set([viewer!, people[1]!])],
    [directs[1]!, new Set([people[2]!, viewer!])],
  ]);
  const owners = new Map([[groups[0]!, people[1]!], [groups[1]!, viewer!]]);
  const sent: { id: string; chatId: string; by: Actor }[] = [];

  /** One random change; refusals (e.g. a removed member's send) are part of the game. */
  async function step(i: number) {
    const chatId = rnd.pick([...members.keys()]);
    const inside = [...members.get(chatId)!];
    const actor = rnd.pick(inside);
    const mine = sent.filter((m) => m.chatId === chatId && m.by === actor);
    const roll = rnd.next();
    const here = sent.filter((m) => m.chatId === chatId);
    if (roll < 0.32) {
      const m = await actor.gql(`mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`, { i: { chatId, content: `s${i}` } });
      if (m.data) sent.push({ id: m.data.sendMessage.id, chatId, by: actor });
    } else if (roll < 0.42 && here.length) {
      const reaction = { m: rnd.pick(here).id, e: rnd.pick(['👍', '🎉', '👀']) };
      const change = rnd.next() < 0.7 ? 'addReaction' : 'removeReaction';
      await actor.gql(`mutation($m: ID!, $e: String!) { ${change}(messageId: $m, emoji: $e) { id } }`, reaction);
    } else if (roll < 0.5 && mine.length) {
      await actor.gql(`mutation($id: ID!) { editMessage(id: $id, content: "e${i}") { id } }`, { id: rnd.pick(mine).id });
    } else if (roll < 0.58 && mine.length) {
      await actor.gql(`mutation($id: ID!) { deleteMessage(id: $id) { id } }`, { id: rnd.pick(mine).id });
    } else if (roll < 0.78) {
      await actor.gql(`mutation($c: ID!) { markChatRead(chatId: $c) { chatId } }`, { c: chatId });
    } else if (owners.has(chatId)) {
      const owner = owners.get(chatId)!;
      const outside = people.filter((p) => !members.get(chatId)!.has(p));
      if (roll < 0.85) {
        await owner.gql(`mutation($c: ID!) { renameChat(chatId: $c, name: "n${i}") { id } }`, { c: chatId });
      } else if (roll < 0.93 && outside.length) {
        const who = rnd.pick(outside);
        members.get(chatId)!.add(who);
        await owner.gql(`mutation($c: ID!, $u: [ID!]!) { addParticipants(chatId: $c, userIds: $u) { id } }`, { c: chatId, u: [who.id] });
      } else {
        const who = rnd.pick(inside.filter((p) => p !== owner));
        if (!who) return;
        members.get(chatId)!.delete(who);
        await owner.gql(`mutation($c: ID!, $u: ID!) { removeParticipant(chatId: $c, userId: $u) { id } }`, { c: chatId, u: who.id });
      }
    }
  }
  /** Four changes at a time, so that transactions interleave. */
  const run = async (from: number, to: number) => {
    for (let i = from; i < to; i += 4) await Promise.all([i, i + 1, i + 2, i + 3].map(step));
  };
  return { viewer: viewer!, run };
}

describe('a client that loads at cursor C and applies updates(after: C)', () => {
  it.each([1, 2, 3])('holds exactly what a fresh load returns (interleaving %i)', async (seed) => {
    const { viewer, run } = await world(seed);
    await run(0, 40);
    const cursor = (await viewer.must(`{ updateCursor }`)).updateCursor;
    // Others keep changing things while the client loads.
    const [state] = await Promise.all([load(viewer), run(40, 120)]);
    await catchUp(viewer, state, cursor);
    expect(state).toEqual(await load(viewer));
    // The interleaving did react (the generator is deterministic).
    expect([...state.messages.values()].some((ms) => [...ms.values()].some((m) => m.reactions.length > 0))).toBe(true);
  }, 60_000);
});
