/**
 * A small CSV tokenizer following RFC 4180: comma-separated fields, fields in double quotes may
 * hold commas, line breaks and doubled quotes (""), records end at LF or CRLF. Each record keeps
 * the file line on which it starts, so errors can name it.
 */
import { CohortError } from '../errors.js';

export interface CsvRecord {
  /** 1-based line number in the file where this record starts. */
  readonly line: number;
  readonly fields: string[];
}

/** Splits CSV text into records; blank lines are skipped. `source` names the file in errors. */
export function parseCsvRecords(text: string, source: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text; // drop a UTF-8 byte-order mark
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let inQuotes = false;
  let quotedField = false; // the current field was quoted (so an empty "" is a value, not a blank line)
  const endRecord = (): void => {
    fields.push(field);
    const blank = fields.length === 1 && fields[0] === '' && !quotedField;
    if (!blank) records.push({ line: recordLine, fields });
    fields = [];
    field = '';
    quotedField = false;
  };
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (inQuotes) {
      if (ch === '"') {
        if (body[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        if (ch === '\n') line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"') {
      if (field.trim() !== '') {
        throw new CohortError('INVALID_DATA', `${source} line ${line}: a quote inside an unquoted field`, { subject: source });
      }
      field = '';
      inQuotes = true;
      quotedField = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && body[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else {
      field += ch;
    }
  }
  if (inQuotes) {
    throw new CohortError('INVALID_DATA', `${source} line ${recordLine}: a quoted field is not closed`, { subject: source });
  }
  if (field !== '' || fields.length > 0 || quotedField) endRecord();
  return records;
}
