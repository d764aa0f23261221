// Approved, not yet acknowledged totals (terminal-wide and per purse), kept in memory in step with the journal.

/**
 * The offline limits need "approved since the last ack" per terminal and per purse on every decision.
 * Summing the journal each time is O(backlog); the store is the single writer, so it derives these
 * totals once at start and adjusts them after each committed append and each ack.
 */
export class UnsyncedTotals {
  private count = 0;
  private amount = 0;
  /** Keyed by the purse id's hex. An entry is dropped when its purse has nothing unacknowledged left. */
  private readonly purses = new Map<string, number>();

  add(purseId: Uint8Array | null, amount: number): void {
    this.count++;
    this.amount += amount;
    if (purseId) {
      const k = Buffer.from(purseId.buffer, purseId.byteOffset, purseId.byteLength).toString('hex');
      this.purses.set(k, (this.purses.get(k) ?? 0) + amount);
    }
  }

  /** Adds aggregated journal rows (count and sum per purse). */
  addRows(rows: readonly { purse_id: Uint8Array | null; n: number; a: number }[]): void {
    for (const r of rows) this.apply(r, 1);
  }

  /** Removes aggregated journal rows that were just acknowledged. */
  removeRows(rows: readonly { purse_id: Uint8Array | null; n: number; a: number }[]): void {
    for (const r of rows) this.apply(r, -1);
  }

  total(): { count: number; amount: number } {
    return { count: this.count, amount: this.amount };
  }

  forPurse(purseId: Uint8Array): number {
    return this.purses.get(Buffer.from(purseId.buffer, purseId.byteOffset, purseId.byteLength).toString('hex')) ?? 0;
  }

  /** Purses with an unacknowledged amount (bounded by the unsynced-payments limit). */
  get purseCount(): number {
    return this.purses.size;
  }

  private apply(r: { purse_id: Uint8Array | null; n: number; a: number }, sign: 1 | -1): void {
    this.count += sign * r.n;
    this.amount += sign * r.a;
    if (!r.purse_id) return;
    const k = Buffer.from(r.purse_id.buffer, r.purse_id.byteOffset, r.purse_id.byteLength).toString('hex');
    const next = (this.purses.get(k) ?? 0) + sign * r.a;
    if (next === 0 && sign < 0) this.purses.delete(k);
    else this.purses.set(k, next);
  }
}
