// The secure-aggregation exchange over the wire, with a stand-in strategy (one stage: each client
// answers a number) instead of SecAgg+: the Welcome settings, SecAggRequest/SecAggReply with
// request ids and deadlines, plain weights refused, unknown and late replies dropped, stage
// requests only to the connection that trained this round, and the client runtime's dispatch.
import { create } from '@bufbuild/protobuf';
import { afterEach, describe, expect, it } from 'vitest';
import { loadBundledDataset } from '../../../src/data/bundled.js';
import { subset } from '../../../src/data/dataset.js';
import { CohortError } from '../../../src/errors.js';
import { runNetworkClient, type SecureClient } from '../../../src/fl/client/index.js';
import type { ServerSecureAggregation } from '../../../src/fl/server/index.js';
import { FedAvg } from '../../../src/fl/strategies/fedavg.js';
import type { Strategy } from '../../../src/fl/strategy.js';
import { decodeFrame, encodeFrame } from '../../../src/fl/transport/frame.js';
import { type Envelope, FitReplySchema, type SecAggRequest, type Welcome } from '../../../src/fl/transport/gen/cohort_pb.js';
import { secAggReplyFrame } from '../../../src/fl/transport/secagg-frames.js';
import { encodeTensor } from '../../../src/fl/transport/tensor.js';
import { type Harness, RawClient, joinAs, startHarness, waitUntil } from './harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const STAGE_DEADLINE_MS = 400;

/**
 * A one-stage stand-in for SecureAggregation: every client that returned a fit is asked
 * "value?" and answers a float64; the new weights are the sum of the answers that came in time.
 */
function oneStage(stageDeadlineMs = STAGE_DEADLINE_MS): ServerSecureAggregation & { answered: string[][]; errors: string[][] } {
  const answered: string[][] = [];
  const errors: string[][] = [];
  return {
    answered,
    errors,
    settings: { encoder: 'test-one-stage', updateRange: 0.5, maxClients: 7, weightCap: 1000, parameters: { note: 'x' } },
    wrap: (inner: Strategy, peers): Strategy => ({
      name: `OneStage(${inner.name})`,
      configureFit: (context) => inner.configureFit(context),
      aggregateFit: async (context) => {
        const ids = context.results.map((result) => result.clientId);
        const settled = await Promise.allSettled(ids.map((id) => peers.request(id, new TextEncoder().encode(`value? ${id}`), stageDeadlineMs)));
        let total = 0;
        const ok: string[] = [];
        const failed: string[] = [];
        settled.forEach((entry, i) => {
          if (entry.status === 'fulfilled') {
            total += new DataView(entry.value.buffer, entry.value.byteOffset, 8).getFloat64(0, true);
            ok.push(ids[i] as string);
          } else failed.push(`${ids[i]}: ${(entry.reason as Error).message}`);
        });
        answered.push(ok);
        errors.push(failed);
        return { weights: context.globalWeights.map(() => total), metrics: {} };
      },
    }),
  };
}

function float64(value: number): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setFloat64(0, value, true);
  return out;
}

/** Answers the next fit request with no weights (what a secure client sends). */
async function answerMaskedFit(client: RawClient, weights: Float32Array = new Float32Array(0)): Promise<bigint> {
  const request = await client.next('fitRequest', 10_000);
  const value = request.body.value as { requestId: bigint };
  client.send(encodeFrame({ case: 'fitReply', value: create(FitReplySchema, { requestId: value.requestId, weights: encodeTensor(weights), numExamples: 10n, metrics: { trainLoss: 0.5 } }) }));
  return value.requestId;
}

async function nextStage(client: RawClient): Promise<SecAggRequest> {
  return (await client.next('secaggRequest', 10_000)).body.value as SecAggRequest;
}

