/**
 * Drives one in-process SecAgg+ round: every live client answers every request, except those a
 * dropout plan silences from a given stage on (they simply stop replying, like a dead client).
 */
import { SeededRandom } from '../../src/crypto/random.js';
import {
  SecAggClientRound,
  SecAggServerRound,
  type SecAggClientMessage,
  type SecAggParameters,
  type SecAggResult,
  type SecAggStage,
  decodeClientMessage,
  decodeServerMessage,
  encodeClientMessage,
  encodeServerMessage,
} from '../../src/secagg/index.js';

export interface DropoutPlan {
  /** Client index → the first stage it no longer answers. */
  readonly silentFrom: ReadonlyMap<number, SecAggStage>;
}

export interface RoundSetup {
  readonly n: number;
  readonly neighbours: number;
  readonly threshold: number;
  readonly vectorLength: number;
  readonly round?: number;
  readonly seed: number;
  /** Send every message through the protobuf codec. */
  readonly wire?: boolean;
}

export interface RoundRun {
  readonly server: SecAggServerRound;
  readonly clients: readonly SecAggClientRound[];
  readonly inputs: readonly Uint32Array[];
  readonly parameters: SecAggParameters;
}

const STAGES: readonly SecAggStage[] = ['setup', 'shareKeys', 'maskedInput', 'unmask'];

export function makeRound(setup: RoundSetup): RoundRun {
  const rng = new SeededRandom(setup.seed);
  const sessionId = new Uint8Array(32);
  rng.fillBytes(sessionId);
  const parameters: SecAggParameters = {
    round: setup.round ?? 1,
    sessionId,
    clientIds: Array.from({ length: setup.n }, (_, i) => `client-${i}`),
    threshold: setup.threshold,
    neighbours: setup.neighbours,
    vectorLength: setup.vectorLength,
  };
  const server = new SecAggServerRound(parameters, rng.fork());
  const clients = parameters.clientIds.map((id) => new SecAggClientRound(id, rng.fork()));
  const inputs = clients.map(() => {
    const x = new Uint32Array(setup.vectorLength);
    for (let i = 0; i < x.length; i++) x[i] = rng.uint32();
    return x;
  });
  clients.forEach((c, i) => c.setInput(inputs[i] as Uint32Array));
  return { server, clients, inputs, parameters };
}

/** Runs one stage: requests → replies of the clients that are not silent → advance. */
export async function runStage(
  run: RoundRun,
  plan: DropoutPlan,
  wire = false,
  observe?: (clientId: string, reply: SecAggClientMessage) => void,
): Promise<void> {
  const stage = run.server.stage as SecAggStage;
  const requests = run.server.requests();
  const replies = await Promise.all(
    [...requests].map(async ([id, request]) => {
      const index = run.parameters.clientIds.indexOf(id);
      const silent = plan.silentFrom.get(index);
      if (silent !== undefined && STAGES.indexOf(silent) <= STAGES.indexOf(stage)) return undefined;
      const client = run.clients[index] as SecAggClientRound;
      const delivered = wire ? decodeServerMessage(encodeServerMessage(request)) : request;
      const reply = await client.handle(delivered);
      return [id, wire ? decodeClientMessage(encodeClientMessage(reply)) : reply] as const;
    }),
  );
  for (const r of replies) {
    if (r === undefined) continue;
    observe?.(r[0], r[1]);
    run.server.receive(r[0], r[1]);
  }
  await run.server.advance();
}

export async function runRound(
  run: RoundRun,
  plan: DropoutPlan,
  wire = false,
  observe?: (clientId: string, reply: SecAggClientMessage) => void,
): Promise<SecAggResult> {
  while (run.server.stage !== 'done') await runStage(run, plan, wire, observe);
  return run.server.result();
}

/** Σ of the inputs of `survivors` mod 2^32. */
export function plainSum(run: RoundRun, survivors: readonly string[]): Uint32Array {
  const out = new Uint32Array(run.parameters.vectorLength);
  for (const id of survivors) {
    const x = run.inputs[run.parameters.clientIds.indexOf(id)] as Uint32Array;
    for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) + (x[i] as number);
  }
  return out;
}
