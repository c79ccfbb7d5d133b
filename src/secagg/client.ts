/**
 * The client side of one SecAgg+ round (Bonawitz et al. CCS 2017, Fig. 4, restricted to the
 * neighbours of Bell et al. CCS 2020). One instance per client per round; `handle` answers the
 * server's requests in stage order:
 *   setup       → two fresh X25519 key pairs (c: share channel, s: mask seeds) and b_u (32 bytes)
 *   shareKeys   → t-of-k Shamir shares of b_u and s_sk_u, one pair per neighbour, AES-GCM encrypted
 *   maskedInput → y_u = x_u + PRG(b_u) + Σ_{v ∈ U2 neighbours} ±PRG(s_uv) mod 2^32
 *   unmask      → shares of b_v for surviving neighbours, of s_sk_v for dropped ones — never both
 *                 for one v, and only once per round.
 * A malformed, replayed or out-of-stage request is refused (CohortError INVALID_DATA) without
 * changing state; a request that would be unsafe to answer (too few neighbours or survivors,
 * survivor and dropped sets that overlap or name strangers) aborts this client's round.
 */
import { aesGcmOpen, aesGcmSeal } from '../crypto/aes-gcm.js';
import { addSeedMask } from '../crypto/prg.js';
import { type RandomSource, requireSecure } from '../crypto/random.js';
import { encodeShamirShare, shamirSplitBytes } from '../crypto/shamir.js';
import { type X25519KeyPair, X25519_KEY_BYTES, exportX25519PrivateKey, generateX25519KeyPair } from '../crypto/x25519.js';
import { CohortError, check, formatValue } from '../errors.js';
import {
  type PeerPair,
  SEED_BYTES,
  SHARE_CIPHERTEXT_BYTES,
  decodeSharePayload,
  encodeSharePayload,
  forEachLimited,
  maskSign,
  pairwiseMaskSeed,
  shareAssociatedData,
  shareChannelKey,
} from './derive.js';
import type {
  AdvertiseKeysReply,
  MaskedInputReply,
  MaskedInputRequest,
  SecAggClientMessage,
  SecAggServerMessage,
  SetupRequest,
  ShareKeysReply,
  ShareKeysRequest,
  UnmaskReply,
  UnmaskRequest,
} from './messages.js';
import { type SecAggParameters, validateParameters } from './parameters.js';

export type SecAggClientStage = 'setup' | 'shareKeys' | 'maskedInput' | 'unmask' | 'done' | 'aborted';

/** PRG expansions in flight per client (each holds ≤ 4 MiB of keystream, see crypto/prg.ts). */
const MASK_CONCURRENCY = 8;

interface Peer {
  readonly cPk: Uint8Array;
  readonly sPk: Uint8Array;
  readonly channelKey: Uint8Array;
}

interface HeldShares {
  readonly selfMaskShare: Uint8Array;
  readonly keyShare: Uint8Array;
}

