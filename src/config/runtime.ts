import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { coerce, schemaFor, type Config, type SettingSource } from './load.js';
import { SETTINGS, type SettingKey, type SettingSpec } from './settings.js';

/**
 * The settings a merchant may change in the web UI. A value stored in the database
 * (table `settings`, keyed by the environment name) overrides the environment's, is
 * checked by the same rules as the environment's (settings.ts), and is applied over it
 * when Till starts; main.ts applies changes to the running services it can reach.
 */
export const EDITABLE_SETTINGS = [
  'shopName', 'defaultCurrency', 'quoteDeadlineMinutes', 'confirmations', 'bankInstructions',
  'rateSources', 'smtpUrl', 'smtpFrom', 'notifyEmail',
] as const satisfies readonly SettingKey[];

export type EditableSetting = (typeof EDITABLE_SETTINGS)[number];

export type EditableValues = { [K in EditableSetting]: Config[K] };

/** Where the value in use came from, as the settings page names it. */
export type ValueOrigin = 'database' | 'environment' | 'file' | 'default';

/** The table of stored values (db/merchant.ts behind it, wired by main.ts). */
export interface SettingsStore {
  list(): Promise<{ key: string; value: string; updatedAt: number }[]>;
  /** Writes every value in one transaction. */
  put(values: { key: string; value: string }[], now: number): Promise<void>;
  remove(key: string): Promise<boolean>;
}

export interface SettingError {
  field: string;
  message: string;
}

export interface SettingRow {
  key: EditableSetting;
  env: string;
  /** The value in use, as a form shows it (a list joined by ", "; a secret URL's password masked). */
  value: string;
  origin: ValueOrigin;
  /** What clearing the stored value goes back to, shown the same way. */
  fallback: string;
  fallbackOrigin: Exclude<ValueOrigin, 'database'>;
  updatedAt: number | null;
  secret: boolean;
  /** Changes apply to the running Till (false: after a restart). */
  live: boolean;
  /** A change not applied yet: the running Till still uses the value it started with. */
  restartPending: boolean;
  /** The allowed values of a list or a choice. */
  options: readonly string[] | null;
  min: number | null;
  max: number | null;
}

export interface SavedChange {
  key: EditableSetting;
  env: string;
  /** The new value as stored; null for a secret. */
  value: string | null;
}

/** Stands for a URL's password in the form; posted back unchanged it keeps the stored one. */
export const MASK = '********';
const URL_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:@/?#\s]*:)([^@/?#\s]*)(@)/i;

/** `smtp://shop:secret@host` → `smtp://shop:********@host`. */
export function maskUrlPassword(url: string): string {
  return url.replace(URL_PASSWORD, (_m, a: string, pass: string, b: string) => (pass === '' ? `${a}${b}` : `${a}${MASK}${b}`));
}

/** A posted URL still holding the mask gets the password of `current` back. */
function unmaskUrlPassword(posted: string, current: string): string {
  const m = URL_PASSWORD.exec(posted);
  if (!m || m[2] !== MASK) return posted;
  const old = URL_PASSWORD.exec(current)?.[2] ?? '';
  return posted.replace(URL_PASSWORD, `$1${old.replace(/\$/g, '$$$$')}$3`);
}

const PATTERN_HINTS: Partial<Record<EditableSetting, string>> = {
  defaultCurrency: 'a three-letter currency code in capitals, such as USD',
};

const ajv = new Ajv({ allErrors: false });
const validators = new Map<EditableSetting, ValidateFunction>(
  EDITABLE_SETTINGS.map((k) => [k, ajv.compile(schemaFor(SETTINGS[k] as SettingSpec))]),
);

function specOf(key: EditableSetting): SettingSpec {
  return SETTINGS[key] as SettingSpec;
}

function explain(key: EditableSetting, err: ErrorObject): string {
  const spec = specOf(key);
  if (err.keyword === 'enum') return `Must be one of ${(err.params as { allowedValues: string[] }).allowedValues.join(', ')}.`;
  if (err.keyword === 'pattern') return `Must be ${PATTERN_HINTS[key] ?? spec.hint ?? `of the form ${spec.pattern}`}.`;
  if (spec.type === 'integer') return `Must be a whole number from ${spec.min ?? 0} to ${spec.max ?? Number.MAX_SAFE_INTEGER}.`;
  return `Is not valid: ${err.message ?? 'check it'}.`;
}

/** A value as stored and typed: one line trimmed, a text's CRLF made LF. */
function normalize(key: EditableSetting, raw: string): string {
  if (key === 'bankInstructions') return raw.replace(/\r\n?/g, '\n').trim();
  return raw.trim();
}

/**
 * A typed (or stored) value for a setting, by the environment's own rules: its type,
 * bounds, choices and pattern. An integer must be given; a text may be empty.
 */
