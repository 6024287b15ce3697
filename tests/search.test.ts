import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { errorOf, gql } from './helpers/graphql.js';
import { useParley, type Actor } from './helpers/scenario.js';
import { statementsOf } from './helpers/statements.js';

// Searches are many here: the budget is tested on an instance of its own below.
const parley = useParley({ rateLimits: { messageSearch: [{ points: 100_000, seconds: 60 }] } });

const SEARCH = `query($q: String!, $chat: ID, $first: Int, $after: String) {
  searchMessages(query: $q, chatId: $chat, first: $first, after: $after) {
    edges { cursor node { highlight message { id chatId content sender { id } } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

interface Hit {
  id: string;
  content: string;
  highlight: string;
}

async function search(viewer: Actor, q: string, vars: { chat?: string; first?: number; after?: string } = {}) {
  const data = await viewer.must(SEARCH, { q, ...vars });
  return data.searchMessages as { edges: { cursor: string; node: { highlight: string; message: Hit & { chatId: string } } }[]; pageInfo: any };
}
const found = async (viewer: Actor, q: string, vars: { chat?: string } = {}) =>
  (await search(viewer, q, vars)).edges.map((e) => ({ id: e.node.message.id, content: e.node.message.content, highlight: e.node.highlight }));
const ids = async (viewer: Actor, q: string, vars: { chat?: string } = {}) => (await found(viewer, q, vars)).map((h) => h.id);
/** The messages found, in no particular order (where ranks depend on word distances). */
const idSet = async (viewer: Actor, q: string) => (await ids(viewer, q)).sort();
const set = (...xs: (string | undefined)[]) => xs.map(String).sort();

/** A word no other test (nor a group's system messages) will ever write. */
const unique = (prefix = 'w') => `${prefix}${randomBytes(4).toString('hex')}`;

async function chatWith(...messages: string[]) {
  const [ana, ben] = await parley.newUsers(2);
  const chatId = await parley.newDirectChat(ana!, ben!);
  const sent: { id: string; content: string }[] = [];
  for (const [i, text] of messages.entries()) sent.push(await (i % 2 ? ben! : ana!).send(chatId, text));
  return { ana: ana!, ben: ben!, chatId, sent };
}

describe('searchMessages: what is found', () => {
  it('finds words and prefixes, best match first then newest, and quoted phrases as written', async () => {
    const w = unique('zq');
    const { ana, ben, sent } = await chatWith(
      `grab coffee ${w} morning`,
      `the meeting moved to ${w}`,
      `${w} ${w} ${w}!`,
      `morning coffee is the best, ${w}ly`,
      `good morning everyone`,
    );
    const [coffee, meeting, thrice, best, good] = sent.map((m) => m.id);
    // The message saying it three times ranks first; equal ranks come newest first.
    expect(await ids(ana, w)).toEqual([thrice, best, meeting, coffee]);
    expect(await ids(ben, w.slice(0, 4))).toEqual([thrice, best, meeting, coffee]);
    // Every word must match, in any order.
    expect(await idSet(ana, `morning ${w.slice(0, 5)}`)).toEqual(set(best, coffee));
    expect(await idSet(ana, 'COFFEE Morn')).toEqual(set(best, coffee));
    // A phrase is its words next to each other, in that order.
    expect(await ids(ana, '"morning coffee"')).toEqual([best]);
    expect(await ids(ana, '"coffee morning"')).toEqual([]);
    expect(await ids(ana, 'good "morning everyone"')).toEqual([good]);
    // A quote left open runs to the end; punctuation around a word is not part of it.
    expect(await ids(ana, `"moved to ${w}`)).toEqual([meeting]);
    expect(await ids(ana, `(${w})?!`)).toEqual([thrice, best, meeting, coffee]);
  });

  it('ignores accents and case, in any alphabet', async () => {
    const w = unique('ac');
    const { ana, sent } = await chatWith(`Un CAFÉ au lait ${w}`, `une idée naïve ${w}`, `Große Straße ${w}`, `ПРИВЕТ, мир ${w}`, `cafe ${w} sans accent`);
    const [cafeAccent, naive, strasse, privet, cafePlain] = sent.map((m) => m.id);
    for (const q of ['cafe', 'café', 'CAFÉ', 'Cafe']) expect(await idSet(ana, `${q} ${w}`)).toEqual(set(cafePlain, cafeAccent));
    expect(await ids(ana, `naive ${w}`)).toEqual([naive]);
    expect(await ids(ana, `idee ${w}`)).toEqual([naive]);
    expect(await ids(ana, `strasse ${w}`)).toEqual([strasse]);
    expect(await ids(ana, `привет ${w}`)).toEqual([privet]);
    expect(await ids(ana, `МИР ${w}`)).toEqual([privet]);
  });

  it('finds Chinese, Japanese and Thai text anywhere in a message, one letter or many', async () => {
    const w = unique('cjk');
    const { ana, ben, sent } = await chatWith(
      `我们明天在北京开会 ${w}`,
      `东京的天气很好 ${w}`,
      `明日は東京で会議です ${w}`,
      `สวัสดีครับ ไปไหนมา ${w}`,
      `我买了iPhone拍的 ${w}`,
      `北京大学的图书馆 ${w}`,
    );
    const [beijing, tokyoZh, tokyoJa, thai, iphone, university] = sent.map((m) => m.id);
    // Two letters (most Chinese words), one letter, and longer runs, within sentences without spaces.
    expect(await idSet(ana, `北京 ${w}`)).toEqual(set(university, beijing));
    expect(await ids(ana, `开会 ${w}`)).toEqual([beijing]);
    expect(await idSet(ana, `京 ${w}`)).toEqual(set(university, tokyoJa, tokyoZh, beijing));
    expect(await ids(ben, `在北京开会 ${w}`)).toEqual([beijing]);
    expect(await ids(ben, `天气很好 ${w}`)).toEqual([tokyoZh]);
    expect(await ids(ben, `東京 ${w}`)).toEqual([tokyoJa]);
    expect(await ids(ben, `会議です ${w}`)).toEqual([tokyoJa]);
    expect(await ids(ana, `สวัสดี ${w}`)).toEqual([thai]);
    expect(await ids(ana, `ไปไหน ${w}`)).toEqual([thai]);
    // A word of another script written against them is a word of its own.
    expect(await ids(ana, `iphone ${w}`)).toEqual([iphone]);
    expect(await ids(ana, `"北京 大学"`)).toEqual([]);
    expect(await ids(ana, `上海 ${w}`)).toEqual([]);
    // Without the marker word: only this chat's messages are the viewer's anyway.
    expect(await ids(ana, '東京')).toEqual([tokyoJa]);
    expect(await ids(ana, '东京')).toEqual([tokyoZh]);
  });

  it('highlights every match, HTML-escaped, and cuts long messages around the first one', async () => {
    const w = unique('hl');
    const filler = 'lorem ipsum dolor sit amet '.repeat(12);
    const { ana } = await chatWith(`<b>Café</b> & ${w} "quoted"`, `北京的${w} 和北京大学`, `${filler}the ${w} is here ${filler}`);
    const hits = await found(ana, w);
    const byContent = (start: string) => hits.find((h) => h.content.startsWith(start))!.highlight;
    expect(byContent('<b>')).toBe(`&lt;b&gt;Café&lt;/b&gt; &amp; <mark>${w}</mark> &quot;quoted&quot;`);
    expect((await found(ana, `cafe ${w}`))[0]!.highlight).toBe(`&lt;b&gt;<mark>Café</mark>&lt;/b&gt; &amp; <mark>${w}</mark> &quot;quoted&quot;`);
    expect((await found(ana, `北京 ${w}`))[0]!.highlight).toBe(`<mark>北京</mark>的<mark>${w}</mark> 和<mark>北京</mark>大学`);
    const long = byContent('lorem');
    expect(long).toMatch(new RegExp(`^….*the <mark>${w}</mark> is here .*…$`));
    expect(long.length).toBeLessThan(300);
  });
});

