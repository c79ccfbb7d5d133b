/**
 * Float32 tensors on the wire: raw little-endian IEEE-754 bytes plus shape and dtype (never JSON
 * numbers). Decoding checks that the byte count matches the shape before touching the data.
 */
import { create } from '@bufbuild/protobuf';
import { CohortError, check } from '../../errors.js';
import { DType, type Tensor, TensorSchema } from './gen/cohort_pb.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A rank-1 float32 tensor holding `values` (copied into little-endian bytes). */
export function encodeTensor(values: Float32Array, shape: readonly number[] = [values.length]): Tensor {
  check(values instanceof Float32Array, 'values', typeof values, 'a Float32Array');
  check(shape.reduce((a, b) => a * b, 1) === values.length, 'shape', shape.join('×'), `a shape with ${values.length} elements`);
  const data = new Uint8Array(values.length * 4);
  if (LITTLE_ENDIAN) data.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  else {
    const view = new DataView(data.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  }
  return create(TensorSchema, { shape: [...shape], dtype: DType.DTYPE_FLOAT32, data });
}

/** The values of a float32 tensor, checked against `expectedLength` when given. */
export function decodeTensor(tensor: Tensor | undefined, what: string, expectedLength?: number): Float32Array {
  if (tensor === undefined) throw new CohortError('INVALID_DATA', `${what}: missing tensor`, { subject: what });
  if (tensor.dtype !== DType.DTYPE_FLOAT32) throw new CohortError('INVALID_DATA', `${what}: dtype ${tensor.dtype} is not FLOAT32`, { subject: what });
  let elements = 1;
  for (const dim of tensor.shape) {
    elements *= dim;
    if (!Number.isSafeInteger(elements)) throw new CohortError('INVALID_DATA', `${what}: shape ${tensor.shape.join('×')} is too large`, { subject: what });
  }
  if (tensor.shape.length === 0) elements = 0;
  if (tensor.data.length !== elements * 4) {
    throw new CohortError('INVALID_DATA', `${what}: ${tensor.data.length} bytes do not match shape [${tensor.shape.join(', ')}] of float32`, { subject: what });
  }
  if (expectedLength !== undefined && elements !== expectedLength) {
    throw new CohortError('INVALID_DATA', `${what}: ${elements} values, expected ${expectedLength}`, { subject: what });
  }
  const out = new Float32Array(elements);
  if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(tensor.data);
  else {
    const view = new DataView(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    for (let i = 0; i < elements; i++) out[i] = view.getFloat32(i * 4, true);
  }
  return out;
}
