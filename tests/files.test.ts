import { and, eq, isNull, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { messages, uploads } from '../src/db/schema.js';
import { errorOf } from './helpers/graphql.js';
import {
  ATTACHMENT_FIELDS,
  createUpload,
  expectOrphansSwept,
  expectSweepTimer,
  HTML,
  jpegWithLocation,
  PDF,
  png,
  pngBomb,
  put,
  SEND_WITH_FILES,
  sendFiles,
  storedKeys,
  SVG,
  uploadFile,
  uploadRow,
} from './helpers/files.js';
import { useParley } from './helpers/scenario.js';
import { until } from './helpers/ws.js';
import { statementsOf } from './helpers/statements.js';

const parley = useParley();
const storage = () => parley.srv.server.files.storage;
const messagesIn = async (chatId: string) =>
  (await parley.db.db.select({ n: sql<number>`count(*)::int` }).from(messages).where(eq(messages.chatId, Number(chatId))))[0]!.n;
const unattached = async (id: string) => (await uploadRow(parley.db, id))?.attachedAt === null;
const HISTORY = `query($c: ID!) { messages(chatId: $c, last: 50) { edges { node { id messageType content ${ATTACHMENT_FIELDS} } } } }`;

describe('sending files (local storage)', () => {
  it('sends a photo without a caption: IMAGE, upright, without its location, with a thumbnail', async () => {
    const [ana, ben] = await parley.newUsers(2, 'Photo');
    const chatId = await parley.newDirectChat(ana!, ben!);
    const original = await jpegWithLocation(80, 40);
    const before = await sharp(original).metadata();
    expect(before.orientation).toBe(6);
    expect(before.exif?.toString('latin1')).toContain('PhoneMaker');
    const id = await uploadFile(ana!, { filename: 'beach.jpg', contentType: 'image/jpeg', bytes: original });
    const sent = await sendFiles(ana!, chatId, [id]);
    expect(sent).toMatchObject({ content: '', messageType: 'IMAGE' });
    // Orientation 6 turns the 80 × 40 picture upright: 40 × 80.
    expect(sent.attachments).toEqual([
      expect.objectContaining({ id, filename: 'beach.jpg', contentType: 'image/jpeg', width: 40, height: 80, url: expect.any(String), thumbnailUrl: expect.any(String) }),
    ]);

    const [message] = (await ben!.must(HISTORY, { c: chatId })).messages.edges.map((e: any) => e.node);
    const res = await fetch(message.attachments[0].url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/jpeg');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-disposition')).toMatch(/^inline; filename="beach.jpg"/);
    expect(res.headers.get('cache-control')).toMatch(/^private, max-age=\d+, immutable$/);
    const served = Buffer.from(await res.arrayBuffer());
    expect(served.length).toBe(message.attachments[0].size);
    const meta = await sharp(served).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 40, height: 80 });
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    expect(served.includes('PhoneMaker') || served.includes('at home')).toBe(false);

    const thumb = await fetch(message.attachments[0].thumbnailUrl);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
    expect(await sharp(Buffer.from(await thumb.arrayBuffer())).metadata()).toMatchObject({ format: 'webp', width: 40, height: 80 });
  });

  it('gives the same link all time bucket long, and answers a cached copy with 304', async () => {
    const [ana, ben] = await parley.newUsers(2, 'Cache');
    const chatId = await parley.newDirectChat(ana!, ben!);
    await sendFiles(ana!, chatId, [await uploadFile(ana!, { filename: 'a.png', contentType: 'image/png', bytes: await png() })], 'look');
    const urlOf = async () => (await ben!.must(HISTORY, { c: chatId })).messages.edges[0].node.attachments[0].url as string;
    const [first, second] = [await urlOf(), await urlOf()];
    expect(second).toBe(first);
    const res = await fetch(first);
    const again = await fetch(first, { headers: { 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
  });

  it('serves documents as downloads, and a message with any non-image is a FILE', async () => {
    const [ana, ben] = await parley.newUsers(2, 'Doc');
    const chatId = await parley.newDirectChat(ana!, ben!);
    const ids = [
      await uploadFile(ana!, { filename: 'report', contentType: 'application/pdf', bytes: PDF }),
      await uploadFile(ana!, { filename: 'notes.txt', contentType: 'text/plain', bytes: Buffer.from('Ünïcode notes\nline two\n') }),
      await uploadFile(ana!, { filename: 'pic.png', contentType: 'application/octet-stream', bytes: await png() }),
    ];
    const sent = await sendFiles(ana!, chatId, ids, 'the files');
    expect(sent.messageType).toBe('FILE');
    expect(sent.attachments.map((a: any) => [a.filename, a.contentType, a.thumbnailUrl === null])).toEqual([
      ['report.pdf', 'application/pdf', true],
      ['notes.txt', 'text/plain', true],
      ['pic.png', 'image/png', false],
    ]);
    const pdf = await fetch(sent.attachments[0].url);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.headers.get('content-disposition')).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
    expect(Buffer.from(await pdf.arrayBuffer()).equals(PDF)).toBe(true);
  });

  it('refuses sending files and text without anything: content is required without attachments', async () => {
    const [ana, ben] = await parley.newUsers(2, 'Empty');
    const chatId = await parley.newDirectChat(ana!, ben!);
    const res = await ana!.gql(SEND_WITH_FILES, { i: { chatId, attachmentIds: [] } });
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'content' });
    expect(await messagesIn(chatId)).toBe(0);
  });

  it("refuses someone else's upload, a used one, an unknown one and a repeated one, writing nothing", async () => {
    const [ana, ben, eve] = await parley.newUsers(3, 'Steal');
    const chatId = await parley.newDirectChat(ana!, ben!);
    const evesChat = await parley.newDirectChat(eve!, ben!);
    const anasUpload = await uploadFile(ana!, { filename: 'a.png', contentType: 'image/png', bytes: await png() });
    const evesOwn = await uploadFile(eve!, { filename: 'e.png', contentType: 'image/png', bytes: await png() });
    for (const ids of [[anasUpload], [evesOwn, anasUpload], ['00000000-0000-4000-8000-000000000000'], ['not-an-id'], [evesOwn, evesOwn]]) {
      const res = await eve!.gql(SEND_WITH_FILES, { i: { chatId: evesChat, attachmentIds: ids, content: 'mine now' } });
      expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'attachmentIds' });
    }
    expect(await messagesIn(evesChat)).toBe(0);
    expect(await unattached(anasUpload)).toBe(true);
    expect(await unattached(evesOwn)).toBe(true);

    await sendFiles(ana!, chatId, [anasUpload]);
    const reuse = await ana!.gql(SEND_WITH_FILES, { i: { chatId, attachmentIds: [anasUpload], content: 'again' } });
    expect(errorOf(reuse)).toEqual({ code: 'BAD_USER_INPUT', field: 'attachmentIds' });
    expect(await messagesIn(chatId)).toBe(1);
  });

  it('attaches an upload once when it is sent to two chats at the same time, and a retry returns the first message', async () => {
    const [ana, ben, cleo] = await parley.newUsers(3, 'Race');
    const [one, two] = [await parley.newDirectChat(ana!, ben!), await parley.newDirectChat(ana!, cleo!)];
    const id = await uploadFile(ana!, { filename: 'a.png', contentType: 'image/png', bytes: await png() });
    const results = await Promise.all([one, two].map((chatId) => ana!.gql(SEND_WITH_FILES, { i: { chatId, attachmentIds: [id], clientMessageId: `race-${chatId}` } })));
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => errorOf(r).field === 'attachmentIds')).toHaveLength(1);
    expect((await messagesIn(one)) + (await messagesIn(two))).toBe(1);
    const winner = results.findIndex((r) => !r.errors);
    const chatId = [one, two][winner]!;
    const retry = await ana!.must(SEND_WITH_FILES, { i: { chatId, attachmentIds: [id], clientMessageId: `race-${chatId}` } });
    expect(retry.sendMessage.id).toBe(results[winner]!.data!.sendMessage.id);
  });

  it('delivers attachments with links to subscribers', async () => {
    const [ana, ben] = await parley.newUsers(2, 'Live');
    const chatId = await parley.newDirectChat(ana!, ben!);
    const sub = await ben!.subscribe(`subscription($c: ID) { messageAdded(chatId: $c) { id ${ATTACHMENT_FIELDS} } }`, { c: chatId });
    const sent = await sendFiles(ana!, chatId, [await uploadFile(ana!, { filename: 'live.png', contentType: 'image/png', bytes: await png(30, 20) })]);
    const [event] = await sub.waitFor(1, 20_000);
    expect(event.messageAdded).toMatchObject({ id: sent.id, attachments: [{ filename: 'live.png', width: 30, height: 20 }] });
    expect((await fetch(event.messageAdded.attachments[0].url)).status).toBe(200);
  });

  it('loads the attachments of a page of messages in a constant number of statements', async () => {
    const [ana, ben] = await parley.newUsers(2, 'Count');
    const chatId = await parley.newDirectChat(ana!, ben!);
    const cost = async () => (await statementsOf(parley.srv.server.database, () => ben!.must(HISTORY, { c: chatId }))).statements;
    await sendFiles(ana!, chatId, [await uploadFile(ana!, { filename: 'a.png', contentType: 'image/png', bytes: await png() })]);
    const one = await cost();
    for (let i = 0; i < 3; i++) await sendFiles(ana!, chatId, [await uploadFile(ana!, { filename: `${i}.png`, contentType: 'image/png', bytes: await png() })]);
    expect(await cost()).toBe(one);
  });
});

