import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { CohortError } from '../../src/errors.js';
import { currentBackend, initBackend } from '../../src/ml/index.js';

function tfjsNodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

describe('initBackend', () => {
  it('defaults to tfjs-node when installed, else wasm; repeated and concurrent calls agree', async () => {
    const expected = tfjsNodeInstalled() ? 'tensorflow' : 'wasm';
    const [first, second] = await Promise.all([initBackend(), initBackend()]);
    expect(first).toBe(expected);
    expect(second).toBe(expected);
    expect(await initBackend()).toBe(expected);
    expect(tf.getBackend()).toBe(expected);
    expect(currentBackend()).toBe(expected);
  });

  it('wasm runs single-threaded with SIMD', async () => {
    expect(await initBackend({ backend: 'wasm' })).toBe('wasm');
    expect(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')).toBe(false);
    expect(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')).toBe(true);
  });

  it('switches to an explicitly requested backend and back', async () => {
    expect(await initBackend({ backend: 'cpu' })).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(await initBackend()).toBe('cpu'); // no request: keep the current one
    expect(await initBackend({ backend: 'wasm' })).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it.skipIf(tfjsNodeInstalled())('an explicit tensorflow request without tfjs-node fails with UNSUPPORTED and leaves the backend as it was', async () => {
    await initBackend({ backend: 'wasm' });
    await expect(initBackend({ backend: 'tensorflow' })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringContaining('install @tensorflow/tfjs-node'),
    });
    expect(tf.getBackend()).toBe('wasm');
    expect(await initBackend()).toBe('wasm');
  });

  it('rejects an unknown backend name', async () => {
    await expect(initBackend({ backend: 'webgl' as 'wasm' })).rejects.toBeInstanceOf(CohortError);
    await expect(initBackend({ backend: 'webgl' as 'wasm' })).rejects.toThrow(/backend.*"webgl"/);
  });
});
