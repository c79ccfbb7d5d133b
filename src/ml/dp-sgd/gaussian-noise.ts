/**
 * Gaussian noise for DP-SGD from a cryptographically secure generator.
 *
 * Draws: the ziggurat method (Marsaglia & Tsang 2000, "The ziggurat method for generating random
 * variables", J. Stat. Softw. 5(8)) with 128 layers, in float64. Each draw takes 64 bits of the
 * CSPRNG: 53 for the uniform, 7 for the layer and 1 for the sign, all distinct bits (Doornik 2005,
 * "An improved ziggurat method to generate normal random samples", showed that reusing the
 * uniform's bits for the layer correlates them). About 99 % of draws are one multiplication and
 * one comparison; the rest fall back to the exact density test or to Marsaglia's (1964) tail
 * method beyond r = 3.4426. Every value is then rounded to float32, the precision of the
 * parameters. Measured here about twice as fast as Box–Muller (Box & Muller 1958), whose logarithm
 * and sine/cosine per pair dominate its cost.
 *
 * This is floating-point noise, not an exact sample of the Gaussian: Mironov (CCS 2012, "On
 * significance of the least significant bits for differential privacy") showed that the set of
 * floating-point values a textbook sampler can output may reveal the value it was added to, and Jin
 * et al. (IEEE S&P 2022, "Are we there yet? Timing and floating-point attacks on differential
 * privacy systems") carried the attack to Gaussian samplers. Every widely used DP-SGD library
 * (Opacus, TensorFlow Privacy, JAX Privacy) adds floating-point Gaussian noise all the same: the
 * noise is added to a float32 sum of hundreds of thousands of clipped gradients, and no exact
 * sampler of that dimension runs at training speed. The option 'sum-of-four' follows Holohan &
 * Braghin (ESORICS 2021, "Secure random sampling in differential privacy", §5.1), as Opacus's
 * secure_mode does: each value is (z₁ + z₂ + z₃ + z₄)/2, still N(0, 1), which makes recovering the
 * underlying draws from an output far harder, at four times the generation cost. docs/dp-sgd.md.
 *
 * Off the critical path: a GaussianNoiseSource hands out whole blocks (one per step, one value
 * per parameter). The background source (background-noise.ts, Node) fills blocks in a worker thread
 * while the step runs; the inline source fills them when asked (browsers, seeded tests).
 */
import { requireSecure, type RandomSource } from '../../crypto/random.js';
import { check } from '../../errors.js';

/** 'plain': one ziggurat draw per value; 'sum-of-four': (z₁ + z₂ + z₃ + z₄)/2 (Holohan & Braghin 2021). */
export type NoiseConstruction = 'plain' | 'sum-of-four';

const WORDS_PER_FILL = 16384; // 64 KiB per CSPRNG call, the platform maximum
const TWO_POW_26 = 67108864;
const TWO_POW_53 = 9007199254740992;

/**
 * Marsaglia & Tsang's 128-layer table: the base strip's right edge r and the common area v of the
 * layers. X[i] is layer i's width (X[0] = v/f(r), the base strip with its tail counted as a
 * rectangle; X[1] = r; X[i+1] = f⁻¹(v/X[i] + f(X[i])); X[128] = 0), F[i] = f(X[i]), f(x) = e^(−x²/2).
 * With these constants the top layer's area is v to 1.2e-9 (relative).
 */
export const ZIGGURAT_R = 3.442619855899;
const ZIGGURAT_V = 9.91256303526217e-3;
const density = (x: number): number => Math.exp(-0.5 * x * x);
const X = new Float64Array(129);
const F = new Float64Array(129);
X[0] = ZIGGURAT_V / density(ZIGGURAT_R);
X[1] = ZIGGURAT_R;
for (let i = 1; i < 127; i++) X[i + 1] = Math.sqrt(-2 * Math.log(ZIGGURAT_V / (X[i] as number) + density(X[i] as number)));
X[128] = 0;
for (let i = 0; i <= 128; i++) F[i] = density(X[i] as number);

/** Standard normal draws by the ziggurat, from bulk CSPRNG words. */
class NormalStream {
  private readonly words = new Uint32Array(WORDS_PER_FILL);
  private position = WORDS_PER_FILL;

  constructor(private readonly rng: RandomSource) {}

  private refill(): void {
    this.rng.fillBytes(new Uint8Array(this.words.buffer));
    this.position = 0;
  }

  /** A uniform in [0, 1) with 53 random bits. */
  private uniform(): number {
    if (this.position + 2 > WORDS_PER_FILL) this.refill();
    const w = this.words;
    const p = this.position;
    this.position = p + 2;
    return (((w[p] as number) >>> 5) * TWO_POW_26 + ((w[p + 1] as number) >>> 6)) / TWO_POW_53;
  }

  next(): number {
    for (;;) {
      if (this.position + 2 > WORDS_PER_FILL) this.refill();
      const w0 = this.words[this.position] as number;
      const w1 = this.words[this.position + 1] as number;
      this.position += 2;
      // Bits: w0[31..5] ‖ w1[31..6] the uniform; w0[4..0] ‖ w1[1..0] the layer; w1[2] the sign.
      const layer = (w0 & 31) | ((w1 & 3) << 5);
      const sign = (w1 & 4) === 0 ? 1 : -1;
      const x = (((w0 >>> 5) * TWO_POW_26 + (w1 >>> 6)) / TWO_POW_53) * (X[layer] as number);
      if (x < (X[layer + 1] as number)) return sign * x; // inside the layer above: under the curve
      if (layer === 0) {
        // The tail beyond r (Marsaglia 1964): a = −ln(u₁)/r, b = −ln(u₂) until 2b > a²; return r + a.
        for (;;) {
          const a = -Math.log(1 - this.uniform()) / ZIGGURAT_R;
          const b = -Math.log(1 - this.uniform());
          if (b + b > a * a) return sign * (ZIGGURAT_R + a);
        }
      }
      const low = F[layer] as number;
      if (low + this.uniform() * ((F[layer + 1] as number) - low) < density(x)) return sign * x;
    }
  }

