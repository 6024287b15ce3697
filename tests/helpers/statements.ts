/**
 * The SQL statements one request costs, as the server's counter sees them. The counter also
 * counts what the server does on its own meanwhile (the chat log's sweep, presence), which only
 * ever adds: the fewest over a few tries of the same request is the request's own cost.
 */
export async function statementsOf<T>(database: { readonly queryCount: number }, request: () => Promise<T>, tries = 3): Promise<{ statements: number; result: T }> {
  let best: { statements: number; result: T } | undefined;
  for (let i = 0; i < tries; i++) {
    const before = database.queryCount;
    const result = await request();
    const statements = database.queryCount - before;
    if (!best || statements < best.statements) best = { statements, result };
  }
  return best!;
}