describe('searchMessages: what is never found', () => {
  it("only the chats the viewer is in now: never an outsider's, never one the viewer left", async () => {
    const w = unique('mb');
    const [ana, ben, cid, outsider] = await parley.newUsers(4);
    const direct = await parley.newDirectChat(ana!, ben!);
    const group = await parley.newGroup(ana!, [ben!, cid!]);
    const elsewhere = await parley.newDirectChat(outsider!, ben!);
    const inDirect = await ana!.send(direct, `direct ${w}`);
    const inGroup = await cid!.send(group, `group ${w}`);
    const hidden = await outsider!.send(elsewhere, `private ${w}`);

    expect(await ids(ana!, w)).toEqual([inGroup.id, inDirect.id]);
    expect(await ids(ben!, w)).toEqual([hidden.id, inGroup.id, inDirect.id]);
    expect(await ids(outsider!, w)).toEqual([hidden.id]);
    // One chat only; someone else's chat does not exist for the viewer.
    expect(await ids(ana!, w, { chat: group })).toEqual([inGroup.id]);
    expect(errorOf(await ana!.gql(SEARCH, { q: w, chat: elsewhere }))).toEqual({ code: 'NOT_FOUND', field: undefined });
    expect(errorOf(await ana!.gql(SEARCH, { q: w, chat: '2147483647' })).code).toBe('NOT_FOUND');

    // Leaving (or being removed) ends it, for the history before too.
    await cid!.must(`mutation($c: ID!) { leaveChat(chatId: $c) }`, { c: group });
    expect(await ids(cid!, w)).toEqual([]);
    expect(errorOf(await cid!.gql(SEARCH, { q: w, chat: group })).code).toBe('NOT_FOUND');
    await ana!.must(`mutation($c: ID!, $u: ID!) { removeParticipant(chatId: $c, userId: $u) { id } }`, { c: group, u: ben!.id });
    expect(await ids(ben!, w)).toEqual([hidden.id, inDirect.id]);
    expect(await ids(ana!, w)).toEqual([inGroup.id, inDirect.id]);
  });

  it('never finds a deleted message, and finds an edited one by its new words only', async () => {
    const w = unique('ed');
    const { ana, ben, sent } = await chatWith(`banana ${w} original`, `doomed ${w} 秘密会议`);
    const [edited, deleted] = sent.map((m) => m.id);
    expect(await ids(ana, w)).toEqual([deleted, edited]);

    await ben.must(`mutation($id: ID!) { deleteMessage(id: $id) { id } }`, { id: deleted });
    for (const q of [w, `doomed ${w}`, '秘密', '秘密会议']) {
      expect(await ids(ana, q)).not.toContain(deleted);
      expect(await ids(ben, q)).not.toContain(deleted);
    }

    await ana.must(`mutation($id: ID!, $c: String!) { editMessage(id: $id, content: $c) { id } }`, { id: edited, c: `mango ${w} 新的文字` });
    expect(await ids(ben, `banana ${w}`)).toEqual([]);
    expect(await ids(ben, `original`)).toEqual([]);
    expect(await ids(ben, `mango ${w}`)).toEqual([edited]);
    expect(await ids(ben, `新的`)).toEqual([edited]);
    expect((await found(ben, 'mango'))[0]!.highlight).toBe(`<mark>mango</mark> ${w} 新的文字`);
  });
});

