/**
 * How a data set is split among clients, as written on the command line (--partition):
 *   iid               examples shuffled and dealt out evenly
 *   dirichlet:ALPHA   label skew: each class split among clients by Dirichlet(ALPHA) proportions
 *   shards:K          pathological label skew: K label-sorted shards per client
 *   quantity:ALPHA    quantity skew: client sizes from Dirichlet(ALPHA), labels IID
 */
import { CohortError, formatValue } from '../errors.js';

export type PartitionSpec =
  | { readonly kind: 'iid' }
  | { readonly kind: 'dirichlet'; readonly alpha: number }
  | { readonly kind: 'shards'; readonly shardsPerClient: number }
  | { readonly kind: 'quantity'; readonly alpha: number };

const FORMS = 'iid, dirichlet:ALPHA (ALPHA > 0), shards:K (integer K ≥ 1) or quantity:ALPHA (ALPHA > 0)';

export function parsePartitionSpec(text: string): PartitionSpec {
  const fail = (): never => {
    throw new CohortError('INVALID_ARGUMENT', `--partition must be ${FORMS} (got ${formatValue(text)})`, {
      subject: '--partition',
    });
  };
  if (typeof text !== 'string') return fail();
  const trimmed = text.trim();
  if (trimmed === 'iid') return { kind: 'iid' };
  const colon = trimmed.indexOf(':');
  if (colon < 0) return fail();
  const kind = trimmed.slice(0, colon);
  const raw = trimmed.slice(colon + 1).trim();
  const value = raw === '' ? Number.NaN : Number(raw);
  switch (kind) {
    case 'dirichlet':
    case 'quantity':
      if (!Number.isFinite(value) || value <= 0) return fail();
      return { kind, alpha: value };
    case 'shards':
      if (!Number.isInteger(value) || value < 1) return fail();
      return { kind, shardsPerClient: value };
    default:
      return fail();
  }
}

/** The spec written back in the --partition form (for reports and run results). */
export function formatPartitionSpec(spec: PartitionSpec): string {
  switch (spec.kind) {
    case 'iid':
      return 'iid';
    case 'dirichlet':
    case 'quantity':
      return `${spec.kind}:${spec.alpha}`;
    case 'shards':
      return `shards:${spec.shardsPerClient}`;
  }
}
