import { describe, expect, it } from 'vitest';
import { CohortError } from '../../src/errors.js';
import type { SecAggClientMessage, SecAggServerMessage } from '../../src/secagg/index.js';
import { SecAggServerRound } from '../../src/secagg/index.js';
import { type RoundRun, makeRound, plainSum } from './harness.js';

/** All clients' replies to the current stage, without handing them to the server. */
async function collect(run: RoundRun): Promise<Map<string, SecAggClientMessage>> {
  const out = new Map<string, SecAggClientMessage>();
  for (const [id, request] of run.server.requests()) {
    const client = run.clients[run.parameters.clientIds.indexOf(id)];
    out.set(id, await (client as NonNullable<typeof client>).handle(request));
  }
  return out;
}

function expectRejected(run: RoundRun, id: string, message: unknown, pattern: RegExp): void {
  const before = snapshot(run.server);
  let error: unknown;
  try {
    run.server.receive(id, message as SecAggClientMessage);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CohortError);
  expect((error as CohortError).code).toBe('INVALID_DATA');
  expect((error as CohortError).message).toMatch(pattern);
  expect(snapshot(run.server)).toEqual(before);
}

function snapshot(server: SecAggServerRound): unknown {
  return { stage: server.stage, requests: [...server.requests()].map(([id, m]) => [id, JSON.stringify(m, (_k, v: unknown) => (v instanceof Uint8Array ? Array.from(v) : v))]) };
}

const withRound = (m: SecAggClientMessage, round: number): SecAggClientMessage => ({ ...m, round });
const withSession = (m: SecAggClientMessage): SecAggClientMessage => ({ ...m, sessionId: new Uint8Array(32).fill(7) });

