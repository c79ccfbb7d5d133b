import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CohortError } from '../../src/errors.js';
import type { SecAggClientMessage, SecAggStage } from '../../src/secagg/index.js';
import { type RoundRun, makeRound, plainSum, runRound, runStage } from './harness.js';

const STAGES: readonly SecAggStage[] = ['setup', 'shareKeys', 'maskedInput', 'unmask'];

/**
 * Reference model of which clients end up in the sum, written from the protocol description
 * (not from the server code): returns the survivor indices, or undefined if the round must abort.
 */
function expectedSurvivors(run: RoundRun, silentFrom: ReadonlyMap<number, SecAggStage>): number[] | undefined {
  const { clientIds, threshold: t } = run.parameters;
  const n = clientIds.length;
  const neighbours = clientIds.map((id) => run.server.neighboursOf(id).map((v) => clientIds.indexOf(v)));
  const answers = (u: number, stage: SecAggStage): boolean => {
    const s = silentFrom.get(u);
    return s === undefined || STAGES.indexOf(s) > STAGES.indexOf(stage);
  };
  const inSet = (set: Set<number>, u: number): number => (neighbours[u] as number[]).filter((v) => set.has(v)).length;
  const peel = (set: Set<number>): Set<number> => {
    for (let changed = true; changed; ) {
      changed = false;
      for (const u of [...set]) {
        if (inSet(set, u) < t) {
          set.delete(u);
          changed = true;
        }
      }
    }
    return set;
  };
  const all = Array.from({ length: n }, (_, i) => i);
  const u1 = peel(new Set(all.filter((u) => answers(u, 'setup'))));
  if (u1.size < t) return undefined;
  const u2 = peel(new Set([...u1].filter((u) => answers(u, 'shareKeys'))));
  if (u2.size < t) return undefined;
  const u3 = new Set([...u2].filter((u) => answers(u, 'maskedInput')));
  if (u3.size < t) return undefined;
  if ([...u2].some((v) => inSet(u3, v) < t)) return undefined;
  const u5 = new Set([...u3].filter((u) => answers(u, 'unmask')));
  if (u5.size < t) return undefined;
  if ([...u2].some((v) => inSet(u5, v) < t)) return undefined;
  return [...u3].sort((a, b) => a - b);
}

/** Records, per owner, which kinds of shares were revealed to the server. */
function revealTracker(run: RoundRun): { observe: (id: string, m: SecAggClientMessage) => void; both: () => string[] } {
  const kinds = new Map<number, Set<string>>();
  return {
    observe: (_id, m) => {
      if (m.stage !== 'unmask') return;
      for (const s of m.selfMaskShares) (kinds.get(s.owner) ?? kinds.set(s.owner, new Set()).get(s.owner))?.add('b');
      for (const s of m.keyShares) (kinds.get(s.owner) ?? kinds.set(s.owner, new Set()).get(s.owner))?.add('s_sk');
    },
    both: () => [...kinds].filter(([, k]) => k.size === 2).map(([owner]) => run.parameters.clientIds[owner] as string),
  };
}

/** Graph shapes with n = 2..40; the threshold is at most `slack` above the minimum ⌊k/2⌋ + 1. */
const graphShape = (slack = Infinity) =>
  fc
  .integer({ min: 2, max: 40 })
  .chain((n) => {
    const even = Array.from({ length: Math.max(0, Math.min(n - 2, 12) >> 1) }, (_, i) => 2 * (i + 1));
    return fc.record({ n: fc.constant(n), neighbours: fc.constantFrom(n - 1, ...even) });
  })
  .chain(({ n, neighbours }) =>
    fc.record({
      n: fc.constant(n),
      neighbours: fc.constant(neighbours),
      threshold: fc.integer({ min: Math.floor(neighbours / 2) + 1, max: Math.min(neighbours, Math.floor(neighbours / 2) + 1 + slack) }),
      vectorLength: fc.integer({ min: 1, max: 8 }),
      seed: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    }),
  );

const silence = (n: number): fc.Arbitrary<Map<number, SecAggStage>> =>
  fc
    .tuple(fc.integer({ min: 0, max: 15 }), fc.array(fc.tuple(fc.integer({ min: 0, max: 99 }), fc.constantFrom(...STAGES)), { minLength: n, maxLength: n }))
    .map(([percent, draws]) => new Map(draws.flatMap(([u, stage], i) => (u < percent ? [[i, stage] as const] : []))));

