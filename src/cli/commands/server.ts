/**
 * `cohort server`: the federation server. HTTP (dashboard at /, JSON at /api/status and
 * /api/rounds) and WebSocket (/ws) on one port, 127.0.0.1 by default; TLS with --cert/--key.
 * State lives in SQLite (--db); `--resume` continues the latest run from its last completed
 * round. `cohort server add-client NAME` registers a data owner and prints its token once.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CohortError } from '../../errors.js';
import { type Dataset, loadDataset } from '../../data/index.js';
import { createModel, initBackend, parseModelSpec } from '../../ml/index.js';
import type { OptimizerSpec } from '../../ml/model.js';
import { createStrategy, deriveSeed, evaluateLocally, parseStrategySpec } from '../../fl/index.js';
import { FederationServer, type ServerLogEvent } from '../../fl/server/index.js';
import { networkSecureAggregation } from '../../fl/server/network-secagg.js';
import { formatClientToken, relabel } from '../../fl/client/index.js';
import { generateToken, storedKeyOf } from '../../fl/transport/auth.js';
import { openDatabase } from '../../store/database.js';
import { FederationStateStore, checkClientName } from '../../store/federation-state.js';
import { SqliteBudgetLedger } from '../../store/sqlite-budget-ledger.js';
import { registerDashboard } from '../../web/dashboard/routes.js';
import { numberFlag, parseChoiceFlag } from '../parse-flags.js';
import { addServerPrivacyOptions, serverPrivacyConfig, setUpServerPrivacy, type ServerPrivacyFlags } from '../server-dp-options.js';
import { addServerSecureAggregationOptions, type ServerSecureAggregationFlags, serverSecureAggregationConfig } from '../server-secagg-options.js';

export const DEFAULT_SERVER_DB = 'cohort-server.db';
export const DEFAULT_SERVER_PORT = 7447;

interface ServerFlags extends ServerSecureAggregationFlags, ServerPrivacyFlags {
  db: string;
  host: string;
  port: number;
  rounds: number;
  minClients: number;
  fraction: number;
  fractionEvaluate: number;
  deadline: number;
  heartbeat: number;
  strategy: string;
  model: string;
  localEpochs: number;
  batchSize: number;
  lr: number;
  optimizer: 'sgd' | 'adam';
  momentum: number;
  seed: number;
  test?: string;
  label?: string;
  numFeatures?: number;
  classes?: string;
  cert?: string;
  key?: string;
  resume?: boolean;
  enforceBudgets?: boolean;
  maxFrameBytes: number;
}

export function registerServerCommand(program: Command): void {
  const server = program
    .command('server')
    .description('run a federation server: clients connect over WebSocket, train on their own data, the server aggregates')
    .option('--db <file>', 'SQLite file with clients, runs, rounds and checkpoints', DEFAULT_SERVER_DB)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'TCP port (0 = any free port)', numberFlag('--port', { integer: true, min: 0, max: 65535 }), DEFAULT_SERVER_PORT)
    .option('--rounds <n>', 'federated rounds', numberFlag('--rounds', { integer: true, min: 1 }), 10)
    .option('--min-clients <n>', 'clients needed to start a round and replies needed to aggregate it', numberFlag('--min-clients', { integer: true, min: 1 }), 2)
    .option('--fraction <f>', 'fraction of connected clients sampled per round', numberFlag('--fraction', { greaterThan: 0, max: 1 }), 1)
    .option('--fraction-evaluate <f>', 'fraction of clients asked to evaluate on their own data (0 = off)', numberFlag('--fraction-evaluate', { min: 0, max: 1 }), 0)
    .option('--deadline <seconds>', 'per-round deadline for client replies; later replies are dropped', numberFlag('--deadline', { greaterThan: 0 }), 120)
    .option('--heartbeat <seconds>', 'WebSocket ping period; a client silent for two periods is dropped (0 = off)', numberFlag('--heartbeat', { min: 0 }), 10)
    .option('--strategy <spec>', 'fedavg, fedprox:MU, fedavgm, fedadam, fedyogi or fedadagrad (see docs/network.md)', 'fedavg')
    .option('--model <spec>', 'logreg, mlp:H1,H2,... or cnn; :tanh after mlp or cnn for tanh hidden layers', 'logreg')
    .option('--local-epochs <n>', 'local epochs per round', numberFlag('--local-epochs', { integer: true, min: 1 }), 2)
    .option('--batch-size <n>', 'local mini-batch size', numberFlag('--batch-size', { integer: true, min: 1 }), 16)
    .option('--lr <rate>', 'client learning rate', numberFlag('--lr', { greaterThan: 0 }), 0.1)
    .option('--optimizer <name>', 'client optimizer: sgd or adam', (raw: string) => parseChoiceFlag('--optimizer', raw, ['sgd', 'adam'] as const), 'sgd')
    .option('--momentum <m>', 'client SGD momentum', numberFlag('--momentum', { min: 0, lessThan: 1 }), 0)
    .option('--seed <s>', 'seed of the initial model, client sampling and training seeds', numberFlag('--seed', { integer: true, min: 0, max: 2 ** 32 - 1 }), 42)
    .option('--test <data>', 'held-out data for central evaluation (csv:PATH or a bundled name); also fixes features and classes')
    .option('--label <column>', 'label column of the --test CSV')
    .option('--num-features <n>', 'features per example (without --test)', numberFlag('--num-features', { integer: true, min: 1 }))
    .option('--classes <a,b,...>', 'class names in label order (without --test)')
    .option('--cert <file.pem>', 'TLS certificate (serve wss:// and https://)')
    .option('--key <file.pem>', 'TLS private key')
    .option('--resume', 'continue the latest run in --db from its last completed round')
    .option('--enforce-budgets', 'charge the ε/δ clients report to their owners\' budgets (set-budget) and refuse replies a budget cannot pay')
    .option('--max-frame-bytes <n>', 'largest frame accepted', numberFlag('--max-frame-bytes', { integer: true, min: 1024 }), 64 * 1024 * 1024)
    .action(async (flags: ServerFlags) => {
      await runServer(flags);
    });
  addServerSecureAggregationOptions(server);
  addServerPrivacyOptions(server);

  server
    .command('add-client <name>')
    .description('register a data owner and print its token (shown once; only a hash is stored)')
    .action((name: string, _flags: unknown, command: Command) => {
      // --db belongs to `server` (commander parses parent options after the subcommand too).
      const flags = command.optsWithGlobals<{ db: string }>();
      checkClientName(name);
      const secret = generateToken();
      const token = formatClientToken(name, secret);
      const db = openDatabase(flags.db);
      try {
        new FederationStateStore(db).addClient(name, storedKeyOf(token));
      } finally {
        db.close();
      }
      process.stdout.write(`${token}\n`);
    });

  server
    .command('set-budget <name> <epsilon> <delta>')
    .description('set a data owner\'s total (ε, δ) privacy budget, charged by `cohort server --enforce-budgets`')
    .action(async (name: string, epsilonRaw: string, deltaRaw: string, _flags: unknown, command: Command) => {
      const flags = command.optsWithGlobals<{ db: string }>();
      checkClientName(name);
      const epsilon = numberFlag('epsilon', { min: 0 })(epsilonRaw);
      const delta = numberFlag('delta', { min: 0, lessThan: 1 })(deltaRaw);
      const db = openDatabase(flags.db);
      try {
        await new SqliteBudgetLedger(db).setBudget(name, { epsilon, delta });
      } finally {
        db.close();
      }
      process.stdout.write(`budget of ${name}: ε = ${epsilon}, δ = ${delta}\n`);
    });

  server
    .command('revoke-client <name>')
    .description('revoke a data owner\'s token: its connections are refused from now on')
    .action((name: string, _flags: unknown, command: Command) => {
      const flags = command.optsWithGlobals<{ db: string }>();
      const db = openDatabase(flags.db);
      try {
        if (!new FederationStateStore(db).revokeClient(name)) throw new CohortError('INVALID_ARGUMENT', `no active client named ${JSON.stringify(name)}`, { subject: 'name' });
      } finally {
        db.close();
      }
      process.stdout.write(`revoked ${name}\n`);
    });
}

async function runServer(flags: ServerFlags): Promise<void> {
  if ((flags.cert === undefined) !== (flags.key === undefined)) throw new CohortError('INVALID_ARGUMENT', '--cert and --key go together', { subject: flags.cert === undefined ? '--cert' : '--key' });
  const modelSpec = parseModelSpec(flags.model);
  const strategySpec = parseStrategySpec(flags.strategy, '--strategy');
  const dp = serverPrivacyConfig(flags);
  let test: Dataset | undefined;
  let classNames: string[];
  let numFeatures: number;
  if (flags.test !== undefined) {
    const loaded = await loadDataset(flags.test, { label: flags.label });
    test = loaded.predefinedTest ?? loaded.data;
    classNames = [...test.classNames];
    numFeatures = test.numFeatures;
  } else {
    if (flags.numFeatures === undefined || flags.classes === undefined) {
      throw new CohortError('INVALID_ARGUMENT', 'give --test DATA, or both --num-features N and --classes a,b,...', { subject: '--test' });
    }
    numFeatures = flags.numFeatures;
    classNames = flags.classes.split(',').map((name) => name.trim());
    if (classNames.length < 2 || classNames.some((name) => name === '')) throw new CohortError('INVALID_ARGUMENT', `--classes needs at least two names (got ${JSON.stringify(flags.classes)})`, { subject: '--classes' });
  }
  if (test !== undefined) test = relabel(test, classNames);
  const exampleShape = test?.exampleShape;
  await initBackend();
  const shape = { numFeatures, numClasses: classNames.length, ...(exampleShape === undefined ? {} : { exampleShape }) };
  // The same initialisation seed as `cohort simulate --seed S`, so the two can be compared.
  const model = await createModel(modelSpec, shape, { seed: deriveSeed(flags.seed, 'model') });
  const optimizer: OptimizerSpec = flags.optimizer === 'adam' ? { kind: 'adam', learningRate: flags.lr } : { kind: 'sgd', learningRate: flags.lr, momentum: flags.momentum };
  const plainStrategy = createStrategy(strategySpec, {
    localEpochs: flags.localEpochs,
    batchSize: flags.batchSize,
    optimizer,
    fraction: flags.fraction,
    minClients: flags.minClients,
    fractionEvaluate: flags.fractionEvaluate,
  });

  const db = openDatabase(flags.db);
  const store = new FederationStateStore(db);
  let secureAggregation;
  try {
    secureAggregation = serverSecureAggregationConfig(flags, { minClients: flags.minClients, registeredClients: store.clients().filter((client) => !client.revoked).length, deadlineSeconds: flags.deadline });
  } catch (error) {
    db.close();
    throw error;
  }
  const log = (event: ServerLogEvent) => process.stderr.write(`cohort server: [${event.level}] ${event.kind}: ${event.message}\n`);
  // --dp: the privacy plan pays each owner's rounds into this database's ledger under the run's id.
  const runId = (flags.resume === true ? store.latestRun()?.id : undefined) ?? randomUUID();
  let privacy;
  try {
    privacy = dp === undefined ? undefined : await setUpServerPrivacy(dp, { db, store, runId, resume: flags.resume === true, log, strategy: flags.strategy, strategySpec, rounds: flags.rounds, fraction: flags.fraction, minClients: flags.minClients, localEpochs: flags.localEpochs, batchSize: flags.batchSize, optimizer });
  } catch (error) {
    db.close();
    throw error;
  }
  const server = await FederationServer.create({
    store,
    strategy: privacy?.strategy ?? plainStrategy,
    runId,
    rounds: flags.rounds,
    minClients: flags.minClients,
    roundDeadlineMs: flags.deadline * 1000,
    heartbeatIntervalMs: flags.heartbeat * 1000,
    modelSpec: flags.model,
    numFeatures,
    classNames,
    ...(exampleShape === undefined ? {} : { exampleShape }),
    initialWeights: model.getWeights(),
    ...(test === undefined ? {} : { evaluateGlobal: async (weights: Float32Array) => (await evaluateLocally(model, test as Dataset, weights)).metrics }),
    seed: flags.seed,
    resume: flags.resume === true,
    ...(flags.enforceBudgets === true ? { privacyLedger: new SqliteBudgetLedger(db) } : {}),
    ...(secureAggregation === undefined ? {} : { secureAggregation: networkSecureAggregation(secureAggregation) }),
    runConfig: { model: flags.model, strategy: flags.strategy, localEpochs: flags.localEpochs, batchSize: flags.batchSize, learningRate: flags.lr, optimizer: flags.optimizer, fraction: flags.fraction, ...(dp === undefined ? {} : { dp }) },
    host: flags.host,
    port: flags.port,
    ...(flags.cert !== undefined && flags.key !== undefined ? { tls: { cert: readFileSync(flags.cert), key: readFileSync(flags.key) } } : {}),
    maxFrameBytes: flags.maxFrameBytes,
    log,
    routes: (app, federation) => registerDashboard(app, federation),
  });
  const stop = () => void server.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const { url, httpUrl } = await server.listen();
    process.stderr.write(`cohort server: listening on ${url} (dashboard ${httpUrl}/), run ${server.runId}\n`);
    if (secureAggregation !== undefined) {
      const settings = networkSecureAggregation(secureAggregation).settings;
      process.stderr.write(`cohort server: secure aggregation (SecAgg+): clients send only masked updates; at most ${settings.maxClients} clients, updates clipped to ±${settings.updateRange}, weight cap ${settings.weightCap} examples\n`);
    }
    const result = await server.run();
    const last = store.lastCheckpoint(server.runId);
    if (result.stoppedEarly !== undefined) process.stderr.write(`cohort server: stopped early: the privacy budget allowed ${result.rounds} of ${flags.rounds} rounds; ${result.stoppedEarly.reason}\n`);
    const privacySummary = privacy?.plan.summarize(result.rounds, result.stoppedEarly);
    process.stdout.write(`${JSON.stringify({ runId: server.runId, rounds: result.rounds, final: last?.metrics ?? null, ...(privacySummary === undefined ? {} : { privacy: privacySummary }) })}\n`);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await server.close();
    model.dispose();
    db.close();
  }
}
