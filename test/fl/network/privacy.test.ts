// No raw record leaves a client: every frame the real client runtime sends is inspected for the
// feature values of its data file (as float32 bytes and as text) — none may appear.
import { afterEach, describe, expect, it } from 'vitest';
import { loadBundledDataset } from '../../../src/data/bundled.js';
import { subset } from '../../../src/data/dataset.js';
import { runNetworkClient } from '../../../src/fl/client/index.js';
import { FedAvg } from '../../../src/fl/strategies/fedavg.js';
import { createModel } from '../../../src/ml/index.js';
import { FederationServer } from '../../../src/fl/server/index.js';
import { storedKeyOf } from '../../../src/fl/transport/auth.js';
import { openDatabase } from '../../../src/store/database.js';
import { FederationStateStore } from '../../../src/store/federation-state.js';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

describe('no raw record leaves the client', () => {
  it('sends only weights, counts and metrics over 2 rounds', async () => {
    const iris = loadBundledDataset('iris') as NonNullable<ReturnType<typeof loadBundledDataset>>;
    const data = subset(iris, Array.from({ length: 40 }, (_, i) => i * 3));
    const model = await createModel({ kind: 'logreg' }, { numFeatures: data.numFeatures, numClasses: data.numClasses }, { seed: 1 });
    const db = openDatabase(':memory:');
    const store = new FederationStateStore(db);
    const token = 'owner.a-long-enough-secret-token-value';
    store.addClient('owner', storedKeyOf(token));
    const server = await FederationServer.create({
      store,
      strategy: new FedAvg({ localEpochs: 1, batchSize: 8, optimizer: { kind: 'sgd', learningRate: 0.1 }, fractionEvaluate: 1 }),
      rounds: 2,
      minClients: 1,
      roundDeadlineMs: 30_000,
      modelSpec: 'logreg',
      numFeatures: data.numFeatures,
      classNames: data.classNames,
      initialWeights: model.getWeights(),
      seed: 3,
    });
    model.dispose();
    const { url } = await server.listen();
    cleanup = async () => {
      await server.close();
      db.close();
    };
    const sent: Uint8Array[] = [];
    const [result] = await Promise.all([
      runNetworkClient({ url, token, data, onFrameSent: (frame) => sent.push(new Uint8Array(frame)) }),
      server.run(),
    ]);
    expect(result.reason).toBe('finished');
    expect(result.fits).toBe(2);
    expect(sent.length).toBeGreaterThanOrEqual(5); // hello + 2 fit replies + 2 evaluate replies
    const all = Buffer.concat(sent);
    const text = all.toString('latin1');
    let checked = 0;
    for (const value of new Set(data.features)) {
      if (value === 0 || Math.abs(value) === 1) continue;
      checked++;
      const bytes = new Uint8Array(new Float32Array([value]).buffer);
      expect(contains(all, bytes), `float32 bytes of feature value ${value}`).toBe(false);
      // Text forms of 3+ characters ("5.1"); a lone digit occurs in any binary by chance.
      if (String(value).length >= 3) expect(text.includes(String(value)), `text of feature value ${value}`).toBe(false);
    }
    expect(checked).toBeGreaterThan(20);
  }, 60_000);
});
