/**
 * Helper of the Fashion-MNIST DP-SGD benchmarks (not a benchmark itself): loads the data set from
 * ../shared/data/fashion-mnist and, when asked, replaces every image by its ScatterNet features
 * (src/ml/scattering; J = 2, L = 8, group norm per example). The features are a fixed function of
 * each image, so they are cached in the OS temporary directory and reused by later runs
 * (BENCH_CACHE=0 turns the cache off); a cache file of the wrong size is recomputed.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '../src/data/dataset.js';
import { loadDataset } from '../src/data/index.js';
import { scatteringFeatures, scatteringFor } from '../src/ml/scattering/index.js';

export interface FashionData {
  readonly train: Dataset;
  readonly test: Dataset;
  /** Time spent computing features (0 when pixels, or when read from the cache). */
  readonly seconds: number;
}

export async function fashionFeatures(fashionDir: string, scattering?: { readonly groups: number }): Promise<FashionData> {
  const { data, predefinedTest } = await loadDataset(`idx:${fashionDir}`);
  if (predefinedTest === undefined) throw new Error('the t10k files are missing');
  if (scattering === undefined) return { train: data, test: predefinedTest, seconds: 0 };
  let seconds = 0;
  const useCache = process.env['BENCH_CACHE'] !== '0';
  const convert = (set: Dataset, split: string): Dataset => {
    const file = join(tmpdir(), `cohort-fashion-${split}-scattering-J2-L8-G${scattering.groups}.f32`);
    const shape = scatteringFor(set);
    const expected = set.numExamples * shape.outputSize * 4;
    if (useCache && existsSync(file)) {
      const bytes = readFileSync(file);
      if (bytes.length === expected) {
        const template = scatteringFeatures({ ...set, features: set.features.subarray(0, set.numFeatures), labels: set.labels.subarray(0, 1), numExamples: 1 }, { groups: scattering.groups });
        const features = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
        return { ...template, features, labels: set.labels, numExamples: set.numExamples };
      }
    }
    const started = performance.now();
    const result = scatteringFeatures(set, {
      groups: scattering.groups,
      progressEvery: 10000,
      onProgress: (done, total) => process.stderr.write(`scattering ${split}: ${done}/${total}\n`),
    });
    seconds += (performance.now() - started) / 1000;
    if (useCache) {
      writeFileSync(`${file}.partial`, new Uint8Array(result.features.buffer, result.features.byteOffset, result.features.byteLength));
      renameSync(`${file}.partial`, file);
    }
    return result;
  };
  const train = convert(data, 'train');
  const test = convert(predefinedTest, 'test');
  return { train, test, seconds };
}
