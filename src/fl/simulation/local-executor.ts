/**
 * The in-process executor: one model in the calling thread, jobs run one at a time. Used by tests,
 * by browsers and with `workers: 0`.
 */
import type { Dataset } from '../../data/dataset.js';
import { createModel, initBackend } from '../../ml/index.js';
import type { Metrics, Model } from '../../ml/model.js';
import { CohortError } from '../../errors.js';
import { evaluateLocally } from '../client.js';
import { fitWithPrivacy } from '../dp/client-fit.js';
import type { FitConfig, FitResponse } from '../types.js';
import type { ModelBlueprint, SimulationExecutor } from './executor.js';
import { SerialQueue } from './serial-queue.js';

export async function buildModel(blueprint: ModelBlueprint): Promise<Model> {
  await initBackend();
  const shape = {
    numFeatures: blueprint.numFeatures,
    numClasses: blueprint.numClasses,
    ...(blueprint.exampleShape === undefined ? {} : { exampleShape: blueprint.exampleShape }),
  };
  return createModel(blueprint.spec, shape, { seed: blueprint.seed });
}

export class LocalExecutor implements SimulationExecutor {
  readonly parallelism = 1;
  readonly initialWeights: Float32Array;
  readonly numParameters: number;
  private readonly queue = new SerialQueue();
  private closed = false;

  private constructor(
    private readonly model: Model,
    private readonly datasets: ReadonlyMap<string, Dataset>,
  ) {
    this.initialWeights = model.getWeights();
    this.numParameters = model.numParameters;
  }

  static async create(blueprint: ModelBlueprint, datasets: ReadonlyMap<string, Dataset>): Promise<LocalExecutor> {
    return new LocalExecutor(await buildModel(blueprint), datasets);
  }

  fit(datasetId: string, weights: Float32Array, config: FitConfig): Promise<FitResponse> {
    return this.queue.run(() => fitWithPrivacy(this.model, this.dataset(datasetId), weights, config));
  }

  evaluate(datasetId: string, weights: Float32Array): Promise<Metrics> {
    return this.queue.run(async () => (await evaluateLocally(this.model, this.dataset(datasetId), weights)).metrics);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.run(async () => this.model.dispose());
  }

  private dataset(id: string): Dataset {
    if (this.closed) throw new CohortError('INTERNAL', 'the executor is closed');
    const data = this.datasets.get(id);
    if (!data) throw new CohortError('INTERNAL', `no data set registered as ${JSON.stringify(id)}`);
    return data;
  }
}
