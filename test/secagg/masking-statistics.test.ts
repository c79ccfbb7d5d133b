import { describe, expect, it } from 'vitest';
import type { SecAggClientMessage, SecAggStage } from '../../src/secagg/index.js';
import { makeRound, runRound } from './harness.js';

/**
 * Chi-square goodness of fit against the uniform distribution. The critical value is the
 * (1 − 1e-6) quantile by the Wilson–Hilferty approximation (Wilson & Hilferty 1931), so each
 * check fails with probability ≈ 1e-6 when the data are uniform. The X25519 keys come from the
 * platform CSPRNG, so the masks differ on every run; the inputs and self-mask seeds are seeded.
 */
const Z_ONE_IN_A_MILLION = 4.753;
function chiSquareCritical(dof: number): number {
  const a = 2 / (9 * dof);
  return dof * (1 - a + Z_ONE_IN_A_MILLION * Math.sqrt(a)) ** 3;
}

function chiSquare(counts: readonly number[], total: number): number {
  const expected = total / counts.length;
  return counts.reduce((s, c) => s + (c - expected) ** 2 / expected, 0);
}

function byteCounts(words: Uint32Array): number[] {
  const counts = new Array<number>(256).fill(0);
  for (const b of new Uint8Array(words.buffer, words.byteOffset, words.byteLength)) counts[b] = (counts[b] as number) + 1;
  return counts;
}

function highNibbleCounts(words: Uint32Array): number[] {
  const counts = new Array<number>(16).fill(0);
  for (const w of words) counts[w >>> 28] = (counts[w >>> 28] as number) + 1;
  return counts;
}

const LENGTH = 4096;

/** Client 0's masked input for an all-zero input (the most structured input there is). */
async function maskedInputOfClient0(round: number, seed: number): Promise<{ masked: Uint32Array; input: Uint32Array }> {
  const run = makeRound({ n: 6, neighbours: 4, threshold: 3, vectorLength: LENGTH, seed, round });
  const input = new Uint32Array(LENGTH);
  run.clients[0]?.setInput(input);
  (run.inputs as Uint32Array[])[0] = input;
  let masked: Uint32Array | undefined;
  await runRound(run, { silentFrom: new Map<number, SecAggStage>() }, true, (id: string, m: SecAggClientMessage) => {
    if (id === 'client-0' && m.stage === 'maskedInput') masked = m.maskedInput;
  });
  if (masked === undefined) throw new Error('no masked input seen');
  return { masked, input };
}

describe('what the server receives from one client looks uniform', () => {
  it('bytes and high bits of a masked all-zero input pass chi-square at false-alarm rate 1e-6', async () => {
    const { masked, input } = await maskedInputOfClient0(1, 77);
    const bytes = chiSquare(byteCounts(masked), LENGTH * 4);
    const nibbles = chiSquare(highNibbleCounts(masked), LENGTH);
    expect(bytes).toBeLessThan(chiSquareCritical(255)); // ≈ 377
    expect(nibbles).toBeLessThan(chiSquareCritical(15)); // ≈ 57
    // The same statistic flags the unmasked input at once: the test can fail.
    expect(chiSquare(byteCounts(input), LENGTH * 4)).toBeGreaterThan(chiSquareCritical(255));
    // …and words with a bias in the high bits only (top bit cleared in every other word: the
    // statistic's expectation is ≈ 1039, far above the critical value).
    const skewed = masked.map((w, i) => (i % 2 === 0 ? w & 0x7fffffff : w));
    expect(chiSquare(highNibbleCounts(skewed), LENGTH)).toBeGreaterThan(chiSquareCritical(15));
  });

  it('the same input masks differently in another round (and in another session of the same round)', async () => {
    const first = await maskedInputOfClient0(1, 77);
    const nextRound = await maskedInputOfClient0(2, 77);
    const sameRoundAgain = await maskedInputOfClient0(1, 78);
    for (const other of [nextRound, sameRoundAgain]) {
      let equal = 0;
      for (let i = 0; i < LENGTH; i++) if (first.masked[i] === other.masked[i]) equal++;
      // Each word collides with probability 2^-32: P(≥ 2 of 4096 equal) < 1e-12.
      expect(equal).toBeLessThan(2);
    }
  });
});
