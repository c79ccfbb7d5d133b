import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lcm, modInverse, modPow } from '../../../src/crypto/bigint/index.js';
import {
  CrtObfuscator,
  EncryptedNumber,
  FastObfuscator,
  ObfuscatorPool,
  PaillierPrivateKey,
  PaillierPublicKey,
  StandardObfuscator,
  encryptedNumberFromJson,
  encryptedNumberToJson,
  generateKeypair,
  keyFromJwk,
  privateKeyFromJwk,
  privateKeyToJwk,
  publicKeyFromJwk,
  publicKeyToJwk,
} from '../../../src/crypto/paillier/index.js';
import { SeededRandom } from '../../../src/crypto/random.js';
import { CohortError } from '../../../src/errors.js';
import { vectorPrivateKey, vectorPublicKey, vectors, type OperandCase, type Operation } from './vectors.js';

const rng = new SeededRandom(1999);
const { publicKey, privateKey } = generateKeypair({ bits: 512, rng });
const obfuscator = new StandardObfuscator(publicKey.n, rng);
const plaintext = fc.bigInt({ min: 0n, max: publicKey.n - 1n });
const small = fc.bigInt({ min: -(1n << 200n), max: 1n << 200n });

/** Textbook decryption (Paillier 1999 §4): L(c^λ mod n²)·μ mod n, μ = L(g^λ mod n²)⁻¹. */
function textbookDecrypt(key: PaillierPrivateKey, c: bigint): bigint {
  const { n, nSquared, g } = key.publicKey;
  const lambda = lcm(key.p - 1n, key.q - 1n);
  const L = (x: bigint) => (x - 1n) / n;
  const mu = modInverse(L(modPow(g, lambda, nSquared)), n);
  return (L(modPow(c, lambda, nSquared)) * mu) % n;
}

