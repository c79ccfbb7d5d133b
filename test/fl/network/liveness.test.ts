// Server-side liveness: a client whose process freezes without closing its socket (simulated by
// pausing its socket, so it reads no ping and sends no pong) is dropped from the available set
// within two ping periods — long before the round deadline — while a responsive client stays.
import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, joinAs, startHarness, waitUntil } from './harness.js';

const HEARTBEAT_MS = 100;
const DEADLINE_MS = 60_000;

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('liveness (WebSocket ping/pong)', () => {
  it('drops a client that stops answering pings, fails its pending request before the deadline, keeps the live one', async () => {
    const h = (harness = await startHarness({ clients: ['alive', 'frozen'], rounds: 1, minClients: 2, deadlineMs: DEADLINE_MS, heartbeatIntervalMs: HEARTBEAT_MS }));
    const alive = await joinAs(h, 'alive');
    const frozen = await joinAs(h, 'frozen');
    await waitUntil(() => h.server.pool.size === 2);
    const run = h.server.run().catch((error: unknown) => error);
    await frozen.next('fitRequest');
    frozen.socket.pause(); // the process "hangs": the TCP connection stays open, nothing is read or answered
    await alive.answerFit((w) => w.map(() => 1));

    await waitUntil(() => h.events.some((e) => e.kind === 'client-left' && e.clientId === 'frozen'), 5_000);
    const left = h.events.find((e) => e.kind === 'client-left' && e.clientId === 'frozen');
    expect(left?.message).toMatch(/unresponsive/);
    // Dropped within a few ping periods, not at the 60 s deadline: its request failed, the round
    // fell below min-clients and is retried rather than waiting out the deadline.
    await waitUntil(() => h.events.some((e) => e.kind === 'round-retried'), 5_000);
    expect(h.server.status().connectedClients).toEqual(['alive']);

    // The responsive client survives many ping periods.
    await new Promise((resolve) => setTimeout(resolve, 8 * HEARTBEAT_MS));
    expect(h.server.status().connectedClients).toEqual(['alive']);
    expect(h.events.filter((e) => e.kind === 'client-left' && e.clientId === 'alive')).toEqual([]);
    frozen.socket.terminate();
    alive.close();
    await h.close();
    harness = undefined;
    await run; // stopped by close
  });

  it('refuses a negative heartbeat period', async () => {
    await expect(startHarness({ clients: ['a'], rounds: 1, minClients: 1, heartbeatIntervalMs: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
