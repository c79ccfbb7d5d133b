/**
 * The live dashboard of `cohort server`: `/` (a small self-updating page, no framework), and JSON
 * at `/api/status` (phase, round, connected clients, ε per data owner) and `/api/rounds` (every
 * completed round's metrics, from the SQLite checkpoints).
 */
import type { FastifyInstance } from 'fastify';
import type { FederationServer } from '../../fl/server/index.js';
import { DASHBOARD_HTML } from './page.js';

export function dashboardStatus(server: FederationServer): Record<string, unknown> {
  return { ...server.status(), privacy: server.store.privacyByOwner(server.runId) };
}

export function dashboardRounds(server: FederationServer): Record<string, unknown>[] {
  return server.store.roundMetrics(server.runId).map((entry) => ({ ...entry.metrics, completedAt: entry.completedAt }));
}

export function registerDashboard(app: FastifyInstance, server: FederationServer): void {
  app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(DASHBOARD_HTML));
  app.get('/api/status', async (_request, reply) => reply.header('cache-control', 'no-store').send(dashboardStatus(server)));
  app.get('/api/rounds', async (_request, reply) => reply.header('cache-control', 'no-store').send(dashboardRounds(server)));
}
