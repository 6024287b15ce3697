import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { chatParticipants } from '../src/db/schema.js';
import { errorOf } from './helpers/graphql.js';
import { useParley, type Actor } from './helpers/scenario.js';
import { until } from './helpers/ws.js';

const parley = useParley();

const SET = `mutation($c: ID!, $l: NotificationLevel!, $u: DateTime) { setChatNotifications(chatId: $c, level: $l, mutedUntil: $u) { id notificationLevel mutedUntil } }`;
const SUMMARY = `{ unreadSummary { chats messages mentions } }`;
const summary = async (viewer: Actor) => (await viewer.must(SUMMARY)).unreadSummary;
const settingsOf = async (viewer: Actor, chatId: string) => (await viewer.must(`query($c: ID!) { chat(id: $c) { notificationLevel mutedUntil } }`, { c: chatId })).chat;
const stored = async (viewer: Actor, chatId: string) =>
  (
    await parley.db.db
      .select({ level: chatParticipants.notificationLevel, mutedUntil: chatParticipants.mutedUntil })
      .from(chatParticipants)
      .where(and(eq(chatParticipants.chatId, Number(chatId)), eq(chatParticipants.userId, Number(viewer.id))))
  )[0];
const inMinutes = (n: number) => new Date(Date.now() + n * 60_000).toISOString();

describe('setChatNotifications', () => {
  it("keeps the viewer's own level and mute, shown on Chat to the viewer only", async () => {
    const [ana, ben] = await parley.newUsers(2);
    const chatId = await parley.newDirectChat(ana!, ben!);
    expect(await settingsOf(ana!, chatId)).toEqual({ notificationLevel: 'ALL', mutedUntil: null });
    const until = inMinutes(60);
    expect((await ana!.must(SET, { c: chatId, l: 'MENTIONS', u: until })).setChatNotifications).toEqual({ id: chatId, notificationLevel: 'MENTIONS', mutedUntil: until });
    expect(await settingsOf(ana!, chatId)).toEqual({ notificationLevel: 'MENTIONS', mutedUntil: until });
    expect(await settingsOf(ben!, chatId)).toEqual({ notificationLevel: 'ALL', mutedUntil: null });
    // Omitting mutedUntil ends the mute.
    expect((await ana!.must(SET, { c: chatId, l: 'NONE' })).setChatNotifications).toMatchObject({ notificationLevel: 'NONE', mutedUntil: null });
  });

  it('refuses outsiders, a past mute and unknown levels, and changes nothing', async () => {
    const [ana, ben, outsider] = await parley.newUsers(3);
    const chatId = await parley.newDirectChat(ana!, ben!);
    await ana!.must(SET, { c: chatId, l: 'MENTIONS' });
    expect(errorOf(await outsider!.gql(SET, { c: chatId, l: 'NONE' })).code).toBe('NOT_FOUND');
    expect(errorOf(await ana!.gql(SET, { c: chatId, l: 'NONE', u: new Date(Date.now() - 1000).toISOString() }))).toEqual({ code: 'BAD_USER_INPUT', field: 'mutedUntil' });
    expect(errorOf(await ana!.gql(SET, { c: chatId, l: 'NONE', u: 'tomorrow' }))).toEqual({ code: 'BAD_USER_INPUT', field: 'u' });
    expect(errorOf(await ana!.gql(SET, { c: chatId, l: 'LOUD' }))).toEqual({ code: 'BAD_USER_INPUT', field: 'l' });
    expect(errorOf(await ana!.gql(SET, { c: 'x', l: 'NONE' }))).toEqual({ code: 'BAD_USER_INPUT', field: 'chatId' });
    expect(await stored(ana!, chatId)).toEqual({ level: 'MENTIONS', mutedUntil: null });
  });
});

describe('unreadSummary', () => {
  it('counts unread messages and mentions over the chats that are not muted; MENTIONS chats count their mentions only', async () => {
    const [me, ana, ben, cy, dee] = await parley.newUsers(5);
    const all = await parley.newDirectChat(ana!, me!);
    const mentionsOnly = await parley.newGroup(ben!, [me!]);
    const none = await parley.newDirectChat(cy!, me!);
    const muted = await parley.newDirectChat(dee!, me!);
    expect(await summary(me!)).toEqual({ chats: 0, messages: 0, mentions: 0 });

    await ana!.send(all, 'one');
    await ana!.send(all, 'two', { mentionIds: [me!.id] });
    await ben!.send(mentionsOnly, 'a');
    await ben!.send(mentionsOnly, 'b');
    await ben!.send(mentionsOnly, '@me', { mentionIds: [me!.id] });
    await cy!.send(none, 'shh', { mentionIds: [me!.id] });
    await dee!.send(muted, 'later', { mentionIds: [me!.id] });
    // My own messages never count.
    await me!.send(all, 'mine');
    expect(await summary(me!)).toEqual({ chats: 4, messages: 7, mentions: 4 });

    await me!.must(SET, { c: mentionsOnly, l: 'MENTIONS' });
    await me!.must(SET, { c: none, l: 'NONE' });
    await me!.must(SET, { c: muted, l: 'ALL', u: inMinutes(60) });
    expect(await summary(me!)).toEqual({ chats: 2, messages: 3, mentions: 2 });
    // A MENTIONS chat without unread mentions is not counted at all.
    await me!.must(`mutation($c: ID!) { markChatRead(chatId: $c) { chatId } }`, { c: mentionsOnly });
    await ben!.send(mentionsOnly, 'no mention');
    expect(await summary(me!)).toEqual({ chats: 1, messages: 2, mentions: 1 });
    // Others' settings are theirs.
    expect(await summary(ana!)).toEqual({ chats: 1, messages: 1, mentions: 0 });
  });

  it('counts a muted chat again once the mute has run out', async () => {
    const [me, ana] = await parley.newUsers(2);
    const chatId = await parley.newDirectChat(ana!, me!);
    await ana!.send(chatId, 'hello', { mentionIds: [me!.id] });
    await me!.must(SET, { c: chatId, l: 'ALL', u: inMinutes(60) });
    expect(await summary(me!)).toEqual({ chats: 0, messages: 0, mentions: 0 });

    // A mute that ends in a moment: when it has run out, the chat counts again by itself.
    const end = new Date(Date.now() + 3000).toISOString();
    expect((await me!.must(SET, { c: chatId, l: 'ALL', u: end })).setChatNotifications.notificationLevel).toBe('ALL');
    await until(async () => (await summary(me!)).chats === 1, 15_000, 'the mute to run out');
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(end));
    expect(await summary(me!)).toEqual({ chats: 1, messages: 1, mentions: 1 });
    expect(await settingsOf(me!, chatId)).toEqual({ notificationLevel: 'ALL', mutedUntil: null });
    expect((await stored(me!, chatId))!.mutedUntil?.toISOString()).toBe(end);
  });
});
