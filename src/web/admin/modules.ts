import { dashboard } from './dashboard/index.js';
import { invoicesModule } from './invoices/index.js';
import { links } from './links/index.js';
import { webhooks } from './webhooks/index.js';
import { keys } from './keys/index.js';
import { walletModule } from './wallet/index.js';
import { settingsModule } from './settings/index.js';
import { auditModule } from './audit/index.js';
import type { AdminModule } from './http.js';

/**
 * The merchant UI's pages, in the order of its sections. The login, first-run and
 * password pages are the UI's own (auth-pages.tsx); each module here adds a section.
 */
export const ADMIN_MODULES: readonly AdminModule[] = [dashboard, invoicesModule, links, webhooks, keys, walletModule, settingsModule, auditModule];