describe('SecAgg exchange on the server', () => {
  it('tells clients in the Welcome and aggregates what they answer to their stage requests', async () => {
    const secure = oneStage();
    harness = await startHarness({ clients: ['a', 'b'], rounds: 2, minClients: 2, secureAggregation: secure });
    const a = await joinAs(harness, 'a');
    const b = new RawClient(harness.url);
    await b.opened;
    await b.hello('b', harness.tokens.get('b') as string);
    const welcome = (await b.next('welcome')).body.value as Welcome;
    expect(welcome.secureAggregation?.encoder).toBe('test-one-stage');
    expect(welcome.secureAggregation?.updateRange).toBe(0.5);
    expect(welcome.secureAggregation?.maxClients).toBe(7);
    expect(welcome.secureAggregation?.weightCap).toBe(1000);
    expect(welcome.secureAggregation?.parameters.note?.kind).toEqual({ case: 'text', value: 'x' });
    await waitUntil(() => harness!.server.pool.size === 2);
    const run = harness.server.run();
    for (const round of [1, 2]) {
      await Promise.all([answerMaskedFit(a), answerMaskedFit(b)]);
      const [ra, rb] = await Promise.all([nextStage(a), nextStage(b)]);
      expect(ra.round).toBe(round);
      expect(new TextDecoder().decode(ra.payload)).toBe('value? a');
      expect(new TextDecoder().decode(rb.payload)).toBe('value? b');
      a.send(secAggReplyFrame(ra.requestId, float64(round)));
      b.send(secAggReplyFrame(rb.requestId, float64(10 * round)));
    }
    const { weights } = await run;
    expect(secure.answered).toEqual([['a', 'b'], ['a', 'b']]);
    expect([...weights]).toEqual(new Array(10).fill(22));
    expect(harness.server.status().phase).toBe('finished');
    const record = harness.store.latestRun();
    expect(record?.config.strategy).toBe('OneStage(FedAvg)');
    a.close();
    b.close();
  });

  it('refuses a fit reply that carries plain weights: never aggregated, never asked for a stage', async () => {
    const secure = oneStage();
    harness = await startHarness({ clients: ['honest', 'leaky'], rounds: 1, minClients: 1, secureAggregation: secure });
    const honest = await joinAs(harness, 'honest');
    const leaky = await joinAs(harness, 'leaky');
    await waitUntil(() => harness!.server.pool.size === 2);
    const run = harness.server.run();
    await Promise.all([answerMaskedFit(honest), answerMaskedFit(leaky, new Float32Array(10).fill(3))]);
    const stage = await nextStage(honest);
    honest.send(secAggReplyFrame(stage.requestId, float64(5)));
    const { weights } = await run;
    expect([...weights]).toEqual(new Array(10).fill(5));
    expect(secure.answered).toEqual([['honest']]);
    expect(leaky.received.some((envelope) => envelope.body.case === 'secaggRequest')).toBe(false);
    const rejected = harness.events.find((e) => e.kind === 'rejected-update' && e.clientId === 'leaky');
    expect(rejected?.message).toMatch(/plain weights \(40 bytes\) although secure aggregation is on/);
    const metrics = harness.store.roundMetrics(harness.server.runId)[0]?.metrics as { participants: string[]; failures: { clientId: string }[] };
    expect(metrics.participants).toEqual(['honest']);
    expect(metrics.failures.map((f) => f.clientId)).toEqual(['leaky']);
    honest.close();
    leaky.close();
  });

  it('drops replies to unknown request ids and stray replies; the connection and the round go on', async () => {
    const secure = oneStage(2_000);
    harness = await startHarness({ clients: ['a', 'b'], rounds: 1, minClients: 2, secureAggregation: secure });
    const a = await joinAs(harness, 'a');
    const b = await joinAs(harness, 'b');
    await waitUntil(() => harness!.server.pool.size === 2);
    const run = harness.server.run();
    a.send(secAggReplyFrame(1n, float64(1000))); // before any request: stray
    await Promise.all([answerMaskedFit(a), answerMaskedFit(b)]);
    const [ra, rb] = await Promise.all([nextStage(a), nextStage(b)]);
    a.send(secAggReplyFrame(ra.requestId + 77n, float64(1000))); // unknown id
    a.send(secAggReplyFrame(ra.requestId, float64(1)));
    a.send(secAggReplyFrame(ra.requestId, float64(1000))); // duplicate: request already settled
    b.send(secAggReplyFrame(rb.requestId, float64(2)));
    const { weights } = await run;
    expect([...weights]).toEqual(new Array(10).fill(3));
    const unexpected = harness.events.filter((e) => e.kind === 'unexpected-reply' && e.clientId === 'a');
    expect(unexpected.length).toBe(3);
    expect(unexpected.map((e) => e.message)).toContain(`dropped a reply to unknown request ${ra.requestId + 77n}`);
    expect(harness.events.some((e) => e.kind === 'rejected-frame')).toBe(false);
    a.close();
    b.close();
  });

  it('counts a client that answers a stage after its deadline as a dropout and drops the late reply', async () => {
    const secure = oneStage(300);
    harness = await startHarness({ clients: ['fast', 'slow'], rounds: 1, minClients: 1, secureAggregation: secure });
    const fast = await joinAs(harness, 'fast');
    const slow = await joinAs(harness, 'slow');
    await waitUntil(() => harness!.server.pool.size === 2);
    const run = harness.server.run();
    await Promise.all([answerMaskedFit(fast), answerMaskedFit(slow)]);
    const [rf, rs] = await Promise.all([nextStage(fast), nextStage(slow)]);
    fast.send(secAggReplyFrame(rf.requestId, float64(4)));
    const { weights } = await run; // resolves once the slow client's stage deadline has passed
    slow.send(secAggReplyFrame(rs.requestId, float64(1000)));
    expect([...weights]).toEqual(new Array(10).fill(4));
    expect(secure.answered).toEqual([['fast']]);
    expect(secure.errors[0]?.[0]).toMatch(/slow.*missed the 300 ms deadline of a secure-aggregation stage of round 1/);
    await waitUntil(() => harness!.events.some((e) => e.kind === 'late-reply' && e.clientId === 'slow'));
    fast.close();
    slow.close();
  });

  it('sends no stage request to a client that reconnected after its fit (its round state is gone)', async () => {
    const secure = oneStage(2_000);
    harness = await startHarness({ clients: ['a', 'b'], rounds: 1, minClients: 1, secureAggregation: secure });
    const a = await joinAs(harness, 'a');
    const b = await joinAs(harness, 'b');
    await waitUntil(() => harness!.server.pool.size === 2);
    const run = harness.server.run();
    // b trains, then its connection is replaced by a new one before a's fit closes the round.
    const fitA = await a.next('fitRequest', 10_000);
    await answerMaskedFit(b);
    await waitUntil(() => harness!.server.pool.get('b')?.lastFitRound === 1);
    const b2 = await joinAs(harness, 'b');
    a.received.unshift(fitA);
    await answerMaskedFit(a);
    const ra = await nextStage(a);
    a.send(secAggReplyFrame(ra.requestId, float64(6)));
    const { weights } = await run;
    expect([...weights]).toEqual(new Array(10).fill(6));
    expect(secure.answered).toEqual([['a']]);
    expect(b2.received.some((envelope: Envelope) => envelope.body.case === 'secaggRequest')).toBe(false);
    a.close();
    b.close();
    b2.close();
  });
});