describe('SecAggServerRound refuses bad messages without changing state', () => {
  it('at every stage: unknown sender, other round or session, wrong stage, duplicates, wrong shapes — and the round still sums exactly', async () => {
    const run = makeRound({ n: 8, neighbours: 4, threshold: 3, vectorLength: 6, seed: 3 });
    const ids = run.parameters.clientIds;
    const a = ids[0] as string;
    const b = ids[1] as string;
    const earlier: SecAggClientMessage[] = [];

    // --- setup
    let replies = await collect(run);
    let first = replies.get(a) as SecAggClientMessage;
    expectRejected(run, 'mallory', first, /unknown sender "mallory"/);
    expectRejected(run, a, withRound(first, 2), /round 2, this is round 1/);
    expectRejected(run, a, withSession(first), /session id/);
    expectRejected(run, a, { ...first, stage: 'maskedInput', maskedInput: new Uint32Array(6) }, /out-of-stage.*maskedInput.*setup/);
    expectRejected(run, a, { ...first, cPk: new Uint8Array(31) }, /cPk from client-0 must be 32 bytes \(got 31\)/);
    expectRejected(run, a, { ...first, sPk: (first as { cPk: Uint8Array }).cPk }, /repeat a key/);
    run.server.receive(a, first);
    expectRejected(run, a, first, /duplicate setup reply from client client-0/);
    expectRejected(run, b, { ...(replies.get(b) as SecAggClientMessage), cPk: (first as { cPk: Uint8Array }).cPk }, /repeat a key/);
    for (const [id, m] of replies) if (id !== a) run.server.receive(id, m);
    earlier.push(first);
    await run.server.advance();

    // --- shareKeys
    replies = await collect(run);
    first = replies.get(a) as SecAggClientMessage & { stage: 'shareKeys' };
    const shares = (first as unknown as { shares: { receiver: number; ciphertext: Uint8Array }[] }).shares;
    expectRejected(run, a, earlier[0], /out-of-stage.*setup.*shareKeys/); // a replayed setup reply
    const stranger = [...Array(8).keys()].find((v) => v !== 0 && !run.server.neighboursOf(a).includes(ids[v] as string)) as number;
    expectRejected(run, a, { ...first, shares: [...shares.slice(1), { receiver: stranger, ciphertext: shares[0]?.ciphertext }] }, /share for \d+, which is not one of its neighbours/);
    expectRejected(run, a, { ...first, shares: shares.slice(1) }, /shares for 3 of its 4 neighbours/);
    expectRejected(run, a, { ...first, shares: [...shares, shares[0]] }, /two shares for client/);
    expectRejected(run, a, { ...first, shares: shares.map((s, i) => (i === 0 ? { ...s, ciphertext: s.ciphertext.subarray(1) } : s)) }, /must be \d+ bytes/);
    run.server.receive(a, first);
    expectRejected(run, a, first, /duplicate shareKeys reply/);
    for (const [id, m] of replies) if (id !== a) run.server.receive(id, m);
    earlier.push(first);
    await run.server.advance();

    // --- maskedInput
    replies = await collect(run);
    first = replies.get(a) as SecAggClientMessage;
    expectRejected(run, a, earlier[1], /out-of-stage.*shareKeys.*maskedInput/);
    expectRejected(run, a, { ...first, maskedInput: new Uint32Array(5) }, /masked input from client-0 must be 6 words \(got 5\)/);
    expectRejected(run, a, withRound(first, 0), /round 0, this is round 1/);
    run.server.receive(a, first);
    expectRejected(run, a, first, /duplicate maskedInput reply/);
    for (const [id, m] of replies) if (id !== a) run.server.receive(id, m);
    await run.server.advance();

    // --- unmask
    replies = await collect(run);
    first = replies.get(a) as SecAggClientMessage & { stage: 'unmask' };
    const selfMaskShares = (first as unknown as { selfMaskShares: { owner: number; share: Uint8Array }[] }).selfMaskShares;
    expectRejected(run, a, { ...first, selfMaskShares: selfMaskShares.slice(1) }, /must send 4 selfMaskShares \(got 3\)/);
    expectRejected(run, a, { ...first, keyShares: [{ owner: selfMaskShares[0]?.owner, share: selfMaskShares[0]?.share }] }, /must send 0 keyShares/);
    expectRejected(run, a, { ...first, selfMaskShares: selfMaskShares.map((s, i) => (i === 0 ? { ...s, owner: stranger } : s)) }, /which it was not asked for/);
    expectRejected(run, a, { ...first, selfMaskShares: selfMaskShares.map((s, i) => (i === 0 ? { ...s, share: s.share.subarray(2) } : s)) }, /must be 35 bytes/);
    // A share re-labelled with another holder's x-coordinate is refused.
    const relabelled = selfMaskShares.map((s, i) => (i === 0 ? { ...s, share: Uint8Array.from(s.share, (x, j) => (j === 1 ? x + 1 : x)) } : s));
    expectRejected(run, a, { ...first, selfMaskShares: relabelled }, /has x = 2, expected 1/);
    for (const [id, m] of replies) run.server.receive(id, m);
    expectRejected(run, a, first, /duplicate unmask reply/);
    await run.server.advance();

    expect(run.server.stage).toBe('done');
    const result = run.server.result();
    expect(Array.from(result.sum)).toEqual(Array.from(plainSum(run, ids)));
    expectRejected(run, a, first, /after the round closed \(stage done\)/);
    await expect(run.server.advance()).rejects.toMatchObject({ code: 'INVALID_DATA' });
  });

  it('refuses a late message from a client that dropped out earlier', async () => {
    const run = makeRound({ n: 6, neighbours: 5, threshold: 3, vectorLength: 2, seed: 9 });
    const replies = await collect(run);
    for (const [id, m] of replies) if (id !== 'client-2') run.server.receive(id, m);
    await run.server.advance(); // client-2 missed setup: a dropout
    expect(run.server.requests().has('client-2')).toBe(false);
    const late = await collect(run);
    expect(late.has('client-2')).toBe(false);
    const reply = late.get('client-0') as SecAggClientMessage;
    expectRejected(run, 'client-2', reply, /client-2 is not part of stage shareKeys/);
  });

  it('aborts (INVALID_DATA) when the key shares of a dropped client do not rebuild the key it advertised', async () => {
    const run = makeRound({ n: 8, neighbours: 4, threshold: 3, vectorLength: 3, seed: 14 });
    for (let stage = 0; stage < 2; stage++) {
      for (const [id, m] of await collect(run)) run.server.receive(id, m);
      await run.server.advance();
    }
    for (const [id, m] of await collect(run)) if (id !== 'client-5') run.server.receive(id, m); // client-5 drops
    await run.server.advance();
    for (const [id, m] of await collect(run)) {
      if (m.stage !== 'unmask') throw new Error('expected unmask replies');
      // Every holder alters the last byte of its share of client-5's key (still a valid encoding).
      const keyShares = m.keyShares.map((s) => (s.owner === 5 ? { ...s, share: s.share.map((b, j) => (j === 34 ? b ^ 1 : b)) } : s));
      run.server.receive(id, { ...m, keyShares });
    }
    await expect(run.server.advance()).rejects.toThrow(/the shares of client client-5's mask key do not rebuild the key it advertised/);
    expect(run.server.stage).toBe('aborted');
    expect(() => run.server.result()).toThrow(/no result/);
  });

  it('validates its parameters (INVALID_ARGUMENT naming the parameter)', () => {
    const base = { round: 1, sessionId: new Uint8Array(32), clientIds: ['a', 'b', 'c', 'd', 'e'], threshold: 3, neighbours: 4, vectorLength: 3 };
    const cases: [Partial<typeof base>, RegExp][] = [
      [{ threshold: 2 }, /threshold must be an integer with k\/2 < t ≤ k for k = 4 neighbours \(got 2\)/],
      [{ threshold: 5 }, /threshold/],
      [{ neighbours: 3 }, /neighbours must be even .* or 4 \(complete graph\) \(got 3\)/],
      [{ neighbours: 5 }, /neighbours must be an integer in \[1, 4\] for 5 clients \(got 5\)/],
      [{ sessionId: new Uint8Array(16) }, /sessionId must be 32 bytes \(got 16 bytes\)/],
      [{ clientIds: ['a', 'b', 'a', 'd', 'e'] }, /clientIds must be unique/],
      [{ clientIds: ['a'] }, /clientIds must be 2 to 65535 clients/],
      [{ vectorLength: 0 }, /vectorLength/],
      [{ round: -1 }, /round must be an integer in \[0, 2\^32\)/],
    ];
    for (const [change, pattern] of cases) {
      expect(() => new SecAggServerRound({ ...base, ...change })).toThrow(pattern);
    }
  });

  it('result() before the round is done throws ROUND_INCOMPLETE', () => {
    const run = makeRound({ n: 3, neighbours: 2, threshold: 2, vectorLength: 1, seed: 1 });
    expect(() => run.server.result()).toThrow(expect.objectContaining({ code: 'ROUND_INCOMPLETE' }) as Error);
    const request = run.server.requests().get('client-0') as SecAggServerMessage;
    expect(request.stage).toBe('setup');
  });
});
