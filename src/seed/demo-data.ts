import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { messages, users } from '../db/schema.js';
import type { DataServices } from '../services.js';

/** One password for every demo account: this is sample data, never for a real deployment. */
export const DEMO_PASSWORD = 'parley-demo-123';

export const DEMO_USERS = {
  ana: { firstname: 'Ana', lastname: 'Lima', email: 'ana@parley.example', country: 'BR' },
  ben: { firstname: 'Ben', lastname: 'Okafor', email: 'ben@parley.example', country: 'NG' },
  chloe: { firstname: 'Chloé', lastname: 'Martin', email: 'chloe@parley.example', country: 'FR' },
  dev: { firstname: 'Dev', lastname: 'Patel', email: 'dev@parley.example', country: 'IN' },
  emma: { firstname: 'Emma', lastname: 'Schulz', email: 'emma@parley.example', country: 'DE' },
} as const;
type Who = keyof typeof DEMO_USERS;

/** Accepted contacts, and one invitation left pending (Emma invited Ana). */
const FRIENDS: [Who, Who][] = [
  ['ana', 'ben'],
  ['ana', 'chloe'],
  ['ana', 'dev'],
  ['ben', 'chloe'],
  ['ben', 'dev'],
  ['chloe', 'dev'],
];
const PENDING: [Who, Who][] = [['emma', 'ana']];

/**
 * A chat line, or `{ read }`: those users have read everything said so far. Senders have read
 * everything before their own line.
 */
type Line = [Who, string] | { read: Who[] };

interface Conversation {
  key: string;
  /** A direct chat between the two, or a group owned by the first. */
  members: Who[];
  group?: string;
  lines: Line[];
}

const CONVERSATIONS: Conversation[] = [
  {
    key: 'ana-ben',
    members: ['ana', 'ben'],
    lines: [
      ['ana', 'Morning Ben! Did the release go out last night?'],
      ['ben', 'It did, around eleven. One migration took longer than planned, but nothing broke.'],
      ['ana', 'Nice. Anything I should look at today?'],
      ['ben', 'The dashboard numbers are a bit off since then. Probably the time zone change.'],
      ['ana', "I'll check it after standup."],
      ['ana', 'Found it: the report still rounds to local midnight. Fix is up for review.'],
      ['ben', 'Looks good, approved.'],
      ['ben', 'Lunch at the noodle place?'],
      ['ana', 'Yes! 12:30?'],
      ['ben', 'Perfect, see you there.'],
      ['ben', "I'll grab a table by the window."],
    ],
  },
  {
    key: 'ana-chloe',
    members: ['ana', 'chloe'],
    lines: [
      ['chloe', 'Ana, do you still have the slides from the design review?'],
      ['ana', 'Sure, sending them over in a minute.'],
      ['ana', 'Done, check your inbox.'],
      ['chloe', 'Got them, thank you!'],
      ['chloe', 'The colour palette on slide 12 is lovely.'],
      ['ana', 'Credit goes to Dev, he picked it.'],
      ['chloe', 'Coffee on Thursday? I want to hear about the new project.'],
    ],
  },
  {
    key: 'weekend-hike',
    members: ['ana', 'ben', 'chloe', 'dev'],
    group: 'Weekend hike',
    lines: [
      ['ana', 'Hi all! Saturday looks sunny. Who is in for the ridge trail?'],
      ['ben', "I'm in."],
      ['chloe', 'Me too, as long as we start after eight.'],
      ['dev', 'Count me in. I can drive, there is room for three.'],
      ['ana', 'Great, that covers everyone. Meet at the station at 8:30?'],
      ['ben', 'Works for me.'],
      ['chloe', 'Should we bring lunch or eat at the hut?'],
      ['dev', 'The hut is closed for the season, I checked.'],
      ['ana', 'Picnic then. I will bring bread and cheese.'],
      ['chloe', 'I have fruit and a big thermos of tea.'],
      ['ben', 'Snacks and chocolate are on me.'],
      ['dev', 'Forecast update: light wind, 18 degrees at the top.'],
      ['ana', 'Perfect hiking weather.'],
      ['chloe', 'Does anyone have spare poles? Mine broke last time.'],
      ['ben', 'I have two pairs, you can borrow one.'],
      ['chloe', 'You are a star, thanks Ben!'],
      { read: ['ana', 'ben'] },
      ['dev', 'See you all at 8:30. Do not forget sunscreen!'],
    ],
  },
];

export type SeedServices = Pick<DataServices, 'auth' | 'contacts' | 'chats' | 'messages'>;

