// Dropouts and deadlines: a round aggregates only when at least minClients valid replies came in
// time; otherwise it is retried, never aggregated short. Late replies are dropped and logged.
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, joinAs, startHarness, waitUntil } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('dropouts', () => {
  it('completes a round with the survivors when at least minClients replied', async () => {
    harness = await startHarness({ clients: ['a', 'b', 'c'], rounds: 1, minClients: 2 });
    const [a, b, c] = [await joinAs(harness, 'a'), await joinAs(harness, 'b'), await joinAs(harness, 'c')];
    await waitUntil(() => harness!.server.pool.size === 3);
    const run = harness.server.run();
    await c.next('fitRequest');
    c.socket.terminate(); // killed mid-round
    await Promise.all([a.answerFit((w) => w.map(() => 2)), b.answerFit((w) => w.map(() => 4))]);
    const { weights } = await run;
    expect([...weights]).toEqual(new Array(10).fill(3));
    const metrics = harness.store.roundMetrics(harness.server.runId)[0]?.metrics as { participants: string[]; failures: { clientId: string }[] };
    expect(metrics.participants).toEqual(['a', 'b']);
    expect(metrics.failures.map((f) => f.clientId)).toEqual(['c']);
    a.close();
    b.close();
  });

  it('retries a round that fell below minClients instead of aggregating it short', async () => {
    harness = await startHarness({ clients: ['a', 'b', 'c'], rounds: 1, minClients: 2 });
    const a = await joinAs(harness, 'a');
    const b = await joinAs(harness, 'b');
    await waitUntil(() => harness!.server.pool.size === 2);
    const run = harness.server.run();
    await b.next('fitRequest');
    b.socket.terminate();
    await a.answerFit((w) => w.map(() => 100)); // alone: must NOT become the global model
    await waitUntil(() => harness!.events.some((e) => e.kind === 'round-retried'));
    expect(harness.store.lastRound(harness.server.runId)).toBe(0);
    const c = await joinAs(harness, 'c');
    await Promise.all([a.answerFit((w) => w.map(() => 1)), c.answerFit((w) => w.map(() => 3))]);
    const { weights } = await run;
    expect([...weights]).toEqual(new Array(10).fill(2));
    expect(harness.store.roundMetrics(harness.server.runId).map((r) => r.round)).toEqual([1]);
    a.close();
    c.close();
  });
});

describe('deadline', () => {
  it('drops and logs a reply that arrives after the round deadline', async () => {
    harness = await startHarness({ clients: ['fast', 'slow'], rounds: 1, minClients: 1, deadlineMs: 300 });
    const fast = await joinAs(harness, 'fast');
    const slow = await joinAs(harness, 'slow');
    await waitUntil(() => harness!.server.pool.size === 2);
    const run = harness.server.run();
    await fast.answerFit((w) => w.map(() => 5));
    const request = await slow.next('fitRequest');
    await new Promise((resolve) => setTimeout(resolve, 500));
    slow.received.unshift(request);
    await slow.answerFit((w) => w.map(() => 1000));
    const { weights } = await run;
    expect([...weights]).toEqual(new Array(10).fill(5));
    await waitUntil(() => harness!.events.some((e) => e.kind === 'late-reply' && e.clientId === 'slow'));
    fast.close();
    slow.close();
  });
});
