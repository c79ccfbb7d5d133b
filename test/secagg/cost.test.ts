import { describe, expect, it, vi } from 'vitest';
import * as prg from '../../src/crypto/prg.js';
import type { SecAggStage } from '../../src/secagg/index.js';
import { makeRound, plainSum, runStage } from './harness.js';

vi.mock('../../src/crypto/prg.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../src/crypto/prg.js')>();
  return { ...actual, addSeedMask: vi.fn(actual.addSeedMask) };
});

describe('PRG expansions', () => {
  it('a client expands 1 + (its neighbours in U2) seeds; the server |U3| + Σ_{dropped v} |N(v) ∩ U3|', async () => {
    const spy = vi.mocked(prg.addSeedMask);
    const run = makeRound({ n: 30, neighbours: 8, threshold: 5, vectorLength: 16, seed: 17 });
    const ids = run.parameters.clientIds;
    const dropped = [2, 11, 23];
    const plan = { silentFrom: new Map<number, SecAggStage>(dropped.map((u) => [u, 'maskedInput'])) };
    await runStage(run, plan);
    await runStage(run, plan);
    spy.mockClear();
    await runStage(run, plan); // maskedInput: only clients mask
    const survivors = ids.length - dropped.length;
    expect(spy).toHaveBeenCalledTimes(survivors * (1 + 8));
    spy.mockClear();
    await runStage(run, plan); // unmask: the server removes masks
    const result = run.server.result();
    const pairwise = dropped.reduce((s, v) => s + run.server.neighboursOf(ids[v] as string).filter((w) => result.survivors.includes(w)).length, 0);
    expect(spy).toHaveBeenCalledTimes(survivors + pairwise);
    expect(pairwise).toBeLessThanOrEqual(dropped.length * 8);
    expect(Array.from(result.sum)).toEqual(Array.from(plainSum(run, result.survivors)));
  });
});
