/**
 * The price of one BTC in `currency`, as Till quotes it: an exact decimal string with at
 * most 8 decimal places, the sources whose answers made it and when they answered.
 */
export interface Rate {
  readonly currency: string;
  readonly rate: string;
  /** Frozen at run time: cached rates are shared by every caller. */
  readonly sources: string[];
  readonly fetchedAt: Date;
}

/**
 * One place BTC prices come from. `fetchRates` answers only the currencies it knows
 * (ISO 4217 upper-case codes), each as an exact positive decimal string; a currency it
 * does not know is simply absent from the map. It rejects when it cannot answer at all,
 * and should stop work when `signal` aborts (the service also stops waiting then).
 */
export interface RateProvider {
  readonly name: string;
  fetchRates(currencies: string[], signal: AbortSignal): Promise<Map<string, string>>;
}

/** Keeps the last good rates across restarts; persistence lives outside this module. */
export interface RateStore {
  load(): Promise<Rate[]>;
  save(rates: Rate[]): Promise<void>;
}

/** The subset of pino Till uses: merge object first, message second. */
export interface RateLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const silentLogger: RateLogger = Object.freeze({
  info() {},
  warn() {},
  error() {},
});
