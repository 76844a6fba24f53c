/** Where a payment stands: rows are marked, never deleted (a replaced or reorged one stays). */
export type PaymentStatus = 'mempool' | 'confirmed' | 'replaced' | 'reorged';

/** An output paying one of Till's addresses, as the core records it. */
export interface Payment {
  id: number;
  invoiceId: number | null;
  addressId: number;
  txid: string;
  vout: number;
  sats: bigint;
  status: PaymentStatus;
  /** When Till first saw it (ms). */
  seenAt: number;
  /** When the money moved by the chain's account (ms): mempool entry or block time. */
  movedAt: number | null;
  /** Outpoints (`txid:vout`) the paying transaction spends, when known. */
  spends: string[] | null;
  blockHash: string | null;
  blockHeight: number | null;
  confirmedAt: number | null;
}
