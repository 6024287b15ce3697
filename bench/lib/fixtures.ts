import { gql } from './http.js';
import { openAll } from './gtws.js';

export interface BenchUser {
  id: string;
  email: string;
  password: string;
  token: string;
}

export interface Room {
  chatId: string;
  /** Every member, the first being its owner (the one who writes to it). */
  members: BenchUser[];
}

const PASSWORD = 'bench-password-123';
const REGISTER = `mutation($i: RegisterInput!) { register(input: $i) { accessToken user { id } } }`;
/** Benchmark users can be put in any chat without first becoming contacts. */
const OPEN = { directMessages: 'EVERYONE', groupAdds: 'EVERYONE' };
const GROUP = `mutation($n: String!, $p: [ID!]!) { createGroupChat(name: $n, participantIds: $p) { id } }`;
const SEND = `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`;

/**
 * The people and chats the rows share, made once through the API and kept for the run. Every
 * row asks for what it needs; nothing is made twice.
 */
export class Fixtures {
  private readonly people: BenchUser[] = [];
  private readonly made = new Map<string, Promise<unknown>>();

  constructor(private readonly url: string) {}

  /** The first `n` users of the run (registered as needed). */
  async users(n: number): Promise<BenchUser[]> {
    const stamp = Date.now().toString(36);
    const missing = n - this.people.length;
    if (missing > 0) {
      const start = this.people.length;
      const added = await openAll(missing, 4, async (i) => {
        const email = `bench-${start + i}-${stamp}@example.com`;
        const d = await gql(this.url, REGISTER, { i: { firstname: `Bench${start + i}`, lastname: 'User', email, password: PASSWORD, privacy: OPEN } });
        return { id: d.register.user.id as string, email, password: PASSWORD, token: d.register.accessToken as string };
      });
      this.people.push(...added);
    }
    return this.people.slice(0, n);
  }

  /** `count` group chats of the same `size` users (all of them in every room). */
  rooms(count: number, size: number): Promise<Room[]> {
    return this.once(`rooms:${count}:${size}`, async () => {
      const members = await this.users(size);
      return openAll(count, 2, async (r) => ({ chatId: await this.group(members[0]!, members.slice(1), `room ${r}`), members }));
    });
  }

  /** One chat per writer: writer i with one other person. */
  ownChats(writers: number): Promise<Room[]> {
    return this.once(`own:${writers}`, async () => {
      const people = await this.users(writers + 1);
      return openAll(writers, 4, async (i) => {
        const pair = [people[i]!, people[(i + 1) % people.length]!];
        return { chatId: await this.group(pair[0]!, [pair[1]!], `own ${i}`), members: pair };
      });
    });
  }

  /** One chat for `size` people. */
  sharedChat(size: number): Promise<Room> {
    return this.once(`shared:${size}`, async () => {
      const people = await this.users(size);
      return { chatId: await this.group(people[0]!, people.slice(1), `shared ${size}`), members: people };
    });
  }

  /** A chat of `size` people with `messages` messages in it. */
  history(size: number, messages: number): Promise<Room> {
    return this.once(`history:${size}:${messages}`, async () => {
      const people = await this.users(size);
      const chatId = await this.group(people[0]!, people.slice(1), 'history');
      for (let i = 0; i < messages; i++) {
        const from = people[i % people.length]!;
        await gql(this.url, SEND, { i: { chatId, content: `history message ${i}: the quick brown fox jumps over the lazy dog` } }, from.token);
      }
      return { chatId, members: people };
    });
  }

  /** A new user in `chats` groups of `size` people, each with a last message. */
  async memberOf(chats: number, size: number): Promise<BenchUser> {
    const others = (await this.users(size)).slice(1, size);
    const email = `bench-lists-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}@example.com`;
    const d = await gql(this.url, REGISTER, { i: { firstname: 'Lister', lastname: 'User', email, password: PASSWORD, privacy: OPEN } });
    const user = { id: d.register.user.id as string, email, password: PASSWORD, token: d.register.accessToken as string };
    await this.addChats(user, others, chats);
    return user;
  }

  /** Adds `n` more groups with `others` to `user`'s chats. */
  async addChats(user: BenchUser, others: BenchUser[], n: number): Promise<void> {
    await openAll(n, 4, async (i) => {
      const chatId = await this.group(user, others, `list ${i}`);
      await gql(this.url, SEND, { i: { chatId, content: `hello ${i}` } }, others[i % others.length]!.token);
    });
  }

  private async group(owner: BenchUser, others: BenchUser[], name: string): Promise<string> {
    const d = await gql(this.url, GROUP, { n: name, p: others.map((o) => o.id) }, owner.token);
    return d.createGroupChat.id as string;
  }

  private once<T>(key: string, make: () => Promise<T>): Promise<T> {
    if (!this.made.has(key)) this.made.set(key, make());
    return this.made.get(key) as Promise<T>;
  }
}
