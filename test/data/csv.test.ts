import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { datasetFromCsv, encodeLabels, loadCsvFile, parseCsvRecords } from '../../src/data/index.js';
import { catchCohortError, temporaryDirectory } from './helpers.js';

describe('parseCsvRecords (RFC 4180)', () => {
  it('handles quoted commas, doubled quotes, line breaks inside quotes, CRLF and blank lines', () => {
    const text = 'a,b,c\r\n"1,5","say ""hi""",x\r\n\r\n"multi\nline",2,3\n';
    const records = parseCsvRecords(text, 't.csv');
    expect(records.map((r) => r.fields)).toEqual([
      ['a', 'b', 'c'],
      ['1,5', 'say "hi"', 'x'],
      ['multi\nline', '2', '3'],
    ]);
    expect(records.map((r) => r.line)).toEqual([1, 2, 4]);
  });

  it('rejects an unclosed quote, naming the line', () => {
    const error = catchCohortError(() => parseCsvRecords('a,b\n1,"open\n', 'bad.csv'));
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toContain('bad.csv line 2');
  });

  it('drops a byte-order mark', () => {
    expect(parseCsvRecords('\ufeffx,label\n1,a\n', 'bom.csv')[0]?.fields).toEqual(['x', 'label']);
  });
});

describe('datasetFromCsv', () => {
  it('reads features row-major and picks the label column by its default name', () => {
    const data = datasetFromCsv('f1,diagnosis,f2\n1.5,malignant,2\n-3e2,benign,.25\n', 'x.csv');
    expect(data.featureNames).toEqual(['f1', 'f2']);
    expect(Array.from(data.features)).toEqual([1.5, 2, -300, 0.25]);
    expect(data.classNames).toEqual(['benign', 'malignant']);
    expect(Array.from(data.labels)).toEqual([1, 0]);
    expect(data.numClasses).toBe(2);
  });

  it('uses the last column when no default label name is present', () => {
    const data = datasetFromCsv('a,b,kind\n1,2,z\n3,4,y\n', 'x.csv');
    expect(data.featureNames).toEqual(['a', 'b']);
    expect(data.classNames).toEqual(['y', 'z']);
  });

  it('uses a named label column and keeps integer labels in numeric order', () => {
    const data = datasetFromCsv('y,a\n10,1\n2,2\n9,3\n2,4\n', 'x.csv', { label: 'y' });
    expect(data.classNames).toEqual(['2', '9', '10']);
    expect(Array.from(data.labels)).toEqual([2, 0, 1, 0]);
    expect(Array.from(data.features)).toEqual([1, 2, 3, 4]);
  });

  it('reads quoted numeric fields and quoted labels', () => {
    const data = datasetFromCsv('"a","label"\n"1.5","x, y"\n', 'q.csv');
    expect(Array.from(data.features)).toEqual([1.5]);
    expect(data.classNames).toEqual(['x, y']);
  });

  it('names file, row, line and column for a missing value', () => {
    const error = catchCohortError(() => datasetFromCsv('a,b,label\n1,2,x\n3,,y\n', 'holes.csv'));
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toBe('holes.csv, row 2 (line 3), column "b": missing value');
  });

  it('names file, row and column for a non-numeric value, and rejects what Number() would accept', () => {
    const bad = catchCohortError(() => datasetFromCsv('a,b,label\n1,2,x\n3,4,y\nfive,6,z\n', 'words.csv'));
    expect(bad.message).toBe('words.csv, row 3 (line 4), column "a": non-numeric value "five"');
    for (const cell of ['0x10', 'Infinity', 'NaN', '1,5']) {
      const text = `a,label\n"${cell}",x\n`;
      expect(catchCohortError(() => datasetFromCsv(text, 'n.csv')).message).toContain('non-numeric value');
    }
  });

  it('reports a row with the wrong number of fields and a missing label', () => {
    expect(catchCohortError(() => datasetFromCsv('a,b,label\n1,2\n', 's.csv')).message).toBe(
      's.csv, row 1 (line 2): 2 fields, expected 3',
    );
    expect(catchCohortError(() => datasetFromCsv('a,label\n1, \n', 's.csv')).message).toContain('column "label": missing label');
  });

  it('names --label and lists the columns when the label column does not exist', () => {
    const error = catchCohortError(() => datasetFromCsv('a,b,c\n1,2,3\n', 'cols.csv', { label: 'outcome' }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.subject).toBe('--label');
    expect(error.message).toBe('--label "outcome" is not a column of cols.csv; columns: a, b, c');
  });

  it('rejects an empty file, a header without rows and a single column', () => {
    expect(catchCohortError(() => datasetFromCsv('', 'e.csv')).code).toBe('INVALID_DATA');
    expect(catchCohortError(() => datasetFromCsv('a,label\n', 'e.csv')).message).toContain('no data rows');
    expect(catchCohortError(() => datasetFromCsv('label\nx\n', 'e.csv')).code).toBe('INVALID_DATA');
  });

  it('reads headerless files through column names and checks the example shape', () => {
    const data = datasetFromCsv('1,2,3,4,7\n', 'h.csv', { columnNames: ['p0', 'p1', 'p2', 'p3', 'label'], exampleShape: [2, 2, 1] });
    expect(data.numExamples).toBe(1);
    expect(data.exampleShape).toEqual([2, 2, 1]);
    expect(() => datasetFromCsv('1,2,3,4,7\n', 'h.csv', { columnNames: ['p0', 'p1', 'p2', 'p3', 'label'], exampleShape: [3, 1] })).toThrow(
      /exampleShape/,
    );
  });
});

describe('encodeLabels', () => {
  it('merges integer spellings of one class and sorts text by code unit', () => {
    expect(encodeLabels(['007', '7', '-1']).classNames).toEqual(['-1', '7']);
    expect(encodeLabels(['b', 'B', 'a']).classNames).toEqual(['B', 'a', 'b']);
  });
});

describe('loadCsvFile', () => {
  it('reads plain and gzip files and names the data set after the file', () => {
    const dir = temporaryDirectory();
    const text = 'x,label\n1,a\n2,b\n';
    writeFileSync(join(dir, 'plain.csv'), text);
    writeFileSync(join(dir, 'packed.csv.gz'), gzipSync(Buffer.from(text)));
    const plain = loadCsvFile(join(dir, 'plain.csv'));
    const packed = loadCsvFile(join(dir, 'packed.csv.gz'));
    expect(plain.name).toBe('plain');
    expect(packed.name).toBe('packed');
    expect(Array.from(packed.features)).toEqual(Array.from(plain.features));
    expect(packed.classNames).toEqual(['a', 'b']);
  });

  it('reports a missing file as FILE_NOT_FOUND and a corrupt gzip as INVALID_DATA', () => {
    const dir = temporaryDirectory();
    const missing = catchCohortError(() => loadCsvFile(join(dir, 'nope.csv')));
    expect(missing.code).toBe('FILE_NOT_FOUND');
    expect(missing.message).toContain('nope.csv');
    writeFileSync(join(dir, 'broken.csv.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    expect(catchCohortError(() => loadCsvFile(join(dir, 'broken.csv.gz'))).code).toBe('INVALID_DATA');
  });
});
