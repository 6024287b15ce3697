import { useSyncExternalStore } from 'react';

/** The open chat lives in the URL (`#/chat/12`), so a reload or a link opens it again. */
export function useOpenChatId(): string | null {
  const hash = useSyncExternalStore(
    (onChange) => {
      window.addEventListener('hashchange', onChange);
      return () => window.removeEventListener('hashchange', onChange);
    },
    () => location.hash,
  );
  return /^#\/chat\/(\w+)$/.exec(hash)?.[1] ?? null;
}

export function openChat(chatId: string | null) {
  location.hash = chatId ? `/chat/${chatId}` : '';
}
