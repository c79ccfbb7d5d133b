/**
 * Data sets in shared memory: worker threads read one copy instead of each receiving its own.
 * No Node import here, so the in-process path stays browser-friendly.
 */
import type { Dataset } from '../../data/dataset.js';

/** A copy of `data` whose arrays live in SharedArrayBuffers (returned as is if they already do). */
export function toSharedDataset(data: Dataset): Dataset {
  if (data.features.buffer instanceof SharedArrayBuffer && data.labels.buffer instanceof SharedArrayBuffer) return data;
  const features = new Float32Array(new SharedArrayBuffer(data.features.length * Float32Array.BYTES_PER_ELEMENT));
  features.set(data.features);
  const labels = new Int32Array(new SharedArrayBuffer(data.labels.length * Int32Array.BYTES_PER_ELEMENT));
  labels.set(data.labels);
  return { ...data, features, labels };
}
