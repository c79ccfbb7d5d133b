// Authentication, frame validation and update validation: each bad input is refused with a logged
// reason, never aggregated, and the server keeps serving.
import { afterEach, describe, expect, it } from 'vitest';
import { create } from '@bufbuild/protobuf';
import { encodeFrame } from '../../../src/fl/transport/frame.js';
import { HeartbeatSchema } from '../../../src/fl/transport/gen/cohort_pb.js';
import { type Harness, RawClient, startHarness, waitUntil } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function refusedWith(client: RawClient): Promise<string> {
  const error = await client.next('error');
  await client.closed;
  return (error.body.value as { code: string }).code;
}

describe('authentication', () => {
  it('refuses a wrong token, an unknown client and a revoked one, with a logged reason', async () => {
    harness = await startHarness({ clients: ['alice', 'bob'], rounds: 1, minClients: 5 });
    const wrong = new RawClient(harness.url);
    await wrong.hello('alice', 'alice.not-the-right-token-at-all-000');
    expect(await refusedWith(wrong)).toBe('AUTH_FAILED');
    const unknown = new RawClient(harness.url);
    await unknown.hello('mallory', 'mallory.whatever-token-value-0000');
    expect(await refusedWith(unknown)).toBe('AUTH_FAILED');
    harness.store.revokeClient('bob');
    const revoked = new RawClient(harness.url);
    await revoked.hello('bob', harness.tokens.get('bob') as string);
    expect(await refusedWith(revoked)).toBe('AUTH_FAILED');
    const reasons = harness.events.filter((event) => event.kind === 'auth-refused').map((event) => event.message);
    expect(reasons.some((m) => m.includes('wrong token'))).toBe(true);
    expect(reasons.some((m) => m.includes('unknown client'))).toBe(true);
    expect(reasons.some((m) => m.includes('revoked'))).toBe(true);
    expect(harness.server.pool.size).toBe(0);
  });

  it('refuses a replayed hello (the proof is bound to the server nonce of one connection)', async () => {
    harness = await startHarness({ clients: ['alice'], rounds: 1, minClients: 5 });
    const honest = new RawClient(harness.url);
    const recorded = await honest.hello('alice', harness.tokens.get('alice') as string);
    await honest.next('welcome');
    const replay = new RawClient(harness.url);
    await replay.next('challenge');
    replay.send(recorded);
    expect(await refusedWith(replay)).toBe('AUTH_FAILED');
    honest.close();
  });
});

describe('frame validation', () => {
  it('drops malformed, oversized and out-of-place frames with a logged reason and keeps serving', async () => {
    harness = await startHarness({ clients: ['alice'], rounds: 1, minClients: 5, maxFrameBytes: 4096 });
    const garbage = new RawClient(harness.url);
    await garbage.opened;
    garbage.send(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]));
    expect(await refusedWith(garbage)).toBe('INVALID_FRAME');

    const big = new RawClient(harness.url);
    await big.opened;
    big.send(new Uint8Array(10_000));
    expect(await big.closed).toBe(1009); // ws: message too big

    const early = new RawClient(harness.url);
    await early.opened;
    early.send(encodeFrame({ case: 'heartbeat', value: create(HeartbeatSchema, { sentAtMs: 1n }) }));
    expect(await refusedWith(early)).toBe('PROTOCOL');

    const text = new RawClient(harness.url);
    await text.opened;
    text.socket.send('hello');
    expect(await text.closed).toBe(1003);

    await waitUntil(() => harness!.events.filter((e) => e.kind === 'rejected-frame' || e.kind === 'connection-closed').length >= 3);
    expect(harness.events.some((e) => e.kind === 'connection-closed' && /Max payload|1009/.test(e.message))).toBe(true);
    // Still serving: a good client authenticates afterwards.
    const good = new RawClient(harness.url);
    await good.hello('alice', harness.tokens.get('alice') as string);
    await good.next('welcome');
    await waitUntil(() => harness!.server.pool.size === 1);
    good.close();
  });
});

describe('update validation', () => {
  it('rejects a NaN, an Inf and a wrong-shape update; aggregates only the valid one', async () => {
    harness = await startHarness({ clients: ['good', 'nan', 'inf', 'short'], rounds: 1, minClients: 1 });
    const clients = ['good', 'nan', 'inf', 'short'].map((name) => ({ name, raw: new RawClient(harness!.url) }));
    for (const { name, raw } of clients) {
      await raw.hello(name, harness.tokens.get(name) as string);
      await raw.next('welcome');
    }
    await waitUntil(() => harness!.server.pool.size === 4);
    const run = harness.server.run();
    await Promise.all([
      (clients[0] as { raw: RawClient }).raw.answerFit((w) => w.map((x) => x + 1)),
      (clients[1] as { raw: RawClient }).raw.answerFit((w) => w.map(() => Number.NaN)),
      (clients[2] as { raw: RawClient }).raw.answerFit((w) => w.map((x, i) => (i === 3 ? Number.POSITIVE_INFINITY : x))),
      (clients[3] as { raw: RawClient }).raw.answerFit((w) => w.subarray(0, 5)),
    ]);
    const { weights } = await run;
    expect([...weights]).toEqual(new Array(10).fill(1)); // only "good" (0 + 1) was aggregated
    const rejected = harness.events.filter((e) => e.kind === 'rejected-update');
    expect(rejected.map((e) => e.clientId).sort()).toEqual(['inf', 'nan', 'short']);
    const rounds = harness.store.roundMetrics(harness.server.runId);
    expect(rounds).toHaveLength(1);
    expect((rounds[0]?.metrics as { participants: string[] }).participants).toEqual(['good']);
    for (const { raw } of clients) raw.close();
  });
});
