/** The python-paillier known answers (test/vectors/paillier-pheutil.json) with typed access. */
import { readFileSync } from 'node:fs';
import { PaillierPrivateKey, PaillierPublicKey } from '../../../src/crypto/paillier/index.js';

interface ScalarCase {
  readonly value: number | string;
  readonly kind: 'float' | 'int';
}

export interface PheutilVectors {
  readonly source: string;
  readonly tinyKey: { n: string; p: string; q: string; rawEncrypt: { plaintext: string; r: string; ciphertext: string }[] };
  readonly key: { p: string; q: string; n: string; maxInt: string; jwk: { n: string; p: string; q: string } };
  readonly encode: (ScalarCase & { precision?: number; maxExponent?: number; encoding: string; exponent: number })[];
  readonly encodeTooLarge: (ScalarCase & { precision?: number })[];
  readonly decode: { encoding: string; exponent: number; decoded: number | string; kind: 'float' | 'int' }[];
  readonly decodeOverflow: { encoding: string; exponent: number }[];
  readonly rawEncrypt: { plaintext: string; r: string; ciphertext: string }[];
  readonly encrypt: { value: number; r: string; ciphertext: string; exponent: number; pheutil: { v: string; e: number }; decrypted: number }[];
  readonly operations: Operation[];
}

export interface OperandCase {
  readonly value: number | string;
  readonly kind?: 'int';
  readonly r: string;
}

export interface Operation {
  readonly op: 'addEncrypted' | 'addScalar' | 'multiplyInt' | 'multiplyFloat' | 'decreaseExponent';
  readonly a: OperandCase;
  readonly b?: OperandCase;
  readonly scalar?: number | string;
  readonly to?: number;
  readonly ciphertext: string;
  readonly exponent: number;
  readonly decrypted?: number;
}

export const vectors = JSON.parse(readFileSync(new URL('../../vectors/paillier-pheutil.json', import.meta.url), 'utf8')) as PheutilVectors;

export function scalar(c: ScalarCase): number | bigint {
  return c.kind === 'int' ? BigInt(c.value) : (c.value as number);
}

export const vectorPublicKey = new PaillierPublicKey(BigInt(vectors.key.n));
export const vectorPrivateKey = new PaillierPrivateKey(vectorPublicKey, BigInt(vectors.key.p), BigInt(vectors.key.q));