describe('SecAgg+ round: the unmasked sum is the plain sum of the survivors', () => {
  it('without dropouts, for n = 2..40 and every kind of graph (property)', async () => {
    await fc.assert(
      fc.asyncProperty(graphShape(), async (shape) => {
        const run = makeRound(shape);
        const result = await runRound(run, { silentFrom: new Map() });
        expect(result.survivors).toEqual(run.parameters.clientIds);
        expect(result.dropped).toEqual([]);
        expect(Array.from(result.sum)).toEqual(Array.from(plainSum(run, run.parameters.clientIds)));
      }),
      { numRuns: 10, seed: 20240601 },
    );
  });

  it('with dropouts at every stage: exact sum when the model says it completes, clean abort otherwise (property)', async () => {
    let completed = 0;
    let aborted = 0;
    await fc.assert(
      fc.asyncProperty(
        graphShape(1).chain((shape) => fc.tuple(fc.constant(shape), silence(shape.n))),
        async ([shape, silentFrom]) => {
          const run = makeRound(shape);
          const tracker = revealTracker(run);
          const expected = expectedSurvivors(run, silentFrom);
          if (expected === undefined) {
            const error = await runRound(run, { silentFrom }, false, tracker.observe).catch((e: unknown) => e);
            expect(error).toBeInstanceOf(CohortError);
            expect((error as CohortError).code).toBe('ROUND_INCOMPLETE');
            expect(run.server.stage).toBe('aborted');
            expect(run.server.requests().size).toBe(0);
            expect(() => run.server.result()).toThrow(/no result/);
            aborted++;
          } else {
            const result = await runRound(run, { silentFrom }, false, tracker.observe);
            expect(result.survivors).toEqual(expected.map((u) => run.parameters.clientIds[u]));
            expect(Array.from(result.sum)).toEqual(Array.from(plainSum(run, result.survivors)));
            completed++;
          }
          // Whatever happened, no client ever had both its b and its s_sk shares revealed.
          expect(tracker.both()).toEqual([]);
        },
      ),
      { numRuns: 30, seed: 7 },
    );
    // The generator must exercise both outcomes for the property to mean something.
    expect(completed).toBeGreaterThan(5);
    expect(aborted).toBeGreaterThan(5);
  });

  it('complete graph: up to n − t − 1 dropouts after sharing keys are recovered; one more aborts before any share is revealed', async () => {
    for (const [n, t] of [[6, 3], [9, 5], [12, 7]] as const) {
      const drops = n - t - 1;
      const ok = makeRound({ n, neighbours: n - 1, threshold: t, vectorLength: 5, seed: n });
      const silent = new Map(Array.from({ length: drops }, (_, i) => [i * 2 % n, 'maskedInput' as SecAggStage]));
      const result = await runRound(ok, { silentFrom: silent }, true);
      expect(result.survivors.length).toBe(n - drops);
      expect(result.dropped.length).toBe(drops);
      expect(Array.from(result.sum)).toEqual(Array.from(plainSum(ok, result.survivors)));

      const tooMany = makeRound({ n, neighbours: n - 1, threshold: t, vectorLength: 5, seed: n });
      const silentMore = new Map(Array.from({ length: drops + 1 }, (_, i) => [i, 'maskedInput' as SecAggStage]));
      const plan = { silentFrom: silentMore };
      await runStage(tooMany, plan);
      await runStage(tooMany, plan);
      await expect(runStage(tooMany, plan)).rejects.toMatchObject({ code: 'ROUND_INCOMPLETE' });
      expect(tooMany.server.stage).toBe('aborted');
      expect(tooMany.server.requests().size).toBe(0); // no unmask request goes out
    }
  });

  it('a sparse graph recovers clients that drop after sharing keys through their neighbours only', async () => {
    const run = makeRound({ n: 40, neighbours: 8, threshold: 5, vectorLength: 64, seed: 99 });
    // Drop 3 clients that are not neighbours and share no neighbour: each neighbourhood loses ≤ 1.
    const ids = run.parameters.clientIds;
    const chosen: number[] = [];
    for (let u = 0; u < 40 && chosen.length < 3; u++) {
      const near = new Set(run.server.neighboursOf(ids[u] as string));
      if (chosen.every((c) => !near.has(ids[c] as string) && !run.server.neighboursOf(ids[c] as string).some((w) => near.has(w)))) chosen.push(u);
    }
    expect(chosen.length).toBe(3);
    const result = await runRound(run, { silentFrom: new Map(chosen.map((u) => [u, 'maskedInput' as SecAggStage])) }, true);
    expect(result.dropped).toEqual(chosen.map((u) => ids[u]));
    expect(Array.from(result.sum)).toEqual(Array.from(plainSum(run, result.survivors)));
  });

  it('setup dropouts are excluded, and so are clients left with fewer than t live neighbours', async () => {
    const run = makeRound({ n: 10, neighbours: 2, threshold: 2, vectorLength: 3, seed: 5 });
    const ids = run.parameters.clientIds;
    // In a ring of degree 2 with t = 2, losing client 0 at setup starves both of its neighbours,
    // and then theirs, and so on: the peel empties the ring and the round aborts at once.
    await expect(runStage(run, { silentFrom: new Map([[0, 'setup']]) })).rejects.toMatchObject({ code: 'ROUND_INCOMPLETE' });
    expect(ids.length).toBe(10);

    const wide = makeRound({ n: 10, neighbours: 4, threshold: 3, vectorLength: 3, seed: 5 });
    const result = await runRound(wide, { silentFrom: new Map([[3, 'setup']]) });
    expect(result.dropped).toEqual(['client-3']);
    expect(Array.from(result.sum)).toEqual(Array.from(plainSum(wide, result.survivors)));
  });

  it('n = 2 with k = t = 1 sums both inputs', async () => {
    const run = makeRound({ n: 2, neighbours: 1, threshold: 1, vectorLength: 4, seed: 11 });
    const result = await runRound(run, { silentFrom: new Map() }, true);
    expect(Array.from(result.sum)).toEqual(Array.from(plainSum(run, ['client-0', 'client-1'])));
  });
});
