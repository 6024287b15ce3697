import type { AttachmentFieldsFragment } from '../gql/graphql';

/** Images larger than this (CSS pixels) are shown scaled down; a click opens the full one. */
const MAX_IMAGE = 260;

/**
 * A message's files: images as pictures (the WebP thumbnail when there is one), anything else
 * as a download link. The links are signed and short-lived; every write of the message brings
 * fresh ones. A file without a link (a pending send) shows its name only.
 */
export function Attachments({ files }: { files: AttachmentFieldsFragment[] }) {
  if (!files.length) return null;
  return (
    <div className="attachments">
      {files.map((file) => {
        const src = file.thumbnailUrl ?? file.url;
        if (file.contentType.startsWith('image/') && src) {
          const scale = Math.min(1, MAX_IMAGE / Math.max(file.width ?? MAX_IMAGE, file.height ?? MAX_IMAGE));
          const size = file.width && file.height ? { width: Math.round(file.width * scale), height: Math.round(file.height * scale) } : {};
          return (
            <a key={file.id} className="attachment-image" href={file.url ?? src} target="_blank" rel="noopener noreferrer">
              <img src={src} alt={file.filename} {...size} data-testid="attachment-image" />
            </a>
          );
        }
        const label = `${file.filename} · ${fileSize(file.size)}`;
        return file.url ? (
          <a key={file.id} className="attachment-file" href={file.url} download={file.filename} data-testid="attachment-file">
            📎 {label}
          </a>
        ) : (
          <span key={file.id} className="attachment-file pending">
            📎 {label}
          </span>
        );
      })}
    </div>
  );
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10 * 1024 ? 1 : 0)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
