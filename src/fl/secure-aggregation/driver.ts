/**
 * Drives one SecAgg+ round (Bell et al., CCS 2020, on Bonawitz et al., CCS 2017) through a
 * transport: each stage sends every live client its request through `peers`, waits for all of
 * them with one deadline (Promise.allSettled), feeds the replies to the server state machine and
 * closes the stage. A client that fails, times out or sends a reply the state machine rejects is
 * a dropout of that stage; the state machine recovers it, or aborts the round with
 * ROUND_INCOMPLETE when fewer than the threshold remain.
 */
import { CohortError } from '../../errors.js';
import { decodeClientMessage, encodeServerMessage, type SecAggServerRound, type SecAggStage } from '../../secagg/index.js';
import type { SecAggPeers } from './peers.js';

export interface StageFailure {
  readonly clientId: string;
  readonly stage: SecAggStage;
  readonly message: string;
}

export interface DrivenRound {
  readonly sum: Uint32Array;
  readonly survivors: readonly string[];
  readonly dropped: readonly string[];
  /** Why each dropout dropped, in stage order. */
  readonly failures: readonly StageFailure[];
  /** Wall-clock milliseconds of each stage (requests, replies and closing the stage). */
  readonly stageMs: Readonly<Partial<Record<SecAggStage, number>>>;
}

export async function driveSecAggRound(server: SecAggServerRound, peers: SecAggPeers, stageDeadlineMs: number): Promise<DrivenRound> {
  const failures: StageFailure[] = [];
  const stageMs: Partial<Record<SecAggStage, number>> = {};
  for (;;) {
    const stage = server.stage;
    const started = performance.now();
    if (stage === 'done') break;
    if (stage === 'aborted') throw new CohortError('ROUND_INCOMPLETE', 'the SecAgg+ round was aborted', { subject: 'secureAggregation' });
    const requests = server.requests();
    await Promise.allSettled(
      [...requests].map(async ([clientId, message]) => {
        try {
          const reply = await withDeadline(peers.request(clientId, encodeServerMessage(message), stageDeadlineMs), stageDeadlineMs, clientId, stage);
          server.receive(clientId, decodeClientMessage(reply));
        } catch (error) {
          failures.push({ clientId, stage, message: error instanceof Error ? error.message : String(error) });
        }
      }),
    );
    try {
      await server.advance();
    } catch (error) {
      if (error instanceof CohortError && error.code === 'ROUND_INCOMPLETE' && failures.length > 0) {
        const shown = failures.slice(0, 3).map((failure) => `${failure.clientId} at ${failure.stage}: ${failure.message}`);
        throw new CohortError('ROUND_INCOMPLETE', `${error.message} (${failures.length} dropout(s): ${shown.join('; ')}${failures.length > 3 ? '; …' : ''})`, {
          subject: error.subject ?? 'secureAggregation',
          cause: error,
        });
      }
      throw error;
    }
    stageMs[stage] = performance.now() - started;
  }
  const { sum, survivors, dropped } = server.result();
  return { sum, survivors, dropped, failures, stageMs };
}

/** Rejects when `promise` has not settled within `ms`; the late result is ignored. */
function withDeadline<T>(promise: Promise<T>, ms: number, clientId: string, stage: SecAggStage): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CohortError('ROUND_INCOMPLETE', `client ${JSON.stringify(clientId)} missed the ${ms} ms deadline of stage ${stage}`, { subject: clientId })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
