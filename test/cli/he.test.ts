import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { privateKeyFromJwk, privateKeyToJwk } from '../../src/crypto/paillier/index.js';
import { vectorPrivateKey, vectors } from '../crypto/paillier/vectors.js';
import { runCli } from './run-cli.js';


afterEach(() => {
  vi.restoreAllMocks();
});

const dir = mkdtempSync(join(tmpdir(), 'cohort-he-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const keyPath = join(dir, 'key.json');
const publicPath = join(dir, 'pub.json');

describe('cohort he keygen / encrypt / decrypt', () => {
  it('writes a pheutil-format private key with mode 0600', async () => {
    const { code, stdout } = await runCli(['he', 'keygen', '--bits', '512', '--out', keyPath]);
    expect(code).toBe(0);
    expect(stdout).toContain('512-bit');
    expect(statSync(keyPath).mode & 0o777).toBe(0o600);
    const jwk = JSON.parse(readFileSync(keyPath, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(jwk).sort()).toEqual(['key_ops', 'kid', 'kty', 'p', 'pub', 'q']);
    expect(jwk).toMatchObject({ kty: 'DAJ', key_ops: ['decrypt'], pub: { kty: 'DAJ', alg: 'PAI-GN1', key_ops: ['encrypt'] } });
    const key = privateKeyFromJwk(jwk);
    expect(key.publicKey.bits).toBe(512);
    writeFileSync(publicPath, JSON.stringify(jwk['pub']));
  });

  it.each([['2.5'], ['-15.1'], ['0.005743'], ['0']])('encrypts %s with the public key and decrypts it back', async (value) => {
    const encrypted = await runCli(['he', 'encrypt', '--key', publicPath, value]);
    expect(encrypted.code).toBe(0);
    expect(encrypted.stdout).toMatch(/^\{"v": "\d+", "e": -32\}\n$/);
    const decrypted = await runCli(['he', 'decrypt', '--key', keyPath, encrypted.stdout]);
    expect(decrypted.code).toBe(0);
    expect(Number(decrypted.stdout)).toBe(Number(value));
  });

  it('keeps decimal integers exact and accepts a private key for encryption', async () => {
    const big = '-123456789012345678901234567890';
    const encrypted = await runCli(['he', 'encrypt', '--key', keyPath, big]);
    expect(encrypted.code).toBe(0);
    const file = join(dir, 'c.json');
    writeFileSync(file, encrypted.stdout);
    const decrypted = await runCli(['he', 'decrypt', '--key', keyPath, file]);
    // exponent −32 < 0, so the value comes back as a float, like pheutil
    expect(decrypted.stdout.trim()).toBe(String(Number(big)));
  });

  it('decrypts ciphertexts in pheutil output form (python-paillier vectors)', async () => {
    const vectorKey = join(dir, 'vector-key.json');
    writeFileSync(vectorKey, JSON.stringify(privateKeyToJwk(vectorPrivateKey)));
    for (const c of vectors.encrypt) {
      const { code, stdout } = await runCli(['he', 'decrypt', '--key', vectorKey, JSON.stringify(c.pheutil)]);
      expect(code).toBe(0);
      expect(Number(stdout)).toBe(c.decrypted);
    }
  });
});

describe('cohort he: bad input exits 2 with one line naming the problem', () => {
  const bad = join(dir, 'bad.json');
  const cases: [string, () => string[], RegExp][] = [
    ['missing key file', () => ['he', 'encrypt', '--key', join(dir, 'nope.json'), '1'], /does not exist/],
    ['key that is not JSON', () => (writeFileSync(bad, '{oops'), ['he', 'encrypt', '--key', bad, '1']), /not JSON/],
    ['key of the wrong type', () => (writeFileSync(bad, '{"kty":"RSA","alg":"PAI-GN1","n":"AQAB"}'), ['he', 'encrypt', '--key', bad, '1']), /"kty" must be "DAJ"/],
    ['value that is not a number', () => ['he', 'encrypt', '--key', publicPath, 'abc'], /VALUE must be a finite decimal number/],
    ['value that does not fit', () => ['he', 'encrypt', '--key', publicPath, '1e200'], /does not fit/],
    ['ciphertext not below n²', () => ['he', 'decrypt', '--key', keyPath, `{"v": "${'9'.repeat(400)}", "e": -32}`], /not below n²/],
    ['malformed ciphertext', () => ['he', 'decrypt', '--key', keyPath, '{"v": 5, "e": -32}'], /"v" must be a string of decimal digits/],
    ['decryption with a public key', () => ['he', 'decrypt', '--key', publicPath, '{"v": "5", "e": 0}'], /needs the private key/],
    ['odd key size', () => ['he', 'keygen', '--bits', '513', '--out', join(dir, 'x.json')], /--bits must be even/],
  ];
  it.each(cases)('%s', async (_, argv, message) => {
    const { code, stderr } = await runCli(argv());
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });

  it('decrypting with the wrong key reports overflow or a wrong value, never a crash', async () => {
    const other = join(dir, 'other.json');
    await runCli(['he', 'keygen', '--bits', '512', '--out', other]);
    const encrypted = await runCli(['he', 'encrypt', '--key', publicPath, '1.5']);
    const { code, stdout } = await runCli(['he', 'decrypt', '--key', other, encrypted.stdout]);
    expect([0, 2]).toContain(code);
    expect(code === 2 || Number(stdout) !== 1.5).toBe(true);
  });
});

describe('cohort he bench', () => {
  it('prints rates as JSON', async () => {
    const { code, stdout } = await runCli(['he', 'bench', '--bits', '512', '--json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { bits: number; rows: { operation: string; perSecond: number }[] };
    expect(result.bits).toBe(512);
    expect(result.rows.map((r) => r.operation)).toContain('decrypt (CRT)');
    for (const row of result.rows) expect(row.perSecond).toBeGreaterThan(0);
  });
});
