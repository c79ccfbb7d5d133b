/**
 * The server side of one SecAgg+ round (Bonawitz et al. CCS 2017 with the sparse neighbour graph
 * of Bell et al. CCS 2020). Transport-free: a driver sends `requests()` to the live clients,
 * feeds their replies to `receive`, and calls `advance()` at the stage deadline; clients that did
 * not reply by then are dropouts.
 *
 * Client sets (Bonawitz et al.'s notation): U1 advertised keys, U2 shared keys, U3 sent a masked
 * input (the survivors), U5 answered the unmask request. After each of the first two stages,
 * clients with fewer than t neighbours left in the set are excluded (repeatedly): their secrets
 * could never be rebuilt. The round aborts (ROUND_INCOMPLETE, stage 'aborted') as soon as fewer
 * than t clients remain or some needed secret cannot get t shares — before any share is
 * requested when that is already known after the masked-input stage.
 *
 * Unmasking costs O(|U3| + |U2 \ U3|·k) PRG expansions:
 *   Σ_{u∈U3} x_u = Σ_{u∈U3} y_u − Σ_{u∈U3} PRG(b_u) − Σ_{v∈U2\U3} Σ_{w∈N(v)∩U3} sign(w,v)·PRG(s_wv)
 * since the pairwise masks of two survivors cancel in the sum.
 */
import { addSeedMask } from '../crypto/prg.js';
import { type RandomSource, requireSecure } from '../crypto/random.js';
import { SHAMIR_SHARE_BYTES, type ShamirShare, decodeShamirShare, shamirCombineBytes } from '../crypto/shamir.js';
import { X25519_KEY_BYTES, importX25519PrivateKey, x25519PublicKeyOf } from '../crypto/x25519.js';
import { CohortError, formatValue } from '../errors.js';
import { type PeerPair, SEED_BYTES, SHARE_CIPHERTEXT_BYTES, forEachLimited, maskSign, pairwiseMaskSeed } from './derive.js';
import { NeighbourGraph } from './graph.js';
import type {
  AdvertiseKeysReply,
  EncryptedShare,
  ForwardedShare,
  MaskedInputReply,
  NeighbourPublicKeys,
  SecAggClientMessage,
  SecAggServerMessage,
  ShareKeysReply,
  UnmaskReply,
} from './messages.js';
import { type SecAggParameters, validateParameters } from './parameters.js';

export type SecAggServerStage = 'setup' | 'shareKeys' | 'maskedInput' | 'unmask' | 'done' | 'aborted';

export interface SecAggResult {
  /** Σ of the survivors' inputs mod 2^32. */
  readonly sum: Uint32Array;
  /** Clients whose input is in the sum (U3), in roster order. */
  readonly survivors: readonly string[];
  /** Every other roster client, in roster order. */
  readonly dropped: readonly string[];
}

/** PRG expansions in flight while unmasking (each holds ≤ 4 MiB of keystream; 16 keeps WebCrypto's thread pool busy). */
const UNMASK_CONCURRENCY = 16;