export function checkSettingValue(key: EditableSetting, raw: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const text = normalize(key, raw);
  if (text.length > 10_000) return { ok: false, message: 'Is too long (10,000 characters at most).' };
  const value = coerce(specOf(key), text);
  const validate = validators.get(key)!;
  if (!validate(value)) return { ok: false, message: explain(key, validate.errors![0]!) };
  if (key === 'rateSources') {
    const list = value as string[];
    if (new Set(list).size !== list.length) return { ok: false, message: 'Lists a source twice.' };
  }
  return { ok: true, value };
}

/** A value as the form shows it. */
function shown(key: EditableSetting, value: unknown): string {
  const text = Array.isArray(value) ? value.join(', ') : String(value ?? '');
  return key === 'smtpUrl' ? maskUrlPassword(text) : text;
}

/** A value as the table stores it (the environment's spelling: a list joined by commas). */
function stored(value: unknown): string {
  return Array.isArray(value) ? value.join(',') : String(value);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function originOf(source: SettingSource): Exclude<ValueOrigin, 'database'> {
  if (source === 'default') return 'default';
  if (source === 'env file' || source === 'config file') return 'file';
  return 'environment';
}

/** Where each setting came from when the loader did not say: its default when it holds the default. */
function guessSources(config: Config): Record<EditableSetting, SettingSource> {
  const out = {} as Record<EditableSetting, SettingSource>;
  for (const k of EDITABLE_SETTINGS) out[k] = same(config[k], specOf(k).default) ? 'default' : 'env';
  return out;
}

export interface RuntimeOptions {
  /** Where each value of `env` came from (config/load.ts resolveConfig); guessed when absent. */
  sources?: Partial<Record<SettingKey, SettingSource>>;
  /** The settings main.ts applies to the running services; the others wait for a restart. */
  live: readonly EditableSetting[];
  /** Checks beyond one value's rules (an SMTP URL and sender that the mailer accepts), on the values as they would be. */
  check?: (next: EditableValues) => SettingError[];
  now: () => number;
}

/**
 * The merchant's settings as they are now: the environment's, with the values stored in
 * the database over them. `load` reads the table once at start; `save` and `clear`
 * change the table and the values in use, and tell the listeners what changed.
 */
export class RuntimeSettings {
  private values: EditableValues;
  /** The environment's values (bank instructions with their `\\n` as line breaks, as the form shows them). */
  private readonly base: EditableValues;
  private readonly stored = new Map<EditableSetting, { value: string; updatedAt: number }>();
  private readonly listeners: ((changed: readonly EditableSetting[], values: Readonly<EditableValues>) => void)[] = [];
  /** The configuration Till starts with: the environment's, the stored values over it. */
  readonly startConfig: Config;

  private constructor(
    private readonly env: Config,
    private readonly sources: Record<EditableSetting, SettingSource>,
    private readonly store: SettingsStore,
    private readonly opts: RuntimeOptions,
    rows: { key: string; value: string; updatedAt: number }[],
    private readonly ignored: { env: string; message: string }[],
  ) {
    this.base = Object.fromEntries(EDITABLE_SETTINGS.map((k) => [k, env[k]])) as EditableValues;
    this.base.bankInstructions = env.bankInstructions.replace(/\\n/g, '\n').trim();
    this.values = this.apply(rows, ignored);
    this.startConfig = Object.freeze({ ...env, ...this.values });
  }

  /** The environment's values with the stored `rows` over them; refused ones go to `ignored`. */
  private apply(rows: { key: string; value: string; updatedAt: number }[], ignored: { env: string; message: string }[]): EditableValues {
    const values = { ...this.base };
    this.stored.clear();
    for (const r of rows) {
      const key = EDITABLE_SETTINGS.find((k) => specOf(k).env === r.key);
      if (!key) continue;
      const c = checkSettingValue(key, r.value);
      if (!c.ok) {
        ignored.push({ env: r.key, message: c.message });
        continue;
      }
      (values as Record<string, unknown>)[key] = c.value;
      this.stored.set(key, { value: r.value, updatedAt: r.updatedAt });
    }
    for (const p of this.opts.check?.(values) ?? []) {
      const key = p.field as EditableSetting;
      if (!this.stored.has(key)) continue;
      ignored.push({ env: specOf(key).env, message: p.message });
      this.stored.delete(key);
      (values as Record<string, unknown>)[key] = this.base[key];
    }
    return values;
  }

  /**
   * Reads the stored values again: another process sharing the database (PostgreSQL)
   * saved or cleared some. The listeners hear of those whose value changed.
   */
  async reload(): Promise<void> {
    const before = this.values;
    this.values = this.apply(await this.store.list(), []);
    const changed = EDITABLE_SETTINGS.filter((k) => !same(before[k], this.values[k]));
    if (changed.length > 0) this.tell(changed);
  }

  /**
   * Reads the stored values over `env`. A stored value the rules refuse (they may have
   * changed since) is left out, named in `ignored` for the log, and stays in the table.
   */
  static async load(env: Config, store: SettingsStore, opts: RuntimeOptions): Promise<{ settings: RuntimeSettings; ignored: { env: string; message: string }[] }> {
    const sources = { ...guessSources(env), ...opts.sources } as Record<EditableSetting, SettingSource>;
    const ignored: { env: string; message: string }[] = [];
    const settings = new RuntimeSettings(env, sources, store, opts, await store.list(), ignored);
    return { settings, ignored };
  }

  value<K extends EditableSetting>(key: K): EditableValues[K] {
    return this.values[key];
  }

  /** Called after each save or clear with the settings whose value changed. */
  onChange(fn: (changed: readonly EditableSetting[], values: Readonly<EditableValues>) => void): void {
    this.listeners.push(fn);
  }

  rows(): SettingRow[] {
    const live = new Set(this.opts.live);
    return EDITABLE_SETTINGS.map((key) => {
      const spec = specOf(key);
      const s = this.stored.get(key);
      return {
        key,
        env: spec.env,
        value: shown(key, this.values[key]),
        origin: s ? 'database' : originOf(this.sources[key]),
        fallback: shown(key, this.base[key]),
        fallbackOrigin: originOf(this.sources[key]),
        updatedAt: s?.updatedAt ?? null,
        secret: spec.secret === true,
        live: live.has(key),
        restartPending: !live.has(key) && !same(this.values[key], this.startConfig[key]),
        options: spec.enum ?? null,
        min: spec.min ?? null,
        max: spec.max ?? null,
      };
    });
  }

  /**
   * Stores the posted values that differ from those in use, all or none: any value the
   * rules refuse comes back as an error beside its field and nothing is stored. Settings
   * absent from `form` are left alone.
   */
  async save(form: Partial<Record<EditableSetting, string>>): Promise<{ changed: SavedChange[]; errors: SettingError[] }> {
    const errors: SettingError[] = [];
    const next = { ...this.values } as Record<string, unknown>;
    const changed: EditableSetting[] = [];
    for (const key of EDITABLE_SETTINGS) {
      let raw = form[key];
      if (raw === undefined) continue;
      if (key === 'smtpUrl') raw = unmaskUrlPassword(raw.trim(), String(this.values.smtpUrl));
      const c = checkSettingValue(key, raw);
      if (!c.ok) {
        errors.push({ field: key, message: c.message });
        continue;
      }
      if (same(c.value, this.values[key])) continue;
      next[key] = c.value;
      changed.push(key);
    }
    if (errors.length === 0 && (next.rateSources as string[]).length === 0 && this.env.ratesFixed.trim() === '') {
      errors.push({ field: 'rateSources', message: 'Choose at least one rate source.' });
    }
    if (errors.length === 0 && changed.length > 0) {
      for (const p of this.opts.check?.(next as EditableValues) ?? []) {
        if (changed.includes(p.field as EditableSetting) || p.field === 'smtpFrom' || p.field === 'smtpUrl') errors.push(p);
      }
    }
    if (errors.length > 0) return { changed: [], errors };
    if (changed.length === 0) return { changed: [], errors: [] };
    const at = this.opts.now();
    const rows = changed.map((k) => ({ key: specOf(k).env, value: stored(next[k]) }));
    await this.store.put(rows, at);
    for (const k of changed) {
      (this.values as Record<string, unknown>)[k] = next[k];
      this.stored.set(k, { value: stored(next[k]), updatedAt: at });
    }
    this.tell(changed);
    return {
      changed: changed.map((k) => ({ key: k, env: specOf(k).env, value: specOf(k).secret ? null : stored(next[k]) })),
      errors: [],
    };
  }

  /** Drops the stored value: the environment's (or the default) is used again. False if none was stored. */
  async clear(key: EditableSetting): Promise<boolean> {
    if (!this.stored.has(key)) return false;
    await this.store.remove(specOf(key).env);
    this.stored.delete(key);
    const before = this.values[key];
    (this.values as Record<string, unknown>)[key] = this.base[key];
    if (!same(before, this.base[key])) this.tell([key]);
    return true;
  }

  /** Values stored at start that the rules refused (for the log). */
  get refusedAtStart(): readonly { env: string; message: string }[] {
    return this.ignored;
  }

  private tell(changed: readonly EditableSetting[]): void {
    for (const fn of this.listeners) fn(changed, this.values);
  }
}

export function isEditableSetting(key: string): key is EditableSetting {
  return (EDITABLE_SETTINGS as readonly string[]).includes(key);
}
