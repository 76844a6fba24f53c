import type { Dialect } from '../dialect.js';
import { ipnSubscriber, notificationEmailSubscriber, renderIpn } from './notifications.js';
import { BITPAY_MOUNTS, bitpayErrorBody, bitpayRouter } from './routes.js';
import { compileBitpaySchemas } from './schemas.js';

/**
 * The BitPay legacy dialect, seed 004: /invoices and /api/invoice with HTTP Basic keys,
 * JSON or form bodies, and IPNs to each invoice's notificationURL (and mail to its
 * notificationEmail).
 */
export const bitpayDialect: Dialect = {
  name: 'bitpay',
  router: (deps, v) => bitpayRouter(deps, compileBitpaySchemas(v.body, v.query)),
  renderers: { ipn: renderIpn },
  subscribers: [ipnSubscriber, notificationEmailSubscriber],
  mounts: BITPAY_MOUNTS,
  errorFormat: bitpayErrorBody,
  formBodies: true,
};
