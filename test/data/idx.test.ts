import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, labelCounts, loadDataset, loadIdxDirectory, parseIdx } from '../../src/data/index.js';
import { catchCohortError, catchCohortErrorAsync, temporaryDirectory } from './helpers.js';

/** An IDX file: big-endian magic, big-endian uint32 dimensions, then the bytes. */
function idxBytes(magic: number, dims: number[], data: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((size, k) => header.writeUInt32BE(size, 4 + 4 * k));
  return Buffer.concat([header, Buffer.from(data)]);
}

/** Writes a tiny 3-image 2×2 MNIST-format folder (train, and t10k when asked). */
function writeIdxFolder(dir: string, options: { gzip: boolean; test: boolean }): void {
  mkdirSync(dir, { recursive: true });
  const write = (file: string, bytes: Buffer): void =>
    writeFileSync(join(dir, options.gzip ? `${file}.gz` : file), options.gzip ? gzipSync(bytes) : bytes);
  write('train-images-idx3-ubyte', idxBytes(IDX_IMAGES_MAGIC, [3, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4, 5, 6, 7, 8]));
  write('train-labels-idx1-ubyte', idxBytes(IDX_LABELS_MAGIC, [3], [2, 0, 2]));
  if (options.test) {
    write('t10k-images-idx3-ubyte', idxBytes(IDX_IMAGES_MAGIC, [1, 2, 2], [255, 255, 0, 0]));
    write('t10k-labels-idx1-ubyte', idxBytes(IDX_LABELS_MAGIC, [1], [3]));
  }
}