describe('admission under secure aggregation', () => {
  it('refuses a client announcing more examples than the weight cap, and clients beyond maxClients', async () => {
    const secure = oneStage();
    const names = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7', 'big'];
    harness = await startHarness({ clients: names, rounds: 1, minClients: 7, secureAggregation: secure });
    const big = new RawClient(harness.url);
    await big.opened;
    await big.hello('big', harness.tokens.get('big') as string, 1001);
    const refusal = (await big.next('error')).body.value as { code: string; message: string };
    expect(refusal.code).toBe('INCOMPATIBLE_DATA');
    expect(refusal.message).toBe('client "big" announced 1001 examples, more than the secure-aggregation weight cap 1000 of this run (--secagg-weight-cap)');
    expect(await big.closed).toBe(4002);
    const joined: RawClient[] = [];
    for (const name of names.slice(0, 7)) joined.push(await joinAs(harness, name));
    const eighth = new RawClient(harness.url);
    await eighth.opened;
    await eighth.hello('c7', harness.tokens.get('c7') as string);
    const full = (await eighth.next('error')).body.value as { code: string; message: string };
    expect(full.code).toBe('SERVER_FULL');
    expect(full.message).toMatch(/7 clients are connected, the most the secure-aggregation plan of this run holds \(--secagg-max-clients 7\)/);
    expect(await eighth.closed).toBe(4003);
    // A connected client may still reconnect (its new connection replaces the old one).
    const again = await joinAs(harness, 'c0');
    expect(harness.server.pool.size).toBe(7);
    for (const client of [...joined, again]) client.close();
  });
});