describe('access to files', () => {
  it('ends for a member who leaves: links already handed out stop working, new ones are not given', async () => {
    const [ana, ben, cleo] = await parley.newUsers(3, 'Leave');
    const chatId = await parley.newGroup(ana!, [ben!, cleo!]);
    const cursor = (await ben!.must(`{ updateCursor }`)).updateCursor;
    await sendFiles(ana!, chatId, [await uploadFile(ana!, { filename: 'a.png', contentType: 'image/png', bytes: await png() })]);
    const link = (await ben!.must(HISTORY, { c: chatId })).messages.edges.at(-1).node.attachments[0].url;
    expect((await fetch(link)).status).toBe(200);
    await ben!.must(`mutation($c: ID!) { leaveChat(chatId: $c) }`, { c: chatId });
    const after = await fetch(link);
    expect(after.status).toBe(404);
    expect(((await after.json()) as any).errors[0].extensions.code).toBe('NOT_FOUND');
    // The entries before leaving still show the message, without links.
    await parley.settled();
    const page = await ben!.must(`query($a: String!) { updates(after: $a) { updates { ... on MessageAddedUpdate { message { ${ATTACHMENT_FIELDS} } } } } }`, { a: cursor });
    const shown = page.updates.updates.flatMap((u: any) => u.message?.attachments ?? []);
    expect(shown).toEqual([expect.objectContaining({ filename: 'a.png', url: null, thumbnailUrl: null })]);
  });

  it('refuses an outsider, a link altered to name them, and a forged signature', async () => {
    const [ana, ben, eve] = await parley.newUsers(3, 'Out');
    const chatId = await parley.newDirectChat(ana!, ben!);
    const sent = await sendFiles(ana!, chatId, [await uploadFile(ana!, { filename: 'a.png', contentType: 'image/png', bytes: await png() })]);
    expect(errorOf(await eve!.gql(HISTORY, { c: chatId })).code).toBe('NOT_FOUND');
    const url = new URL(sent.attachments[0].url);
    expect((await fetch(url)).status).toBe(200);
    url.searchParams.set('user', eve!.id);
    expect((await fetch(url)).status).toBe(403);
    url.searchParams.set('user', ana!.id);
    url.searchParams.set('signature', 'A'.repeat(43));
    expect((await fetch(url)).status).toBe(403);
  });

  it('deletes a deleted message\'s files from storage at once', async () => {
    const [ana, ben] = await parley.newUsers(2, 'Delete');
    const chatId = await parley.newDirectChat(ana!, ben!);
    const id = await uploadFile(ana!, { filename: 'a.png', contentType: 'image/png', bytes: await png() });
    const sent = await sendFiles(ana!, chatId, [id]);
    expect(await storedKeys(storage(), id)).toEqual([`files/${id}`, `files/${id}.thumb`]);
    const tombstone = await ana!.must(`mutation($id: ID!) { deleteMessage(id: $id) { deletedAt ${ATTACHMENT_FIELDS} } }`, { id: sent.id });
    expect(tombstone.deleteMessage.attachments).toEqual([]);
    expect(await storedKeys(storage(), id)).toEqual([]);
    expect(await uploadRow(parley.db, id)).toBeUndefined();
    expect((await fetch(sent.attachments[0].url)).status).toBe(404);
  });

  it('purges uploads never attached and the files of deleted groups, keeping attached ones', () => expectOrphansSwept(parley.srv.config.files));

  it('sweeps on its own at the configured orphan age', () => expectSweepTimer(parley.srv.config.files));
});

