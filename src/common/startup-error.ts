/**
 * A reason Parley cannot start, worded for the person starting it: one line that says what is
 * wrong and what to do. Start-up prints its message alone, without a stack.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** The message of anything thrown, on one line. */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .join(' ');
}

type SystemError = Error & { code?: string; syscall?: string; path?: string };

/** Why the HTTP server could not listen on `host:port`, and what to do. */
export function listenFailure(err: unknown, port: number, host: string): StartupError {
  const where = `${host}:${port}`;
  switch ((err as SystemError).code) {
    case 'EADDRINUSE':
      return new StartupError(`Port ${port} is already in use (${where}): stop what is using it, or set PORT to a free port`);
    case 'EACCES':
      return new StartupError(`Not allowed to listen on ${where} (ports below 1024 need privileges): set PORT to a port above 1023`);
    case 'EADDRNOTAVAIL':
      return new StartupError(`Cannot listen on ${where}: this machine has no address ${host}; set HOST (0.0.0.0 listens everywhere)`);
    default:
      return new StartupError(`Cannot listen on ${where}: ${oneLine(err)}`);
  }
}

/** Why the database (`description`, without credentials) cannot be used. */
export function databaseFailure(err: unknown, description: string): StartupError {
  return new StartupError(`Cannot use the database ${description}: ${oneLine(err) || (err as SystemError).code || 'no answer'}`);
}

/** The one line start-up prints for any failure. */
export function startupMessage(err: unknown): string {
  if (err instanceof StartupError) return err.message;
  const { code, path } = err as SystemError;
  if (path && (code === 'EACCES' || code === 'EPERM' || code === 'EROFS')) {
    return `Parley cannot write ${path} (${code}): set DATA_DIR to a directory it may write`;
  }
  return `Parley failed to start: ${oneLine(err)}`;
}
