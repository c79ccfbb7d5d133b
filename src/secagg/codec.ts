/**
 * Protobuf encoding of SecAgg+ messages (proto/secagg.proto → gen/secagg_pb.ts). Decoding checks
 * only the wire shape (a known stage, whole 32-bit words); the state machines check the content.
 * Decoded byte fields are copies, so a transport may reuse its receive buffer.
 */
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { CohortError } from '../errors.js';
import { ClientMessageSchema, ServerMessageSchema } from './gen/secagg_pb.js';
import type { SecAggClientMessage, SecAggServerMessage } from './messages.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function wordsToBytes(words: Uint32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(i * 4, words[i] as number, true);
  return out;
}

function bytesToWords(bytes: Uint8Array, what: string): Uint32Array {
  if (bytes.length % 4 !== 0) {
    throw new CohortError('INVALID_DATA', `${what} must be whole 32-bit words (got ${bytes.length} bytes)`, { subject: what });
  }
  const out = new Uint32Array(bytes.length / 4);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getUint32(i * 4, true);
  }
  return out;
}

const copy = (bytes: Uint8Array): Uint8Array => bytes.slice();

function parse<T>(decode: () => T, what: string): T {
  try {
    return decode();
  } catch (error) {
    throw new CohortError('INVALID_DATA', `${what} is not a valid protobuf message: ${(error as Error).message}`, {
      subject: what,
      cause: error,
    });
  }
}

export function encodeServerMessage(message: SecAggServerMessage): Uint8Array {
  const header = { round: message.round, sessionId: message.sessionId };
  switch (message.stage) {
    case 'setup':
      return toBinary(
        ServerMessageSchema,
        create(ServerMessageSchema, {
          ...header,
          stage: {
            case: 'setup',
            value: {
              clientIds: [...message.clientIds],
              threshold: message.threshold,
              neighbours: message.neighbours,
              vectorLength: message.vectorLength,
              neighbourIndices: [...message.neighbourIndices],
            },
          },
        }),
      );
    case 'shareKeys':
      return toBinary(
        ServerMessageSchema,
        create(ServerMessageSchema, {
          ...header,
          stage: {
            case: 'shareKeys',
            value: { publicKeys: message.publicKeys.map((k) => ({ index: k.index, cPk: k.cPk, sPk: k.sPk })) },
          },
        }),
      );
    case 'maskedInput':
      return toBinary(
        ServerMessageSchema,
        create(ServerMessageSchema, {
          ...header,
          stage: {
            case: 'maskedInput',
            value: { shares: message.shares.map((s) => ({ peer: s.sender, ciphertext: s.ciphertext })) },
          },
        }),
      );
    case 'unmask':
      return toBinary(
        ServerMessageSchema,
        create(ServerMessageSchema, {
          ...header,
          stage: { case: 'unmask', value: { survivors: [...message.survivors], dropped: [...message.dropped] } },
        }),
      );
  }
}

export function decodeServerMessage(bytes: Uint8Array): SecAggServerMessage {
  const m = parse(() => fromBinary(ServerMessageSchema, bytes), 'SecAgg server message');
  const header = { round: m.round, sessionId: copy(m.sessionId) };
  switch (m.stage.case) {
    case 'setup': {
      const v = m.stage.value;
      return {
        stage: 'setup',
        ...header,
        clientIds: v.clientIds,
        threshold: v.threshold,
        neighbours: v.neighbours,
        vectorLength: v.vectorLength,
        neighbourIndices: v.neighbourIndices,
      };
    }
    case 'shareKeys':
      return {
        stage: 'shareKeys',
        ...header,
        publicKeys: m.stage.value.publicKeys.map((k) => ({ index: k.index, cPk: copy(k.cPk), sPk: copy(k.sPk) })),
      };
    case 'maskedInput':
      return {
        stage: 'maskedInput',
        ...header,
        shares: m.stage.value.shares.map((s) => ({ sender: s.peer, ciphertext: copy(s.ciphertext) })),
      };
    case 'unmask':
      return { stage: 'unmask', ...header, survivors: m.stage.value.survivors, dropped: m.stage.value.dropped };
    default:
      throw new CohortError('INVALID_DATA', 'SecAgg server message has no stage', { subject: 'stage' });
  }
}

export function encodeClientMessage(message: SecAggClientMessage): Uint8Array {
  const header = { round: message.round, sessionId: message.sessionId };
  switch (message.stage) {
    case 'setup':
      return toBinary(
        ClientMessageSchema,
        create(ClientMessageSchema, { ...header, stage: { case: 'setup', value: { cPk: message.cPk, sPk: message.sPk } } }),
      );
    case 'shareKeys':
      return toBinary(
        ClientMessageSchema,
        create(ClientMessageSchema, {
          ...header,
          stage: {
            case: 'shareKeys',
            value: { shares: message.shares.map((s) => ({ peer: s.receiver, ciphertext: s.ciphertext })) },
          },
        }),
      );
    case 'maskedInput':
      return toBinary(
        ClientMessageSchema,
        create(ClientMessageSchema, {
          ...header,
          stage: { case: 'maskedInput', value: { maskedInput: wordsToBytes(message.maskedInput) } },
        }),
      );
    case 'unmask':
      return toBinary(
        ClientMessageSchema,
        create(ClientMessageSchema, {
          ...header,
          stage: {
            case: 'unmask',
            value: {
              selfMaskShares: message.selfMaskShares.map((s) => ({ owner: s.owner, share: s.share })),
              keyShares: message.keyShares.map((s) => ({ owner: s.owner, share: s.share })),
            },
          },
        }),
      );
  }
}

export function decodeClientMessage(bytes: Uint8Array): SecAggClientMessage {
  const m = parse(() => fromBinary(ClientMessageSchema, bytes), 'SecAgg client message');
  const header = { round: m.round, sessionId: copy(m.sessionId) };
  switch (m.stage.case) {
    case 'setup':
      return { stage: 'setup', ...header, cPk: copy(m.stage.value.cPk), sPk: copy(m.stage.value.sPk) };
    case 'shareKeys':
      return {
        stage: 'shareKeys',
        ...header,
        shares: m.stage.value.shares.map((s) => ({ receiver: s.peer, ciphertext: copy(s.ciphertext) })),
      };
    case 'maskedInput':
      return { stage: 'maskedInput', ...header, maskedInput: bytesToWords(m.stage.value.maskedInput, 'maskedInput') };
    case 'unmask':
      return {
        stage: 'unmask',
        ...header,
        selfMaskShares: m.stage.value.selfMaskShares.map((s) => ({ owner: s.owner, share: copy(s.share) })),
        keyShares: m.stage.value.keyShares.map((s) => ({ owner: s.owner, share: copy(s.share) })),
      };
    default:
      throw new CohortError('INVALID_DATA', 'SecAgg client message has no stage', { subject: 'stage' });
  }
}
