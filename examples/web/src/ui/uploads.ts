import { useState } from 'react';
import { useMutation } from '@apollo/client/react';
import { CreateUploadDocument } from '../gql/graphql';

/** A file chosen in the composer: uploading, ready to send with the message, or refused. */
export interface PendingFile {
  key: string;
  file: File;
  uploadId: string | null;
  error: string | null;
}

/** The server takes at most this many attachments per message. */
export const MAX_ATTACHMENTS = 10;

/**
 * The composer's files. Each one is uploaded as soon as it is chosen: `createUpload` gives a
 * signed URL and the headers to send, the bytes go there with `PUT`, and the upload's id is
 * then ready for `sendMessage(input: { attachmentIds })`.
 */
export function useUploads() {
  const [files, setFiles] = useState<PendingFile[]>([]);
  const [createUpload] = useMutation(CreateUploadDocument);
  const patch = (key: string, change: Partial<PendingFile>) => setFiles((all) => all.map((f) => (f.key === key ? { ...f, ...change } : f)));

  async function upload(item: PendingFile) {
    const { file } = item;
    try {
      const { data } = await createUpload({
        variables: { input: { filename: file.name, contentType: file.type || 'application/octet-stream', size: file.size } },
      });
      const ticket = data!.createUpload;
      const res = await fetch(ticket.uploadUrl, {
        method: 'PUT',
        headers: Object.fromEntries(ticket.headers.map((h) => [h.name, h.value])),
        body: file,
      });
      if (!res.ok) throw new Error(await refusal(res));
      patch(item.key, { uploadId: ticket.id });
    } catch (e) {
      patch(item.key, { error: (e as Error).message });
    }
  }

  return {
    files,
    uploading: files.some((f) => !f.uploadId && !f.error),
    ready: files.filter((f) => f.uploadId).map((f) => f.uploadId!),
    add(chosen: FileList | File[]) {
      const added = [...chosen].slice(0, Math.max(0, MAX_ATTACHMENTS - files.length)).map((file) => ({ key: `${file.name}-${file.size}-${Math.random()}`, file, uploadId: null, error: null }));
      setFiles((all) => [...all, ...added]);
      added.forEach((item) => void upload(item));
    },
    remove: (key: string) => setFiles((all) => all.filter((f) => f.key !== key)),
    clear: () => setFiles([]),
    restore: (items: PendingFile[]) => setFiles(items),
  };
}

/** The upload route answers errors in GraphQL's shape. */
async function refusal(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { errors?: { message?: string }[] };
    return body.errors?.[0]?.message ?? `Upload failed (${res.status})`;
  } catch {
    return `Upload failed (${res.status})`;
  }
}
