/**
 * `cohort he serve --model DIR [--port 8080] [--host 127.0.0.1]`: the encrypted prediction service
 * for a logreg model directory (docs/encrypted-prediction.md). It loads no key: clients send their
 * public key with each request. Runs until SIGINT/SIGTERM.
 * `cohort he train-demo --out DIR [--data breast-cancer] [--epochs 20]`: trains a logreg on all
 * of a data set and writes a servable model directory (model + prediction.json).
 */
import type { Command } from 'commander';
import { fitStandardizer, loadDataset } from '../../data/index.js';
import { buildPredictionServer, loadServableModel, saveServableModel } from '../../fl/he-prediction/index.js';
import { createModel, parseModelSpec } from '../../ml/index.js';
import { numberFlag } from '../parse-flags.js';

interface ServeFlags {
  model: string;
  port: number;
  host: string;
  minKeyBits: number;
  bodyLimit: number;
}

export function registerHeServeCommand(he: Command): void {
  he.command('serve')
    .description('serve a logreg model on Paillier-encrypted features (the server never holds a private key)')
    .requiredOption('--model <dir>', 'model directory (model.json, weights.bin, prediction.json)')
    .option('--port <port>', 'TCP port (0 picks a free one)', numberFlag('--port', { integer: true, min: 0, max: 65535 }), 8080)
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--min-key-bits <bits>', 'smallest client key accepted', numberFlag('--min-key-bits', { integer: true, min: 512, max: 4096 }), 2048)
    .option('--body-limit <bytes>', 'largest request body', numberFlag('--body-limit', { integer: true, min: 1024 }), 256 * 1024)
    .action((flags: ServeFlags) => serve(flags));
  he.command('train-demo')
    .description('train a logreg on a data set and write a model directory that `cohort he serve` can serve')
    .requiredOption('--out <dir>', 'model directory to write')
    .option('--data <name|csv:PATH>', 'data set', 'breast-cancer')
    .option('--label <column>', 'label column of CSV data')
    .option('--epochs <n>', 'training epochs', numberFlag('--epochs', { integer: true, min: 1 }), 20)
    .option('--seed <s>', 'seed of initialisation and shuffling', numberFlag('--seed', { integer: true, min: 0, max: 2 ** 32 - 1 }), 1)
    .action((flags: { out: string; data: string; label?: string; epochs: number; seed: number }) => trainDemo(flags));
}

async function serve(flags: ServeFlags): Promise<void> {
  const scorer = await loadServableModel(flags.model);
  const app = buildPredictionServer(scorer, { minKeyBits: flags.minKeyBits, bodyLimit: flags.bodyLimit });
  const url = await app.listen({ host: flags.host, port: flags.port });
  process.stdout.write(`serving ${scorer.kind} logreg (${scorer.numFeatures} features, classes ${scorer.classNames.join(', ')}) on ${url}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await app.close();
}

async function trainDemo(flags: { out: string; data: string; label?: string; epochs: number; seed: number }): Promise<void> {
  const loaded = await loadDataset(flags.data, { label: flags.label });
  const standardizer = fitStandardizer(loaded.data);
  const train = standardizer.apply(loaded.data);
  const model = await createModel(parseModelSpec('logreg'), { numFeatures: train.numFeatures, numClasses: train.numClasses }, { seed: flags.seed });
  try {
    await model.train(train, { epochs: flags.epochs, batchSize: 32, seed: flags.seed, optimizer: { kind: 'sgd', learningRate: 0.1 } });
    const metrics = await model.evaluate(train);
    await saveServableModel(model, flags.out, { standardizer: standardizer.toJSON(), classNames: train.classNames, featureNames: train.featureNames });
    process.stdout.write(`wrote ${flags.out} (logreg, ${train.numFeatures} features, training accuracy ${(metrics.accuracy * 100).toFixed(2)} %)\n`);
  } finally {
    model.dispose();
  }
}
