import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/crypto/random.js';
import { CohortError } from '../../src/errors.js';
import {
  SecAggClientRound,
  type MaskedInputRequest,
  type SecAggServerMessage,
  type SecAggStage,
  type SetupRequest,
  type UnmaskRequest,
} from '../../src/secagg/index.js';
import { type RoundRun, makeRound, runStage } from './harness.js';

const noDrops = { silentFrom: new Map<number, SecAggStage>() };

async function rejects(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CohortError);
  expect((error as CohortError).code).toBe(code);
  expect((error as CohortError).message).toMatch(pattern);
}

function requestFor(run: RoundRun, id: string): SecAggServerMessage {
  const request = run.server.requests().get(id);
  if (request === undefined) throw new Error(`no request for ${id}`);
  return request;
}

/** A round of 8 clients (k = 4, t = 3) advanced to the given stage. */
async function roundAt(stage: SecAggStage, seed = 21): Promise<RoundRun> {
  const run = makeRound({ n: 8, neighbours: 4, threshold: 3, vectorLength: 4, seed });
  while (run.server.stage !== stage) await runStage(run, noDrops);
  return run;
}

describe('SecAggClientRound validates the order and origin of requests', () => {
  it('refuses out-of-stage, replayed, concurrent and foreign requests without changing state', async () => {
    const run = makeRound({ n: 5, neighbours: 4, threshold: 3, vectorLength: 2, seed: 4 });
    const client = run.clients[0] as SecAggClientRound;
    const setup = requestFor(run, 'client-0') as SetupRequest;
    const header = { round: setup.round, sessionId: setup.sessionId };
    await rejects(client.handle({ stage: 'shareKeys', ...header, publicKeys: [] }), 'INVALID_DATA', /out-of-stage request "shareKeys": client client-0 expects setup/);
    expect(client.stage).toBe('setup');

    const first = client.handle(setup);
    await rejects(client.handle(setup), 'INVALID_DATA', /still answering a request/);
    await first;
    expect(client.stage).toBe('shareKeys');
    await rejects(client.handle(setup), 'INVALID_DATA', /replayed setup request: client client-0 already answered it/);
    await rejects(client.handle({ stage: 'shareKeys', round: 2, sessionId: setup.sessionId, publicKeys: [] }), 'INVALID_DATA', /round 2, this is round 1/);
    await rejects(client.handle({ stage: 'shareKeys', round: 1, sessionId: new Uint8Array(32), publicKeys: [] }), 'INVALID_DATA', /session id is not this round's/);
    await rejects(client.handle({ stage: 'unmask', ...header, survivors: [], dropped: [] }), 'INVALID_DATA', /out-of-stage request "unmask": client client-0 expects shareKeys/);
    expect(client.stage).toBe('shareKeys');
  });

  it('checks the setup parameters it is sent', async () => {
    const run = makeRound({ n: 5, neighbours: 2, threshold: 2, vectorLength: 3, seed: 8 });
    const setup = requestFor(run, 'client-0') as SetupRequest;
    const fresh = (): SecAggClientRound => new SecAggClientRound('client-0', new SeededRandom(1));
    await rejects(fresh().handle({ ...setup, clientIds: ['x', 'y', 'z', 'w', 'v'] }), 'INVALID_DATA', /client "client-0" is not in the round's roster/);
    await rejects(fresh().handle({ ...setup, threshold: 1 }), 'INVALID_DATA', /threshold must be an integer with k\/2 < t ≤ k/);
    await rejects(fresh().handle({ ...setup, neighbourIndices: [0, 1] }), 'INVALID_DATA', /other than this client's own \(0\)/);
    await rejects(fresh().handle({ ...setup, neighbourIndices: [1] }), 'INVALID_DATA', /must list neighbours = 2 clients \(got 1\)/);
    const withInput = fresh();
    withInput.setInput(new Uint32Array(4));
    await rejects(withInput.handle(setup), 'INVALID_DATA', /vectorLength = 3 does not match the input set on this client \(4 words\)/);
    const client = fresh();
    await client.handle(setup);
    expect(() => client.setInput(new Uint32Array(2))).toThrow(/vectorLength = 3 words \(got 2\)/);
  });

  it('aborts when fewer than t neighbours advertised keys, and refuses strangers', async () => {
    const run = await roundAt('shareKeys');
    const request = requestFor(run, 'client-0') as Extract<SecAggServerMessage, { stage: 'shareKeys' }>;
    const client = run.clients[0] as SecAggClientRound;
    await rejects(client.handle({ ...request, publicKeys: [...request.publicKeys, { ...(request.publicKeys[0] as (typeof request.publicKeys)[number]), index: 0 }] }), 'INVALID_DATA', /public keys for 0, which is not a neighbour/);
    await rejects(client.handle({ ...request, publicKeys: [request.publicKeys[0], request.publicKeys[0]] as typeof request.publicKeys }), 'INVALID_DATA', /duplicate public keys/);
    expect(client.stage).toBe('shareKeys');
    await rejects(client.handle({ ...request, publicKeys: request.publicKeys.slice(0, 2) }), 'ROUND_INCOMPLETE', /only 2 neighbours of client client-0 advertised keys; threshold is 3/);
    expect(client.stage).toBe('aborted');
    await rejects(client.handle(request), 'INVALID_DATA', /round is aborted/);
  });

  it('refuses tampered or misdirected share ciphertexts, then accepts the genuine request', async () => {
    const run = await roundAt('maskedInput');
    const request = requestFor(run, 'client-0') as MaskedInputRequest;
    const client = run.clients[0] as SecAggClientRound;
    const tampered = request.shares.map((s, i) => (i === 0 ? { ...s, ciphertext: s.ciphertext.map((b, j) => (j === 20 ? b ^ 1 : b)) } : s));
    await rejects(client.handle({ ...request, shares: tampered }), 'INVALID_DATA', /failed AES-GCM authentication/);
    // A ciphertext addressed to another client, relabelled as coming from one of ours.
    const other = requestFor(run, 'client-1') as MaskedInputRequest;
    const foreign = { sender: (request.shares[0] as (typeof request.shares)[number]).sender, ciphertext: (other.shares[0] as (typeof other.shares)[number]).ciphertext };
    await rejects(client.handle({ ...request, shares: [foreign, ...request.shares.slice(1)] }), 'INVALID_DATA', /failed AES-GCM authentication/);
    expect(client.stage).toBe('maskedInput');
    const reply = await client.handle(request);
    expect(reply.stage).toBe('maskedInput');
    expect(client.stage).toBe('unmask');
  });

  it('needs an input before the masked-input request', async () => {
    const run = makeRound({ n: 4, neighbours: 3, threshold: 2, vectorLength: 2, seed: 12 });
    const bare = new SecAggClientRound('client-0', new SeededRandom(3)); // never given an input
    (run.clients as SecAggClientRound[])[0] = bare;
    await runStage(run, noDrops);
    await runStage(run, noDrops);
    await rejects(bare.handle(requestFor(run, 'client-0')), 'INVALID_ARGUMENT', /call setInput before the maskedInput request/);
    expect(bare.stage).toBe('maskedInput');
  });
});

describe('SecAggClientRound never reveals both shares of one neighbour', () => {
  async function unmaskCase(seed: number): Promise<{ client: SecAggClientRound; request: UnmaskRequest }> {
    const run = await roundAt('unmask', seed);
    return { client: run.clients[0] as SecAggClientRound, request: requestFor(run, 'client-0') as UnmaskRequest };
  }

  it('refuses a neighbour listed as both survivor and dropped, and then refuses everything', async () => {
    const { client, request } = await unmaskCase(31);
    const v = request.survivors[0] as number;
    await rejects(client.handle({ ...request, dropped: [v] }), 'INVALID_DATA', new RegExp(`client ${v} as both survivor and dropped; refusing to reveal both`));
    expect(client.stage).toBe('aborted');
    await rejects(client.handle(request), 'INVALID_DATA', /round is aborted/);
  });

  it('refuses strangers, unclassified neighbours and too few survivors', async () => {
    let c = await unmaskCase(32);
    await rejects(c.client.handle({ ...c.request, dropped: [0] }), 'INVALID_DATA', /lists 0 in dropped, which is not a neighbour/);
    c = await unmaskCase(33);
    await rejects(c.client.handle({ ...c.request, survivors: c.request.survivors.slice(1) }), 'INVALID_DATA', /does not say whether neighbour \d+ survived or dropped/);
    c = await unmaskCase(34);
    const [a, b, ...rest] = c.request.survivors;
    await rejects(
      c.client.handle({ ...c.request, survivors: [a as number], dropped: [b as number, ...rest] }),
      'ROUND_INCOMPLETE',
      /1 surviving neighbours; client client-0 reveals shares only if at least threshold = 3 survived/,
    );
  });

  it('answers the unmask request once: a second request with the lists swapped is refused', async () => {
    const { client, request } = await unmaskCase(35);
    const reply = await client.handle(request);
    expect(reply.stage === 'unmask' && reply.selfMaskShares.map((s) => s.owner)).toEqual(request.survivors);
    expect(reply.stage === 'unmask' && reply.keyShares.length).toBe(0);
    await rejects(client.handle({ ...request, survivors: [], dropped: request.survivors }), 'INVALID_DATA', /round is done/);
  });
});
