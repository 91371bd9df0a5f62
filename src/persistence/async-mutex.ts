/**
 * A minimal FIFO mutex for promises. SQLite allows one writer per database file; serialising
 * writers inside the process keeps them from blocking the event loop in SQLite's synchronous
 * busy handler (better-sqlite3 waits synchronously, so two in-process writers contending for the
 * file lock would stall each other until busy_timeout expires).
 */
export class AsyncMutex {
  private tail: Promise<void> = Promise.resolve();

  /** Resolves with a release function once every earlier caller has released. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.tail;
    this.tail = previous.then(() => next);
    // Resolving a settled promise is a no-op, so releasing twice is harmless.
    return previous.then(() => release);
  }

  async runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
