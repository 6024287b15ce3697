import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directChat, send } from './helpers/chat.js';
import { registerUser } from './helpers/graphql.js';
import { startServer, type TestServer } from './helpers/server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = path.resolve(import.meta.dirname, '../test-output');
const available = existsSync(CHROMIUM);
if (!available) console.warn(`Skipping the GraphiQL browser test: no Chromium at ${CHROMIUM} (install Debian's "chromium" package).`);

describe.skipIf(!available)('GraphiQL in a browser', () => {
  let srv: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    srv = await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await srv?.stop();
  });

  it('runs a query and a subscription with a bearer token from the header editor', { timeout: 60_000 }, async () => {
    const ana = await registerUser(srv.url, { firstname: 'Ana' });
    const ben = await registerUser(srv.url, { firstname: 'Ben' });
    const chatId = await directChat(srv.url, ana, ben);
    const page = await browser.newPage();
    const offsite: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(new URL(srv.url).origin)) offsite.push(r.url());
    });
    await page.goto(new URL('/graphiql', srv.url).toString());
    await page.waitForSelector('.graphiql-query-editor .CodeMirror');

    const setEditor = (selector: string, value: string) =>
      page.evaluate(([s, v]) => ((globalThis as any).document.querySelector(s!) as any).CodeMirror.setValue(v), [selector, value] as const);
    // GraphiQL reads the operation name from the editor a moment after it changes.
    const run = async () => {
      await page.waitForTimeout(500);
      await page.click('.graphiql-execute-button');
    };
    const response = () => page.evaluate(() => ((globalThis as any).document.querySelector('.graphiql-response .CodeMirror') as any)?.CodeMirror.getValue() ?? '');

    await page.getByRole('button', { name: 'Headers' }).click();
    await setEditor('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror', JSON.stringify({ Authorization: `Bearer ${ana.token}` }));
    await setEditor('.graphiql-query-editor .CodeMirror', '{ me { id firstname email } }');
    await run();
    await expect.poll(response, { timeout: 10_000 }).toContain(ana.email);
    expect(JSON.parse(await response())).toEqual({ data: { me: { id: ana.id, firstname: 'Ana', email: ana.email } } });

    await setEditor('.graphiql-query-editor .CodeMirror', `subscription { messageAdded(chatId: "${chatId}") { content sender { firstname } } }`);
    await run();
    const before = srv.server.hub.stats.subscriptions;
    await expect.poll(() => srv.server.hub.stats.subscriptions, { timeout: 10_000 }).toBeGreaterThan(before);
    await send(srv.url, ben, chatId, 'hello from the other side');
    await expect.poll(response, { timeout: 10_000 }).toContain('hello from the other side');
    expect(JSON.parse(await response())).toEqual({ data: { messageAdded: { content: 'hello from the other side', sender: { firstname: 'Ben' } } } });

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT, 'graphiql.png'), fullPage: true });
    expect(offsite).toEqual([]);
  });
});