export interface SeedResult {
  /** False when the demo data was already there: nothing was written. */
  created: boolean;
  users: { name: string; email: string }[];
  password: string;
}

/**
 * Fills the database with demo users, contacts, chats and history, through the services, so
 * every rule applies and every event is published. Idempotent: when the demo is complete it
 * writes nothing; after an interrupted run it resumes (each step finds what already exists,
 * and messages carry a `clientMessageId`, so a repeated send returns the first message).
 */
export async function seedDemoData(db: Db, services: SeedServices): Promise<SeedResult> {
  const result = (created: boolean): SeedResult => ({
    created,
    users: Object.values(DEMO_USERS).map((u) => ({ name: `${u.firstname} ${u.lastname}`, email: u.email })),
    password: DEMO_PASSWORD,
  });
  if (await isComplete(db)) return result(false);

  const ids = {} as Record<Who, number>;
  for (const who of Object.keys(DEMO_USERS) as Who[]) ids[who] = await ensureUser(db, services, who);
  for (const [from, to] of FRIENDS) await ensureContact(services, ids[from], ids[to], true);
  for (const [from, to] of PENDING) await ensureContact(services, ids[from], ids[to], false);
  for (const conversation of CONVERSATIONS) await writeConversation(services, ids, conversation);
  return result(true);
}

/** The very last line of the last conversation exists only once everything before it does. */
async function isComplete(db: Db): Promise<boolean> {
  const conversation = CONVERSATIONS[CONVERSATIONS.length - 1]!;
  const index = conversation.lines.length - 1;
  const last = conversation.lines[index];
  if (!Array.isArray(last)) throw new Error('The demo must end with a message');
  const [row] = await db
    .select({ id: messages.id })
    .from(messages)
    .innerJoin(users, eq(users.id, messages.senderId))
    .where(and(eq(sql`lower(${users.email})`, DEMO_USERS[last[0]].email), eq(messages.clientMessageId, lineKey(conversation, index))));
  return row !== undefined;
}

// Where the demo accounts' first sessions come from, as `sessions` shows them.
const SEED_CLIENT = { ip: 'local', userAgent: 'npm run seed' };

const lineKey = (conversation: Conversation, index: number) => `demo:${conversation.key}:${index}`;

async function ensureUser(db: Db, services: SeedServices, who: Who): Promise<number> {
  const profile = DEMO_USERS[who];
  const [existing] = await db.select({ id: users.id }).from(users).where(eq(sql`lower(${users.email})`, profile.email));
  if (existing) return existing.id;
  return (await services.auth.register({ ...profile, password: DEMO_PASSWORD }, SEED_CLIENT)).user.id;
}

async function ensureContact(services: SeedServices, from: number, to: number, accept: boolean) {
  const mine = (await services.contacts.contacts(from)).find((c) => c.contactId === to) ?? (await services.contacts.sendInvitation(from, { userId: String(to) }));
  if (!accept || mine.status !== 'PENDING') return;
  const theirs = (await services.contacts.invitations(to, 'INCOMING')).find((c) => c.contactId === from);
  if (theirs) await services.contacts.acceptInvitation(to, String(theirs.id));
}

async function ensureChat(services: SeedServices, ids: Record<Who, number>, conversation: Conversation): Promise<string> {
  const [owner, ...others] = conversation.members.map((m) => ids[m]);
  const otherIds = others.map(String);
  if (!conversation.group) return String((await services.chats.createDirect(owner!, otherIds[0]!)).id);
  const chats = await services.chats.list(owner!, { first: 100 });
  const existing = chats.nodes.find((c) => c.isGroup && c.name === conversation.group);
  return String((existing ?? (await services.chats.createGroup(owner!, conversation.group, otherIds))).id);
}

async function writeConversation(services: SeedServices, ids: Record<Who, number>, conversation: Conversation) {
  const chatId = await ensureChat(services, ids, conversation);
  let lastMessageId: string | undefined;
  // Read markers never move backwards, so repeating this is harmless.
  const readSoFar = async (who: Who) => {
    if (lastMessageId) await services.messages.markRead(ids[who], chatId, lastMessageId);
  };
  for (const [index, line] of conversation.lines.entries()) {
    if (!Array.isArray(line)) {
      for (const who of line.read) await readSoFar(who);
      continue;
    }
    const [who, content] = line;
    // People answer what they have read.
    await readSoFar(who);
    const sent = await services.messages.send(ids[who], { chatId, content, messageType: 'TEXT', clientMessageId: lineKey(conversation, index) });
    lastMessageId = String(sent.id);
  }
}
