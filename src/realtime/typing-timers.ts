/**
 * Typing is never stored. Every instance keeps a timer per (chat, user) that is typing and,
 * when no refresh arrives in time, tells its own subscribers that the typing stopped.
 */
export class TypingTimers {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly timeoutMs: number,
    private readonly onExpired: (chatId: number, userId: number) => void,
  ) {}

  start(chatId: number, userId: number): void {
    this.stop(chatId, userId);
    const key = `${chatId}:${userId}`;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.onExpired(chatId, userId);
    }, this.timeoutMs);
    timer.unref();
    this.timers.set(key, timer);
  }

  stop(chatId: number, userId: number): void {
    const key = `${chatId}:${userId}`;
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