describe('SecAgg exchange in the client runtime', () => {
  const iris = loadBundledDataset('iris') as NonNullable<ReturnType<typeof loadBundledDataset>>;
  const data = subset(iris, Array.from({ length: 30 }, (_, i) => i * 5));

  async function irisHarness(secureAggregation?: ServerSecureAggregation, rounds = 2): Promise<Harness> {
    const { createModel } = await import('../../../src/ml/index.js');
    const model = await createModel({ kind: 'logreg' }, { numFeatures: data.numFeatures, numClasses: data.numClasses }, { seed: 1 });
    const initial = model.getWeights();
    model.dispose();
    const { FederationServer } = await import('../../../src/fl/server/index.js');
    const { openDatabase } = await import('../../../src/store/database.js');
    const { FederationStateStore } = await import('../../../src/store/federation-state.js');
    const { storedKeyOf } = await import('../../../src/fl/transport/auth.js');
    const db = openDatabase(':memory:');
    const store = new FederationStateStore(db);
    const token = 'owner.a-long-enough-secret-token-value';
    store.addClient('owner', storedKeyOf(token));
    const events: Harness['events'][number][] = [];
    const server = await FederationServer.create({
      store,
      strategy: new FedAvg({ localEpochs: 1, batchSize: 8, optimizer: { kind: 'sgd', learningRate: 0.1 } }),
      rounds,
      minClients: 1,
      roundDeadlineMs: 30_000,
      modelSpec: 'logreg',
      numFeatures: data.numFeatures,
      classNames: data.classNames,
      initialWeights: initial,
      seed: 3,
      log: (event) => events.push(event),
      ...(secureAggregation === undefined ? {} : { secureAggregation }),
    });
    const { url, httpUrl } = await server.listen();
    return {
      server,
      store,
      db,
      url,
      httpUrl,
      events,
      tokens: new Map([['owner', token]]),
      async close() {
        await server.close();
        db.close();
      },
    };
  }

  /** A stand-in secure client: trains through `inner`, keeps Σ of its update, answers it as a float64. */
  function fakeSecureClient(log: { fits: number[]; settings: string[] }) {
    return (inner: Parameters<NonNullable<Parameters<typeof runNetworkClient>[0]['secureClient']>>[0], settings: { encoder: string }): SecureClient => {
      log.settings.push(settings.encoder);
      let kept = 0;
      return {
        id: inner.id,
        fit: async (weights, config) => {
          const response = await inner.fit(weights, config);
          kept = response.weights.reduce((sum, w, i) => sum + (w - (weights[i] as number)), 0);
          log.fits.push(config.round);
          return { ...response, weights: new Float32Array(0) };
        },
        handleSecAgg: async (request) => {
          expect(new TextDecoder().decode(request)).toBe('value? owner');
          return float64(kept);
        },
      };
    };
  }

  it('trains through the secure client, sends no weights, and answers stage requests', async () => {
    const secure = oneStage(10_000);
    harness = await irisHarness(secure);
    const log = { fits: [] as number[], settings: [] as string[] };
    const sent: Envelope[] = [];
    const [result] = await Promise.all([
      runNetworkClient({ url: harness.url, token: harness.tokens.get('owner') as string, data, secureClient: fakeSecureClient(log), onFrameSent: (frame) => sent.push(decodeFrame(frame)) }),
      harness.server.run(),
    ]);
    expect(result.reason).toBe('finished');
    expect(log.settings).toEqual(['test-one-stage']);
    expect(log.fits).toEqual([1, 2]);
    expect(secure.answered).toEqual([['owner'], ['owner']]);
    const fitReplies = sent.filter((envelope) => envelope.body.case === 'fitReply');
    expect(fitReplies).toHaveLength(2);
    for (const reply of fitReplies) expect((reply.body.value as { weights?: { data: Uint8Array } }).weights?.data.length).toBe(0);
    expect(sent.filter((envelope) => envelope.body.case === 'secaggReply')).toHaveLength(2);
  }, 30_000);

  it('--require-secure-aggregation: refuses a server without it (UNSUPPORTED, no retry)', async () => {
    harness = await irisHarness(undefined, 1);
    const sent: Envelope[] = [];
    const attempt = runNetworkClient({ url: harness.url, token: harness.tokens.get('owner') as string, data, requireSecureAggregation: true, maxAttempts: 3, onFrameSent: (frame) => sent.push(decodeFrame(frame)) });
    const error = await attempt.then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(CohortError);
    expect((error as CohortError).code).toBe('UNSUPPORTED');
    expect((error as CohortError).message).toMatch(/does not use secure aggregation.*--require-secure-aggregation/);
    expect(sent.map((envelope) => envelope.body.case)).toEqual(['hello']);
  }, 30_000);

  it('answers a stage request for a round it did not train in with an error, never with its handler', async () => {
    const secure = oneStage(10_000);
    harness = await irisHarness(secure, 1);
    const log = { fits: [] as number[], settings: [] as string[] };
    const sent: Envelope[] = [];
    const client = runNetworkClient({ url: harness.url, token: harness.tokens.get('owner') as string, data, secureClient: fakeSecureClient(log), maxAttempts: 1, onFrameSent: (frame) => sent.push(decodeFrame(frame)) });
    await waitUntil(() => harness!.server.pool.size === 1);
    const remote = harness.server.pool.get('owner');
    const reply = remote!.secAggRequest(5, new TextEncoder().encode('value? owner'), 5_000);
    await expect(reply).rejects.toThrow(/SECAGG_FAILED: secure-aggregation request for round 5, but this connection has trained in no round/);
    expect(sent.some((envelope) => envelope.body.case === 'secaggReply')).toBe(false);
    const finished = harness.server.run();
    await Promise.all([client, finished]);
  }, 30_000);
});
