import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/database.js';
import { FederationStateStore } from '../../src/store/federation-state.js';

function fresh(): FederationStateStore {
  return new FederationStateStore(openDatabase(':memory:'));
}

describe('FederationStateStore', () => {
  it('keeps clients with their stored key, revocation, and refuses bad names', () => {
    const store = fresh();
    store.addClient('alice', new Uint8Array(32).fill(1));
    expect(store.client('alice')).toEqual({ name: 'alice', storedKey: new Uint8Array(32).fill(1), revoked: false });
    expect(store.revokeClient('alice')).toBe(true);
    expect(store.client('alice')?.revoked).toBe(true);
    expect(store.revokeClient('alice')).toBe(false);
    expect(store.client('nobody')).toBeUndefined();
    expect(store.client('bad name; drop')).toBeUndefined();
    expect(() => store.addClient('bad name', new Uint8Array(32))).toThrow(/client name/);
  });

  it('records rounds atomically and consecutively, with weights, optimiser state, generator position and ε', () => {
    const store = fresh();
    store.createRun('r1', { strategy: 'FedAvg' });
    store.saveRound('r1', { round: 1, metrics: { accuracy: 0.5 }, weights: new Float32Array([1, 2]), rngDraws: 7, privacy: [{ client: 'a', epsilon: 0.5, delta: 1e-6 }] });
    store.saveRound('r1', {
      round: 2,
      metrics: { accuracy: 0.75 },
      weights: new Float32Array([3, 4]),
      strategyState: { momentum: new Float32Array([0.25, -1]), step: 2 },
      rngDraws: 14,
      privacy: [{ client: 'a', epsilon: 0.25, delta: 1e-6 }, { client: 'b', epsilon: 1, delta: 0 }],
    });
    expect(() => store.saveRound('r1', { round: 2, metrics: {}, weights: new Float32Array(2), rngDraws: 0 })).toThrow(/consecutive/);
    expect(() => store.saveRound('r1', { round: 4, metrics: {}, weights: new Float32Array(2), rngDraws: 0 })).toThrow(/consecutive/);
    const checkpoint = store.lastCheckpoint('r1');
    expect(checkpoint?.round).toBe(2);
    expect([...(checkpoint?.weights ?? [])]).toEqual([3, 4]);
    expect(checkpoint?.rngDraws).toBe(14);
    expect([...(checkpoint?.strategyState?.momentum as Float32Array)]).toEqual([0.25, -1]);
    expect(checkpoint?.strategyState?.step).toBe(2);
    expect(store.roundMetrics('r1').map((r) => r.metrics.accuracy)).toEqual([0.5, 0.75]);
    expect(store.privacyByOwner('r1')).toEqual([
      { client: 'a', epsilon: 0.75, delta: 2e-6, rounds: 2 },
      { client: 'b', epsilon: 1, delta: 0, rounds: 1 },
    ]);
    expect(store.latestRun()?.id).toBe('r1');
  });
});