describe('python-paillier known answers', () => {
  it('reproduces phe/tests regression ciphertexts with the 17-bit key', () => {
    const tiny = new PaillierPublicKey(BigInt(vectors.tinyKey.n));
    const tinyPrivate = new PaillierPrivateKey(tiny, BigInt(vectors.tinyKey.p), BigInt(vectors.tinyKey.q));
    for (const c of vectors.tinyKey.rawEncrypt) {
      expect(tiny.rawEncrypt(BigInt(c.plaintext), { r: BigInt(c.r) })).toBe(BigInt(c.ciphertext));
      expect(tinyPrivate.rawDecrypt(BigInt(c.ciphertext))).toBe(BigInt(c.plaintext));
    }
  });

  it('raw-encrypts and decrypts the 512-bit vectors', () => {
    for (const c of vectors.rawEncrypt) {
      expect(vectorPublicKey.rawEncrypt(BigInt(c.plaintext), { r: BigInt(c.r) })).toBe(BigInt(c.ciphertext));
      expect(vectorPrivateKey.rawDecrypt(BigInt(c.ciphertext))).toBe(BigInt(c.plaintext));
    }
  });

  it('encrypts floats and writes them as pheutil does (exponent −32)', () => {
    for (const c of vectors.encrypt) {
      const encrypted = vectorPublicKey.encrypt(c.value, { r: BigInt(c.r) });
      expect(encrypted.ciphertext).toBe(BigInt(c.ciphertext));
      expect(encrypted.exponent).toBe(c.exponent);
      const lowered = c.exponent > -32 ? encrypted.decreaseExponentTo(-32) : encrypted;
      expect({ v: lowered.ciphertext.toString(), e: lowered.exponent }).toEqual(c.pheutil);
      // A pheutil ciphertext decrypts with our key to the same float.
      expect(vectorPrivateKey.decrypt(encryptedNumberFromJson(vectorPublicKey, c.pheutil))).toBe(c.decrypted);
    }
  });

  it('matches python-paillier homomorphic operations ciphertext for ciphertext', () => {
    const operation = (op: Operation['op']): Operation => vectors.operations.find((o) => o.op === op) as Operation;
    const enc = (a: OperandCase) => vectorPublicKey.encrypt(a.kind === 'int' ? BigInt(a.value) : (a.value as number), { r: BigInt(a.r) });
    const check = (result: EncryptedNumber, expected: Operation) => {
      expect(result.ciphertext).toBe(BigInt(expected.ciphertext));
      expect(result.exponent).toBe(expected.exponent);
    };
    const add = operation('addEncrypted');
    const sum = enc(add.a).add(enc(add.b as OperandCase));
    check(sum, add);
    expect(vectorPrivateKey.decrypt(sum)).toBe(add.decrypted);
    const addScalar = operation('addScalar');
    check(enc(addScalar.a).add(addScalar.scalar as number), addScalar);
    const mulInt = operation('multiplyInt');
    check(enc(mulInt.a).multiply(BigInt(mulInt.scalar as string)), mulInt);
    const mulFloat = operation('multiplyFloat');
    check(enc(mulFloat.a).multiply(mulFloat.scalar as number), mulFloat);
    const lower = operation('decreaseExponent');
    check(enc(lower.a).decreaseExponentTo(lower.to as number), lower);
  });

  it('writes and reads pheutil JWKs (base64url integers, p < q)', () => {
    expect(publicKeyToJwk(vectorPublicKey, 'k').n).toBe(vectors.key.jwk.n);
    const jwk = privateKeyToJwk(vectorPrivateKey);
    expect([jwk.p, jwk.q, jwk.pub.n]).toEqual([vectors.key.jwk.p, vectors.key.jwk.q, vectors.key.jwk.n]);
    expect(jwk).toMatchObject({ kty: 'DAJ', key_ops: ['decrypt'], pub: { kty: 'DAJ', alg: 'PAI-GN1', key_ops: ['encrypt'] } });
    expect(privateKeyFromJwk(JSON.parse(JSON.stringify(jwk))).equals(vectorPrivateKey)).toBe(true);
    expect(publicKeyFromJwk(jwk.pub).equals(vectorPublicKey)).toBe(true);
    expect(keyFromJwk(jwk)).toBeInstanceOf(PaillierPrivateKey);
    expect(keyFromJwk(jwk.pub)).toBeInstanceOf(PaillierPublicKey);
  });
});

