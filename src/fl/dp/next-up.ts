/**
 * The smallest double above x > 0 (x itself when not finite). Privacy increments recorded in a
 * ledger are rounded up by one ulp, so that the decimal the ledger stores never understates them.
 */
export function nextUp(x: number): number {
  if (!Number.isFinite(x)) return x;
  const buffer = new DataView(new ArrayBuffer(8));
  buffer.setFloat64(0, x);
  buffer.setBigUint64(0, buffer.getBigUint64(0) + 1n);
  return buffer.getFloat64(0);
}