describe('searchMessages: pages', () => {
  it('pages exactly: every match once, in one order, whatever the page size', async () => {
    const w = unique('pg');
    const [ana, ben] = await parley.newUsers(2);
    const chatId = await parley.newDirectChat(ana!, ben!);
    // Ranks differ (1 to 3 occurrences) and tie within each group.
    for (let i = 0; i < 23; i++) await ana!.send(chatId, `${Array.from({ length: 1 + (i % 3) }, () => w).join(' ')} n${i}`);
    await ana!.send(chatId, 'something else entirely');

    const all = await search(ana!, w, { first: 50 });
    expect(all.edges).toHaveLength(23);
    expect(all.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    const order = all.edges.map((e) => e.node.message.id);
    for (const size of [1, 5, 7, 23]) {
      const seen: string[] = [];
      let after: string | undefined;
      for (let page = 0; ; page++) {
        const res = await search(ana!, w, { first: size, after });
        seen.push(...res.edges.map((e) => e.node.message.id));
        expect(res.pageInfo.hasPreviousPage).toBe(page > 0);
        expect(res.pageInfo.endCursor).toBe(res.edges.at(-1)!.cursor);
        if (!res.pageInfo.hasNextPage) break;
        after = res.pageInfo.endCursor;
      }
      expect(seen).toEqual(order);
    }
    // A cursor belongs to its search.
    const res = await ana!.gql(SEARCH, { q: `${w} n1`, after: all.edges[0]!.cursor });
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
  });
});

describe('searchMessages: refusals', () => {
  it('refuses bad input with BAD_USER_INPUT naming the field', async () => {
    const { ana, chatId } = await chatWith('hello');
    const cursor = Buffer.from('search:abcdefghij:0.5:12').toString('base64url');
    const cases: [Record<string, unknown>, string][] = [
      [{ q: '' }, 'query'],
      [{ q: '   ' }, 'query'],
      [{ q: 'x'.repeat(1000) }, 'query'],
      [{ q: 'a '.repeat(300) }, 'query'],
      [{ q: '!!! ??? ...' }, 'query'],
      [{ q: Array.from({ length: 17 }, (_, i) => `w${i}`).join(' ') }, 'query'],
      [{ q: 'hello', after: 'not a cursor' }, 'after'],
      [{ q: 'hello', after: cursor }, 'after'],
      [{ q: 'hello', first: 0 }, 'first'],
      [{ q: 'hello', first: -1 }, 'first'],
      [{ q: 'hello', first: 51 }, 'first'],
      [{ q: 'hello', chat: 'abc' }, 'chatId'],
      [{ q: 'hello', chat: chatId, first: 1000 }, 'first'],
    ];
    for (const [vars, field] of cases) {
      const res = await ana.gql(SEARCH, vars);
      expect({ vars, ...errorOf(res) }).toEqual({ vars, code: 'BAD_USER_INPUT', field });
      expect(res.data ?? null).toBeNull();
    }
    expect((await search(ana, 'hello', { first: 50 })).edges).toHaveLength(1);
  });

  it('needs a signed-in viewer', async () => {
    expect(errorOf(await gql(parley.srv.url, SEARCH, { q: 'hello' })).code).toBe('UNAUTHENTICATED');
  });

  it('limits searches per user (RATE_LIMIT_MESSAGE_SEARCH), on every instance alike', async () => {
    const limited = await parley.newInstance({ rateLimits: { messageSearch: [{ points: 3, seconds: 60 }] } });
    const other = await parley.newInstance({ rateLimits: { messageSearch: [{ points: 3, seconds: 60 }] } });
    const { ana, ben } = await chatWith('hello there');
    expect(errorOf(await ana.on(limited).gql(SEARCH, { q: 'hello' })).code).toBeUndefined();
    expect(errorOf(await ana.on(other).gql(SEARCH, { q: 'hello' })).code).toBeUndefined();
    expect(errorOf(await ana.on(limited).gql(SEARCH, { q: 'there' })).code).toBeUndefined();
    const refused = await ana.on(other).gql(SEARCH, { q: 'hello' });
    expect(errorOf(refused).code).toBe('RATE_LIMITED');
    expect(refused.errors![0]!.extensions!.retryAfter).toBeGreaterThan(0);
    // Per user: someone else still searches.
    expect(errorOf(await ben.on(limited).gql(SEARCH, { q: 'hello' })).code).toBeUndefined();
  });

  it('costs a constant number of SQL statements, whatever the page holds', async () => {
    const w = unique('qc');
    const [ana, ...others] = await parley.newUsers(6);
    const group = await parley.newGroup(ana!, others);
    for (const [i, who] of [ana!, ...others].entries()) await who.send(group, `${w} from ${i}`);
    const statements = async (first: number) => {
      const { statements: n, result: res } = await statementsOf(parley.srv.server.database, () =>
        ana!.gql(`query($q: String!, $n: Int) { searchMessages(query: $q, first: $n) { edges { node { highlight message { id sender { id firstname } chat { id name } } } } } }`, { q: w, n: first }),
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.searchMessages.edges).toHaveLength(first);
      return n;
    };
    expect(await statements(6)).toBe(await statements(1));
    // The budget, the terms and the chats, the search, then senders and chats (batched).
    expect(await statements(6)).toBeLessThanOrEqual(6);
  });
});