describe('refused uploads keep nothing', () => {
  const refusedPut = async (file: { filename: string; contentType: string; bytes: Buffer }) => {
    const [ana] = await parley.newUsers(1, 'Refused');
    const ticket = await createUpload(ana!, file);
    const res = await put(ticket, file.bytes);
    const body = (await res.json()) as any;
    return { status: res.status, error: body.errors?.[0], id: ticket.id, ana: ana! };
  };

  it.each([
    ['a PNG that is really HTML', { filename: 'cat.png', contentType: 'image/png', bytes: HTML }, /HTML, XML and SVG are not accepted/],
    ['HTML passed off as text', { filename: 'notes.txt', contentType: 'text/plain', bytes: HTML }, /HTML, XML and SVG are not accepted/],
    ['an SVG with a script passed off as a PNG', { filename: 'icon.png', contentType: 'image/png', bytes: SVG }, /HTML, XML and SVG are not accepted/],
    ['an SVG with a script passed off as text', { filename: 'icon.txt', contentType: 'text/plain', bytes: SVG }, /HTML, XML and SVG are not accepted/],
    ['an unknown type', { filename: 'x.bin', contentType: 'application/octet-stream', bytes: Buffer.from([0, 1, 2, 3, 0, 255, 7, 9]) }, /not accepted/],
    ['a PDF claiming to be a JPEG', { filename: 'x.jpg', contentType: 'image/jpeg', bytes: PDF }, /not a JPG file: its bytes are a PDF file/],
    ['a decompression bomb', { filename: 'bomb.png', contentType: 'image/png', bytes: pngBomb() }, /too large: at most 50000000 pixels/],
    ['a truncated image', { filename: 'cut.png', contentType: 'image/png', bytes: Buffer.from('89504e470d0a1a0a0000000d49484452000000100000001008020000', 'hex') }, /could not be (read|decoded)/],
  ])('refuses %s', async (_what, file, reason) => {
    const { status, error, id, ana } = await refusedPut(file);
    expect(status).toBe(400);
    expect(error.message).toMatch(reason);
    expect(error.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'file' });
    expect(await uploadRow(parley.db, id)).toBeUndefined();
    expect(await storedKeys(storage(), id)).toEqual([]);
    const chatId = await parley.newDirectChat(ana, (await parley.newUsers(1))[0]!);
    expect(errorOf(await ana.gql(SEND_WITH_FILES, { i: { chatId, attachmentIds: [id] } }))).toEqual({ code: 'BAD_USER_INPUT', field: 'attachmentIds' });
  });

  it('refuses SVG, HTML and other types at createUpload, and sizes over the limit', async () => {
    const [ana] = await parley.newUsers(1, 'Declared');
    for (const [input, field] of [
      [{ filename: 'a.svg', contentType: 'image/svg+xml', size: 10 }, 'contentType'],
      [{ filename: 'a.html', contentType: 'text/html', size: 10 }, 'contentType'],
      [{ filename: 'a.exe', contentType: 'application/x-msdownload', size: 10 }, 'contentType'],
      [{ filename: 'big.zip', contentType: 'application/zip', size: parley.srv.config.files.maxBytes + 1 }, 'size'],
      [{ filename: 'empty.txt', contentType: 'text/plain', size: 0 }, 'size'],
      [{ filename: '  ', contentType: 'text/plain', size: 3 }, 'filename'],
    ] as const) {
      expect(errorOf(await ana!.gql(`mutation($i: CreateUploadInput!) { createUpload(input: $i) { id } }`, { i: input }))).toEqual({ code: 'BAD_USER_INPUT', field });
    }
    const [row] = await parley.db.db.select({ n: sql<number>`count(*)::int` }).from(uploads).where(eq(uploads.ownerId, Number(ana!.id)));
    expect(row!.n).toBe(0);
  });

  it('refuses a PUT larger than declared, by its length or while it streams, and keeps nothing', async () => {
    const [ana] = await parley.newUsers(1, 'Oversize');
    const bytes = await png();
    const declared = await createUpload(ana!, { filename: 'a.png', contentType: 'image/png', size: bytes.length - 10 });
    const byLength = await put(declared, bytes);
    expect(byLength.status).toBe(413);
    expect(((await byLength.json()) as any).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'file' });
    expect(await uploadRow(parley.db, declared.id)).toBeUndefined();

    const streamed = await createUpload(ana!, { filename: 'b.png', contentType: 'image/png', size: 1000 });
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        // No Content-Length: 4000 bytes in chunks, more than the 1000 declared.
        for (let i = 0; i < 4; i++) controller.enqueue(new Uint8Array(1000).fill(7));
        controller.close();
      },
    });
    const res = await put(streamed, body);
    expect(res.status).toBe(413);
    expect(await uploadRow(parley.db, streamed.id)).toBeUndefined();
    expect(await storedKeys(storage(), streamed.id)).toEqual([]);
  });

  it('refuses a second PUT, and bytes shorter than declared', async () => {
    const [ana] = await parley.newUsers(1, 'Twice');
    const bytes = await png();
    const ticket = await createUpload(ana!, { filename: 'a.png', contentType: 'image/png', bytes });
    expect((await put(ticket, bytes)).status).toBe(200);
    const again = await put(ticket, HTML);
    expect(again.status).toBe(409);
    expect((await uploadRow(parley.db, ticket.id))?.contentType).toBe('image/png');

    const short = await createUpload(ana!, { filename: 'b.png', contentType: 'image/png', size: bytes.length + 5 });
    expect((await put(short, bytes)).status).toBe(400);
    expect(await uploadRow(parley.db, short.id)).toBeUndefined();
  });
});

