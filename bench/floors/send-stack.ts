/**
 * The stack's ceiling for sendMessage: the fixed stack and nothing of Parley. Apollo Server 5
 * on node:http, a type-graphql schema with one mutation taking P3's very request, the floors'
 * token check, and sendMessage's own statements (the chat's lock and the message statement,
 * pipelined with BEGIN and COMMIT on one connection, as Parley sends them) through postgres.js.
 * No chat log reader, no rules beyond what the statements hold, no middleware, no metrics.
 * P3 sends to it as to Parley; in P2 its messages wake the WebSocket floor, which writes the frames,
 * or it writes them itself to sockets of its own (`frames`): the least one server process that
 * takes the request and delivers the message does.
 */
import 'reflect-metadata';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import postgres from 'postgres';
import { Arg, buildSchema, Ctx, Field, ID, InputType, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { serve } from '../lib/proc.js';
import { lockStatement, messageStatement, wakeAfterCommit } from '../lib/send-statements.js';
import { readBody, viewerOf } from './request.js';
import { frameMaker, socketRooms, type SocketRooms } from './rooms.js';

@InputType()
class SendMessageInput {
  @Field(() => ID)
  chatId!: string;

  @Field(() => String)
  content!: string;
}

@ObjectType()
class Message {
  @Field(() => ID)
  id!: string;
}

interface StackContext {
  viewer: number | null;
  sql: postgres.Sql;
}

const LOCK = lockStatement('$1::int');
const SEND = messageStatement('$1::int', '$2::int', '$3');
const WAKE = wakeAfterCommit('$1', '$2');

/** P2: chats whose messages wake the WebSocket floor, as its numbered rooms (see `rooms`). */
let floorRooms = new Map<number, number>();
/** P2: this server's own sockets, by the same room numbers. */
let ownSockets: SocketRooms | undefined;
/** When set, messages to a room are written to this server's own sockets instead of waking the floor. */
let ownFrame: ((content: string) => Buffer) | null = null;

@Resolver()
class SendResolver {
  @Query(() => String)
  ready(): string {
    return 'yes';
  }

  @Mutation(() => Message)
  async sendMessage(@Arg('input', () => SendMessageInput) input: SendMessageInput, @Ctx() ctx: StackContext): Promise<Message> {
    if (ctx.viewer === null) throw new Error('Not signed in');
    const chat = Number(input.chatId);
    const c = await ctx.sql.reserve();
    try {
      // Parley sends its wake-ups after the commit, on their own; here each message of a
      // floor's room wakes it, pipelined right behind the commit, with the frame's text.
      const room = floorRooms.get(chat);
      const wakeFloor = room !== undefined && !ownFrame;
      const [, , rows] = await Promise.all([
        c.unsafe('begin'),
        c.unsafe(LOCK, [chat], { prepare: true }),
        c.unsafe(SEND, [chat, ctx.viewer, input.content], { prepare: true }),
        c.unsafe('commit'),
        ...(wakeFloor ? [c.unsafe(WAKE, ['bench_floor', `${room}:${input.content}`], { prepare: true })] : []),
      ]);
      const row = rows[0];
      if (!row) throw new Error('Not a member of this chat');
      // Committed: the room's sockets get the frame now, before the answer.
      if (room !== undefined && ownFrame) ownSockets!.send(room, ownFrame(input.content));
      return { id: String(row.id) };
    } finally {
      c.release();
    }
  }
}

serve({
  /** Messages to these chats (id → the floor's room) wake the WebSocket floor, as its own do. */
  rooms(map: Record<string, number>) {
    floorRooms = new Map(Object.entries(map).map(([chat, room]) => [Number(chat), room]));
  },

  /** With a frame template, writes the rooms' frames itself (to sockets joined at `ws://…/?room=`); with null, wakes the floor again. */
  frames(template: string | null) {
    ownFrame = template === null ? null : frameMaker(template);
  },

  async listen(databaseUrl: string, secret: string) {
    const sql = postgres(databaseUrl, { max: 10, onnotice: () => {} });
    const schema = await buildSchema({ resolvers: [SendResolver], validate: false });
    const apollo = new ApolloServer<StackContext>({ schema, plugins: [ApolloServerPluginCacheControlDisabled()] });
    await apollo.start();
    const server = http.createServer(async (req, res) => {
      try {
        const raw = await readBody(req);
        const headers = new HeaderMap();
        for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers.set(key, value);
        const response = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: { method: req.method ?? 'POST', headers, search: '', body: JSON.parse(raw) },
          context: async () => ({ viewer: viewerOf(req.headers.authorization, secret), sql }),
        });
        for (const [key, value] of response.headers) res.setHeader(key, value);
        res.statusCode = response.status ?? 200;
        res.end(response.body.kind === 'complete' ? response.body.string : '');
      } catch (err) {
        res.writeHead(500).end(String(err));
      }
    });
    ownSockets = socketRooms(server);
    return new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  },
});