describe('Paillier with g = n + 1 and CRT decryption', () => {
  it('CRT decryption equals textbook decryption, and decrypts every plaintext', () => {
    fc.assert(
      fc.property(plaintext, (m) => {
        const c = publicKey.rawEncrypt(m, { obfuscator });
        expect(privateKey.rawDecrypt(c)).toBe(m);
        expect(textbookDecrypt(privateKey, c)).toBe(m);
      }),
      { numRuns: 40 },
    );
  });

  it('adds ciphertexts, adds plaintexts and multiplies by scalars (integers)', () => {
    fc.assert(
      fc.property(small, small, fc.bigInt({ min: -(1n << 60n), max: 1n << 60n }), (a, b, k) => {
        const ea = publicKey.encrypt(a, { obfuscator });
        const eb = publicKey.encrypt(b, { obfuscator });
        expect(privateKey.decrypt(ea.add(eb))).toBe(a + b);
        expect(privateKey.decrypt(ea.add(b))).toBe(a + b);
        expect(privateKey.decrypt(ea.subtract(eb))).toBe(a - b);
        expect(privateKey.decrypt(ea.multiply(k))).toBe(a * k);
      }),
      { numRuns: 25 },
    );
  });

  it('adds and multiplies floats with exponent alignment', () => {
    // Magnitudes far apart (1e6 + 1e-300) need 16^k factors beyond maxInt: python-paillier refuses those too.
    const moderate = fc.double({ min: -1e6, max: 1e6, noNaN: true }).filter((x) => x === 0 || Math.abs(x) > 1e-3);
    fc.assert(
      fc.property(moderate, moderate, (a, b) => {
        const sum = privateKey.decrypt(publicKey.encrypt(a, { obfuscator }).add(publicKey.encrypt(b, { obfuscator })));
        expect(Number(sum)).toBeCloseTo(a + b, 6);
        const product = privateKey.decrypt(publicKey.encrypt(a, { obfuscator }).multiply(b));
        expect(Number(product)).toBeCloseTo(a * b, 2);
      }),
      { numRuns: 15 },
    );
  });

  it('re-randomisation changes the ciphertext, not the plaintext', () => {
    fc.assert(
      fc.property(small, (a) => {
        const e = publicKey.encrypt(a, { obfuscator }).add(1n); // not obfuscated after add-plain
        expect(e.obfuscated).toBe(false);
        const fresh = e.rerandomize(obfuscator);
        expect(fresh.obfuscated).toBe(true);
        expect(fresh.ciphertext).not.toBe(e.ciphertext);
        expect(privateKey.decrypt(fresh)).toBe(a + 1n);
        expect(fresh.shareable()).toBe(fresh);
      }),
      { numRuns: 10 },
    );
  });

  it('detects overflow past maxInt when decrypting', () => {
    const max = publicKey.encrypt(publicKey.maxInt, { obfuscator });
    expect(() => privateKey.decrypt(max.add(publicKey.encrypt(1n, { obfuscator })))).toThrow(/overflow/);
  });

  it('refuses plaintexts, ciphertexts and keys that do not fit', () => {
    expect(() => publicKey.rawEncrypt(publicKey.n)).toThrow(CohortError);
    expect(() => privateKey.rawDecrypt(publicKey.nSquared)).toThrow(CohortError);
    expect(() => new PaillierPrivateKey(publicKey, privateKey.p, privateKey.q + 2n)).toThrow(/does not equal/);
    const other = generateKeypair({ bits: 128, rng });
    expect(() => other.privateKey.decrypt(publicKey.encrypt(1n, { obfuscator }))).toThrow(/different public key/);
    expect(() => publicKey.encrypt(1n, { obfuscator: new StandardObfuscator(other.publicKey.n, rng) })).toThrow(/different/);
  });
});

describe('randomisers', () => {
  // A valid factor r^n is an encryption of 0 and an n-th residue.
  const sources = {
    standard: obfuscator,
    crt: new CrtObfuscator(privateKey.p, privateKey.q, rng),
    fast: new FastObfuscator(publicKey.n, { rng }),
    pool: new ObfuscatorPool(new FastObfuscator(publicKey.n, { rng }), { capacity: 4 }),
  };
  it.each(Object.entries(sources))('%s factors are encryptions of zero and differ each time', (_, source) => {
    const seen = new Set<bigint>();
    for (let i = 0; i < 6; i++) {
      const factor = source.next();
      expect(privateKey.rawDecrypt(factor)).toBe(0n);
      seen.add(factor);
    }
    expect(seen.size).toBe(6);
  });

  it('the CRT factor has the distribution of r^n: it is (u_p^p, u_q^q) joined by CRT, an n-th residue', () => {
    // x is an n-th residue mod n² iff x^φ(n) ≡ 1 (mod n²) for x coprime to n (Paillier 1999, Lemma 1).
    const phi = (privateKey.p - 1n) * (privateKey.q - 1n);
    for (let i = 0; i < 5; i++) expect(modPow(sources.crt.next(), phi, publicKey.nSquared)).toBe(1n);
    for (let i = 0; i < 5; i++) expect(modPow(sources.fast.next(), phi, publicKey.nSquared)).toBe(1n);
  });

  it('fast mode: factors are powers h_s^a of the shared generator with a < 2^ℓ', () => {
    const fast = new FastObfuscator(publicKey.n, { rng: new SeededRandom(3), exponentBits: 224 });
    const replay = new SeededRandom(3);
    FastObfuscator.drawGenerator(publicKey.n, replay); // same draws as the constructor
    const bytes = new Uint8Array(28);
    replay.fillBytes(bytes);
    const a = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
    expect(fast.next()).toBe(modPow(fast.generator, a, publicKey.nSquared));
    expect(() => new FastObfuscator(publicKey.n, { exponentBits: 128 })).toThrow(CohortError);
  });

  it('the pool hands out stored factors first, then computes online', () => {
    const pool = new ObfuscatorPool(new StandardObfuscator(publicKey.n, rng), { capacity: 3 });
    pool.fill();
    expect(pool.size).toBe(3);
    const encrypted = publicKey.encrypt(42n, { obfuscator: pool });
    expect(privateKey.decrypt(encrypted)).toBe(42n);
    expect(pool.size).toBe(2);
    pool.next();
    pool.next();
    expect(pool.misses).toBe(0);
    pool.next();
    expect(pool.misses).toBe(1);
    expect(() => pool.add([publicKey.nSquared])).toThrow(CohortError);
  });
});