function invalid(message: string, subject = 'message'): CohortError {
  return new CohortError('INVALID_DATA', message, { subject });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export class SecAggClientRound {
  readonly clientId: string;
  private readonly rng: RandomSource;
  private current: SecAggClientStage = 'setup';
  private busy = false;
  private input: Uint32Array | undefined;
  private parameters: SecAggParameters | undefined;
  private index = -1;
  private neighbourSet = new Set<number>();
  private channelKeys: X25519KeyPair | undefined;
  private maskKeys: X25519KeyPair | undefined;
  private maskPrivateRaw: Uint8Array | undefined;
  private selfMaskSeed: Uint8Array | undefined;
  private readonly peers = new Map<number, Peer>();
  private readonly held = new Map<number, HeldShares>();

  constructor(clientId: string, rng?: RandomSource) {
    check(typeof clientId === 'string' && clientId.length > 0, 'clientId', clientId, 'a non-empty string');
    this.clientId = clientId;
    this.rng = requireSecure(rng, 'SecAgg client keys, self mask and shares');
  }

  get stage(): SecAggClientStage {
    return this.current;
  }

  /** The vector to aggregate (mod 2^32); copied. Set before the maskedInput request. */
  setInput(input: Uint32Array): void {
    check(input instanceof Uint32Array, 'input', input, 'a Uint32Array');
    const length = this.parameters?.vectorLength;
    if (length !== undefined && input.length !== length) {
      throw new CohortError('INVALID_ARGUMENT', `input must have the round's vectorLength = ${length} words (got ${input.length})`, { subject: 'input' });
    }
    if (this.current !== 'setup' && this.current !== 'shareKeys' && this.current !== 'maskedInput') {
      throw new CohortError('INVALID_ARGUMENT', `input can only be set before the masked input is sent (client ${this.clientId} is at ${this.current})`, { subject: 'input' });
    }
    this.input = input.slice();
  }

  async handle(message: SecAggServerMessage): Promise<SecAggClientMessage> {
    if (this.busy) throw invalid(`client ${this.clientId} is still answering a request; a concurrent request was refused`);
    if (this.current === 'done' || this.current === 'aborted') {
      throw invalid(`client ${this.clientId}'s round is ${this.current}; the ${formatValue(message?.stage)} request was refused`, 'stage');
    }
    this.checkHeader(message);
    if (message.stage !== this.current) {
      const order = ['setup', 'shareKeys', 'maskedInput', 'unmask'];
      const replay = order.indexOf(message.stage) >= 0 && order.indexOf(message.stage) < order.indexOf(this.current);
      throw invalid(
        replay
          ? `replayed ${message.stage} request: client ${this.clientId} already answered it (now at ${this.current})`
          : `out-of-stage request ${formatValue(message.stage)}: client ${this.clientId} expects ${this.current}`,
        'stage',
      );
    }
    this.busy = true;
    try {
      switch (message.stage) {
        case 'setup':
          return await this.onSetup(message);
        case 'shareKeys':
          return await this.onShareKeys(message);
        case 'maskedInput':
          return await this.onMaskedInput(message);
        case 'unmask':
          return this.onUnmask(message);
      }
    } finally {
      this.busy = false;
    }
  }

  private checkHeader(message: SecAggServerMessage): void {
    if (typeof message !== 'object' || message === null) throw invalid(`request must be a SecAgg server message (got ${formatValue(message)})`);
    const p = this.parameters;
    if (p === undefined) return; // the setup request fixes round and session
    if (message.round !== p.round) {
      throw invalid(`replayed or misrouted request: it is for round ${formatValue(message.round)}, this is round ${p.round}`, 'round');
    }
    if (!(message.sessionId instanceof Uint8Array) || !sameBytes(message.sessionId, p.sessionId)) {
      throw invalid(`replayed or misrouted request: its session id is not this round's`, 'sessionId');
    }
  }

  private header(): { round: number; sessionId: Uint8Array } {
    const p = this.parameters as SecAggParameters;
    return { round: p.round, sessionId: p.sessionId };
  }

  private pair(v: number): PeerPair {
    const ids = (this.parameters as SecAggParameters).clientIds;
    const [low, high] = this.index < v ? [this.index, v] : [v, this.index];
    return { lowId: ids[low] as string, highId: ids[high] as string };
  }

  /** Refuses (and aborts this client's round) a request that cannot be answered safely. */
  private abort(code: 'INVALID_DATA' | 'ROUND_INCOMPLETE', message: string, subject: string): never {
    this.current = 'aborted';
    this.wipe();
    throw new CohortError(code, message, { subject });
  }

  private wipe(): void {
    this.maskPrivateRaw?.fill(0);
    this.selfMaskSeed?.fill(0);
    for (const peer of this.peers.values()) peer.channelKey.fill(0);
    for (const shares of this.held.values()) {
      shares.selfMaskShare.fill(0);
      shares.keyShare.fill(0);
    }
    this.held.clear();
  }

  private async onSetup(message: SetupRequest): Promise<AdvertiseKeysReply> {
    const parameters: SecAggParameters = {
      round: message.round,
      sessionId: message.sessionId,
      clientIds: message.clientIds,
      threshold: message.threshold,
      neighbours: message.neighbours,
      vectorLength: message.vectorLength,
    };
    validateParameters(parameters, 'INVALID_DATA');
    const index = message.clientIds.indexOf(this.clientId);
    if (index < 0) throw invalid(`client ${formatValue(this.clientId)} is not in the round's roster`, 'clientIds');
    const list = message.neighbourIndices;
    if (!Array.isArray(list) || list.length !== message.neighbours) {
      throw invalid(`neighbourIndices must list neighbours = ${message.neighbours} clients (got ${Array.isArray(list) ? list.length : formatValue(list)})`, 'neighbourIndices');
    }
    for (let i = 0; i < list.length; i++) {
      const v = list[i] as number;
      if (!Number.isInteger(v) || v < 0 || v >= message.clientIds.length || v === index || (i > 0 && v <= (list[i - 1] as number))) {
        throw invalid(`neighbourIndices must be ascending roster indices other than this client's own (${index}); got ${formatValue(v)} at position ${i}`, 'neighbourIndices');
      }
    }
    if (this.input !== undefined && this.input.length !== message.vectorLength) {
      throw invalid(`vectorLength = ${message.vectorLength} does not match the input set on this client (${this.input.length} words)`, 'vectorLength');
    }
    const [channelKeys, maskKeys] = await Promise.all([generateX25519KeyPair(), generateX25519KeyPair()]);
    const maskPrivateRaw = await exportX25519PrivateKey(maskKeys.privateKey);
    const selfMaskSeed = new Uint8Array(SEED_BYTES);
    this.rng.fillBytes(selfMaskSeed);
    this.parameters = { ...parameters, sessionId: parameters.sessionId.slice(), clientIds: [...parameters.clientIds] };
    this.index = index;
    this.neighbourSet = new Set(list);
    this.channelKeys = channelKeys;
    this.maskKeys = maskKeys;
    this.maskPrivateRaw = maskPrivateRaw;
    this.selfMaskSeed = selfMaskSeed;
    this.current = 'shareKeys';
    return { stage: 'setup', ...this.header(), cPk: channelKeys.publicKey, sPk: maskKeys.publicKey };
  }

  private async onShareKeys(message: ShareKeysRequest): Promise<ShareKeysReply> {
    const p = this.parameters as SecAggParameters;
    const channelKeys = this.channelKeys as X25519KeyPair;
    const maskKeys = this.maskKeys as X25519KeyPair;
    const seen = new Set<number>();
    for (const entry of message.publicKeys) {
      if (!this.neighbourSet.has(entry.index)) throw invalid(`public keys for ${formatValue(entry.index)}, which is not a neighbour of client ${this.index}`, 'publicKeys');
      if (seen.has(entry.index)) throw invalid(`duplicate public keys for client ${entry.index}`, 'publicKeys');
      seen.add(entry.index);
      for (const [name, key] of [['cPk', entry.cPk], ['sPk', entry.sPk]] as const) {
        if (!(key instanceof Uint8Array) || key.length !== X25519_KEY_BYTES) throw invalid(`${name} of client ${entry.index} must be ${X25519_KEY_BYTES} bytes`, 'publicKeys');
      }
      if (sameBytes(entry.cPk, channelKeys.publicKey) || sameBytes(entry.sPk, maskKeys.publicKey)) {
        throw invalid(`client ${entry.index} was given this client's own public key (reflected keys)`, 'publicKeys');
      }
    }
    if (message.publicKeys.length < p.threshold) {
      this.abort('ROUND_INCOMPLETE', `only ${message.publicKeys.length} neighbours of client ${this.clientId} advertised keys; threshold is ${p.threshold}`, 'publicKeys');
    }
    const peers = [...message.publicKeys].sort((a, b) => a.index - b.index);
    const xs = peers.map((peer) => peer.index + 1); // Shamir x-coordinate of client v is v + 1
    const selfMaskShares = shamirSplitBytes(this.selfMaskSeed as Uint8Array, p.threshold, xs, this.rng);
    const keyShares = shamirSplitBytes(this.maskPrivateRaw as Uint8Array, p.threshold, xs, this.rng);
    const sealed = await Promise.all(
      peers.map(async (peer, i) => {
        const channelKey = await shareChannelKey(channelKeys.privateKey, peer.cPk, p.sessionId, p.round, this.pair(peer.index));
        const plaintext = encodeSharePayload({
          sender: this.index,
          receiver: peer.index,
          selfMaskShare: selfMaskShares[i] as (typeof selfMaskShares)[number],
          keyShare: keyShares[i] as (typeof keyShares)[number],
        });
        const ad = shareAssociatedData(p.sessionId, p.round, this.clientId, p.clientIds[peer.index] as string);
        const ciphertext = await aesGcmSeal(channelKey, plaintext, ad, this.rng);
        plaintext.fill(0);
        return { channelKey, share: { receiver: peer.index, ciphertext } };
      }),
    );
    const shares = sealed.map((s) => s.share);
    const channel = sealed.map((s) => s.channelKey);
    peers.forEach((peer, i) => this.peers.set(peer.index, { cPk: peer.cPk.slice(), sPk: peer.sPk.slice(), channelKey: channel[i] as Uint8Array }));
    this.current = 'maskedInput';
    return { stage: 'shareKeys', ...this.header(), shares };
  }

  private async onMaskedInput(message: MaskedInputRequest): Promise<MaskedInputReply> {
    const p = this.parameters as SecAggParameters;
    const input = this.input;
    if (input === undefined) {
      throw new CohortError('INVALID_ARGUMENT', `client ${this.clientId} has no input: call setInput before the maskedInput request`, { subject: 'input' });
    }
    const seen = new Set<number>();
    for (const share of message.shares) {
      if (!this.peers.has(share.sender)) throw invalid(`a share from ${formatValue(share.sender)}, which is not a neighbour this client shared keys with`, 'shares');
      if (seen.has(share.sender)) throw invalid(`duplicate share from client ${share.sender}`, 'shares');
      seen.add(share.sender);
      if (!(share.ciphertext instanceof Uint8Array) || share.ciphertext.length !== SHARE_CIPHERTEXT_BYTES) {
        throw invalid(`the share from client ${share.sender} must be ${SHARE_CIPHERTEXT_BYTES} bytes`, 'shares');
      }
    }
    if (message.shares.length < p.threshold) {
      this.abort('ROUND_INCOMPLETE', `only ${message.shares.length} neighbours of client ${this.clientId} shared keys; threshold is ${p.threshold}`, 'shares');
    }
    const maskKeys = this.maskKeys as X25519KeyPair;
    // The pairwise seeds s_uv (Bonawitz et al. 2017, round 2) are derived while the shares are
    // decrypted; neither changes any state.
    const seedsTask = Promise.all(
      message.shares.map((share) => pairwiseMaskSeed(maskKeys.privateKey, (this.peers.get(share.sender) as Peer).sPk, p.sessionId, p.round, this.pair(share.sender))),
    );
    seedsTask.catch(() => undefined); // awaited below; a failure is reported there
    // Decrypt and check everything before any state changes (nothing is revealed on failure).
    let received: { sender: number; selfMaskShare: Uint8Array; keyShare: Uint8Array }[];
    try {
      received = await Promise.all(
        message.shares.map(async (share) => {
          const peer = this.peers.get(share.sender) as Peer;
          const ad = shareAssociatedData(p.sessionId, p.round, p.clientIds[share.sender] as string, this.clientId);
          const payload = decodeSharePayload(await aesGcmOpen(peer.channelKey, share.ciphertext, ad));
          const x = this.index + 1;
          if (payload.sender !== share.sender || payload.receiver !== this.index || payload.selfMaskShare.x !== x || payload.keyShare.x !== x) {
            throw invalid(`the share from client ${share.sender} is addressed to another pair or coordinate`, 'shares');
          }
          return { sender: share.sender, selfMaskShare: encodeShamirShare(payload.selfMaskShare), keyShare: encodeShamirShare(payload.keyShare) };
        }),
      );
    } catch (error) {
      void seedsTask.then((seeds) => seeds.forEach((seed) => seed.fill(0)), () => undefined);
      throw error;
    }
    const masked = input.slice();
    const selfMaskSeed = this.selfMaskSeed as Uint8Array;
    this.current = 'unmask'; // from here on the client is committed; a failure aborts
    try {
      // y_u = x_u + PRG(b_u) + Σ_v sign(u,v)·PRG(s_uv) mod 2^32 (Bonawitz et al. 2017, round 2)
      const seeds = await seedsTask;
      const tasks: (() => Promise<void>)[] = [() => addSeedMask(masked, selfMaskSeed, 1)];
      message.shares.forEach((share, i) => tasks.push(() => addSeedMask(masked, seeds[i] as Uint8Array, maskSign(this.index, share.sender))));
      await forEachLimited(tasks, MASK_CONCURRENCY, (task) => task());
      for (const seed of seeds) seed.fill(0);
    } catch (error) {
      this.current = 'aborted';
      this.wipe();
      throw error;
    }
    for (const r of received) this.held.set(r.sender, { selfMaskShare: r.selfMaskShare, keyShare: r.keyShare });
    // b_u and s_sk_u are no longer needed: their shares are with the neighbours.
    selfMaskSeed.fill(0);
    this.maskPrivateRaw?.fill(0);
    this.input?.fill(0);
    this.input = undefined;
    return { stage: 'maskedInput', ...this.header(), maskedInput: masked };
  }

  private onUnmask(message: UnmaskRequest): UnmaskReply {
    const p = this.parameters as SecAggParameters;
    const survivors = new Set<number>();
    const dropped = new Set<number>();
    for (const [list, set, name] of [[message.survivors, survivors, 'survivors'], [message.dropped, dropped, 'dropped']] as const) {
      for (const v of list) {
        if (!this.held.has(v)) this.abort('INVALID_DATA', `unmask request lists ${formatValue(v)} in ${name}, which is not a neighbour whose shares client ${this.clientId} holds`, name);
        if (set.has(v)) this.abort('INVALID_DATA', `unmask request lists client ${v} twice in ${name}`, name);
        set.add(v);
      }
    }
    for (const v of survivors) {
      // Revealing both shares of v would give the server b_v and s_sk_v, hence x_v (Bonawitz et al. 2017, §4).
      if (dropped.has(v)) this.abort('INVALID_DATA', `unmask request lists client ${v} as both survivor and dropped; refusing to reveal both of its shares`, 'dropped');
    }
    for (const v of this.held.keys()) {
      if (!survivors.has(v) && !dropped.has(v)) this.abort('INVALID_DATA', `unmask request does not say whether neighbour ${v} survived or dropped`, 'survivors');
    }
    if (survivors.size < p.threshold) {
      this.abort('ROUND_INCOMPLETE', `unmask request has ${survivors.size} surviving neighbours; client ${this.clientId} reveals shares only if at least threshold = ${p.threshold} survived`, 'survivors');
    }
    const selfMaskShares = [...survivors].sort((a, b) => a - b).map((owner) => ({ owner, share: (this.held.get(owner) as HeldShares).selfMaskShare.slice() }));
    const keyShares = [...dropped].sort((a, b) => a - b).map((owner) => ({ owner, share: (this.held.get(owner) as HeldShares).keyShare.slice() }));
    this.current = 'done';
    this.wipe();
    return { stage: 'unmask', ...this.header(), selfMaskShares, keyShares };
  }
}
