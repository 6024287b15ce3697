import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page, type Route } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directChat, send } from './helpers/chat.js';
import { gql, registerUser, uniqueEmail } from './helpers/graphql.js';
import { startServer, type TestServer } from './helpers/server.js';
import { startTcpProxy } from './helpers/tcp-proxy.js';
import { ensureWebAppBuilt } from './helpers/web-app.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUTPUT = path.resolve(import.meta.dirname, '../test-output');
const available = existsSync(CHROMIUM);
if (!available) console.warn(`Skipping the web app browser test: no Chromium at ${CHROMIUM} (install Debian's "chromium" package).`);

const WAIT = { timeout: 20_000 };

/** Waits until the element's text is exactly `text` (Playwright's own waits, no sleeps). */
async function hasText(locator: Locator, text: string) {
  await expect.poll(() => locator.textContent(WAIT), WAIT).toBe(text);
}

describe.skipIf(!available)('the web app (examples/web) in a browser', () => {
  let srv: TestServer;
  let browser: Browser;
  beforeAll(async () => {
    await ensureWebAppBuilt();
    srv = await startServer();
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 360_000);
  afterAll(async () => {
    await browser?.close();
    await srv?.stop();
  });

  /** A fresh browser profile on the app; anything it fetches from elsewhere is recorded, and so is a reload. */
  async function openApp(origin = new URL(srv.url).origin) {
    const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
    const page = await context.newPage();
    const offsite: string[] = [];
    page.on('request', (r) => !r.url().startsWith(origin) && !r.url().startsWith('data:') && offsite.push(r.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const received: any[] = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => received.push(JSON.parse(String(f.payload)))));
    await page.goto(`${origin}/app/`);
    // Gone after any reload: the test proves everything below happens live.
    await page.evaluate(() => ((globalThis as any).loadedOnce = true));
    return {
      page,
      offsite,
      errors,
      stillLoadedOnce: () => page.evaluate(() => (globalThis as any).loadedOnce === true),
      /** How many chat log entries of this kind the page's socket has brought. */
      updates: (typename: string) => received.filter((f) => f.payload?.data?.updates?.__typename === typename).length,
      /** The 👍 count the newest reactions entry the socket brought for the message gives (0 before any). */
      thumbsUp: (messageId: string) => {
        const message = received.findLast((f) => f.payload?.data?.updates?.message?.id === messageId && f.payload.data.updates.message.reactions)?.payload.data.updates.message;
        return (message?.reactions ?? []).find((g: { emoji: string }) => g.emoji === '👍')?.count ?? 0;
      },
    };
  }

  async function register(page: Page, firstname: string, lastname: string) {
    const email = uniqueEmail(firstname.toLowerCase());
    await page.getByRole('button', { name: 'Create an account' }).click();
    await page.getByLabel('First name').fill(firstname);
    await page.getByLabel('Last name').fill(lastname);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('tab', { name: /Chats/ }).waitFor(WAIT);
    return email;
  }

  async function signIn(page: Page, user: { email: string; password: string }) {
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /**
   * A slow network: the answer to the page's next `operation` mutation is held, though the server
   * has run it, until `meanwhile` (given the answer) has run. `answered` resolves once the page
   * has the answer.
   */
  async function holdAnswer(page: Page, operation: string, meanwhile: (answer: any) => Promise<unknown>): Promise<{ answered: Promise<void> }> {
    let release!: () => void;
    const answered = new Promise<void>((resolve) => (release = resolve));
    let held = false;
    const hold = async (route: Route) => {
      if (held || !route.request().postData()?.includes(`mutation ${operation}(`)) return route.fallback();
      held = true;
      const response = await route.fetch();
      await meanwhile(await response.json());
      await route.fulfill({ response });
      release();
      // Not awaited: it waits for this handler to return.
      void page.unroute('**/graphql', hold);
    };
    await page.route('**/graphql', hold);
    // In an object: a promise an async function returns is awaited with it.
    return { answered };
  }

  it('lets Ana and Ben meet, chat, see each other typing, and read — all live', { timeout: 180_000 }, async () => {
    const ana = await openApp();
    const ben = await openApp();
    await register(ana.page, 'Ana', 'Lima');
    const benEmail = await register(ben.page, 'Ben', 'Okafor');

    // Ana finds Ben by email and invites him; Ben sees the invitation arrive and accepts it.
    await ana.page.getByRole('tab', { name: /Contacts/ }).click();
    await ana.page.getByLabel('Find people').fill(benEmail);
    const found = ana.page.getByTestId('search-result').filter({ hasText: 'Ben Okafor' });
    await found.getByRole('button', { name: 'Invite' }).click();
    await found.getByText('Invited').waitFor(WAIT);
    await hasText(ben.page.getByRole('tab', { name: /Contacts/ }).locator('.badge'), '1');
    await ben.page.getByRole('tab', { name: /Contacts/ }).click();
    await ben.page.getByTestId('invitation').filter({ hasText: 'Ana Lima' }).getByRole('button', { name: 'Accept' }).click();
    await ben.page.getByTestId('contact').filter({ hasText: 'Ana Lima' }).waitFor(WAIT);
    await ben.page.getByRole('tab', { name: /Chats/ }).click();

    // Ana's contact list learns of the acceptance; she opens a chat with Ben, which appears in Ben's list.
    await ana.page.getByLabel('Find people').fill('');
    await ana.page.getByTestId('contact').filter({ hasText: 'Ben Okafor' }).getByRole('button', { name: 'Message' }).click();
    await ana.page.waitForFunction(() => /^#\/chat\/\d+$/.test((globalThis as any).location.hash), null, WAIT);
    const chatId = (await ana.page.evaluate(() => (globalThis as any).location.hash as string)).split('/').pop()!;
    const benItem = ben.page.locator(`[data-testid="chat-item"][data-chat-id="${chatId}"]`);
    await benItem.filter({ hasText: 'Ana Lima' }).waitFor(WAIT);

    // Ana types: Ben's list shows it; she sends two messages: Ben's badge and total count them.
    const anaBox = ana.page.getByLabel('Message', { exact: true });
    await anaBox.pressSequentially('Hi Ben!');
    await benItem.getByText('typing…').waitFor(WAIT);
    await anaBox.press('Enter');
    await hasText(benItem.getByTestId('unread-badge'), '1');
    await benItem.getByText('Hi Ben!').waitFor(WAIT);
    await anaBox.fill('Are you there?');
    await anaBox.press('Enter');
    await hasText(benItem.getByTestId('unread-badge'), '2');
    await hasText(ben.page.getByTestId('unread-total'), '2');
    await ana.page.getByTestId('sent').waitFor(WAIT);

    // Ben opens the chat: both messages are there, his badge goes back to 0, and Ana sees "Seen".
    await benItem.click();
    await ben.page.getByTestId('message').filter({ hasText: 'Are you there?' }).waitFor(WAIT);
    expect(await ben.page.getByTestId('message').allTextContents()).toEqual([expect.stringContaining('Hi Ben!'), expect.stringContaining('Are you there?')]);
    await benItem.getByTestId('unread-badge').waitFor({ state: 'detached', ...WAIT });
    await ben.page.getByTestId('unread-total').waitFor({ state: 'detached', ...WAIT });
    await hasText(ana.page.getByTestId('seen'), 'Seen');

    // Ben types back: Ana sees him typing in the open chat; his answer replaces the indicator.
    // His network is slow: the answer to his send, older than Ana's read receipt, arrives after
    // it, and must not take back the "Seen" the receipt brought.
    const benBox = ben.page.getByLabel('Message', { exact: true });
    const receipts = ben.updates('ReadMarkerUpdate');
    await holdAnswer(ben.page, 'SendMessage', () => expect.poll(() => ben.updates('ReadMarkerUpdate'), WAIT).toBeGreaterThan(receipts).catch(() => undefined));
    await benBox.pressSequentially('Hello Ana');
    await hasText(ana.page.getByTestId('typing'), 'Ben Okafor is typing…');
    mkdirSync(OUTPUT, { recursive: true });
    await ana.page.screenshot({ path: path.join(OUTPUT, 'web-app-typing.png') });
    await benBox.press('Enter');
    await ana.page.getByTestId('message').filter({ hasText: 'Hello Ana' }).waitFor(WAIT);
    await ana.page.getByTestId('typing').waitFor({ state: 'detached', ...WAIT });
    await hasText(ben.page.getByTestId('seen'), 'Seen'); // Ana has the chat open: she read it at once.
    expect(ben.updates('ReadMarkerUpdate')).toBeGreaterThan(receipts);

    // A message while Ben has the chat open is read at once: Ana's "Seen" moves to it.
    await anaBox.fill('Great to see you here!');
    await anaBox.press('Enter');
    await ben.page.getByTestId('message').filter({ hasText: 'Great to see you here' }).waitFor(WAIT);
    await ana.page.locator('[data-testid="message"]:has-text("Great to see you here!") + [data-testid="seen"]').waitFor(WAIT);
    // Ben's total follows from his own read receipt, which may land after Ana's "Seen": wait for it.
    await expect.poll(() => ben.page.getByTestId('unread-total').count(), WAIT).toBe(0);

    // Ana reacts to Ben's message with the picker; Ben sees the group appear, not his, and joins it.
    const helloOnAna = ana.page.getByTestId('message').filter({ hasText: 'Hello Ana' });
    const helloOnBen = ben.page.getByTestId('message').filter({ hasText: 'Hello Ana' });
    await helloOnAna.getByRole('button', { name: 'React', exact: true }).click();
    await helloOnAna.getByRole('button', { name: 'React with 👍' }).click();
    await hasText(helloOnAna.getByTestId('reaction'), '👍1');
    await hasText(helloOnBen.getByTestId('reaction'), '👍1');
    expect(await helloOnBen.getByTestId('reaction').getAttribute('aria-pressed')).toBe('false');
    await helloOnBen.getByTestId('reaction').click();
    await hasText(helloOnAna.getByTestId('reaction').locator('.reaction-count'), '2');
    expect(await helloOnAna.getByTestId('reaction').getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => helloOnBen.getByTestId('reaction').getAttribute('aria-pressed'), WAIT).toBe('true');

    // Ben replies to Ana's message: his composer quotes it, and Ana sees the quote above his answer.
    const greatOnBen = ben.page.getByTestId('message').filter({ hasText: 'Great to see you here!' }).first();
    await greatOnBen.getByRole('button', { name: 'Reply', exact: true }).click();
    await hasText(ben.page.locator('.composer').getByTestId('reply-preview').locator('.reply-text'), 'Great to see you here!');
    await benBox.fill('Glad to be here');
    await benBox.press('Enter');
    await ben.page.locator('.composer').getByTestId('reply-preview').waitFor({ state: 'detached', ...WAIT });
    const replyOnAna = ana.page.getByTestId('message').filter({ hasText: 'Glad to be here' });
    await hasText(replyOnAna.getByTestId('reply-preview'), 'AnaGreat to see you here!');
    await hasText(replyOnAna.locator('.text'), 'Glad to be here');

    // Ana attaches a real PNG: it is uploaded, sent without a caption, and both see the image load.
    const png = path.join(mkdtempSync(path.join(os.tmpdir(), 'parley-web-')), 'sunset.png');
    await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 240, g: 128, b: 64 } } }).png().toFile(png);
    await ana.page.getByLabel('Attach files').setInputFiles(png);
    await ana.page.locator('[data-testid="file-chip"][data-state="ready"]').filter({ hasText: 'sunset.png' }).waitFor(WAIT);
    await ana.page.getByRole('button', { name: 'Send', exact: true }).click();
    await ana.page.getByTestId('file-chip').waitFor({ state: 'detached', ...WAIT });
    for (const page of [ana.page, ben.page]) {
      const image = page.getByTestId('message').getByRole('img', { name: 'sunset.png' });
      await image.waitFor(WAIT);
      await expect.poll(() => image.evaluate((img) => (img as any).complete && (img as any).naturalWidth > 0), WAIT).toBe(true);
    }
    await benItem.getByText('📷 Photo').waitFor(WAIT);
    await ana.page.screenshot({ path: path.join(OUTPUT, 'web-app-rich.png') });

    // Ana deletes the message Ben answered: both see his quote turn into a deleted one.
    ana.page.once('dialog', (dialog) => void dialog.accept());
    await ana.page.getByTestId('message').filter({ hasText: 'Great to see you here!' }).filter({ hasNotText: 'Glad to be here' }).getByRole('button', { name: 'Delete' }).click();
    for (const page of [ana.page, ben.page]) {
      const quote = page.getByTestId('message').filter({ hasText: 'Glad to be here' }).getByTestId('reply-preview');
      await hasText(quote.locator('.reply-text'), 'Message deleted');
    }

    await ana.page.screenshot({ path: path.join(OUTPUT, 'web-app-ana.png') });
    await ben.page.screenshot({ path: path.join(OUTPUT, 'web-app-ben.png') });
    for (const user of [ana, ben]) {
      expect(await user.stillLoadedOnce()).toBe(true);
      expect(user.offsite).toEqual([]);
      expect(user.errors).toEqual([]);
    }
  });

  it('refreshes expiring tokens, and after the connection drops catches up with updates(after:) from its last cursor', { timeout: 180_000 }, async () => {
    // Tokens of 8 seconds, so refreshing (HTTP) and the socket's 4403 at expiry happen within the test.
    const short = await startServer({ accessTokenTtl: 8 });
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: short.port });
    try {
      // Ana writes through the other instance (same database), with a token of the usual lifetime.
      const ana = await registerUser(srv.url, { firstname: 'Ana', lastname: 'Lima' });
      const ben = await registerUser(srv.url, { firstname: 'Ben', lastname: 'Okafor' });
      const chatId = await directChat(srv.url, ana, ben);
      // Ben's browser reaches the server through the proxy, which the test can cut, like a laptop going to sleep.
      const app = await openApp(`http://127.0.0.1:${proxy.port}`);
      const frames: { sent: boolean; payload: any }[] = [];
      app.page.on('websocket', (ws) => {
        ws.on('framesent', (f) => frames.push({ sent: true, payload: JSON.parse(String(f.payload)) }));
        ws.on('framereceived', (f) => frames.push({ sent: false, payload: JSON.parse(String(f.payload)) }));
      });
      const refreshes: string[] = [];
      app.page.on('request', (r) => r.postData()?.includes('mutation RefreshToken') && refreshes.push(r.url()));
      await signIn(app.page, ben);
      const item = app.page.locator(`[data-testid="chat-item"][data-chat-id="${chatId}"]`);
      await item.filter({ hasText: 'Ana Lima' }).waitFor(WAIT);

      // The first token expires: the server closes the socket (4403), the app refreshes and connects again.
      const inits = () => frames.filter((f) => f.sent && f.payload.type === 'connection_init').map((f) => f.payload.payload.authorization);
      await expect.poll(() => new Set(inits()).size, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      expect(refreshes.length).toBeGreaterThanOrEqual(1);
      await send(srv.url, ana, chatId, 'Still there?');
      await hasText(item.getByTestId('unread-badge'), '1');
      const updates = () => frames.filter((f) => !f.sent && f.payload.type === 'next' && f.payload.payload.data?.updates);
      const lastCursor = updates().at(-1)!.payload.payload.data.updates.cursor as string;

      // Cut: the app says it is reconnecting; meanwhile Ana writes twice.
      const subscribedBefore = frames.filter((f) => f.sent && f.payload.type === 'subscribe' && f.payload.payload.operationName === 'Updates').length;
      await proxy.down();
      await app.page.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor(WAIT);
      await send(srv.url, ana, chatId, 'You dropped off');
      await send(srv.url, ana, chatId, 'Back yet?');
      await proxy.up();

      // Back: the missed messages arrive through the replay, counted once each, without a reload.
      await hasText(item.getByTestId('unread-badge'), '3');
      await item.getByText('Back yet?').waitFor(WAIT);
      await app.page.getByRole('status').waitFor({ state: 'detached', ...WAIT });
      const resumed = frames.filter((f) => f.sent && f.payload.type === 'subscribe' && f.payload.payload.operationName === 'Updates').slice(subscribedBefore);
      expect(resumed[0]?.payload.payload.variables.after).toBe(lastCursor);

      // The total is the server's unreadSummary: Ben mutes the chat (from another device), and
      // with the next message the chat's badge counts 4 while the total leaves it out.
      await hasText(app.page.getByTestId('unread-total'), '3');
      const muted = await gql(srv.url, `mutation($c: ID!) { setChatNotifications(chatId: $c, level: NONE) { id } }`, { c: chatId }, ben.token);
      expect(muted.errors).toBeUndefined();
      await send(srv.url, ana, chatId, 'Muted now?');
      await hasText(item.getByTestId('unread-badge'), '4');
      await expect.poll(() => app.page.getByTestId('unread-total').count(), WAIT).toBe(0);
      expect(await app.stillLoadedOnce()).toBe(true);
      expect(app.errors).toEqual([]);
    } finally {
      await proxy.down();
      await short.stop();
    }
  });

  it("keeps the chat as the log left it when an answer arrives late: a newer message stays the chat's last", { timeout: 180_000 }, async () => {
    const ana = await registerUser(srv.url, { firstname: 'Ana', lastname: 'Lima' });
    const ben = await registerUser(srv.url, { firstname: 'Ben', lastname: 'Okafor' });
    const chatId = await directChat(srv.url, ana, ben);
    await send(srv.url, ana, chatId, 'Lunch today?');
    const app = await openApp();
    await signIn(app.page, ben);
    const item = app.page.locator(`[data-testid="chat-item"][data-chat-id="${chatId}"]`);
    await item.click();
    await app.page.getByTestId('message').filter({ hasText: 'Lunch today?' }).waitFor(WAIT);

    // Ben's network is slow: Ana's answer, sent after his message, reaches his socket before the
    // answer to his send does. That answer must not make his message the chat's last again.
    const added = app.updates('MessageAddedUpdate');
    await holdAnswer(app.page, 'SendMessage', async () => {
      await send(srv.url, ana, chatId, 'Noon works');
      // His own message's entry, then Ana's.
      await expect.poll(() => app.updates('MessageAddedUpdate'), WAIT).toBeGreaterThanOrEqual(added + 2).catch(() => undefined);
    });
    const box = app.page.getByLabel('Message', { exact: true });
    await box.fill('Sure, when?');
    await box.press('Enter');
    // Answered: his message has its id (and actions) and Ana's is below it.
    await app.page.getByTestId('message').filter({ hasText: 'Sure, when?' }).getByRole('button', { name: 'Reply', exact: true }).waitFor(WAIT);
    await app.page.getByTestId('message').filter({ hasText: 'Noon works' }).waitFor(WAIT);
    expect(app.updates('MessageAddedUpdate')).toBeGreaterThanOrEqual(added + 2);
    await item.getByText('Noon works').waitFor(WAIT);
    expect(await item.textContent()).not.toContain('Sure, when?');
    expect(app.errors).toEqual([]);
  });

  it('keeps reactions and quotes as the log left them when the answer to a reaction, an edit or a reply arrives late', { timeout: 180_000 }, async () => {
    const ana = await registerUser(srv.url, { firstname: 'Ana', lastname: 'Lima' });
    const ben = await registerUser(srv.url, { firstname: 'Ben', lastname: 'Okafor' });
    const chatId = await directChat(srv.url, ana, ben);
    const question = await send(srv.url, ana, chatId, 'Friday or Saturday?');
    const app = await openApp();
    await signIn(app.page, ben);
    await app.page.locator(`[data-testid="chat-item"][data-chat-id="${chatId}"]`).click();
    const bubble = app.page.locator(`[data-message-id="${question.id}"]`);
    await bubble.waitFor(WAIT);
    const anaReacts = async (messageId: string) => {
      const res = await gql(srv.url, `mutation($id: ID!) { addReaction(messageId: $id, emoji: "👍") { id } }`, { id: messageId }, ana.token);
      expect(res.errors).toBeUndefined();
    };

    // Ben reacts; Ana reacts right after him, and the entry with both their reactions reaches his
    // socket before the answer to his own does.
    const reactions = app.updates('ReactionsChangedUpdate');
    const reaction = await holdAnswer(app.page, 'AddReaction', async () => {
      await anaReacts(question.id);
      await expect.poll(() => app.thumbsUp(question.id), WAIT).toBe(2).catch(() => undefined);
    });
    await bubble.getByRole('button', { name: 'React', exact: true }).click();
    await bubble.getByRole('button', { name: 'React with 👍' }).click();
    // His own reaction shows at once, pressed.
    await expect.poll(() => bubble.getByTestId('reaction').getAttribute('aria-pressed'), WAIT).toBe('true');
    await reaction.answered;
    expect(app.updates('ReactionsChangedUpdate')).toBeGreaterThan(reactions);
    expect(app.thumbsUp(question.id)).toBe(2);

    // He answers, then edits his answer; Ana reacts to it while the edit's answer is on its way.
    const box = app.page.getByLabel('Message', { exact: true });
    await box.fill('Sat works');
    await box.press('Enter');
    const answer = app.page.getByTestId('message').filter({ hasText: 'Sat works' });
    await answer.getByRole('button', { name: 'Reply', exact: true }).waitFor(WAIT);
    const answerId = (await answer.getAttribute('data-message-id'))!;
    const edit = await holdAnswer(app.page, 'EditMessage', async () => {
      await anaReacts(answerId);
      await expect.poll(() => app.thumbsUp(answerId), WAIT).toBe(1).catch(() => undefined);
    });
    await answer.getByRole('button', { name: 'Edit', exact: true }).click();
    await box.fill('Sat works, 7pm');
    await box.press('Enter');
    await edit.answered;
    expect(app.thumbsUp(answerId)).toBe(1);
    await hasText(answer.locator('.text'), 'Sat works, 7pm');
    await answer.getByText('edited ·').waitFor(WAIT);

    // Ana asks again and Ben quotes her; while his answer is on its way, she deletes her question
    // and reacts to his reply.
    const snacks = await send(srv.url, ana, chatId, 'Bring snacks?');
    const snacksBubble = app.page.locator(`[data-message-id="${snacks.id}"]`);
    await snacksBubble.waitFor(WAIT);
    const deletions = app.updates('MessageDeletedUpdate');
    let replyId = '';
    const reply = await holdAnswer(app.page, 'SendMessage', async (sent) => {
      replyId = sent.data.sendMessage.id;
      await gql(srv.url, `mutation($id: ID!) { deleteMessage(id: $id) { id } }`, { id: snacks.id }, ana.token);
      await anaReacts(replyId);
      await expect.poll(() => app.thumbsUp(replyId) === 1 && app.updates('MessageDeletedUpdate') > deletions, WAIT).toBe(true).catch(() => undefined);
    });
    await snacksBubble.getByRole('button', { name: 'Reply', exact: true }).click();
    await box.fill('Chips');
    await box.press('Enter');
    await reply.answered;
    expect(app.thumbsUp(replyId)).toBe(1);
    expect(app.updates('MessageDeletedUpdate')).toBeGreaterThan(deletions);

    // The answers have been applied (a message sent after them is answered after them).
    await box.fill('See you then');
    await box.press('Enter');
    await app.page.getByTestId('message').filter({ hasText: 'See you then' }).getByRole('button', { name: 'Reply', exact: true }).waitFor(WAIT);
    await hasText(bubble.getByTestId('reaction'), '👍2');
    expect(await bubble.getByTestId('reaction').getAttribute('aria-pressed')).toBe('true');
    await hasText(answer.getByTestId('reaction'), '👍1');
    expect(await answer.getByTestId('reaction').getAttribute('aria-pressed')).toBe('false');
    const chips = app.page.locator(`[data-message-id="${replyId}"]`);
    await hasText(chips.getByTestId('reaction'), '👍1');
    await hasText(chips.getByTestId('reply-preview').locator('.reply-text'), 'Message deleted');
    await hasText(snacksBubble.locator('.text'), 'Message deleted');
    expect(app.errors).toEqual([]);
  });

  it('pages history upwards as the reader scrolls, and shows edits and deletions as they land', { timeout: 180_000 }, async () => {
    const ana = await registerUser(srv.url, { firstname: 'Ana', lastname: 'Lima' });
    const ben = await registerUser(srv.url, { firstname: 'Ben', lastname: 'Okafor' });
    const chatId = await directChat(srv.url, ana, ben);
    const sent = [];
    for (let i = 1; i <= 70; i++) sent.push(await send(srv.url, ana, chatId, `Message ${i}`));
    const app = await openApp();
    await signIn(app.page, ben);
    await app.page.locator(`[data-testid="chat-item"][data-chat-id="${chatId}"]`).click();
    const texts = () => app.page.locator('[data-testid="message"] .text').allTextContents();
    await app.page.getByTestId('message').filter({ hasText: 'Message 70' }).waitFor(WAIT);
    expect((await texts()).length).toBeLessThan(70); // one page, not the whole history

    // Scrolling to the top loads the page before it, until the beginning; what was on screen stays put.
    const list = app.page.getByTestId('messages');
    const start = app.page.getByText('The beginning of this chat');
    while (!(await start.isVisible())) {
      const before = (await texts()).length;
      const anchor = app.page.getByTestId('message').first();
      const id = await anchor.getAttribute('data-message-id');
      await list.evaluate((el) => (el.scrollTop = 0));
      await expect.poll(async () => (await texts()).length > before || (await start.isVisible()), WAIT).toBe(true);
      // The message that was at the top is still in view: the list did not jump to the new top.
      const box = await app.page.locator(`[data-message-id="${id}"]`).boundingBox();
      const view = (await list.boundingBox())!;
      expect(box!.y).toBeGreaterThanOrEqual(view.y - box!.height);
      expect(box!.y).toBeLessThan(view.y + view.height);
    }
    expect(await texts()).toEqual(sent.map((_, i) => `Message ${i + 1}`));

    // Ana edits one message and deletes another: both change in place.
    await gql(srv.url, `mutation($id: ID!) { editMessage(id: $id, content: "Message 69, edited") { id } }`, { id: sent[68]!.id }, ana.token);
    await gql(srv.url, `mutation($id: ID!) { deleteMessage(id: $id) { id } }`, { id: sent[69]!.id }, ana.token);
    const edited = app.page.locator(`[data-message-id="${sent[68]!.id}"]`);
    await hasText(edited.locator('.text'), 'Message 69, edited');
    await edited.getByText('edited ·').waitFor(WAIT);
    await hasText(app.page.locator(`[data-message-id="${sent[69]!.id}"] .text`), 'Message deleted');
    expect(await app.stillLoadedOnce()).toBe(true);
    expect(app.errors).toEqual([]);
  });
});
