import { existsSync } from 'node:fs';
import path from 'node:path';
import { StartupError, oneLine } from './common/startup-error.js';

/**
 * Reads `.env` from the working directory into the environment, when there is one. Variables
 * already set in the real environment win over the file. Returns the file read, if any.
 */
export function loadEnvFile(file = '.env'): string | undefined {
  const absolute = path.resolve(file);
  if (!existsSync(absolute)) return undefined;
  try {
    process.loadEnvFile(absolute);
  } catch (err) {
    throw new StartupError(`Could not read ${absolute}: ${oneLine(err)}`);
  }
  return absolute;
}
