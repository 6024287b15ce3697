import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directChat, send } from './helpers/chat.js';
import { registerUser } from './helpers/graphql.js';
import { startServer, type TestServer } from './helpers/server.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = path.resolve(import.meta.dirname, '../test-output');
const available = existsSync(CHROMIUM);
if (!available) console.warn(`Skipping the GraphiQL browser test: no Chromium at ${CHROMIUM} (install Debian's "chromium" package).`);

/** Drives the explorer's editors the way a person does, through CodeMirror. */
function explorer(page: Page) {
  const editor = (selector: string) => ({
    get: () => page.evaluate((s) => ((globalThis as any).document.querySelector(s) as any)?.CodeMirror.getValue() ?? '', selector),
    set: (value: string) => page.evaluate(([s, v]) => ((globalThis as any).document.querySelector(s!) as any).CodeMirror.setValue(v), [selector, value] as const),
  });
  const query = editor('.graphiql-query-editor .CodeMirror');
  return {
    query,
    headers: editor('.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror'),
    response: editor('.graphiql-response .CodeMirror').get,
    async openHeaders() {
      await page.getByRole('button', { name: 'Headers' }).click();
    },
    /** Runs the operation the cursor is in (GraphiQL reads the operation name a moment after the cursor moves). */
    async runAt(text: string) {
      await page.evaluate((t) => {
        const cm = ((globalThis as any).document.querySelector('.graphiql-query-editor .CodeMirror') as any).CodeMirror;
        cm.focus();
        cm.setCursor(cm.posFromIndex(cm.getValue().indexOf(t) + 1));
      }, text);
      await page.waitForTimeout(500);
      await page.keyboard.press('Control+Enter');
    },
    async run() {
      await page.waitForTimeout(500);
      await page.click('.graphiql-execute-button');
    },
  };
}

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

  /** A fresh browser profile (nothing in localStorage) on the explorer. */
  async function openExplorer() {
    const page = await (await browser.newContext()).newPage();
    await page.goto(new URL('/graphiql', srv.url).toString());
    await page.waitForSelector('.graphiql-query-editor .CodeMirror');
    return { page, ui: explorer(page) };
  }

  it('runs a query and a subscription with a bearer token from the header editor', { timeout: 60_000 }, async () => {
    const ana = await registerUser(srv.url, { firstname: 'Ana' });
    const ben = await registerUser(srv.url, { firstname: 'Ben' });
    const chatId = await directChat(srv.url, ana, ben);
    const { page, ui } = await openExplorer();
    const offsite: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(new URL(srv.url).origin)) offsite.push(r.url());
    });
    await page.reload();
    await page.waitForSelector('.graphiql-query-editor .CodeMirror');

    await ui.openHeaders();
    await ui.headers.set(JSON.stringify({ Authorization: `Bearer ${ana.token}` }));
    await ui.query.set('{ me { id firstname email } }');
    await ui.run();
    await expect.poll(ui.response, { timeout: 10_000 }).toContain(ana.email);
    expect(JSON.parse(await ui.response())).toEqual({ data: { me: { id: ana.id, firstname: 'Ana', email: ana.email } } });

    await ui.query.set(`subscription { messageAdded(chatId: "${chatId}") { content sender { firstname } } }`);
    // Counted before the click: the subscription may register before run() returns.
    const before = srv.server.hub.stats.subscriptions;
    await ui.run();
    await expect.poll(() => srv.server.hub.stats.subscriptions, { timeout: 10_000 }).toBeGreaterThan(before);
    await send(srv.url, ben, chatId, 'hello from the other side');
    await expect.poll(ui.response, { timeout: 10_000 }).toContain('hello from the other side');
    expect(JSON.parse(await ui.response())).toEqual({ data: { messageAdded: { content: 'hello from the other side', sender: { firstname: 'Ben' } } } });

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT, 'graphiql.png'), fullPage: true });
    expect(offsite).toEqual([]);
  });

  it('opens with a document whose first operation registers, so it works on a fresh database', { timeout: 60_000 }, async () => {
    const { ui } = await openExplorer();
    const document = await ui.query.get();
    expect(document.match(/^(query|mutation|subscription) \w+/m)?.[0]).toBe('mutation Register');
    for (const name of ['mutation Login', 'query Me', 'subscription NewMessages']) expect(document).toContain(name);

    // As the explorer opens: the header editor still holds its placeholder.
    await ui.runAt('mutation Register');
    await expect.poll(ui.response, { timeout: 10_000 }).toContain('accessToken');
    const registered = JSON.parse(await ui.response());
    expect(registered.errors).toBeUndefined();
    expect(registered.data.register.user.firstname).toBe('Sam');

    await ui.runAt('mutation Login');
    await expect.poll(ui.response, { timeout: 10_000 }).toContain('"login"');
    const token = JSON.parse(await ui.response()).data.login.accessToken as string;

    await ui.openHeaders();
    await ui.headers.set(JSON.stringify({ Authorization: `Bearer ${token}` }));
    await ui.runAt('query Me');
    await expect.poll(ui.response, { timeout: 10_000 }).toContain('"me"');
    expect(JSON.parse(await ui.response()).data.me.id).toBe(registered.data.register.user.id);
  });

  it('shows a refused subscription token (4403) at once, without retrying', { timeout: 60_000 }, async () => {
    const { page, ui } = await openExplorer();
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await ui.openHeaders();
    await ui.headers.set(JSON.stringify({ Authorization: 'Bearer not-a-valid-token' }));
    await ui.query.set('subscription { messageAdded { id } }');
    await ui.run();
    // graphql-ws retries a 4403 five times with back-off by default: about 40 s and six sockets.
    await expect.poll(ui.response, { timeout: 10_000 }).toContain('4403');
    expect(await ui.response()).toContain('Forbidden');
    expect(sockets).toHaveLength(1);
  });

  it("lets a page on another origin call the API with Apollo Client's headers (a real preflight)", { timeout: 60_000 }, async () => {
    const user = await registerUser(srv.url);
    // A web app served from elsewhere, as a dev server would: another origin, so the browser asks first.
    const app = http.createServer((_req, res) => res.end('<!doctype html><title>app</title>'));
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const page = await (await browser.newContext()).newPage();
    await page.goto(`http://127.0.0.1:${(app.address() as AddressInfo).port}/`);
    const answer = await page.evaluate(
      async ([url, token]) => {
        const res = await fetch(url!, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/graphql-response+json,application/json;q=0.9',
            authorization: `Bearer ${token}`,
            'apollographql-client-name': 'parley-web',
            'apollographql-client-version': '1.2.3',
            'apollographql-library-name': '@apollo/client',
            'apollographql-library-version': '4.0.0',
          },
          body: JSON.stringify({ query: '{ me { id } }' }),
        });
        return { status: res.status, body: await res.json(), requestId: res.headers.get('x-request-id') };
      },
      [srv.url, user.token] as const,
    );
    app.close();
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ data: { me: { id: user.id } } });
    expect(answer.requestId).toBeTruthy();
  });
});
