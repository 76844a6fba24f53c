import type { Dialect } from '../dialect.js';
import { renderWebhook } from './notifications.js';
import { v1Router } from './routes.js';
import { compileV1Schemas } from './schemas.js';

/** The native dialect, seed 000: /api/v1 with Bearer keys, and the merchant's webhooks. */
export const v1Dialect: Dialect = {
  name: 'v1',
  router: (deps, v) => v1Router(deps, compileV1Schemas(v.body, v.query)),
  renderers: { webhook: renderWebhook },
};
