import type { Dialect } from '../dialect.js';
import { checkoutRouter } from './routes.js';
import { compileCheckoutSchemas } from './schemas.js';

/**
 * The checkout dialect, seed 003: /api/checkout with `X-Api-Key`, invoices created and
 * finalized at once, money as exact JSON numbers. It sends no notifications of its own
 * (the seed has no callbacks); v1's webhooks fire for its invoices like any other.
 */
export const checkoutDialect: Dialect = {
  name: 'checkout',
  router: (deps, v) => checkoutRouter(deps, compileCheckoutSchemas(v.body, v.query)),
  renderers: {},
};