  /** Forgets every unused random word. */
  wipe(): void {
    this.words.fill(0);
    this.position = WORDS_PER_FILL;
  }
}

/**
 * Fills `out` with independent N(0, standardDeviation²) draws (float64 arithmetic, stored as
 * float32).
 */
export function fillGaussian(out: Float32Array, rng: RandomSource, construction: NoiseConstruction = 'plain', standardDeviation = 1): void {
  check(out instanceof Float32Array, 'out', Object.prototype.toString.call(out), 'a Float32Array');
  check(construction === 'plain' || construction === 'sum-of-four', 'construction', construction, '"plain" or "sum-of-four"');
  check(Number.isFinite(standardDeviation) && standardDeviation > 0, 'standardDeviation', standardDeviation, 'a finite number > 0');
  const stream = new NormalStream(rng);
  if (construction === 'plain') {
    for (let i = 0; i < out.length; i++) out[i] = standardDeviation * stream.next();
  } else {
    const half = 0.5 * standardDeviation;
    for (let i = 0; i < out.length; i++) out[i] = half * (stream.next() + stream.next() + stream.next() + stream.next());
  }
  stream.wipe();
}

/** Blocks of Gaussian draws, one block per DP-SGD step. */
export interface GaussianNoiseSource {
  /** Values per block (the model's parameter count). */
  readonly blockLength: number;
  /** The standard deviation of every value (the trainer asks for σ·C/(q·n), saving a product per step). */
  readonly standardDeviation: number;
  /** True when blocks are generated off the training thread. */
  readonly background: boolean;
  /** The next block of `blockLength` independent N(0, standardDeviation²) draws. Each block is handed out once. */
  nextBlock(): Promise<Float32Array>;
  /** Returns a used block: it is overwritten (or zeroed) and never handed out with the same values. */
  recycle(block: Float32Array): void;
  /** Stops background work and zeroes what is left. */
  close(): Promise<void>;
}

export interface GaussianNoiseOptions {
  readonly blockLength: number;
  /** Default 1. */
  readonly standardDeviation?: number;
  /**
   * Generate inline from this source (tests pass a SeededRandom; refused outside tests). Without it
   * the platform CSPRNG is used, in a background worker where the platform has one.
   */
  readonly rng?: RandomSource;
  /** Default 'plain'. */
  readonly construction?: NoiseConstruction;
  /** Default true: use a worker thread when available (Node); false forces inline generation. */
  readonly background?: boolean;
  /** Blocks generated ahead by the background source (default 2). */
  readonly depth?: number;
}

export function validateNoiseOptions(options: GaussianNoiseOptions): void {
  check(typeof options === 'object' && options !== null, 'noise options', options, 'an object');
  check(Number.isSafeInteger(options.blockLength) && options.blockLength >= 1, 'blockLength', options.blockLength, 'a positive integer');
  const sd = options.standardDeviation ?? 1;
  check(Number.isFinite(sd) && sd > 0, 'standardDeviation', sd, 'a finite number > 0');
  const construction = options.construction ?? 'plain';
  check(construction === 'plain' || construction === 'sum-of-four', 'construction', construction, '"plain" or "sum-of-four"');
  const depth = options.depth ?? 2;
  check(Number.isInteger(depth) && depth >= 1 && depth <= 16, 'depth', depth, 'an integer in [1, 16]');
}

/** Generates each block when it is asked for, on the caller's thread. */
export class InlineGaussianNoise implements GaussianNoiseSource {
  readonly background = false;
  readonly blockLength: number;
  readonly standardDeviation: number;
  private readonly construction: NoiseConstruction;
  private readonly rng: RandomSource;
  private readonly spare: Float32Array[] = [];
  private closed = false;

  constructor(options: GaussianNoiseOptions) {
    validateNoiseOptions(options);
    this.blockLength = options.blockLength;
    this.standardDeviation = options.standardDeviation ?? 1;
    this.construction = options.construction ?? 'plain';
    this.rng = requireSecure(options.rng, 'DP-SGD noise');
  }

  async nextBlock(): Promise<Float32Array> {
    check(!this.closed, 'noise source', 'closed', 'open');
    const block = this.spare.pop() ?? new Float32Array(this.blockLength);
    fillGaussian(block, this.rng, this.construction, this.standardDeviation);
    return block;
  }

  recycle(block: Float32Array): void {
    block.fill(0);
    if (!this.closed && block.length === this.blockLength) this.spare.push(block);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.spare.length = 0;
  }
}

function isNode(): boolean {
  return typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
}

/**
 * A noise source: inline from `options.rng` when given, else the platform CSPRNG in a background
 * worker (Node), else inline from the platform CSPRNG (browsers, for now).
 */
export async function createGaussianNoise(options: GaussianNoiseOptions): Promise<GaussianNoiseSource> {
  validateNoiseOptions(options);
  if (options.rng !== undefined || options.background === false || !isNode()) return new InlineGaussianNoise(options);
  const { WorkerGaussianNoise } = await import('./background-noise.js');
  return WorkerGaussianNoise.start(options);
}
