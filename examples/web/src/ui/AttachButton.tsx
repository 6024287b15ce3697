import { useRef } from 'react';

/** The composer's paper clip: a hidden file input behind a labelled button. */
export function AttachButton({ onFiles, disabled }: { onFiles: (files: File[]) => void; disabled?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        aria-label="Attach files"
        disabled={disabled}
        onChange={(e) => {
          const files = [...(e.target.files ?? [])];
          e.target.value = ''; // the same file may be chosen again
          if (files.length) onFiles(files);
        }}
      />
      <button type="button" className="attach" title="Attach files" aria-label="Attach" disabled={disabled} onClick={() => input.current?.click()}>
        📎
      </button>
    </>
  );
}
