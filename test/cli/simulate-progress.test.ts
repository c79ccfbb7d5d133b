import { describe, expect, it } from 'vitest';
import { roundProgress } from '../../src/cli/progress.js';
import type { SimulationRound } from '../../src/fl/simulation/result.js';

/** The parts of a terminal stream cli-progress uses, recording what is written. */
function fakeStream(isTTY: boolean): NodeJS.WriteStream & { output: string } {
  const stream = {
    isTTY,
    columns: 120,
    output: '',
    write(chunk: string) {
      stream.output += chunk;
      return true;
    },
    cursorTo: () => true,
    moveCursor: () => true,
    clearLine: () => true,
    clearScreenDown: () => true,
    on: () => stream,
    removeListener: () => stream,
  };
  return stream as unknown as NodeJS.WriteStream & { output: string };
}

const round = (n: number): SimulationRound => ({
  round: n,
  accuracy: 0.9 + n / 100,
  loss: 0.3,
  trainLoss: 0.3,
  participants: [],
  failures: [],
  numExamples: 1,
  durationMs: 1,
});

describe('roundProgress', () => {
  it('draws rounds and the latest test accuracy on a terminal', () => {
    const stream = fakeStream(true);
    const progress = roundProgress(3, stream);
    progress.update(round(1));
    progress.update(round(2));
    progress.stop();
    progress.stop(); // idempotent
    expect(stream.output).toContain('round 2/3');
    expect(stream.output).toContain('test accuracy 92.00 %');
  });

  it('writes nothing when the stream is not a terminal (pipes, CI logs, tests)', () => {
    const stream = fakeStream(false);
    const progress = roundProgress(3, stream);
    progress.update(round(1));
    progress.stop();
    expect(stream.output).toBe('');
  });
});