describe('ciphertext JSON', () => {
  it('round-trips {"v","e"} and obfuscates before writing', () => {
    const e = publicKey.encrypt(2.5, { obfuscator }).multiply(2n);
    const json = encryptedNumberToJson(e, obfuscator);
    expect(json.e).toBe(-32);
    expect(privateKey.decrypt(encryptedNumberFromJson(publicKey, JSON.parse(JSON.stringify(json))))).toBe(5);
  });

  it('refuses malformed ciphertexts and keys with a CohortError naming the problem', () => {
    const bad = [
      [{ v: publicKey.nSquared.toString(), e: 0 }, /not below n²/],
      [{ v: '12x', e: 0 }, /decimal digits/],
      [{ v: 12, e: 0 }, /decimal digits/],
      [{ v: '12', e: 1.5 }, /"e" must be an integer/],
      [[], /JSON object/],
    ] as const;
    for (const [json, message] of bad) expect(() => encryptedNumberFromJson(publicKey, json)).toThrow(message);
    expect(() => publicKeyFromJwk({ kty: 'RSA', alg: 'PAI-GN1', n: 'AQAB' })).toThrow(/"kty"/);
    expect(() => publicKeyFromJwk({ kty: 'DAJ', alg: 'PAI-GN1', n: 'A*B' })).toThrow(/base64url/);
    expect(() => publicKeyFromJwk({ kty: 'DAJ', alg: 'PAI-GN1', n: 'AQA' })).toThrow(/odd modulus/);
    const jwk = privateKeyToJwk(privateKey);
    expect(() => privateKeyFromJwk({ ...jwk, q: jwk.p })).toThrow(/does not equal/);
    expect(() => privateKeyFromJwk({ ...jwk, key_ops: ['encrypt'] })).toThrow(/key_ops/);
  });
});

describe('key generation', () => {
  it('generates a 2048-bit key: |p| = |q| = 1024, p < q, gcd(n, φ) = 1, decrypts', () => {
    const { publicKey: pk, privateKey: sk } = generateKeypair({ bits: 2048 });
    expect(pk.bits).toBe(2048);
    expect(sk.p.toString(2).length).toBe(1024);
    expect(sk.q.toString(2).length).toBe(1024);
    expect(sk.p < sk.q).toBe(true);
    expect(sk.rawDecrypt(pk.rawEncrypt(123456789n, { obfuscator: sk.crtObfuscator() }))).toBe(123456789n);
    expect(sk.decrypt(pk.encrypt(-0.125))).toBe(-0.125);
  });

  it('refuses odd or tiny sizes', () => {
    expect(() => generateKeypair({ bits: 513 })).toThrow(CohortError);
    expect(() => generateKeypair({ bits: 32 })).toThrow(CohortError);
  });
});
