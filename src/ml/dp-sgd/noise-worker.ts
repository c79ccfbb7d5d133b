/**
 * Worker thread of WorkerGaussianNoise: fills each buffer it receives with N(0, σ²) draws from its
 * own CSPRNG and sends it back (transferred, never copied).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SecureRandom } from '../../crypto/random.js';
import { fillGaussian, type NoiseConstruction } from './gaussian-noise.js';

export interface NoiseWorkerInit {
  readonly construction: NoiseConstruction;
  readonly standardDeviation: number;
}

export interface NoiseWorkerMessage {
  readonly buffer: ArrayBuffer;
}

const { construction, standardDeviation } = workerData as NoiseWorkerInit;
const rng = new SecureRandom();

parentPort?.on('message', (message: NoiseWorkerMessage) => {
  fillGaussian(new Float32Array(message.buffer), rng, construction, standardDeviation);
  parentPort?.postMessage(message, [message.buffer]);
});
