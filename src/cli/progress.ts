/** A progress bar over federated rounds on stderr, shown only when stderr is a terminal. */
import cliProgress from 'cli-progress';
import type { SimulationRound } from '../fl/simulation/result.js';

export interface RoundProgress {
  update(round: SimulationRound): void;
  stop(): void;
}

export function roundProgress(totalRounds: number, stream: NodeJS.WriteStream = process.stderr): RoundProgress {
  if (!stream.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: 'round {value}/{total} [{bar}] test accuracy {accuracy}  loss {loss}',
      hideCursor: true,
      clearOnComplete: true,
      barsize: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(totalRounds, 0, { accuracy: '–', loss: '–' });
  let stopped = false;
  return {
    update(round) {
      bar.update(round.round, { accuracy: `${(round.accuracy * 100).toFixed(2)} %`, loss: round.loss.toFixed(4) });
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
