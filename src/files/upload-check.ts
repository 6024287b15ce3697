import { detectKind, safeFilename, type FileKind } from './file-types.js';
import { checkImage, type CheckedImage, type ImageLimits } from './images.js';

export interface CheckedFile {
  kind: FileKind;
  filename: string;
  /** Images only: the re-encoded file and its thumbnail. */
  image: CheckedImage | null;
}

/**
 * Everything Parley checks about an upload's bytes, in one place: the type they really are
 * (allow-listed, agreeing with the declared one), and for images a decode under limits.
 * Throws UnacceptableFile with a reason a person can act on.
 */
export async function checkFile(bytes: Buffer, declared: { type: string; filename: string }, limits: ImageLimits): Promise<CheckedFile> {
  const kind = await detectKind(bytes, declared.type);
  const image = kind.image ? await checkImage(bytes, kind.mime, limits) : null;
  return { kind, filename: safeFilename(declared.filename, kind), image };
}
