/**
 * Sample-level ("local") DP in a federation: every client trains with DP-SGD on its own records
 * (Abadi et al. 2016), so each data owner gets a record-level (ε, δ) guarantee for everything it
 * sends, whatever the server does. This wrapper adds each chosen client's DP-SGD settings to its
 * fit configuration; the client side (client-fit.ts) runs exactly that many steps, and the server
 * accounts exactly those steps per owner. Aggregation is the inner strategy's, untouched
 * (post-processing of DP outputs). A client for which there are no settings (one that joined a
 * server with too little data to be protected) is not offered to the inner strategy at all.
 */
import { CohortError, check } from '../../errors.js';
import type { ClientInfo } from '../types.js';
import type { AggregateEvaluateContext, AggregateFitContext, AggregateFitResult, ConfigureFitContext, EvaluateInstruction, FitInstruction, Strategy } from '../strategy.js';
import { LOCAL_DP_CLIPPING_NORM_KEY, LOCAL_DP_NOISE_MULTIPLIER_KEY, LOCAL_DP_SAMPLE_RATE_KEY, LOCAL_DP_STEPS_KEY } from './fit-config-keys.js';

export interface LocalDpSettings {
  /** σ of the client's DP-SGD (noise std σ·C on each batch's clipped-gradient sum). */
  readonly noiseMultiplier: number;
  /** C: per-example gradient clipping norm. */
  readonly clippingNorm: number;
  /** q: Poisson sampling rate of the client's batches. */
  readonly sampleRate: number;
  /** DP-SGD steps per round. */
  readonly steps: number;
}

export function checkLocalDpSettings(settings: LocalDpSettings, name = 'settings'): void {
  check(typeof settings === 'object' && settings !== null, name, settings, 'an object');
  check(Number.isFinite(settings.noiseMultiplier) && settings.noiseMultiplier >= 0, `${name}.noiseMultiplier`, settings.noiseMultiplier, 'a finite number ≥ 0');
  check(Number.isFinite(settings.clippingNorm) && settings.clippingNorm > 0, `${name}.clippingNorm`, settings.clippingNorm, 'a finite number > 0');
  check(settings.sampleRate > 0 && settings.sampleRate <= 1, `${name}.sampleRate`, settings.sampleRate, 'in (0, 1]');
  check(Number.isSafeInteger(settings.steps) && settings.steps >= 1, `${name}.steps`, settings.steps, 'an integer ≥ 1');
}

export class LocalDp implements Strategy {
  readonly name: string;

  constructor(
    readonly inner: Strategy,
    /** A client's DP-SGD settings, or undefined when it cannot be protected (it then sits the rounds out). */
    private readonly settingsOf: (client: ClientInfo) => LocalDpSettings | undefined,
  ) {
    check(typeof inner === 'object' && inner !== null && typeof inner.configureFit === 'function', 'inner', inner, 'a Strategy');
    check(typeof settingsOf === 'function', 'settingsOf', settingsOf, 'a function');
    this.name = `${inner.name} + DP-SGD on clients`;
    // A server optimiser's state (FedAvgM, FedAdam...) still reaches the network server's checkpoints.
    const stateful = inner as Partial<{ exportState: () => unknown; importState: (state: unknown) => void }>;
    if (typeof stateful.exportState === 'function' && typeof stateful.importState === 'function') {
      const { exportState, importState } = stateful;
      Object.assign(this, { exportState: () => exportState.call(inner), importState: (state: unknown) => importState.call(inner, state) });
    }
  }

  get allowsEmptyRounds(): boolean {
    return this.inner.allowsEmptyRounds === true;
  }

  initialize(initialWeights: Float32Array): Float32Array | Promise<Float32Array> {
    return this.inner.initialize ? this.inner.initialize(initialWeights) : initialWeights;
  }

  async configureFit(context: ConfigureFitContext): Promise<readonly FitInstruction[]> {
    const settings = new Map<string, LocalDpSettings>();
    for (const client of context.clients) {
      const found = this.settingsOf(client);
      if (found === undefined) continue;
      checkLocalDpSettings(found, `settings of ${client.id}`);
      settings.set(client.id, found);
    }
    if (settings.size === 0) {
      throw new CohortError('ROUND_INCOMPLETE', `round ${context.round}: none of the ${context.clients.length} available client(s) can train under sample-level DP`, { subject: 'clients' });
    }
    const eligible = settings.size === context.clients.length ? context.clients : context.clients.filter((client) => settings.has(client.id));
    const instructions = await this.inner.configureFit({ ...context, clients: eligible });
    return instructions.map((instruction) => {
      const chosen = settings.get(instruction.clientId);
      if (chosen === undefined) throw new CohortError('INTERNAL', `round ${context.round}: inner strategy ${this.inner.name} chose client ${JSON.stringify(instruction.clientId)} it was not offered`);
      return {
        ...instruction,
        config: {
          ...instruction.config,
          extra: {
            ...instruction.config.extra,
            [LOCAL_DP_NOISE_MULTIPLIER_KEY]: chosen.noiseMultiplier,
            [LOCAL_DP_CLIPPING_NORM_KEY]: chosen.clippingNorm,
            [LOCAL_DP_SAMPLE_RATE_KEY]: chosen.sampleRate,
            [LOCAL_DP_STEPS_KEY]: chosen.steps,
          },
        },
      };
    });
  }

  aggregateFit(context: AggregateFitContext): AggregateFitResult | Promise<AggregateFitResult> {
    return this.inner.aggregateFit(context);
  }

  configureEvaluate(context: ConfigureFitContext): readonly EvaluateInstruction[] | Promise<readonly EvaluateInstruction[]> {
    return this.inner.configureEvaluate ? this.inner.configureEvaluate(context) : [];
  }

  aggregateEvaluate(context: AggregateEvaluateContext): Readonly<Record<string, number>> | Promise<Readonly<Record<string, number>>> {
    return this.inner.aggregateEvaluate ? this.inner.aggregateEvaluate(context) : {};
  }
}
