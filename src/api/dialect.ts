import type Router from '@koa/router';
import type { Ajv } from 'ajv';
import type { TargetKind } from '../domain/notification.js';
import type { EventRenderer, Subscriber } from '../notify/ports.js';
import type { ApiDeps } from './deps.js';
import type { ErrorFormatter, TillState } from './state.js';

/** The two ajv instances every dialect compiles its schemas with. */
export interface Validators {
  /** JSON bodies: exact decimals kept, no coercion. */
  body: Ajv;
  /** Query strings: text coerced to the schema's numbers and booleans. */
  query: Ajv;
}

/**
 * An HTTP dialect as a plug-in: its folder holds routes, schemas, present and
 * notifications, and main.ts registers it here. The core never imports a dialect.
 */
export interface Dialect {
  name: string;
  /** The dialect's router, under its own mount, with its own auth and error shape. */
  router(deps: ApiDeps, validators: Validators): Router<TillState>;
  /** How it writes events for the kinds of receiver it speaks for (v1: webhooks). */
  renderers: Partial<Record<TargetKind, EventRenderer>>;
  /** Receivers of its own it tells of events (BitPay: each invoice's notificationURL). */
  subscribers?: Subscriber[];
  /**
   * The paths it serves, for the shared layer: everything under them answers in
   * `errorFormat`, errors raised before its router runs (a body too large, malformed,
   * of the wrong type) too.
   */
  mounts?: readonly string[];
  /** Its error body, where it is not Till's own `{error, code}`. */
  errorFormat?: ErrorFormatter;
  /**
   * Under its mounts it also reads `application/x-www-form-urlencoded` bodies, as objects
   * of strings (BitPay's old clients post forms). Everywhere else a body is JSON.
   */
  formBodies?: boolean;
}
