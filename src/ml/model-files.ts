/**
 * Saving and loading models as files in a directory: `model.json` (tfjs layers-model JSON with a
 * weights manifest) and `weights.bin` (little-endian float32), the layout `tf.loadLayersModel`
 * reads. Node only: node:fs is imported lazily so browsers can load this module.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { CohortError, check } from '../errors.js';
import { fromArtifacts, toArtifacts } from './artifacts.js';
import type { TfModel } from './tf-model.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

let temporaryCounter = 0;

/**
 * A tfjs IOHandler on a directory. Works with Cohort models and with any tfjs-layers model
 * (`layersModel.save(fileIOHandler(dir))`, `tf.loadLayersModel(fileIOHandler(dir))`).
 */
export function fileIOHandler(directory: string): tf.io.IOHandler {
  check(typeof directory === 'string' && directory.length > 0, 'directory', directory, 'a non-empty path');
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const fs = await import('node:fs/promises');
      const path = await import('node:path');
      if (artifacts.weightData === undefined || artifacts.weightSpecs === undefined) {
        throw new CohortError('INVALID_ARGUMENT', 'model artifacts have no weights to save', { subject: 'artifacts' });
      }
      const weights = new Uint8Array(concatenate(artifacts.weightData));
      const modelJson = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs }],
        ...(artifacts.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: artifacts.userDefinedMetadata }),
      };
      await fs.mkdir(directory, { recursive: true });
      // Weights first, model.json last: a reader never sees a model.json without its weights.
      await writeAtomic(fs, path.join(directory, WEIGHTS_BIN), weights);
      await writeAtomic(fs, path.join(directory, MODEL_JSON), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      };
    },
    async load(): Promise<tf.io.ModelArtifacts> {
      const fs = await import('node:fs/promises');
      const path = await import('node:path');
      const jsonPath = path.join(directory, MODEL_JSON);
      const text = await fs.readFile(jsonPath, 'utf8').catch((error: unknown) => {
        throw new CohortError('FILE_NOT_FOUND', `cannot read ${jsonPath}: ${(error as Error).message}`, { subject: jsonPath, cause: error });
      });
      let json: tf.io.ModelJSON;
      try {
        json = JSON.parse(text) as tf.io.ModelJSON;
      } catch (error) {
        throw new CohortError('INVALID_DATA', `${jsonPath} is not valid JSON`, { subject: jsonPath, cause: error });
      }
      if (!Array.isArray(json.weightsManifest)) {
        throw new CohortError('INVALID_DATA', `${jsonPath} has no weightsManifest`, { subject: jsonPath });
      }
      const buffers: ArrayBuffer[] = [];
      for (const group of json.weightsManifest) {
        for (const file of group.paths) {
          const filePath = path.join(directory, file);
          const bytes = await fs.readFile(filePath).catch((error: unknown) => {
            throw new CohortError('FILE_NOT_FOUND', `cannot read ${filePath}: ${(error as Error).message}`, { subject: filePath, cause: error });
          });
          buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
        }
      }
      return {
        modelTopology: json.modelTopology,
        ...(json.format === undefined ? {} : { format: json.format }),
        ...(json.generatedBy === undefined ? {} : { generatedBy: json.generatedBy }),
        ...(json.convertedBy === undefined ? {} : { convertedBy: json.convertedBy }),
        weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
        weightData: concatenate(buffers),
        ...(json.userDefinedMetadata === undefined ? {} : { userDefinedMetadata: json.userDefinedMetadata }),
      };
    },
  };
}

/** Writes `directory/model.json` and `directory/weights.bin`. */
export async function saveModel(model: TfModel, directory: string): Promise<void> {
  await fileIOHandler(directory).save?.(await toArtifacts(model));
}

/** Loads a model saved by `saveModel`. */
export async function loadModel(directory: string): Promise<TfModel> {
  const handler = fileIOHandler(directory);
  const artifacts = await handler.load?.();
  if (artifacts === undefined) throw new CohortError('INTERNAL', 'file handler could not load');
  return fromArtifacts(artifacts, directory);
}

function concatenate(data: tf.io.WeightData): ArrayBuffer {
  if (!Array.isArray(data)) return data;
  const total = data.reduce((sum, buffer) => sum + buffer.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const buffer of data) {
    out.set(new Uint8Array(buffer), offset);
    offset += buffer.byteLength;
  }
  return out.buffer;
}

async function writeAtomic(fs: typeof import('node:fs/promises'), file: string, data: string | Uint8Array): Promise<void> {
  temporaryCounter += 1;
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
  const temporary = `${file}.tmp-${pid}-${temporaryCounter}`;
  try {
    await fs.writeFile(temporary, data);
    await fs.rename(temporary, file);
  } catch (error) {
    await fs.rm(temporary, { force: true });
    throw error;
  }
}