function invalid(message: string, subject = 'message'): CohortError {
  return new CohortError('INVALID_DATA', message, { subject });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

export class SecAggServerRound {
  readonly parameters: SecAggParameters;
  private readonly graph: NeighbourGraph;
  private readonly indexOf = new Map<string, number>();
  private current: SecAggServerStage = 'setup';
  private closing = false;
  /** Clients expected to reply in the current stage, and those that did. */
  private live: Uint8Array;
  private replied: Uint8Array;
  private readonly publicKeys: (NeighbourPublicKeys | undefined)[];
  private readonly seenKeys = new Set<string>();
  private u1: Uint8Array | undefined;
  private u2: Uint8Array | undefined;
  private u3: Uint8Array | undefined;
  private outgoing: (readonly EncryptedShare[] | undefined)[];
  private inbox: ForwardedShare[][] = [];
  private sum: Uint32Array | undefined;
  private selfMaskShares: ShamirShare[][] = [];
  private keyShares: ShamirShare[][] = [];
  private outcome: SecAggResult | undefined;

  constructor(parameters: SecAggParameters, rng?: RandomSource) {
    validateParameters(parameters);
    this.parameters = { ...parameters, sessionId: parameters.sessionId.slice(), clientIds: [...parameters.clientIds] };
    const n = parameters.clientIds.length;
    this.parameters.clientIds.forEach((id, i) => this.indexOf.set(id, i));
    this.graph = NeighbourGraph.random(n, parameters.neighbours, requireSecure(rng, 'SecAgg neighbour graph'));
    this.live = new Uint8Array(n).fill(1);
    this.replied = new Uint8Array(n);
    this.publicKeys = new Array<NeighbourPublicKeys | undefined>(n);
    this.outgoing = new Array<readonly EncryptedShare[] | undefined>(n);
  }

  get stage(): SecAggServerStage {
    return this.current;
  }

  /** The roster ids of `clientId`'s neighbours in this round's graph. */
  neighboursOf(clientId: string): readonly string[] {
    return this.graph.neighbours(this.requireIndex(clientId)).map((v) => this.parameters.clientIds[v] as string);
  }

  /** What to send now, per live client (empty once done or aborted). */
  requests(): Map<string, SecAggServerMessage> {
    const out = new Map<string, SecAggServerMessage>();
    if (this.current === 'done' || this.current === 'aborted') return out;
    const p = this.parameters;
    const header = { round: p.round, sessionId: p.sessionId };
    for (let u = 0; u < this.live.length; u++) {
      if (this.live[u] !== 1) continue;
      const id = p.clientIds[u] as string;
      switch (this.current) {
        case 'setup':
          out.set(id, {
            stage: 'setup',
            ...header,
            clientIds: p.clientIds,
            threshold: p.threshold,
            neighbours: p.neighbours,
            vectorLength: p.vectorLength,
            neighbourIndices: this.graph.neighbours(u),
          });
          break;
        case 'shareKeys':
          out.set(id, { stage: 'shareKeys', ...header, publicKeys: this.neighboursIn(u, this.u1).map((v) => this.publicKeys[v] as NeighbourPublicKeys) });
          break;
        case 'maskedInput':
          out.set(id, { stage: 'maskedInput', ...header, shares: this.inbox[u] ?? [] });
          break;
        case 'unmask': {
          const { survivors, dropped } = this.unmaskLists(u);
          out.set(id, { stage: 'unmask', ...header, survivors, dropped });
          break;
        }
      }
    }
    return out;
  }

  /**
   * Accepts one client's reply to the current stage. Refuses (INVALID_DATA, state unchanged) an
   * unknown sender, a message of another round or session, of another stage, from a client not
   * live in this stage, a duplicate, or a reply whose content does not fit what was asked.
   */
  receive(clientId: string, message: SecAggClientMessage): void {
    const u = this.indexOf.get(clientId);
    if (u === undefined) throw invalid(`unknown sender ${formatValue(clientId)}: not in this round's roster`, 'clientId');
    if (this.current === 'done' || this.current === 'aborted' || this.closing) {
      throw invalid(`a ${formatValue(message?.stage)} message from ${clientId} arrived after the round closed (stage ${this.current})`, 'stage');
    }
    if (typeof message !== 'object' || message === null) throw invalid(`message from ${clientId} must be a SecAgg client message`);
    const p = this.parameters;
    if (message.round !== p.round) {
      throw invalid(`replayed or misrouted message from ${clientId}: it is for round ${formatValue(message.round)}, this is round ${p.round}`, 'round');
    }
    if (!(message.sessionId instanceof Uint8Array) || !sameBytes(message.sessionId, p.sessionId)) {
      throw invalid(`replayed or misrouted message from ${clientId}: its session id is not this round's`, 'sessionId');
    }
    if (message.stage !== this.current) {
      throw invalid(`out-of-stage message from ${clientId}: a ${formatValue(message.stage)} reply while the round is at ${this.current}`, 'stage');
    }
    if (this.live[u] !== 1) {
      throw invalid(`client ${clientId} is not part of stage ${this.current}: it dropped out or was excluded earlier`, 'clientId');
    }
    if (this.replied[u] === 1) throw invalid(`duplicate ${this.current} reply from client ${clientId}`, 'clientId');
    switch (message.stage) {
      case 'setup':
        this.acceptKeys(u, message);
        break;
      case 'shareKeys':
        this.acceptShares(u, message);
        break;
      case 'maskedInput':
        this.acceptMaskedInput(u, message);
        break;
      case 'unmask':
        this.acceptUnmask(u, message);
        break;
    }
    this.replied[u] = 1;
  }

  /**
   * Closes the current stage: live clients that did not reply become dropouts. Throws
   * ROUND_INCOMPLETE (stage 'aborted') when the round can no longer complete.
   */
  async advance(): Promise<void> {
    if (this.closing) throw invalid('advance() is already running', 'stage');
    const t = this.parameters.threshold;
    switch (this.current) {
      case 'setup': {
        const u1 = this.prune(this.replied.slice());
        this.requireCount(u1, `clients advertised keys (with at least t = ${t} neighbours that did too)`);
        this.u1 = u1;
        this.enter('shareKeys', u1);
        return;
      }
      case 'shareKeys': {
        const u2 = this.prune(this.replied.slice());
        this.requireCount(u2, `clients shared keys (with at least t = ${t} neighbours that did too)`);
        const n = u2.length;
        this.inbox = Array.from({ length: n }, () => []);
        for (let v = 0; v < n; v++) {
          if (u2[v] !== 1) continue;
          for (const share of this.outgoing[v] as readonly EncryptedShare[]) {
            if (u2[share.receiver] === 1) (this.inbox[share.receiver] as ForwardedShare[]).push({ sender: v, ciphertext: share.ciphertext });
          }
        }
        this.outgoing = [];
        this.u2 = u2;
        this.sum = new Uint32Array(this.parameters.vectorLength);
        this.enter('maskedInput', u2);
        return;
      }
      case 'maskedInput': {
        const u2 = this.u2 as Uint8Array;
        const u3 = this.replied.slice();
        this.inbox = [];
        this.requireCount(u3, 'clients sent a masked input');
        // Every secret needed later (b_v for v ∈ U3, s_sk_v for v ∈ U2 \ U3) must have t holders
        // left in U3; otherwise abort now, before any share is revealed.
        for (let v = 0; v < u2.length; v++) {
          if (u2[v] !== 1) continue;
          const holders = this.neighboursIn(v, u3).length;
          if (holders < t) {
            this.fail(
              `client ${this.parameters.clientIds[v]}'s ${u3[v] === 1 ? 'self mask b' : 'mask key s_sk'} can be rebuilt from only ${holders} surviving neighbours; threshold is ${t}`,
            );
          }
        }
        this.u3 = u3;
        this.selfMaskShares = Array.from({ length: u3.length }, () => []);
        this.keyShares = Array.from({ length: u3.length }, () => []);
        this.enter('unmask', u3);
        return;
      }
      case 'unmask':
        this.closing = true;
        try {
          await this.unmask();
        } finally {
          this.closing = false;
        }
        return;
      default:
        throw invalid(`advance() after the round ended (stage ${this.current})`, 'stage');
    }
  }

  /** The sum and who is in it; only after stage 'done'. */
  result(): SecAggResult {
    if (this.outcome === undefined) {
      throw new CohortError('ROUND_INCOMPLETE', `the SecAgg round has no result: it is at stage ${this.current}`, { subject: 'stage' });
    }
    return this.outcome;
  }

  private requireIndex(clientId: string): number {
    const u = this.indexOf.get(clientId);
    if (u === undefined) throw new CohortError('INVALID_ARGUMENT', `clientId ${formatValue(clientId)} is not in this round's roster`, { subject: 'clientId' });
    return u;
  }

  private neighboursIn(u: number, set: Uint8Array | undefined): number[] {
    return this.graph.neighbours(u).filter((v) => set?.[v] === 1);
  }

  private unmaskLists(u: number): { survivors: number[]; dropped: number[] } {
    const u3 = this.u3 as Uint8Array;
    const survivors: number[] = [];
    const dropped: number[] = [];
    for (const v of this.neighboursIn(u, this.u2)) (u3[v] === 1 ? survivors : dropped).push(v);
    return { survivors, dropped };
  }

  private enter(stage: SecAggServerStage, live: Uint8Array): void {
    this.current = stage;
    this.live = live;
    this.replied = new Uint8Array(live.length);
  }

  private count(set: Uint8Array): number {
    let c = 0;
    for (const x of set) c += x;
    return c;
  }

  private requireCount(set: Uint8Array, what: string): void {
    const c = this.count(set);
    if (c < this.parameters.threshold) this.fail(`stage ${this.current}: only ${c} ${what}; threshold is ${this.parameters.threshold}`);
  }

  /** Removes, repeatedly, members with fewer than t neighbours in the set (a k-core peel). */
  private prune(set: Uint8Array): Uint8Array {
    const t = this.parameters.threshold;
    const degree = new Int32Array(set.length);
    const queue: number[] = [];
    for (let u = 0; u < set.length; u++) {
      if (set[u] !== 1) continue;
      degree[u] = this.neighboursIn(u, set).length;
      if ((degree[u] as number) < t) queue.push(u);
    }
    while (queue.length > 0) {
      const u = queue.pop() as number;
      if (set[u] !== 1) continue;
      set[u] = 0;
      for (const v of this.graph.neighbours(u)) {
        if (set[v] === 1 && --(degree[v] as number) < t) queue.push(v);
      }
    }
    return set;
  }

  private fail(message: string, code: 'ROUND_INCOMPLETE' | 'INVALID_DATA' = 'ROUND_INCOMPLETE'): never {
    this.current = 'aborted';
    this.live = new Uint8Array(this.live.length);
    this.sum?.fill(0);
    this.sum = undefined;
    this.inbox = [];
    this.outgoing = [];
    this.selfMaskShares = [];
    this.keyShares = [];
    throw new CohortError(code, `SecAgg round ${this.parameters.round} aborted: ${message}`, { subject: 'round' });
  }

  private acceptKeys(u: number, message: AdvertiseKeysReply): void {
    const id = this.parameters.clientIds[u] as string;
    for (const [name, key] of [['cPk', message.cPk], ['sPk', message.sPk]] as const) {
      if (!(key instanceof Uint8Array) || key.length !== X25519_KEY_BYTES) {
        throw invalid(`${name} from ${id} must be ${X25519_KEY_BYTES} bytes (got ${key instanceof Uint8Array ? key.length : formatValue(key)})`, name);
      }
    }
    const c = hex(message.cPk);
    const s = hex(message.sPk);
    if (c === s || this.seenKeys.has(c) || this.seenKeys.has(s)) throw invalid(`public keys from ${id} repeat a key already advertised in this round`, 'cPk');
    this.seenKeys.add(c);
    this.seenKeys.add(s);
    this.publicKeys[u] = { index: u, cPk: message.cPk.slice(), sPk: message.sPk.slice() };
  }

  private acceptShares(u: number, message: ShareKeysReply): void {
    const id = this.parameters.clientIds[u] as string;
    const expected = new Set(this.neighboursIn(u, this.u1));
    if (!Array.isArray(message.shares)) throw invalid(`shares from ${id} must be a list`, 'shares');
    const seen = new Set<number>();
    for (const share of message.shares) {
      if (!expected.has(share.receiver)) {
        throw invalid(`${id} sent a share for ${formatValue(share.receiver)}, which is not one of its neighbours that advertised keys`, 'shares');
      }
      if (seen.has(share.receiver)) throw invalid(`${id} sent two shares for client ${share.receiver}`, 'shares');
      seen.add(share.receiver);
      if (!(share.ciphertext instanceof Uint8Array) || share.ciphertext.length !== SHARE_CIPHERTEXT_BYTES) {
        throw invalid(`${id}'s share for client ${share.receiver} must be ${SHARE_CIPHERTEXT_BYTES} bytes`, 'shares');
      }
    }
    if (seen.size !== expected.size) throw invalid(`${id} sent shares for ${seen.size} of its ${expected.size} neighbours; every neighbour needs one`, 'shares');
    this.outgoing[u] = message.shares.map((s) => ({ receiver: s.receiver, ciphertext: s.ciphertext.slice() }));
  }

  private acceptMaskedInput(u: number, message: MaskedInputReply): void {
    const y = message.maskedInput;
    const length = this.parameters.vectorLength;
    if (!(y instanceof Uint32Array) || y.length !== length) {
      throw invalid(`masked input from ${this.parameters.clientIds[u]} must be ${length} words (got ${y instanceof Uint32Array ? y.length : formatValue(y)})`, 'maskedInput');
    }
    const sum = this.sum as Uint32Array;
    for (let i = 0; i < length; i++) sum[i] = (sum[i] as number) + (y[i] as number); // stored mod 2^32
  }

  private acceptUnmask(u: number, message: UnmaskReply): void {
    const id = this.parameters.clientIds[u] as string;
    const { survivors, dropped } = this.unmaskLists(u);
    const decode = (list: UnmaskReply['selfMaskShares'], owners: number[], name: string): ShamirShare[] => {
      if (!Array.isArray(list) || list.length !== owners.length) {
        throw invalid(`${id} must send ${owners.length} ${name} (got ${Array.isArray(list) ? list.length : formatValue(list)})`, name);
      }
      const sorted = [...list].sort((a, b) => a.owner - b.owner);
      return sorted.map((entry, i) => {
        if (entry.owner !== owners[i]) throw invalid(`${id} sent ${name} for ${formatValue(entry.owner)}, which it was not asked for`, name);
        if (!(entry.share instanceof Uint8Array) || entry.share.length !== SHAMIR_SHARE_BYTES) {
          throw invalid(`${id}'s ${name} entry for client ${entry.owner} must be ${SHAMIR_SHARE_BYTES} bytes`, name);
        }
        const share = decodeShamirShare(entry.share);
        if (share.x !== u + 1) throw invalid(`${id}'s ${name} entry for client ${entry.owner} has x = ${share.x}, expected ${u + 1}`, name);
        return share;
      });
    };
    const selfMask = decode(message.selfMaskShares, survivors, 'selfMaskShares');
    const keys = decode(message.keyShares, dropped, 'keyShares');
    survivors.forEach((v, i) => (this.selfMaskShares[v] as ShamirShare[]).push(selfMask[i] as ShamirShare));
    dropped.forEach((v, i) => (this.keyShares[v] as ShamirShare[]).push(keys[i] as ShamirShare));
  }

  private async unmask(): Promise<void> {
    const p = this.parameters;
    const t = p.threshold;
    const u2 = this.u2 as Uint8Array;
    const u3 = this.u3 as Uint8Array;
    this.requireCount(this.replied, 'clients answered the unmask request');
    const survivors: number[] = [];
    const dropouts: number[] = [];
    for (let v = 0; v < u2.length; v++) {
      if (u2[v] !== 1) continue;
      const shares = u3[v] === 1 ? (this.selfMaskShares[v] as ShamirShare[]) : (this.keyShares[v] as ShamirShare[]);
      if (shares.length < t) {
        this.fail(`only ${shares.length} shares of client ${p.clientIds[v]}'s ${u3[v] === 1 ? 'self mask b' : 'mask key s_sk'} arrived; threshold is ${t}`);
      }
      (u3[v] === 1 ? survivors : dropouts).push(v);
    }
    const sum = this.sum as Uint32Array;
    try {
      const tasks: (() => Promise<void>)[] = [];
      for (const v of survivors) {
        // b_v from exactly t shares (Shamir 1979); remove PRG(b_v).
        const seed = shamirCombineBytes((this.selfMaskShares[v] as ShamirShare[]).slice(0, t), t, SEED_BYTES);
        tasks.push(async () => {
          await addSeedMask(sum, seed, -1);
          seed.fill(0);
        });
      }
      // s_sk_v of each dropped v from t shares, checked against the s_pk_v it advertised.
      const recovered = await Promise.all(
        dropouts.map(async (v) => {
          const raw = shamirCombineBytes((this.keyShares[v] as ShamirShare[]).slice(0, t), t, X25519_KEY_BYTES);
          try {
            const matches = sameBytes(await x25519PublicKeyOf(raw), (this.publicKeys[v] as NeighbourPublicKeys).sPk);
            return { v, privateKey: matches ? await importX25519PrivateKey(raw) : undefined };
          } finally {
            raw.fill(0);
          }
        }),
      );
      for (const { v, privateKey } of recovered) {
        if (privateKey === undefined) {
          this.fail(`the shares of client ${p.clientIds[v]}'s mask key do not rebuild the key it advertised`, 'INVALID_DATA');
        }
        for (const w of this.neighboursIn(v, u3)) {
          // w added sign(w,v)·PRG(s_wv) to y_w; v's masked input never came, so remove it.
          const pair: PeerPair = { lowId: p.clientIds[Math.min(v, w)] as string, highId: p.clientIds[Math.max(v, w)] as string };
          tasks.push(async () => {
            const seed = await pairwiseMaskSeed(privateKey, (this.publicKeys[w] as NeighbourPublicKeys).sPk, p.sessionId, p.round, pair);
            await addSeedMask(sum, seed, maskSign(w, v) === 1 ? -1 : 1);
            seed.fill(0);
          });
        }
      }
      await forEachLimited(tasks, UNMASK_CONCURRENCY, (task) => task());
    } catch (error) {
      if (this.current === 'aborted') throw error;
      this.fail(`unmasking failed: ${(error as Error).message}`, error instanceof CohortError && error.code === 'INVALID_DATA' ? 'INVALID_DATA' : 'ROUND_INCOMPLETE');
    }
    const ids = p.clientIds;
    this.outcome = {
      sum,
      survivors: ids.filter((_, i) => u3[i] === 1),
      dropped: ids.filter((_, i) => u3[i] !== 1),
    };
    this.selfMaskShares = [];
    this.keyShares = [];
    this.live = new Uint8Array(this.live.length);
    this.current = 'done';
  }
}
