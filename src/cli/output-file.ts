/**
 * Output files named by flags (--json, --report): checked before a long run starts, written
 * atomically after it, and any failure reported as one line naming the flag and the path.
 */
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CohortError } from '../errors.js';
import { writeFileAtomic } from './write-atomic.js';

/** Throws unless `path` can be written: its folder exists and it is not itself a folder. */
export function checkOutputPath(flag: string, path: string): void {
  if (path.trim() === '') throw new CohortError('INVALID_ARGUMENT', `${flag} needs a file name (got "")`, { subject: flag });
  const folder = dirname(resolve(path));
  const folderStat = statSync(folder, { throwIfNoEntry: false });
  if (!folderStat?.isDirectory()) {
    throw new CohortError('FILE_NOT_FOUND', `${flag} ${JSON.stringify(path)}: folder ${JSON.stringify(folder)} does not exist`, { subject: path });
  }
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    throw new CohortError('INVALID_ARGUMENT', `${flag} ${JSON.stringify(path)} is a folder, not a file`, { subject: path });
  }
}

/** Writes `contents` to `path` atomically; a failure names the flag and the file. */
export function writeOutputFile(flag: string, path: string, contents: string): void {
  try {
    writeFileAtomic(path, contents);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new CohortError('FILE_NOT_FOUND', `${flag} ${JSON.stringify(path)}: cannot write the file (${reason})`, { subject: path, cause: error });
  }
}
