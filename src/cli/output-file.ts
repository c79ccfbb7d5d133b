/**
 * Output files named by flags (--json, --report): checked before a long run starts, written
 * atomically after it, and any failure reported as one line naming the flag and the path.
 */
import { statSync } from 'node:fs';
import { Option, type Command } from 'commander';
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

/** The flags of a command that writes a JSON result and an HTML report (report on by default). */
export interface ResultOutputFlags {
  json?: string;
  report: string | false;
}

/** Adds --json FILE, --report FILE.html (default `defaultReport`) and --no-report to `command`. */
export function addResultOutputOptions(command: Command, jsonHelp: string, defaultReport: string): void {
  command
    .option('--json <file>', jsonHelp)
    .addOption(new Option('--report <file.html>', 'write the HTML report').default(defaultReport))
    .option('--no-report', 'do not write the HTML report');
}

/** Where the result goes, checked before the (long) run starts so a bad path fails at once. */
export interface ResultOutputs {
  readonly json: string | undefined;
  readonly report: string | undefined;
}

export function checkResultOutputs(flags: ResultOutputFlags): ResultOutputs {
  const report = flags.report === false ? undefined : flags.report;
  if (flags.json !== undefined) checkOutputPath('--json', flags.json);
  if (report !== undefined) checkOutputPath('--report', report);
  return { json: flags.json, report };
}

/**
 * Writes the JSON result and the HTML report. Both are built before either is written, so an
 * error while building leaves neither half-done. Returns the lines to print ("result: FILE").
 */
export function writeResultOutputs(outputs: ResultOutputs, result: unknown, buildHtml: () => string): string[] {
  const json = outputs.json === undefined ? undefined : `${JSON.stringify(result, null, 2)}\n`;
  const html = outputs.report === undefined ? undefined : buildHtml();
  const written: string[] = [];
  if (json !== undefined && outputs.json !== undefined) {
    writeOutputFile('--json', outputs.json, json);
    written.push(`result: ${outputs.json}`);
  }
  if (html !== undefined && outputs.report !== undefined) {
    writeOutputFile('--report', outputs.report, html);
    written.push(`report: ${outputs.report}`);
  }
  return written;
}