describe('links and uploads expire', () => {
  it('refuses an expired upload URL and an expired download link', async () => {
    const quick = await parley.newInstance({ files: { ...parley.srv.config.files, uploadUrlTtl: 1, linkTtl: 1 } });
    // Only what must expire comes from the quick instance: a second is not a deadline a busy
    // machine keeps between an upload's ticket and its PUT, or a link and its fetch.
    const users = await parley.newUsers(2, 'Expiry');
    const [ana, ben] = users.map((u) => u.on(quick));
    const chatId = await parley.newDirectChat(ana!, ben!);
    const bytes = await png();
    const late = await createUpload(ana!, { filename: 'late.png', contentType: 'image/png', bytes });
    const id = await uploadFile(users[0]!, { filename: 'a.png', contentType: 'image/png', bytes });
    const sent = await sendFiles(ana!, chatId, [id]);
    const expires = Number(new URL(sent.attachments[0].url).searchParams.get('expires')) * 1000;
    await until(() => Date.now() > Math.max(expires, Date.parse(late.expiresAt)), 10_000, 'the links to expire');
    const res = await put(late, bytes);
    expect(res.status).toBe(403);
    expect(await storedKeys(storage(), late.id)).toEqual([]);
    const download = await fetch(sent.attachments[0].url);
    expect(download.status).toBe(403);
    expect(((await download.json()) as any).errors[0].message).toMatch(/expired/);
    // A fresh link works.
    const fresh = (await users[1]!.must(HISTORY, { c: chatId })).messages.edges[0].node.attachments[0].url;
    expect((await fetch(fresh)).status).toBe(200);
  });

  it('limits uploads per user', async () => {
    const limited = await parley.newInstance({ rateLimits: { ...parley.srv.config.rateLimits, upload: [{ points: 2, seconds: 3600 }] } });
    const [ana] = (await parley.newUsers(1, 'Limit')).map((u) => u.on(limited));
    const create = () => ana!.gql(`mutation { createUpload(input: { filename: "a.txt", contentType: "text/plain", size: 5 }) { id } }`);
    expect((await create()).errors).toBeUndefined();
    expect((await create()).errors).toBeUndefined();
    const third = await create();
    expect(errorOf(third).code).toBe('RATE_LIMITED');
    const rows = await parley.db.db.select().from(uploads).where(and(eq(uploads.ownerId, Number(ana!.id)), isNull(uploads.messageId)));
    expect(rows).toHaveLength(2);
  });
});
