import sharp, { type FormatEnum, type Metadata } from 'sharp';
import { UnacceptableFile } from './file-types.js';

export interface ImageLimits {
  /** width × height × frames, checked from the header before anything is decoded. */
  maxPixels: number;
  timeoutSeconds: number;
}

export interface CheckedImage {
  /** Re-encoded: no EXIF (location, camera), no XMP or comments; only the colour profile is kept. */
  file: Buffer;
  width: number;
  height: number;
  thumbnail: Buffer;
}

export const THUMBNAIL = { size: 320, contentType: 'image/webp' } as const;

const FORMATS: Record<string, keyof FormatEnum> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
};
const ANIMATED = new Set(['image/gif', 'image/webp']);

// libvips keeps a cache of recent operations for speed; uploads are each seen once.
sharp.cache(false);

/**
 * Decodes an image under limits, then writes it again in its own format without its metadata,
 * turned upright (EXIF orientation applied), and makes a thumbnail. A file that does not
 * decode as the type its signature claims, is too large in pixels, or takes too long, is
 * refused: decompression bombs fail at the header, before any pixel is decoded.
 */
export async function checkImage(bytes: Buffer, mime: string, limits: ImageLimits): Promise<CheckedImage> {
  const format = FORMATS[mime];
  if (!format) throw new Error(`Not an image type: ${mime}`);
  const animated = ANIMATED.has(mime);
  const open = (all: boolean) => sharp(bytes, { animated: all, limitInputPixels: limits.maxPixels, failOn: 'error' }).timeout({ seconds: limits.timeoutSeconds });
  let meta: Metadata;
  try {
    meta = await open(animated).metadata();
  } catch (err) {
    throw refusal(err, limits, 'The image could not be read');
  }
  if (meta.format !== format) throw new UnacceptableFile('The image is not of the type its signature claims');
  const frames = meta.pages ?? 1;
  const pageHeight = meta.pageHeight ?? meta.height;
  if (!meta.width || !pageHeight || meta.width * pageHeight * frames > limits.maxPixels) {
    throw tooLarge(limits);
  }
  try {
    const [file, thumbnail] = await Promise.all([
      open(animated).autoOrient().keepIccProfile().toFormat(format, format === 'jpeg' ? { quality: 90 } : format === 'webp' ? { quality: 90 } : {}).toBuffer({ resolveWithObject: true }),
      open(false)
        .autoOrient()
        .resize(THUMBNAIL.size, THUMBNAIL.size, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 75 })
        .toBuffer(),
    ]);
    return { file: file.data, width: file.info.width, height: file.info.pageHeight ?? file.info.height, thumbnail };
  } catch (err) {
    throw refusal(err, limits, 'The image could not be decoded');
  }
}

/** libvips' errors, as a reason for the person who sent the file. */
function refusal(err: unknown, limits: ImageLimits, otherwise: string): UnacceptableFile {
  const message = err instanceof Error ? err.message : '';
  if (/timeout/i.test(message)) return new UnacceptableFile('The image took too long to process');
  if (/pixel limit/i.test(message)) return tooLarge(limits);
  return new UnacceptableFile(otherwise);
}

const tooLarge = (limits: ImageLimits) => new UnacceptableFile(`The image is too large: at most ${limits.maxPixels} pixels`);
