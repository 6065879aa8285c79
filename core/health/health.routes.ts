import { defineRoute } from '../http/route.ts';
import { HealthReport } from '../../schemas/api/health.schema.ts';
import { healthReport } from './health.service.ts';

export const healthRoutes = [
  defineRoute({
    method: 'get',
    path: '/api/health',
    summary: 'Liveness and readiness: 200 when the database and the queue answer, 503 with detail otherwise',
    tag: 'system',
    // Load balancers and orchestrators probe this without credentials; it reveals no tenant data.
    access: 'public',
    responses: {
      200: { description: 'healthy', schema: HealthReport },
      503: { description: 'a dependency is down', schema: HealthReport },
    },
    async handler(_input, { hub }) {
      const report = await healthReport(hub);
      return { status: report.status === 'ok' ? 200 : 503, body: report };
    },
  }),
];
