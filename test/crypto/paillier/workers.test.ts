import { afterAll, describe, expect, it } from 'vitest';
import { FastObfuscator, ObfuscatorPool, PackingScheme, generateKeypair, startPaillierWorkers } from '../../../src/crypto/paillier/index.js';

const { publicKey, privateKey } = generateKeypair({ bits: 512 });
const fast = new FastObfuscator(publicKey.n);
const workers = await startPaillierWorkers(publicKey, { workers: 2, mode: 'fast', generator: fast.generator });
afterAll(() => workers.close());

describe('Paillier worker threads', () => {
  it('refill a pool with valid factors', async () => {
    const pool = new ObfuscatorPool(fast, { capacity: 8 });
    await pool.refill((count) => workers.factors(count));
    expect(pool.size).toBe(8);
    for (let i = 0; i < 8; i++) expect(privateKey.rawDecrypt(pool.next())).toBe(0n);
    expect(pool.misses).toBe(0);
  });

  it('encrypt a packed vector across threads, decrypting to the quantised values', async () => {
    const scheme = new PackingScheme(publicKey, { fractionalBits: 15, clippingRange: 1, maxSummands: 512 });
    const values = Float32Array.from({ length: 1000 }, (_, i) => Math.sin(i));
    const encrypted = await workers.encryptPacked(scheme, values);
    expect(encrypted.ciphertexts.length).toBe(scheme.ciphertextsFor(1000));
    const decrypted = scheme.decrypt(encrypted, privateKey);
    decrypted.forEach((x, i) => expect(x).toBe(Math.round((values[i] as number) * 32768) / 32768));
  });
});
