/**
 * The history floor: node:http answering P4's `messages(chatId, first: 50)` request with the
 * statements Parley runs for it (membership, the page, the senders) through postgres.js and the
 * same JSON, after checking the same HS256 token; no GraphQL. The run checks the answers match.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import { serve } from '../lib/proc.js';
import { readBody, viewerOf } from './request.js';

const cursor = (id: number | string) => Buffer.from(`msg:${id}`).toString('base64url');

serve({
  async listen(databaseUrl: string, secret: string) {
    const sql = postgres(databaseUrl, { max: 10, onnotice: () => {} });
    const server = http.createServer(async (req, res) => {
      try {
        const { variables } = JSON.parse(await readBody(req)) as { variables: { c: string } };
        const viewer = viewerOf(req.headers.authorization, secret);
        const chatId = Number(variables.c);
        const first = 50;
        const [member] = viewer === null ? [] : await sql`select c.*, p.* from chats c join chat_participants p on p.chat_id = c.id and p.user_id = ${viewer} where c.id = ${chatId}`;
        if (!member) {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"errors":[{"message":"Chat not found","extensions":{"code":"NOT_FOUND"}}],"data":null}');
          return;
        }
        const rows = await sql`select * from messages where chat_id = ${chatId} order by id asc limit ${first + 1}`;
        const page = rows.slice(0, first);
        const senders = [...new Set(page.map((m) => m.sender_id as number))];
        const users = new Map((await sql`select * from users where id in ${sql(senders)}`).map((u) => [u.id as number, u]));
        const edges = page.map((m) => {
          const u = users.get(m.sender_id)!;
          return {
            cursor: cursor(m.id),
            node: { id: String(m.id), content: m.content, sentAt: (m.sent_at as Date).toISOString(), sender: { id: String(u.id), firstname: u.firstname, lastname: u.lastname } },
          };
        });
        const body = JSON.stringify({
          data: { messages: { edges, pageInfo: { hasNextPage: rows.length > first, endCursor: page.length ? cursor(page[page.length - 1]!.id) : null } } },
        });
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(body);
      } catch (err) {
        res.writeHead(500).end(String(err));
      }
    });
    return new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  },
});
