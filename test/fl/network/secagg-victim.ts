// A network client process for the slow SecAgg+ test: trains and takes part in SecAgg+ like
// `cohort client`, but when the maskedInput request of its first round arrives (its keys are
// already shared) it prints "VICTIM AT maskedInput" and never answers; the test then kills it
// with SIGKILL. Usage: node --import tsx secagg-victim.ts URL TOKEN CSV_FILE LABEL_COLUMN
import { loadDataset } from '../../../src/data/index.js';
import { defaultSecureClient, runNetworkClient } from '../../../src/fl/client/index.js';
import { decodeServerMessage } from '../../../src/secagg/index.js';

const [url, token, file, label] = process.argv.slice(2) as [string, string, string, string];
const { data } = await loadDataset(`csv:${file}`, { label });
await runNetworkClient({
  url,
  token,
  data,
  maxAttempts: 1,
  secureClient: (inner, settings) => {
    const secure = defaultSecureClient(inner, settings);
    return {
      ...secure,
      handleSecAgg: (request: Uint8Array) => {
        if (decodeServerMessage(request).stage !== 'maskedInput') return secure.handleSecAgg(request);
        process.stderr.write('VICTIM AT maskedInput\n');
        return new Promise<Uint8Array>(() => undefined);
      },
    };
  },
});
