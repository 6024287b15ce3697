/**
 * P7's counter: Parley in this process (production configuration), so that its count of SQL
 * statements sent (Database.queryCount) can be read around one request.
 */
import 'reflect-metadata';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createParleyServer, type ParleyServer } from '../../src/server.js';
import { postRaw } from '../lib/http.js';
import { BENCH_ENV } from '../lib/parley.js';
import { serve } from '../lib/proc.js';

let server: ParleyServer | undefined;
let url = '';

serve({
  async start(databaseUrl: string) {
    const config = loadConfig({ ...process.env, ...BENCH_ENV, DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' });
    server = await createParleyServer({ config, databaseUrl, log: createLogger('silent') });
    url = `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}/graphql`;
  },
  /** Statements sent while answering `query` for `token`, and the number of chats it returned. */
  async count(query: string, token: string) {
    const before = server!.database.queryCount;
    const res = await postRaw(url, JSON.stringify({ query }), token);
    const statements = server!.database.queryCount - before;
    const body = JSON.parse(res.body) as { data?: { chats: { edges: unknown[] } }; errors?: unknown };
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return { statements, chats: body.data!.chats.edges.length };
  },
  stop: () => server?.close(),
});
