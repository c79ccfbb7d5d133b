/**
 * `cohort he …`: Paillier keys and ciphertexts in the JSON formats of python-paillier's pheutil.
 *   cohort he keygen [--bits 2048] --out KEY.json     private key (public part inside "pub"), mode 0600
 *   cohort he encrypt --key PUB_OR_PRIVATE.json VALUE  → {"v": "…", "e": …}
 *   cohort he decrypt --key KEY.json CIPHERTEXT_JSON   → the number (CIPHERTEXT_JSON: JSON text or a file)
 *   cohort he bench [--bits 2048] [--json]             encryptions and decryptions per second
 * Bad input exits 2 with one line naming what is wrong (program.ts).
 */
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  FastObfuscator,
  ObfuscatorPool,
  PaillierPrivateKey,
  StandardObfuscator,
  encodeForPheutil,
  encryptedNumberFromJson,
  encryptedNumberToJson,
  generateKeypair,
  keyFromJwk,
  parseJsonText,
  privateKeyToJwk,
  type ObfuscatorSource,
  type PaillierPublicKey,
} from '../../crypto/paillier/index.js';
import { CohortError } from '../../errors.js';
import { numberFlag } from '../parse-flags.js';
import { writeFileAtomic } from '../write-atomic.js';
import { registerHeServeCommand } from './he-serve.js';
import { registerHePredictCommand } from './he-predict.js';

export function registerHeCommand(program: Command): void {
  const he = program.command('he').description('homomorphic encryption: Paillier keys and ciphertexts (python-paillier pheutil formats)');
  he.command('keygen')
    .description('generate a Paillier private key (JWK as pheutil writes it; the public key is inside "pub")')
    .option('--bits <bits>', 'modulus size in bits (2048 or 3072 for real use)', numberFlag('--bits', { integer: true, min: 512, max: 8192 }), 2048)
    .requiredOption('--out <file>', 'where to write the private key (mode 0600)')
    .action((options: { bits: number; out: string }) => keygen(options.bits, options.out));
  he.command('encrypt')
    .description('encrypt a number under a public (or private) key; prints {"v": ciphertext, "e": exponent}')
    .requiredOption('--key <file>', 'public or private key JSON')
    .argument('<value>', 'the number (decimal integer or float; use -- before a negative value)')
    .action((value: string, options: { key: string }) => encrypt(options.key, value));
  he.command('decrypt')
    .description('decrypt a {"v","e"} ciphertext with a private key; prints the number')
    .requiredOption('--key <file>', 'private key JSON')
    .argument('<ciphertext>', 'ciphertext JSON text, or a file holding it')
    .action((ciphertext: string, options: { key: string }) => decrypt(options.key, ciphertext));
  he.command('bench')
    .description('measure key generation, encryption (standard, key holder, fast, pool) and decryption')
    .option('--bits <bits>', 'modulus size in bits', numberFlag('--bits', { integer: true, min: 512, max: 8192 }), 2048)
    .option('--json', 'print the figures as JSON')
    .action((options: { bits: number; json?: boolean }) => bench(options.bits, options.json === true));
  registerHeServeCommand(he);
  registerHePredictCommand(he);
}

function checkEvenBits(bits: number): void {
  if (bits % 2 !== 0) throw new CohortError('INVALID_ARGUMENT', `--bits must be even (got ${bits})`, { subject: '--bits' });
}

function keygen(bits: number, out: string): void {
  checkEvenBits(bits);
  const { privateKey } = generateKeypair({ bits });
  const text = `${JSON.stringify(privateKeyToJwk(privateKey))}\n`;
  // The temporary file is created under umask 077, so the key is never readable by others.
  const previous = process.umask(0o077);
  try {
    writeFileAtomic(out, text);
  } finally {
    process.umask(previous);
  }
  chmodSync(out, 0o600);
  process.stdout.write(`wrote a ${bits}-bit Paillier private key to ${out}\n`);
}

function readJsonFile(path: string, what: string): unknown {
  if (!existsSync(path)) throw new CohortError('FILE_NOT_FOUND', `${what} file ${JSON.stringify(path)} does not exist`, { subject: path });
  return parseJsonText(readFileSync(path, 'utf8'), `${what} (${path})`);
}

/** VALUE as pheutil reads it (a float), except that decimal integers stay exact bigints. */
function parseValue(raw: string): number | bigint {
  const text = raw.trim();
  if (/^[+-]?\d+$/.test(text)) return BigInt(text);
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    const value = Number(text);
    if (Number.isFinite(value)) return value;
  }
  throw new CohortError('INVALID_ARGUMENT', `VALUE must be a finite decimal number (got ${JSON.stringify(raw)})`, { subject: 'VALUE' });
}

