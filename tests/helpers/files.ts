import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { eq, inArray } from 'drizzle-orm';
import sharp from 'sharp';
import { expect } from 'vitest';
import type { FilesConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { uploads } from '../../src/db/schema.js';
import { keys, type FileStorage } from '../../src/files/storage.js';
import { gql, registerUser } from './graphql.js';
import { isolatedServer } from './isolated.js';
import type { Actor } from './scenario.js';
import { until } from './ws.js';

export const CREATE_UPLOAD = `mutation($i: CreateUploadInput!) { createUpload(input: $i) { id uploadUrl headers { name value } expiresAt } }`;
export const ATTACHMENT_FIELDS = 'attachments { id filename contentType size url width height thumbnailUrl }';
export const SEND_WITH_FILES = `mutation($i: SendMessageInput!) { sendMessage(input: $i) { id content messageType ${ATTACHMENT_FIELDS} } }`;

export interface Ticket {
  id: string;
  uploadUrl: string;
  headers: { name: string; value: string }[];
  expiresAt: string;
}

export interface FileSpec {
  filename: string;
  contentType: string;
  bytes: Buffer;
  /** Declared size when it should differ from the bytes sent. */
  size?: number;
}

export async function createUpload(actor: Pick<Actor, 'must'>, file: Omit<FileSpec, 'bytes'> & { bytes?: Buffer }): Promise<Ticket> {
  const data = await actor.must(CREATE_UPLOAD, { i: { filename: file.filename, contentType: file.contentType, size: file.size ?? file.bytes!.length } });
  return data.createUpload;
}

/** PUTs bytes as a client does: to the URL with the headers it was given. */
export function put(ticket: Ticket, body: Buffer | ReadableStream<Uint8Array>): Promise<Response> {
  const headers = Object.fromEntries(ticket.headers.map((h) => [h.name, h.value]));
  return fetch(ticket.uploadUrl, { method: 'PUT', headers, body, duplex: 'half' } as RequestInit);
}

/** createUpload, then PUT: the upload's id, once the server accepted the bytes. */
export async function uploadFile(actor: Pick<Actor, 'must'>, file: FileSpec): Promise<string> {
  const ticket = await createUpload(actor, file);
  const res = await put(ticket, file.bytes);
  if (!res.ok) throw new Error(`PUT ${file.filename} failed: ${res.status} ${await res.text()}`);
  return ticket.id;
}

export async function sendFiles(actor: Pick<Actor, 'must'>, chatId: string, attachmentIds: string[], content?: string) {
  return (await actor.must(SEND_WITH_FILES, { i: { chatId, attachmentIds, content } })).sendMessage;
}

export const png = (width = 64, height = 48, colour = { r: 200, g: 30, b: 90 }) =>
  sharp({ create: { width, height, channels: 3, background: colour } }).png().toBuffer();

/** A JPEG as phones write them: camera details, a location, and rotated by its EXIF orientation. */
export const jpegWithLocation = (width = 80, height = 40) =>
  sharp({ create: { width, height, channels: 3, background: { r: 10, g: 120, b: 200 } } })
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExifMerge({
      IFD0: { Make: 'PhoneMaker', Model: 'Phone 12', ImageDescription: 'at home' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 2400/100', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 0/1' },
    })
    .toBuffer();

/** A valid PNG of 20,000 × 20,000 one-bit pixels in a few tens of kilobytes: a decompression bomb. */
export function pngBomb(side = 20_000): Buffer {
  const row = Buffer.alloc(1 + Math.ceil(side / 8));
  const raw = Buffer.alloc(row.length * side);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // greyscale
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

export const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
export const HTML = Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n');
export const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>\n');

/** Every key an upload may have in a storage, and whether each exists. */
export async function storedKeys(storage: FileStorage, id: string): Promise<string[]> {
  const present = await Promise.all(keys.all(id).map(async (k) => ((await storage.size(k)) === null ? null : k)));
  return present.filter((k): k is string => k !== null);
}

export async function uploadRow(db: Database, id: string) {
  const [row] = await db.db.select().from(uploads).where(eq(uploads.id, id));
  return row;
}

/** A local storage directory of its own, for servers whose files a test inspects. */
export const scratchDataDir = () => fs.mkdtemp(path.join(os.tmpdir(), 'parley-files-'));

/** A signed-in user of a server, enough for the helpers above. */
async function userOn(url: string) {
  const user = await registerUser(url);
  const must = async (query: string, variables?: Record<string, unknown>) => {
    const res = await gql(url, query, variables, user.token);
    if (res.errors) throw new Error(`${query.slice(0, 60)}… failed: ${JSON.stringify(res.errors)}`);
    return res.data as any;
  };
  return { id: user.id, must };
}

/**
 * What the sweep purges, on a server with a database of its own (no other server's sweep takes
 * these rows meanwhile): an upload whose bytes arrived and one whose bytes never did, both past
 * the orphan age and their upload URL's life (their rows are aged here), and the files of a
 * group deleted by its last member leaving — row and bytes. A file sent with a message stays.
 */
export async function expectOrphansSwept(files: FilesConfig) {
  const isolated = await isolatedServer({ files });
  try {
    const { srv, db } = isolated;
    const [ana, ben] = [await userOn(srv.url), await userOn(srv.url)];
    const chatId = (await ana.must(`mutation($u: ID!) { createDirectChat(userId: $u) { id } }`, { u: ben.id })).createDirectChat.id;
    const groupId = (await ana.must(`mutation($p: [ID!]!) { createGroupChat(name: "Gone", participantIds: $p) { id } }`, { p: [ben.id] })).createGroupChat.id;
    const bytes = await png();
    const arrived = await createUpload(ana, { filename: 'left.png', contentType: 'image/png', bytes });
    expect((await put(arrived, bytes)).status).toBe(200);
    const never = await createUpload(ana, { filename: 'never.png', contentType: 'image/png', bytes });
    const kept = await uploadFile(ana, { filename: 'kept.png', contentType: 'image/png', bytes });
    await sendFiles(ana, chatId, [kept]);
    const inGroup = await uploadFile(ana, { filename: 'group.png', contentType: 'image/png', bytes });
    await sendFiles(ana, groupId, [inGroup]);
    for (const who of [ben, ana]) await who.must(`mutation($c: ID!) { leaveChat(chatId: $c) }`, { c: groupId });
    expect(await uploadRow(db, inGroup)).toMatchObject({ messageId: null, attachedAt: expect.any(Date) });

    const storage = srv.server.files.storage;
    for (const id of [arrived.id, kept, inGroup]) expect(await storedKeys(storage, id)).not.toEqual([]);
    const past = new Date(Date.now() - (files.orphanTtl + 60) * 1000);
    await db.db.update(uploads).set({ createdAt: past, expiresAt: past }).where(inArray(uploads.id, [arrived.id, never.id, kept]));
    expect(await srv.server.files.cleanup.sweep()).toBe(3);
    for (const id of [arrived.id, never.id, inGroup]) {
      expect(await uploadRow(db, id)).toBeUndefined();
      expect(await storedKeys(storage, id)).toEqual([]);
    }
    expect(await uploadRow(db, kept)).toMatchObject({ status: 'READY' });
    expect(await storedKeys(storage, kept)).toEqual([keys.file(kept), keys.thumbnail(kept)]);
  } finally {
    await isolated.stop();
  }
}

/** With UPLOAD_ORPHAN_TTL (and the upload URL's life) set to a second, the server's own timer purges an upload left alone. */
export async function expectSweepTimer(files: FilesConfig) {
  const isolated = await isolatedServer({ files: { ...files, orphanTtl: 1, uploadUrlTtl: 1 } });
  try {
    const ana = await userOn(isolated.srv.url);
    const ticket = await createUpload(ana, { filename: 'a.png', contentType: 'image/png', size: 100 });
    expect(await uploadRow(isolated.db, ticket.id)).toMatchObject({ status: 'PENDING' });
    await until(async () => (await uploadRow(isolated.db, ticket.id)) === undefined, 20_000, 'the sweep');
  } finally {
    await isolated.stop();
  }
}
