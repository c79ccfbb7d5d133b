import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../src/crypto/random.js';
import {
  type SecAggClientMessage,
  type SecAggServerMessage,
  decodeClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  encodeServerMessage,
} from '../../src/secagg/index.js';

const rng = new SeededRandom(5);
const bytes = (n: number): Uint8Array => {
  const b = new Uint8Array(n);
  rng.fillBytes(b);
  return b;
};
const header = { round: 7, sessionId: bytes(32) };

const serverMessages: SecAggServerMessage[] = [
  { stage: 'setup', ...header, clientIds: ['a', 'b', 'c'], threshold: 2, neighbours: 2, vectorLength: 10, neighbourIndices: [1, 2] },
  { stage: 'shareKeys', ...header, publicKeys: [{ index: 1, cPk: bytes(32), sPk: bytes(32) }, { index: 2, cPk: bytes(32), sPk: bytes(32) }] },
  { stage: 'maskedInput', ...header, shares: [{ sender: 2, ciphertext: bytes(98) }] },
  { stage: 'unmask', ...header, survivors: [1], dropped: [2] },
];

const clientMessages: SecAggClientMessage[] = [
  { stage: 'setup', ...header, cPk: bytes(32), sPk: bytes(32) },
  { stage: 'shareKeys', ...header, shares: [{ receiver: 1, ciphertext: bytes(98) }, { receiver: 2, ciphertext: bytes(98) }] },
  { stage: 'maskedInput', ...header, maskedInput: Uint32Array.from([0, 1, 0xffffffff, 0x80000000, 12345]) },
  { stage: 'unmask', ...header, selfMaskShares: [{ owner: 1, share: bytes(35) }], keyShares: [{ owner: 2, share: bytes(35) }] },
];

describe('SecAgg protobuf codec', () => {
  it('round-trips every server message', () => {
    for (const m of serverMessages) expect(decodeServerMessage(encodeServerMessage(m))).toEqual(m);
  });

  it('round-trips every client message, also from an unaligned buffer', () => {
    for (const m of clientMessages) {
      const encoded = encodeClientMessage(m);
      expect(decodeClientMessage(encoded)).toEqual(m);
      const shifted = new Uint8Array(encoded.length + 1);
      shifted.set(encoded, 1);
      expect(decodeClientMessage(shifted.subarray(1))).toEqual(m);
    }
  });

  it('encodes masked inputs as little-endian words', () => {
    const m = clientMessages[2] as SecAggClientMessage;
    const encoded = encodeClientMessage(m);
    const hex = Buffer.from(encoded).toString('hex');
    expect(hex).toContain('00000000' + '01000000' + 'ffffffff' + '00000080' + '39300000');
  });

  it('returns copies: reusing the receive buffer does not change a decoded message', () => {
    const encoded = encodeClientMessage(clientMessages[0] as SecAggClientMessage);
    const decoded = decodeClientMessage(encoded);
    const before = decoded.stage === 'setup' ? decoded.cPk.slice() : undefined;
    encoded.fill(0);
    expect(decoded.stage === 'setup' && decoded.cPk).toEqual(before);
  });

  it('refuses garbage, a message without a stage, and a masked input of partial words (INVALID_DATA)', () => {
    expect(() => decodeServerMessage(Uint8Array.from([0xff, 0xff, 0xff]))).toThrow(expect.objectContaining({ code: 'INVALID_DATA' }) as Error);
    expect(() => decodeClientMessage(new Uint8Array(0))).toThrow(/SecAgg client message has no stage/);
    expect(() => decodeServerMessage(new Uint8Array(0))).toThrow(/SecAgg server message has no stage/);
    // ClientMessage { masked_input (12) { masked_input (1): 5 bytes } }
    const partial = Uint8Array.from([0x62, 7, 0x0a, 5, 1, 2, 3, 4, 5]);
    expect(() => decodeClientMessage(partial)).toThrow(/maskedInput must be whole 32-bit words \(got 5 bytes\)/);
  });
});
