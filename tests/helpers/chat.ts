import { gql, type TestUser } from './graphql.js';

export const CHAT_FIELDS = 'id name isGroup createdAt unreadCount myLastReadMessageId participants { role user { id } } lastMessage { id content }';
export const MESSAGE_FIELDS = 'id chatId content messageType sentAt isRead clientMessageId sender { id }';

async function must(res: Promise<{ data?: any; errors?: unknown }>, what: string) {
  const r = await res;
  if (r.errors) throw new Error(`${what} failed: ${JSON.stringify(r.errors)}`);
  return r.data;
}

export async function directChat(url: string, a: TestUser, b: TestUser): Promise<string> {
  const data = await must(gql(url, `mutation($u: ID!) { createDirectChat(userId: $u) { id } }`, { u: b.id }, a.token), 'createDirectChat');
  return data.createDirectChat.id;
}

export async function groupChat(url: string, owner: TestUser, members: TestUser[], name = 'Group'): Promise<string> {
  const data = await must(
    gql(url, `mutation($n: String!, $p: [ID!]!) { createGroupChat(name: $n, participantIds: $p) { id } }`, { n: name, p: members.map((m) => m.id) }, owner.token),
    'createGroupChat',
  );
  return data.createGroupChat.id;
}

export async function send(url: string, user: TestUser, chatId: string, content: string, clientMessageId?: string) {
  const data = await must(
    gql(url, `mutation($i: SendMessageInput!) { sendMessage(input: $i) { ${MESSAGE_FIELDS} } }`, { i: { chatId, content, clientMessageId } }, user.token),
    'sendMessage',
  );
  return data.sendMessage as { id: string; content: string; isRead: boolean; messageType: string };
}
