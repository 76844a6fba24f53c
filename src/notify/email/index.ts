// The merchant's notification email: what the rest of Till uses of this folder.
export {
  EmailSender, isPermanentSmtpReply, type EmailLog, type EmailMessage, type SendResult, type VerifyResult,
} from './sender.js';
export { renderInvoiceEmail, type RenderedEmail, type RenderOptions } from './render.js';
export {
  DEFAULT_SMTP_TIMEOUT_MS, parseSmtpUrl, redactSmtpSettings, SMTP_SECURE_MODES, type SmtpSettings,
} from './settings.js';
export { isPlainAddress } from './address.js';
