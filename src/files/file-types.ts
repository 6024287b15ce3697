import { fileTypeFromBuffer } from 'file-type';

/** A type Parley accepts; images are decoded, re-encoded without metadata and thumbnailed. */
export interface FileKind {
  mime: string;
  /** The first is added to a file name that has none of them. */
  extensions: string[];
  image: boolean;
  /** Recognised by being text rather than by a signature. */
  text?: boolean;
}

const kind = (mime: string, extensions: string[], extra: Partial<FileKind> = {}): FileKind => ({ mime, extensions, image: false, ...extra });
const OOXML = 'application/vnd.openxmlformats-officedocument';
const ODF = 'application/vnd.oasis.opendocument';

/**
 * The allow-list. Everything else is refused, whatever it is called: in particular HTML, XML
 * and SVG (a browser runs their scripts), executables and archives other than zip.
 */
export const FILE_KINDS: readonly FileKind[] = [
  kind('image/jpeg', ['jpg', 'jpeg'], { image: true }),
  kind('image/png', ['png'], { image: true }),
  kind('image/gif', ['gif'], { image: true }),
  kind('image/webp', ['webp'], { image: true }),
  kind('application/pdf', ['pdf']),
  kind('application/zip', ['zip']),
  kind(`${OOXML}.wordprocessingml.document`, ['docx']),
  kind(`${OOXML}.spreadsheetml.sheet`, ['xlsx']),
  kind(`${OOXML}.presentationml.presentation`, ['pptx']),
  kind(`${ODF}.text`, ['odt']),
  kind(`${ODF}.spreadsheet`, ['ods']),
  kind(`${ODF}.presentation`, ['odp']),
  kind('application/rtf', ['rtf']),
  kind('audio/mpeg', ['mp3']),
  kind('audio/mp4', ['m4a', 'mp4']),
  kind('audio/x-m4a', ['m4a']),
  kind('audio/aac', ['aac']),
  kind('audio/ogg', ['ogg', 'oga', 'opus']),
  kind('audio/wav', ['wav']),
  kind('audio/flac', ['flac']),
  kind('video/mp4', ['mp4', 'm4v']),
  kind('video/webm', ['webm']),
  kind('video/quicktime', ['mov']),
  kind('text/plain', ['txt', 'log'], { text: true }),
  kind('text/csv', ['csv'], { text: true }),
  kind('text/markdown', ['md', 'markdown'], { text: true }),
];

const BY_MIME = new Map(FILE_KINDS.map((k) => [k.mime, k]));
/** What a client may declare when it does not know the type: the bytes decide. */
export const UNKNOWN_TYPE = 'application/octet-stream';

/** Other names clients (and operating systems) give the same types. */
const ALIASES: Record<string, string> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'application/x-zip-compressed': 'application/zip',
  'text/rtf': 'application/rtf',
  'audio/mp3': 'audio/mpeg',
  'audio/x-wav': 'audio/wav',
  'audio/wave': 'audio/wav',
  'audio/vnd.wave': 'audio/wav',
  'audio/x-flac': 'audio/flac',
  'audio/m4a': 'audio/x-m4a',
  'audio/opus': 'audio/ogg',
  'text/x-markdown': 'text/markdown',
};

/** A declared or detected type, lower-cased, without parameters, aliases resolved. */
export function normalizeType(type: string): string {
  const bare = type.split(';')[0]!.trim().toLowerCase();
  return ALIASES[bare] ?? bare;
}

export function isAcceptedDeclaration(type: string): boolean {
  const t = normalizeType(type);
  return t === UNKNOWN_TYPE || BY_MIME.has(t);
}

export class UnacceptableFile extends Error {}

/**
 * The file's type, from its bytes alone: a known signature, or else text (UTF-8 without control
 * characters) that no browser would take for a page. A declared type must name the same type
 * (or be application/octet-stream); a file that claims to be something else is refused.
 */
export async function detectKind(bytes: Buffer, declaredType: string): Promise<FileKind> {
  const declared = normalizeType(declaredType);
  const found = await fileTypeFromBuffer(bytes);
  const what = describe(declared);
  if (found) {
    const detected = BY_MIME.get(normalizeType(found.mime));
    if (!detected) throw new UnacceptableFile(`${found.ext.toUpperCase()} files are not accepted`);
    if (declared !== UNKNOWN_TYPE && !sameKind(declared, detected)) throw new UnacceptableFile(`The file is not ${what}: its bytes are ${describe(detected.mime)}`);
    return detected;
  }
  if (!isPlainText(bytes)) throw new UnacceptableFile(declared === UNKNOWN_TYPE ? 'The file is of a type that is not accepted' : `The file is not ${what}`);
  if (looksLikeMarkup(bytes)) throw new UnacceptableFile('HTML, XML and SVG are not accepted, as files or as text');
  const declaredKind = BY_MIME.get(declared);
  if (declaredKind?.text) return declaredKind;
  if (declared !== UNKNOWN_TYPE) throw new UnacceptableFile(`The file is not ${what}: its bytes are text`);
  return BY_MIME.get('text/plain')!;
}

/** file-type names an MP4 container by its first track: audio and video MP4 are one family here. */
const MP4 = new Set(['audio/mp4', 'audio/x-m4a', 'video/mp4']);

function sameKind(declared: string, detected: FileKind): boolean {
  if (declared === detected.mime) return true;
  return MP4.has(declared) && MP4.has(detected.mime);
}

function describe(mime: string): string {
  const k = BY_MIME.get(mime);
  if (!k) return `of type ${mime}`;
  if (k.text) return 'text';
  return `a${/^[aeiou]/i.test(k.extensions[0]!) ? 'n' : ''} ${k.extensions[0]!.toUpperCase()} file`;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Valid UTF-8 without NUL and other control characters (tab, line breaks and form feed aside). */
function isPlainText(bytes: Buffer): boolean {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return false;
  }
  return !/[\u0000-\u0008\u000b\u000e-\u001f\u007f]/.test(text);
}

/**
 * What browsers sniff as HTML or XML (the WHATWG MIME Sniffing patterns), anywhere at the start
 * of a line: served as text with `nosniff` it would be harmless, but it is not text a chat needs.
 */
function looksLikeMarkup(bytes: Buffer): boolean {
  const head = bytes.subarray(0, 4096).toString('utf8');
  return /(^|\n)\s*<(!doctype\s+html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|br|p|!--|\?xml|svg)[\s>/]/i.test(head);
}

/** A name safe to show and to put in a download: no path, no control characters, the type's extension. */
export function safeFilename(name: string, kind?: FileKind): string {
  let base = name.normalize('NFC').replace(/[\u0000-\u001f\u007f"\\/]/g, '_').replace(/^[\s.]+/, '').trim();
  if (!base) base = 'file';
  if (kind) {
    const ext = base.includes('.') ? base.slice(base.lastIndexOf('.') + 1).toLowerCase() : '';
    if (!kind.extensions.includes(ext)) base = `${base}.${kind.extensions[0]}`;
  }
  return truncate(base, 255);
}

/** Cuts at a character boundary, keeping the extension. */
function truncate(name: string, max: number): string {
  const chars = [...name];
  if (chars.length <= max) return name;
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 && name.length - dot <= 12 ? name.slice(dot) : '';
  return chars.slice(0, max - [...ext].length).join('') + ext;
}
