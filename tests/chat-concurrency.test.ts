import { and, eq, inArray } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { chatLog, chatParticipants } from '../src/db/schema.js';
import { useParley } from './helpers/scenario.js';

/**
 * Rules are checked on the state the change is made to: a chat's writers take its lock, then
 * read who is in it and with which role.
 */
const parley = useParley();

describe('changes racing a membership change', () => {
  it('stores nothing from a member after their removal, however the two interleave', async () => {
    const [owner, member] = await parley.newUsers(2, 'C');
    for (let round = 0; round < 4; round++) {
      const group = await parley.newGroup(owner!, [member!]);
      const sends = Array.from({ length: 20 }, (_, i) =>
        member!.gql(`mutation($i: SendMessageInput!) { sendMessage(input: $i) { id } }`, { i: { chatId: group, content: `m${i}` } }),
      );
      const removal = owner!.must(`mutation($c: ID!, $u: ID!) { removeParticipant(chatId: $c, userId: $u) { id } }`, { c: group, u: member!.id });
      const results = await Promise.all([...sends, removal]);
      const refused = results.slice(0, 20).filter((r) => r.errors);
      for (const r of refused) expect(r.errors![0]!.extensions?.code).toBe('NOT_FOUND');

      // In the chat's log, every message of the member comes before their removal.
      const entries = await parley.db.db.select().from(chatLog).where(eq(chatLog.chatId, Number(group)));
      const removedAt = entries.find((e) => e.kind === 'CHAT_CHANGED' && (e.data as { kind: string }).kind === 'PARTICIPANT_REMOVED')!.id;
      const theirs = entries.filter((e) => e.kind === 'MESSAGE_ADDED' && e.userId === Number(member!.id));
      expect(theirs.length).toBe(20 - refused.length);
      expect(theirs.every((e) => e.id < removedAt)).toBe(true);
    }
  });

  it('always leaves a group an owner when the owner and the heir leave at once', async () => {
    const [owner, heir, third, fourth] = await parley.newUsers(4, 'H');
    for (let round = 0; round < 8; round++) {
      const group = await parley.newGroup(owner!, [heir!, third!, fourth!]);
      const leave = (u: typeof owner) => u!.must(`mutation($c: ID!) { leaveChat(chatId: $c) }`, { c: group });
      await Promise.all([leave(owner), leave(heir)]);
      const left = await parley.db.db
        .select({ userId: chatParticipants.userId, role: chatParticipants.role })
        .from(chatParticipants)
        .where(and(eq(chatParticipants.chatId, Number(group)), inArray(chatParticipants.userId, [third, fourth].map((u) => Number(u!.id)))));
      expect(left).toHaveLength(2);
      expect(left.filter((p) => p.role === 'OWNER')).toHaveLength(1);
    }
  });
});
