export { AllowList } from './allow-list.js';
export { guardedAgent } from './agent.js';
export { assertConnectable, guardedLookup, SsrfError } from './connect.js';
export { systemResolver, type ResolvedAddress, type Resolver } from './policy.js';
export { classifyIp, type IpVerdict } from './ranges.js';
export { checkWebhookTarget, type CheckOptions } from './save-check.js';
export { parseTarget, redactUrl, type HostKind, type Target } from './target.js';