describe('parseIdx', () => {
  it('reads big-endian dimensions and the data bytes', () => {
    const parsed = parseIdx(idxBytes(IDX_IMAGES_MAGIC, [1, 2, 3], [1, 2, 3, 4, 5, 6]), IDX_IMAGES_MAGIC, 'x');
    expect(parsed.dims).toEqual([1, 2, 3]);
    expect(Array.from(parsed.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects a bad magic number, naming the file and both numbers', () => {
    const error = catchCohortError(() => parseIdx(idxBytes(IDX_LABELS_MAGIC, [1], [0]), IDX_IMAGES_MAGIC, 'imgs'));
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toBe('imgs: bad IDX magic number 0x00000801, expected 0x00000803');
  });

  it('rejects truncated headers and data, and trailing bytes', () => {
    expect(catchCohortError(() => parseIdx(Buffer.from([0, 0]), IDX_LABELS_MAGIC, 'l')).message).toContain('too short');
    const headerOnly = idxBytes(IDX_IMAGES_MAGIC, [2, 2, 2], []).subarray(0, 10);
    expect(catchCohortError(() => parseIdx(headerOnly, IDX_IMAGES_MAGIC, 'i')).message).toContain('truncated IDX header');
    const shortData = idxBytes(IDX_IMAGES_MAGIC, [2, 2, 2], [1, 2, 3, 4, 5]);
    expect(catchCohortError(() => parseIdx(shortData, IDX_IMAGES_MAGIC, 'i')).message).toBe(
      'i: truncated: dimensions 2×2×2 need 8 data bytes, found 5',
    );
    const longData = idxBytes(IDX_LABELS_MAGIC, [1], [1, 2]);
    expect(catchCohortError(() => parseIdx(longData, IDX_LABELS_MAGIC, 'l')).message).toContain('1 unexpected bytes');
  });
});

describe('loadIdxDirectory', () => {
  for (const gzip of [true, false]) {
    it(`loads ${gzip ? 'gzip' : 'plain'} files, scales pixels to [0, 1] and reads t10k as the predefined test set`, () => {
      const dir = join(temporaryDirectory(), 'tiny');
      writeIdxFolder(dir, { gzip, test: true });
      const { data, predefinedTest } = loadIdxDirectory(dir);
      expect(data.name).toBe('tiny');
      expect(data.numExamples).toBe(3);
      expect(data.exampleShape).toEqual([2, 2, 1]);
      expect(Array.from(data.features.subarray(0, 4))).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
      expect(Array.from(data.labels)).toEqual([2, 0, 2]);
      // One class list covering both splits: the test set's label 3 is the largest.
      expect(data.numClasses).toBe(4);
      expect(predefinedTest?.numClasses).toBe(4);
      expect(Array.from(predefinedTest?.labels ?? [])).toEqual([3]);
    });
  }

  it('works without t10k files', () => {
    const dir = temporaryDirectory();
    writeIdxFolder(dir, { gzip: true, test: false });
    const loaded = loadIdxDirectory(dir);
    expect(loaded.predefinedTest).toBeUndefined();
    expect(loaded.data.numClasses).toBe(3);
  });

  it('rejects images and labels of different counts', () => {
    const dir = temporaryDirectory();
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), idxBytes(IDX_IMAGES_MAGIC, [2, 1, 1], [0, 1]));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idxBytes(IDX_LABELS_MAGIC, [3], [0, 1, 1]));
    const error = catchCohortError(() => loadIdxDirectory(dir));
    expect(error.code).toBe('INVALID_DATA');
    expect(error.message).toMatch(/holds 2 images but .*train-labels-idx1-ubyte holds 3 labels/);
  });

  it('reports a truncated gzip member and swapped files with the file name', () => {
    const dir = temporaryDirectory();
    const images = gzipSync(idxBytes(IDX_IMAGES_MAGIC, [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]));
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), images.subarray(0, images.length - 12));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idxBytes(IDX_LABELS_MAGIC, [2], [0, 1])));
    const truncated = catchCohortError(() => loadIdxDirectory(dir));
    expect(truncated.code).toBe('INVALID_DATA');
    expect(truncated.message).toContain('train-images-idx3-ubyte.gz');

    const swapped = temporaryDirectory();
    writeFileSync(join(swapped, 'train-images-idx3-ubyte'), idxBytes(IDX_LABELS_MAGIC, [2], [0, 1]));
    writeFileSync(join(swapped, 'train-labels-idx1-ubyte'), idxBytes(IDX_LABELS_MAGIC, [2], [0, 1]));
    expect(catchCohortError(() => loadIdxDirectory(swapped)).message).toContain('bad IDX magic number 0x00000801');
  });

  it('reports missing folders and files as FILE_NOT_FOUND', () => {
    const dir = temporaryDirectory();
    expect(catchCohortError(() => loadIdxDirectory(join(dir, 'absent'))).code).toBe('FILE_NOT_FOUND');
    const noLabels = catchCohortError(() => loadIdxDirectory(dir));
    expect(noLabels.code).toBe('FILE_NOT_FOUND');
    expect(noLabels.message).toContain('train-images-idx3-ubyte');
    writeIdxFolder(dir, { gzip: false, test: false });
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxBytes(IDX_IMAGES_MAGIC, [1, 2, 2], [0, 0, 0, 0]));
    expect(catchCohortError(() => loadIdxDirectory(dir)).message).toContain('t10k-labels-idx1-ubyte(.gz) not found');
  });

  it('is reachable as idx:DIR and refuses --label there', async () => {
    const dir = temporaryDirectory();
    writeIdxFolder(dir, { gzip: true, test: false });
    expect((await loadDataset(`idx:${dir}`)).data.numExamples).toBe(3);
    expect((await catchCohortErrorAsync(() => loadDataset(`idx:${dir}`, { label: 'y' }))).subject).toBe('--label');
  });
});

const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const fashionDir = resolve(projectRoot, '../shared/data/fashion-mnist');

describe.skipIf(!existsSync(fashionDir))('Fashion-MNIST from ../shared/data/fashion-mnist', () => {
  it('loads 60,000 + 10,000 balanced 28×28 images with the published first labels', async () => {
    const { data, predefinedTest } = await loadDataset(`idx:${fashionDir}`);
    expect(data.numExamples).toBe(60000);
    expect(predefinedTest?.numExamples).toBe(10000);
    expect(data.exampleShape).toEqual([28, 28, 1]);
    expect(data.numFeatures).toBe(784);
    expect(data.classNames[9]).toBe('Ankle boot');
    // Xiao et al. 2017: 6,000 training and 1,000 test images per class.
    expect(labelCounts(data)).toEqual(new Array(10).fill(6000));
    expect(labelCounts(predefinedTest!)).toEqual(new Array(10).fill(1000));
    expect(Array.from(data.labels.subarray(0, 10))).toEqual([9, 0, 0, 3, 0, 2, 7, 2, 5, 5]);
    expect(Array.from(predefinedTest!.labels.subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    let min = Infinity;
    let max = -Infinity;
    for (const x of data.features.subarray(0, 784 * 100)) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
  });
});
