import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptedNumberToJson, generateKeypair, privateKeyToJwk, publicKeyToJwk, type PaillierKeypair } from '../../../src/crypto/paillier/index.js';
import {
  EncryptedPredictionClient,
  buildPredictionServer,
  loadServableModel,
  plainScores,
  predictRequestSchema,
  type LinearScorer,
} from '../../../src/fl/he-prediction/index.js';
import { trainServableModel, type ServableFixture } from './fixtures.js';

// 1024-bit client keys keep the tests fast; the server is told to accept them.
const KEY_BITS = 1024;
let keys: PaillierKeypair;

beforeAll(() => {
  keys = generateKeypair({ bits: KEY_BITS });
});

async function serve(scorer: LinearScorer): Promise<{ app: FastifyInstance; url: string }> {
  const app = buildPredictionServer(scorer, { minKeyBits: KEY_BITS, requestTimeoutMs: 10_000, bodyLimit: 64 * 1024 });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url };
}

function rowOf(data: { features: Float32Array; numFeatures: number }, i: number): Float32Array {
  return data.features.subarray(i * data.numFeatures, (i + 1) * data.numFeatures);
}

describe('binary logreg (breast cancer)', () => {
  let fixture: ServableFixture;
  let scorer: LinearScorer;
  let app: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    fixture = await trainServableModel('breast-cancer');
    scorer = await loadServableModel(fixture.directory);
    ({ app, url } = await serve(scorer));
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    fixture?.model.dispose();
  });

  it('encrypted predictions equal the plaintext model to 1e-6', async () => {
    const client = await EncryptedPredictionClient.connect(url, keys.privateKey, { timeoutMs: 10_000 });
    expect(client.info).toMatchObject({ kind: 'binary', numFeatures: 30, classNames: fixture.raw.classNames });
    const rows = [0, 1, 2, 50, 100, 200, 300, 400];
    const plain = await fixture.model.predict({ ...fixture.standardized, features: Float32Array.from(rows.flatMap((i) => Array.from(rowOf(fixture.standardized, i)))), numExamples: rows.length, labels: new Int32Array(rows.length) });
    for (const [r, i] of rows.entries()) {
      const prediction = await client.predict(rowOf(fixture.raw, i));
      expect(Math.abs(prediction.probabilities[1]! - plain[2 * r + 1]!)).toBeLessThan(1e-6);
      // Against float64 arithmetic the only differences are the client's float64 standardisation.
      const standardized = Array.from(rowOf(fixture.raw, i), (x, j) => (x - scorer.standardizer.mean[j]!) / scorer.standardizer.scale[j]!);
      expect(Math.abs(prediction.scores[0]! - plainScores(scorer, standardized)[0]!)).toBeLessThan(1e-9);
      expect(prediction.predictedClass).toBe(plain[2 * r + 1]! > 0.5 ? 1 : 0);
    }
  });

  it('the response carries only ciphertexts, re-randomised: the same request twice gives different ciphertexts', async () => {
    const client = await EncryptedPredictionClient.connect(url, keys.privateKey);
    const request = client.encryptRow(rowOf(fixture.raw, 3));
    const [a, b] = [await client.send(request), await client.send(request)];
    expect(a.scores[0]!.v).not.toBe(b.scores[0]!.v);
    expect(client.decryptResponse(a).scores[0]).toBe(client.decryptResponse(b).scores[0]);
  });

  it('refuses bad requests with 400 and a message, and keeps serving', async () => {
    const client = await EncryptedPredictionClient.connect(url, keys.privateKey);
    const good = client.encryptRow(rowOf(fixture.raw, 0));
    const post = async (body: unknown) => {
      const response = await app.inject({ method: 'POST', url: '/v1/predict', payload: body as object });
      return { status: response.statusCode, message: String(response.json<{ message?: string }>().message) };
    };
    const nSquared = keys.publicKey.nSquared;
    const cases: [string, unknown, RegExp][] = [
      ['malformed ciphertext', { ...good, features: good.features.map((f, j) => (j === 4 ? { v: '12x4', e: f.e } : f)) }, /pattern|digits/],
      ['ciphertext ≥ n²', { ...good, features: good.features.map((f, j) => (j === 4 ? { v: (nSquared + 5n).toString(), e: f.e } : f)) }, /features\[4\].*not below n²/],
      ['zero ciphertext', { ...good, features: good.features.map((f, j) => (j === 0 ? { v: '0', e: f.e } : f)) }, /positive/],
      ['too few features', { ...good, features: good.features.slice(0, 29) }, /takes 30 features \(got 29\)/],
      ['too many features', { ...good, features: [...good.features, good.features[0]] }, /30 items/],
      ['private key material', { ...good, public_key: privateKeyToJwk(keys.privateKey) }, /additional properties|required/],
      ['extra private field', { ...good, public_key: { ...good.public_key, p: 'AQ' } }, /additional properties/],
      ['a key below the minimum', { ...good, public_key: publicKeyToJwk(generateKeypair({ bits: 512 }).publicKey) }, /512 bits; this server accepts 1024/],
      ['no body fields', {}, /required/],
    ];
    for (const [what, body, message] of cases) {
      const response = await post(body);
      expect(response.status, what).toBe(400);
      expect(response.message, what).toMatch(message);
    }
    const notJson = await app.inject({ method: 'POST', url: '/v1/predict', payload: '{"features": [', headers: { 'content-type': 'application/json' } });
    expect(notJson.statusCode).toBe(400);
    const huge = await app.inject({ method: 'POST', url: '/v1/predict', payload: { ...good, kid: 'x'.repeat(70_000) } });
    expect(huge.statusCode).toBe(413);
    expect(client.decryptResponse(await client.send(good)).probabilities).toHaveLength(2);
  });

  it('the server holds no private key: its request schema has public-key fields only', () => {
    const schema = predictRequestSchema(30) as { properties: { public_key: { properties: object; additionalProperties: boolean } } };
    expect(Object.keys(schema.properties.public_key.properties).sort()).toEqual(['alg', 'key_ops', 'kid', 'kty', 'n']);
    expect(schema.properties.public_key.additionalProperties).toBe(false);
    expect(buildPredictionServer.length).toBe(1); // (scorer, options?): no key argument
    expect(JSON.stringify(encryptedNumberToJson(keys.publicKey.encrypt(1)))).not.toMatch(/"p"|"q"/);
  });
});

describe('multi-class logreg (iris)', () => {
  it('returns one encrypted score per class; softmax of them equals the plaintext model to 1e-6', async () => {
    const fixture = await trainServableModel('iris', 5);
    const scorer = await loadServableModel(fixture.directory);
    const { app, url } = await serve(scorer);
    try {
      const client = await EncryptedPredictionClient.connect(url, keys.privateKey);
      expect(client.info.kind).toBe('softmax');
      const plain = await fixture.model.predict(fixture.standardized);
      for (const i of [0, 60, 120]) {
        const prediction = await client.predict(rowOf(fixture.raw, i));
        expect(prediction.scores).toHaveLength(3);
        for (let c = 0; c < 3; c++) expect(Math.abs(prediction.probabilities[c]! - plain[3 * i + c]!)).toBeLessThan(1e-6);
      }
    } finally {
      await app.close();
      fixture.model.dispose();
    }
  }, 60_000);
});
