import { eq, sql } from 'drizzle-orm';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { messages } from '../src/db/schema.js';
import { keys } from '../src/files/storage.js';
import { errorOf } from './helpers/graphql.js';
import { createUpload, expectOrphansSwept, expectSweepTimer, HTML, PDF, png, put, SEND_WITH_FILES, sendFiles, storedKeys, uploadRow } from './helpers/files.js';
import { startS3 } from './helpers/s3.js';
import { useParley } from './helpers/scenario.js';
import { testConfig } from './helpers/server.js';
import { until } from './helpers/ws.js';

// The same scenarios as files.test.ts where they differ with a bucket: bytes go straight to it
// (presigned PUT), are checked when sent with a message, and members are redirected to it.
const s3 = await startS3();
afterAll(() => s3.stop());
const files = { ...testConfig().files, storage: 's3' as const, s3: s3.config };
const parley = useParley({ files });
const storage = () => parley.srv.server.files.storage;
const LATEST_LINK = `query($c: ID!) { messages(chatId: $c, last: 1) { edges { node { attachments { url } } } } }`;
const messagesIn = async (chatId: string) =>
  (await parley.db.db.select({ n: sql<number>`count(*)::int` }).from(messages).where(eq(messages.chatId, Number(chatId))))[0]!.n;

async function putToBucket(actor: Parameters<typeof createUpload>[0], file: { filename: string; contentType: string; bytes: Buffer; size?: number }) {
  const ticket = await createUpload(actor, file);
  expect(ticket.uploadUrl.startsWith(`${s3.config.endpoint}/${s3.config.bucket}/${keys.staging(ticket.id)}?`)).toBe(true);
  expect(new URL(ticket.uploadUrl).searchParams.get('X-Amz-SignedHeaders')).toBe('content-length;content-type;host');
  const res = await put(ticket, file.bytes);
  expect(res.status).toBe(200);
  return ticket.id;
}

