/**
 * What the network client does with a fit request: the same client side as a simulated client —
 * `fitWithPrivacy` trains plainly, clips its update (user-level DP-FedAvg) or runs DP-SGD on its
 * own records (sample-level DP) as the request's `dp.*` settings say — after the owner's own
 * privacy budget, when the client keeps one (`cohort client --max-epsilon`), has accepted the
 * request and paid for it (src/fl/dp/owner-budget.ts).
 */
import type { Dataset } from '../../data/dataset.js';
import { CohortError } from '../../errors.js';
import type { Model } from '../../ml/model.js';
import { fitWithPrivacy } from '../dp/client-fit.js';
import type { OwnerBudget } from '../dp/owner-budget.js';
import type { FitConfig, FitResponse } from '../types.js';

export async function answerFitRequest(model: Model, data: Dataset, weights: Float32Array, config: FitConfig, ownerBudget: OwnerBudget | undefined, runId: string): Promise<FitResponse> {
  if (ownerBudget !== undefined) await ownerBudget.authorize(config, { runId });
  return fitWithPrivacy(model, data, weights, config);
}

/**
 * The metrics a reply may carry: finite ones. A DP-SGD reply's training loss is NaN — not
 * computed, because it would not be private — and is left out rather than sent.
 */
export function wireMetrics(metrics: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(metrics).filter(([, value]) => Number.isFinite(value)));
}

/** The Error code a failed fit is reported with: privacy refusals are told apart from failures. */
export function fitErrorCode(error: unknown): string {
  if (error instanceof CohortError && error.code === 'DP_BUDGET_EXCEEDED') return 'DP_BUDGET_EXCEEDED';
  if (error instanceof CohortError && error.code === 'UNSUPPORTED' && error.subject?.startsWith('dp') === true) return 'DP_REFUSED';
  return 'FIT_FAILED';
}

/** Why a client that keeps its own privacy budget does not answer federated evaluation. */
export function evaluationRefusal(owner: string): CohortError {
  return new CohortError('UNSUPPORTED', `${owner} keeps its own privacy budget and does not answer federated evaluation: accuracy and loss on its records are not differentially private`, { subject: 'dp' });
}
