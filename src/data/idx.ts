/**
 * IDX files (the MNIST / Fashion-MNIST / EMNIST format; LeCun et al., "THE MNIST DATABASE",
 * yann.lecun.com/exdb/mnist): a big-endian magic number whose third byte is the element type
 * (0x08 = unsigned byte) and fourth byte the number of dimensions, then each dimension size as
 * a big-endian uint32, then the data. Images are 0x00000803 (count × rows × columns), labels
 * 0x00000801 (count). Files may be gzip'd (recognised by their magic bytes) or plain.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CohortError } from '../errors.js';
import type { Dataset } from './dataset.js';

export const IDX_IMAGES_MAGIC = 0x00000803;
export const IDX_LABELS_MAGIC = 0x00000801;

export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** Parses the bytes of one (already gunzipped) IDX file of unsigned bytes, checking magic and size. */
export function parseIdx(bytes: Uint8Array, expectedMagic: number, source: string): IdxArray {
  const fail = (what: string): never => {
    throw new CohortError('INVALID_DATA', `${source}: ${what}`, { subject: source });
  };
  if (bytes.length < 4) fail(`too short for an IDX header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (magic !== expectedMagic) {
    fail(`bad IDX magic number 0x${hex(magic)}, expected 0x${hex(expectedMagic)}`);
  }
  const numDims = expectedMagic & 0xff;
  const headerBytes = 4 + 4 * numDims;
  if (bytes.length < headerBytes) fail(`truncated IDX header: ${bytes.length} bytes, need ${headerBytes}`);
  const dims: number[] = [];
  for (let k = 0; k < numDims; k++) dims.push(view.getUint32(4 + 4 * k, false));
  const dataBytes = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual < dataBytes) fail(`truncated: dimensions ${dims.join('×')} need ${dataBytes} data bytes, found ${actual}`);
  if (actual > dataBytes) fail(`${actual - dataBytes} unexpected bytes after the ${dims.join('×')} data`);
  return { dims, data: bytes.subarray(headerBytes, headerBytes + dataBytes) };
}

function hex(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/** Reads an IDX file, plain or gzip'd. */
export function readIdxFile(path: string, expectedMagic: number): IdxArray {
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new CohortError('FILE_NOT_FOUND', `IDX file not found: ${path}`, { subject: path });
  }
  let bytes: Uint8Array = readFileSync(path);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (error) {
      throw new CohortError('INVALID_DATA', `${path}: not a valid gzip file (${(error as Error).message})`, {
        subject: path,
        cause: error,
      });
    }
  }
  return parseIdx(bytes, expectedMagic, path);
}

/**
 * An image data set from an IDX image file and its label file: pixels scaled from 0..255 to
 * [0, 1], exampleShape [rows, columns, 1]. `numClasses` may be raised to cover a sibling split.
 */
export function datasetFromIdx(
  images: IdxArray,
  labels: IdxArray,
  sources: { images: string; labels: string; name: string },
  classNames?: readonly string[],
): Dataset {
  const [count, rows, columns] = images.dims as [number, number, number];
  const [labelCount] = labels.dims as [number];
  if (count !== labelCount) {
    throw new CohortError(
      'INVALID_DATA',
      `${sources.images} holds ${count} images but ${sources.labels} holds ${labelCount} labels`,
      { subject: sources.labels },
    );
  }
  if (count === 0) throw new CohortError('INVALID_DATA', `${sources.images}: no images`, { subject: sources.images });
  const features = new Float32Array(images.data.length);
  for (let i = 0; i < features.length; i++) features[i] = (images.data[i] as number) / 255;
  const labelArray = new Int32Array(count);
  let largest = 0;
  for (let i = 0; i < count; i++) {
    const label = labels.data[i] as number;
    labelArray[i] = label;
    largest = Math.max(largest, label);
  }
  const names = classNames ?? Array.from({ length: largest + 1 }, (_, i) => String(i));
  if (largest >= names.length) {
    throw new CohortError('INVALID_DATA', `${sources.labels}: label ${largest} but only ${names.length} classes`, {
      subject: sources.labels,
    });
  }
  const featureNames: string[] = [];
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) featureNames.push(`pixel_${r}_${c}`);
  return {
    name: sources.name,
    features,
    labels: labelArray,
    numExamples: count,
    numFeatures: rows * columns,
    numClasses: names.length,
    classNames: [...names],
    featureNames,
    exampleShape: [rows, columns, 1],
  };
}

/** Fashion-MNIST's class names (Xiao, Rasul & Vollgraf 2017, arXiv:1708.07747, Table 1). */
export const FASHION_MNIST_CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

/** Finds `<prefix>-<kind>` in `dir` as .gz, plain, or with MNIST's original "prefix-images.idx3-ubyte" spelling. */
function findIdxFile(dir: string, prefix: 'train' | 't10k', kind: 'images-idx3-ubyte' | 'labels-idx1-ubyte'): string | undefined {
  const dotted = kind.replace('-idx', '.idx');
  const candidates = [`${prefix}-${kind}.gz`, `${prefix}-${kind}`, `${prefix}-${dotted}.gz`, `${prefix}-${dotted}`];
  for (const candidate of candidates) {
    const path = join(dir, candidate);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/**
 * Loads an MNIST-format folder: train-images-idx3-ubyte(.gz) and train-labels-idx1-ubyte(.gz),
 * and, when both are present, t10k-* as the predefined test set. A folder whose name contains
 * "fashion" gets Fashion-MNIST's class names; otherwise classes are named by their digit.
 */
export function loadIdxDirectory(dir: string): { data: Dataset; predefinedTest?: Dataset } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CohortError('FILE_NOT_FOUND', `IDX folder not found: ${dir}`, { subject: dir });
  }
  const trainImages = findIdxFile(dir, 'train', 'images-idx3-ubyte');
  const trainLabels = findIdxFile(dir, 'train', 'labels-idx1-ubyte');
  if (trainImages === undefined || trainLabels === undefined) {
    const missing = trainImages === undefined ? 'train-images-idx3-ubyte(.gz)' : 'train-labels-idx1-ubyte(.gz)';
    throw new CohortError('FILE_NOT_FOUND', `${dir}: ${missing} not found`, { subject: dir });
  }
  const testImages = findIdxFile(dir, 't10k', 'images-idx3-ubyte');
  const testLabels = findIdxFile(dir, 't10k', 'labels-idx1-ubyte');
  if ((testImages === undefined) !== (testLabels === undefined)) {
    const missing = testImages === undefined ? 't10k-images-idx3-ubyte(.gz)' : 't10k-labels-idx1-ubyte(.gz)';
    throw new CohortError('FILE_NOT_FOUND', `${dir}: ${missing} not found (the other t10k file is present)`, {
      subject: dir,
    });
  }

  const folderName = basename(dir.replace(/[\\/]+$/, '')) || 'idx';
  const train = { images: readIdxFile(trainImages, IDX_IMAGES_MAGIC), labels: readIdxFile(trainLabels, IDX_LABELS_MAGIC) };
  const test =
    testImages !== undefined && testLabels !== undefined
      ? { images: readIdxFile(testImages, IDX_IMAGES_MAGIC), labels: readIdxFile(testLabels, IDX_LABELS_MAGIC) }
      : undefined;
  if (test !== undefined) {
    const [, trainRows, trainColumns] = train.images.dims;
    const [, testRows, testColumns] = test.images.dims;
    if (trainRows !== testRows || trainColumns !== testColumns) {
      throw new CohortError(
        'INVALID_DATA',
        `${testImages}: images are ${testRows}×${testColumns} but the training images are ${trainRows}×${trainColumns}`,
        { subject: testImages as string },
      );
    }
  }
  // One class list for both splits, covering every label either holds.
  let largest = 0;
  for (const labels of [train.labels, test?.labels]) {
    if (labels !== undefined) for (const label of labels.data) largest = Math.max(largest, label);
  }
  const classNames =
    /fashion/i.test(folderName) && largest < FASHION_MNIST_CLASS_NAMES.length
      ? [...FASHION_MNIST_CLASS_NAMES]
      : Array.from({ length: largest + 1 }, (_, i) => String(i));

  const data = datasetFromIdx(train.images, train.labels, { images: trainImages, labels: trainLabels, name: folderName }, classNames);
  if (test === undefined) return { data };
  const predefinedTest = datasetFromIdx(
    test.images,
    test.labels,
    { images: testImages as string, labels: testLabels as string, name: `${folderName} (t10k)` },
    classNames,
  );
  return { data, predefinedTest };
}