describe('files in an S3 bucket', () => {
  it('takes a photo through a presigned PUT, checks it when sent, and redirects members to a stable bucket URL', async () => {
    const [ana, ben] = await parley.newUsers(2, 'S3');
    const chatId = await parley.newDirectChat(ana!, ben!);
    const id = await putToBucket(ana!, { filename: 'photo.png', contentType: 'image/png', bytes: await png(50, 30) });
    expect(await uploadRow(parley.db, id)).toMatchObject({ status: 'PENDING' });
    expect(await storedKeys(storage(), id)).toEqual([keys.staging(id)]);

    const sent = await sendFiles(ana!, chatId, [id], 'from the bucket');
    expect(sent).toMatchObject({ messageType: 'IMAGE', attachments: [{ id, filename: 'photo.png', contentType: 'image/png', width: 50, height: 30 }] });
    expect(await storedKeys(storage(), id)).toEqual([keys.file(id), keys.thumbnail(id)]);

    const link = sent.attachments[0].url;
    const first = await fetch(link, { redirect: 'manual' });
    expect(first.status).toBe(302);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const location = first.headers.get('location')!;
    expect(location.startsWith(`${s3.config.endpoint}/${s3.config.bucket}/${keys.file(id)}?`)).toBe(true);
    // Another visit in the same time bucket leads to the very same URL: the browser's copy is used.
    expect((await fetch(link, { redirect: 'manual' })).headers.get('location')).toBe(location);

    const bytes = await fetch(location);
    expect(bytes.status).toBe(200);
    expect(bytes.headers.get('content-type')).toBe('image/png');
    expect(bytes.headers.get('content-disposition')).toMatch(/^inline; filename="photo.png"/);
    expect(bytes.headers.get('cache-control')).toMatch(/^private, max-age=\d+, immutable$/);
    expect(await sharp(Buffer.from(await bytes.arrayBuffer())).metadata()).toMatchObject({ format: 'png', width: 50, height: 30 });
    const thumb = await fetch(sent.attachments[0].thumbnailUrl);
    expect(thumb.headers.get('content-type')).toBe('image/webp');
  });

  it('serves a document from the bucket as a download', async () => {
    const [ana, ben] = await parley.newUsers(2, 'S3Doc');
    const chatId = await parley.newDirectChat(ana!, ben!);
    const id = await putToBucket(ana!, { filename: 'report.pdf', contentType: 'application/pdf', bytes: PDF });
    const sent = await sendFiles(ana!, chatId, [id]);
    expect(sent).toMatchObject({ messageType: 'FILE', content: '', attachments: [{ contentType: 'application/pdf', size: PDF.length, width: null, thumbnailUrl: null }] });
    const res = await fetch(sent.attachments[0].url);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="report.pdf"/);
    expect(Buffer.from(await res.arrayBuffer()).equals(PDF)).toBe(true);
  });

  it('serves the bytes it checked when the presigned PUT overwrites them during the check', async () => {
    const [ana, ben] = await parley.newUsers(2, 'S3Swap');
    const chatId = await parley.newDirectChat(ana!, ben!);
    const ticket = await createUpload(ana!, { filename: 'report.pdf', contentType: 'application/pdf', bytes: PDF });
    expect((await put(ticket, PDF)).status).toBe(200);
    // The PUT URL is still valid: right after Parley has read the bytes, the owner replaces them
    // with something of the same length and declared type that would never pass the check.
    const swapped = Buffer.concat([HTML, Buffer.alloc(PDF.length - HTML.length, 0x20)]);
    const store = storage();
    const read = store.read.bind(store);
    let replaced = false;
    store.read = async (key) => {
      const bytes = await read(key);
      if (key === keys.staging(ticket.id)) replaced = (await put(ticket, swapped)).status === 200;
      return bytes;
    };
    const sent = await sendFiles(ana!, chatId, [ticket.id]).finally(() => (store.read = read));
    expect(replaced).toBe(true);
    const served = Buffer.from(await (await fetch(sent.attachments[0].url)).arrayBuffer());
    expect(served.equals(PDF)).toBe(true);
    expect(await storedKeys(storage(), ticket.id)).toEqual([keys.file(ticket.id)]);
  });

  it('refuses at sending what lies about its type or its size, keeping nothing in the bucket', async () => {
    const [ana, ben] = await parley.newUsers(2, 'S3Lie');
    const chatId = await parley.newDirectChat(ana!, ben!);
    const html = await putToBucket(ana!, { filename: 'cat.png', contentType: 'image/png', bytes: HTML });
    // A real bucket refuses a body longer than the signed length; this one takes it, Parley does not.
    const oversized = await putToBucket(ana!, { filename: 'big.png', contentType: 'image/png', bytes: await png(), size: 50 });
    for (const [id, reason] of [
      [html, /HTML, XML and SVG are not accepted/],
      [oversized, /bytes were uploaded, 50 declared/],
    ] as const) {
      const res = await ana!.gql(SEND_WITH_FILES, { i: { chatId, attachmentIds: [id], content: 'look' } });
      expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'attachmentIds' });
      expect(res.errors![0]!.message).toMatch(reason);
      expect(await uploadRow(parley.db, id)).toBeUndefined();
      expect(await storedKeys(storage(), id)).toEqual([]);
    }
    expect(await messagesIn(chatId)).toBe(0);
  });

  it("refuses someone else's upload in the bucket without touching it", async () => {
    const [ana, eve, ben] = await parley.newUsers(3, 'S3Steal');
    const evesChat = await parley.newDirectChat(eve!, ben!);
    const anas = await putToBucket(ana!, { filename: 'a.png', contentType: 'image/png', bytes: await png() });
    const res = await eve!.gql(SEND_WITH_FILES, { i: { chatId: evesChat, attachmentIds: [anas], content: 'mine now' } });
    expect(errorOf(res)).toEqual({ code: 'BAD_USER_INPUT', field: 'attachmentIds' });
    expect(await messagesIn(evesChat)).toBe(0);
    expect(await uploadRow(parley.db, anas)).toMatchObject({ status: 'PENDING', ownerId: Number(ana!.id) });
    expect(await storedKeys(storage(), anas)).toEqual([keys.staging(anas)]);
  });

  it('asks for the bytes when they have not been sent yet, then takes them', async () => {
    const [ana, ben] = await parley.newUsers(2, 'S3Wait');
    const chatId = await parley.newDirectChat(ana!, ben!);
    const bytes = await png();
    const ticket = await createUpload(ana!, { filename: 'later.png', contentType: 'image/png', bytes });
    const early = await ana!.gql(SEND_WITH_FILES, { i: { chatId, attachmentIds: [ticket.id] } });
    expect(errorOf(early)).toEqual({ code: 'BAD_USER_INPUT', field: 'attachmentIds' });
    expect(early.errors![0]!.message).toMatch(/not been uploaded yet/);
    expect(await messagesIn(chatId)).toBe(0);
    expect((await put(ticket, bytes)).status).toBe(200);
    expect((await sendFiles(ana!, chatId, [ticket.id])).messageType).toBe('IMAGE');
  });

  it('refuses non-members and altered links, and stops redirecting a member who left', async () => {
    const [ana, ben, eve] = await parley.newUsers(3, 'S3Access');
    const chatId = await parley.newGroup(ana!, [ben!]);
    const sent = await sendFiles(ana!, chatId, [await putToBucket(ana!, { filename: 'a.png', contentType: 'image/png', bytes: await png() })]);
    const theirs = (await ben!.must(`query($c: ID!) { messages(chatId: $c, last: 1) { edges { node { attachments { url } } } } }`, { c: chatId })).messages.edges[0].node.attachments[0].url;
    expect((await fetch(theirs, { redirect: 'manual' })).status).toBe(302);
    const altered = new URL(theirs);
    altered.searchParams.set('user', eve!.id);
    expect((await fetch(altered, { redirect: 'manual' })).status).toBe(403);
    expect(errorOf(await eve!.gql(SEND_WITH_FILES, { i: { chatId, attachmentIds: [sent.attachments[0].id], content: 'x' } })).code).toBe('NOT_FOUND');
    await ben!.must(`mutation($c: ID!) { leaveChat(chatId: $c) }`, { c: chatId });
    const after = await fetch(theirs, { redirect: 'manual' });
    expect(after.status).toBe(404);
    expect(after.headers.get('location')).toBeNull();
  });

  it('lets links expire, Parley\'s and the bucket\'s alike', async () => {
    const quick = await parley.newInstance({ files: { ...files, linkTtl: 1 } });
    const [ana, ben] = (await parley.newUsers(2, 'S3Expiry')).map((u) => u.on(quick));
    const chatId = await parley.newDirectChat(ana!, ben!);
    const sent = await sendFiles(ana!, chatId, [await putToBucket(ana!, { filename: 'a.png', contentType: 'image/png', bytes: await png() })]);
    // Links live a second here: on a busy machine one can expire before it is followed, so the
    // chat is asked for fresh ones until one is followed in time.
    let link: string = sent.attachments[0].url;
    let location: string | null = null;
    await until(
      async () => {
        location = (await fetch(link, { redirect: 'manual' })).headers.get('location');
        if (!location) link = (await ana!.must(LATEST_LINK, { c: chatId })).messages.edges[0].node.attachments[0].url;
        return location !== null;
      },
      20_000,
      'a link followed before it expires',
    );
    const expires = Number(new URL(link).searchParams.get('expires')) * 1000;
    await until(() => Date.now() > expires + 1000, 10_000, 'the links to expire');
    expect((await fetch(link, { redirect: 'manual' })).status).toBe(403);
    expect((await fetch(location!)).status).toBe(403);
  });

  it('deletes a deleted message\'s files from the bucket', async () => {
    const [ana, ben] = await parley.newUsers(2, 'S3Delete');
    const chatId = await parley.newDirectChat(ana!, ben!);
    const id = await putToBucket(ana!, { filename: 'a.png', contentType: 'image/png', bytes: await png() });
    const sent = await sendFiles(ana!, chatId, [id]);
    const location = (await fetch(sent.attachments[0].url, { redirect: 'manual' })).headers.get('location')!;
    expect(await storedKeys(storage(), id)).toHaveLength(2);
    await ana!.must(`mutation($id: ID!) { deleteMessage(id: $id) { id } }`, { id: sent.id });
    expect(await storedKeys(storage(), id)).toEqual([]);
    expect((await fetch(location)).status).toBe(404);
  });

  it('purges uploads never attached and the files of deleted groups, keeping attached ones', () => expectOrphansSwept(files));

  it('sweeps on its own at the configured orphan age', () => expectSweepTimer(files));
});