function encrypt(keyPath: string, rawValue: string): void {
  const key = keyFromJwk(readJsonFile(keyPath, 'key'));
  const publicKey = key instanceof PaillierPrivateKey ? key.publicKey : key;
  const obfuscator: ObfuscatorSource = key instanceof PaillierPrivateKey ? key.crtObfuscator() : publicKey.defaultObfuscator;
  const encoded = encodeForPheutil(publicKey, parseValue(rawValue));
  const json = encryptedNumberToJson(publicKey.encryptEncoded(encoded, { obfuscator }), obfuscator);
  // python's json.dumps spacing, as pheutil prints it.
  process.stdout.write(`{"v": ${JSON.stringify(json.v)}, "e": ${json.e}}\n`);
}

function decrypt(keyPath: string, ciphertextArgument: string): void {
  const key = keyFromJwk(readJsonFile(keyPath, 'key'));
  if (!(key instanceof PaillierPrivateKey)) {
    throw new CohortError('INVALID_ARGUMENT', `--key ${keyPath} is a public key; decryption needs the private key`, { subject: '--key' });
  }
  const json = ciphertextArgument.trimStart().startsWith('{')
    ? parseJsonText(ciphertextArgument, 'ciphertext')
    : readJsonFile(ciphertextArgument, 'ciphertext');
  const value = key.decrypt(encryptedNumberFromJson(key.publicKey, json));
  process.stdout.write(`${value.toString()}\n`);
}

interface BenchRow {
  readonly operation: string;
  readonly perSecond: number;
}

/** Runs `operation` repeatedly for about `seconds` (after one warm-up call) and returns its rate per second. */
export function operationsPerSecond(operation: () => unknown, seconds: number): number {
  operation(); // warm-up
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    operation();
    count++;
    elapsed = (performance.now() - start) / 1000;
  } while (elapsed < seconds);
  return count / elapsed;
}

/** Encryptions per second while spending a filled pool (never refilled inside the timing). */
function spendPool(pool: ObfuscatorPool, publicKey: PaillierPublicKey, m: bigint): number {
  const count = pool.size;
  const start = performance.now();
  for (let i = 0; i < count; i++) publicKey.rawEncrypt(m, { obfuscator: pool });
  return count / Math.max((performance.now() - start) / 1000, 1e-9);
}

function bench(bits: number, json: boolean): void {
  checkEvenBits(bits);
  const keygenStart = performance.now();
  const { publicKey, privateKey } = generateKeypair({ bits });
  const keygenSeconds = (performance.now() - keygenStart) / 1000;
  const plaintext = (key: PaillierPublicKey): bigint => key.defaultObfuscator.next() % key.n;
  const m = plaintext(publicKey);
  const encryptWith = (source: ObfuscatorSource) => (): void => {
    publicKey.rawEncrypt(m, { obfuscator: source });
  };
  const fast = new FastObfuscator(publicKey.n);
  const pool = new ObfuscatorPool(fast, { capacity: 256 });
  pool.fill();
  const ciphertext = publicKey.rawEncrypt(m);
  const rows: BenchRow[] = [
    { operation: 'encrypt (standard, public key)', perSecond: operationsPerSecond(encryptWith(new StandardObfuscator(publicKey.n)), 0.5) },
    { operation: 'encrypt (key holder, CRT)', perSecond: operationsPerSecond(encryptWith(privateKey.crtObfuscator()), 0.5) },
    { operation: 'encrypt (fast mode, 256-bit exponent)', perSecond: operationsPerSecond(encryptWith(fast), 0.5) },
    { operation: 'encrypt (from a filled pool, online part)', perSecond: spendPool(pool, publicKey, m) },
    { operation: 'decrypt (CRT)', perSecond: operationsPerSecond(() => void privateKey.rawDecrypt(ciphertext), 0.5) },
  ];
  if (json) {
    process.stdout.write(`${JSON.stringify({ bits, keygenSeconds, rows }, null, 2)}\n`);
    return;
  }
  const width = Math.max(...rows.map((r) => r.operation.length));
  process.stdout.write(`Paillier, ${bits}-bit modulus (key generation ${keygenSeconds.toFixed(2)} s)\n`);
  for (const row of rows) process.stdout.write(`${row.operation.padEnd(width)}  ${row.perSecond.toFixed(1).padStart(10)} /s\n`);
}
