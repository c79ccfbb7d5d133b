/** Conversions between the round loop's typed configs/results and their protobuf messages. */
import { create } from '@bufbuild/protobuf';
import { CohortError } from '../../errors.js';
import type { OptimizerSpec } from '../../ml/model.js';
import type { ConfigValue as LoopConfigValue, FitConfig } from '../types.js';
import { type ConfigValue, ConfigValueSchema, OptimizerSchema, type RoundConfig, RoundConfigSchema } from './gen/cohort_pb.js';

export function toWireExtra(extra: Readonly<Record<string, LoopConfigValue>> | undefined): Record<string, ConfigValue> {
  const out: Record<string, ConfigValue> = {};
  for (const [key, value] of Object.entries(extra ?? {})) {
    const kind =
      typeof value === 'number' ? ({ case: 'number', value } as const) : typeof value === 'string' ? ({ case: 'text', value } as const) : ({ case: 'flag', value } as const);
    out[key] = create(ConfigValueSchema, { kind });
  }
  return out;
}

export function fromWireExtra(extra: Readonly<Record<string, ConfigValue>>): Record<string, LoopConfigValue> {
  const out: Record<string, LoopConfigValue> = {};
  for (const [key, value] of Object.entries(extra)) {
    if (value.kind.case === undefined) throw new CohortError('INVALID_DATA', `config extra ${JSON.stringify(key)} has no value`, { subject: key });
    out[key] = value.kind.value;
  }
  return out;
}

export function toRoundConfig(config: FitConfig): RoundConfig {
  return create(RoundConfigSchema, {
    round: config.round,
    localEpochs: config.localEpochs,
    batchSize: config.batchSize,
    optimizer: create(OptimizerSchema, {
      kind: config.optimizer.kind,
      learningRate: config.optimizer.learningRate,
      momentum: config.optimizer.kind === 'sgd' ? (config.optimizer.momentum ?? 0) : 0,
    }),
    seed: config.seed,
    proximalMu: config.proximalMu ?? 0,
    extra: toWireExtra(config.extra),
  });
}

/** A checked FitConfig from the wire (a client must not train on nonsense either). */
export function fromRoundConfig(config: RoundConfig | undefined): FitConfig {
  const bad = (what: string): never => {
    throw new CohortError('INVALID_DATA', `round config: ${what}`, { subject: 'config' });
  };
  if (config === undefined) return bad('missing');
  const optimizerWire = config.optimizer ?? bad('missing optimizer');
  if (config.localEpochs < 1 || config.localEpochs > 10_000) bad(`localEpochs ${config.localEpochs}`);
  if (config.batchSize < 1) bad(`batchSize ${config.batchSize}`);
  if (!(Number.isFinite(optimizerWire.learningRate) && optimizerWire.learningRate > 0)) bad(`learningRate ${optimizerWire.learningRate}`);
  if (!(Number.isFinite(config.proximalMu) && config.proximalMu >= 0)) bad(`proximalMu ${config.proximalMu}`);
  let optimizer: OptimizerSpec;
  if (optimizerWire.kind === 'adam') optimizer = { kind: 'adam', learningRate: optimizerWire.learningRate };
  else if (optimizerWire.kind === 'sgd') {
    if (!(optimizerWire.momentum >= 0 && optimizerWire.momentum < 1)) bad(`momentum ${optimizerWire.momentum}`);
    optimizer = { kind: 'sgd', learningRate: optimizerWire.learningRate, momentum: optimizerWire.momentum };
  } else return bad(`optimizer ${JSON.stringify(optimizerWire.kind)}`);
  const extra = fromWireExtra(config.extra);
  return {
    round: config.round,
    localEpochs: config.localEpochs,
    batchSize: config.batchSize,
    optimizer,
    seed: config.seed,
    ...(config.proximalMu > 0 ? { proximalMu: config.proximalMu } : {}),
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}

/** Metrics from the wire: every value must be finite. */
export function checkedMetrics(metrics: Readonly<Record<string, number>>, what: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(metrics)) {
    if (!Number.isFinite(value)) throw new CohortError('INVALID_DATA', `${what}: metric ${JSON.stringify(key)} = ${value} is not finite`, { subject: what });
    out[key] = value;
  }
  return out;
}
