/**
 * Address and header checks for outgoing mail. Recipients come from API callers
 * (BitPay `notificationEmail`), so anything that could add a header or a second
 * recipient is refused here rather than left to the mail library's parser.
 */

// RFC 5322 dot-atom text, ASCII only: no quoted local parts, comments or groups.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/u;

/** Why `text` is not one plain `local@domain` address, or null when it is one. */
export function plainAddressProblem(text: string): string | null {
  if (CONTROL.test(text)) return 'must not contain control characters (CR, LF, ...)';
  if (text.length > 254) return 'must be at most 254 characters';
  const at = text.lastIndexOf('@');
  if (at < 0) return 'must be an address such as shop@example.com';
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  if (local.length === 0 || local.length > 64 || !LOCAL_PART.test(local)) {
    return 'must be a single plain address such as shop@example.com (no names, lists or quotes)';
  }
  const labels = domain.split('.');
  if (domain.length === 0 || labels.some((l) => !DOMAIN_LABEL.test(l))) {
    return 'must have a valid domain after the @';
  }
  return null;
}

export function isPlainAddress(text: unknown): text is string {
  return typeof text === 'string' && plainAddressProblem(text) === null;
}

export interface Mailbox {
  name: string;
  address: string;
}

/**
 * Reads a sender: `till@shop.example` or `Shop Name <till@shop.example>`. Returns null when
 * it is neither; the name is handed to nodemailer as a separate field, so it gets encoded
 * rather than parsed, and a comma or quote in it cannot become a second address.
 */
export function parseMailbox(text: string): Mailbox | null {
  if (CONTROL.test(text)) return null;
  const trimmed = text.trim();
  const angled = /^([^<>"]*)<([^<>]+)>$/.exec(trimmed);
  if (angled === null) return isPlainAddress(trimmed) ? { name: '', address: trimmed } : null;
  const address = angled[2] ?? '';
  if (!isPlainAddress(address)) return null;
  return { name: (angled[1] ?? '').trim(), address };
}

const HEADER_NAME = /^[!-9;-~]+$/;

// Headers that decide who gets the message or how its body is read are set by EmailSender
// alone; a caller-supplied copy would be a second To or a forged MIME structure.
const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  'from', 'sender', 'to', 'cc', 'bcc', 'reply-to', 'return-path', 'subject', 'date', 'message-id',
  'mime-version', 'content-type', 'content-transfer-encoding', 'content-disposition',
]);

/** Why the extra headers cannot be sent, or null when they can. */
export function headersProblem(headers: Record<string, string>): string | null {
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name) || name.length > 76) return `header name ${JSON.stringify(name)} is not valid`;
    if (RESERVED_HEADERS.has(name.toLowerCase())) return `header ${name} cannot be set by the caller`;
    if (typeof value !== 'string') return `header ${name} must be a string`;
    if (CONTROL.test(value)) return `header ${name} must not contain control characters (CR, LF, ...)`;
    if (value.length > 998) return `header ${name} is too long`;
  }
  return null;
}

/** One line of display text: control characters (CR, LF, tabs, ...) become single spaces. */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex -- as CONTROL, but every run of them
  return text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/gu, ' ').trim();
}

export function hasControlChars(text: string): boolean {
  return CONTROL.test(text);
}
