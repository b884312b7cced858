/**
 * Remembers the last `capacity` keys (delivery ids, comment ids) so a repeated delivery is
 * processed once. Checked and recorded synchronously, so parallel duplicates see each other.
 */
export class DeliveryLog {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** True the first time a key is offered; false for every repeat while it is remembered. */
  firstTime(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    if (this.seen.size > this.capacity) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    return true;
  }

  /** Forgets a key (its processing failed before doing anything and may be retried by redelivery). */
  forget(key: string): void {
    this.seen.delete(key);
  }

  get size(): number {
    return this.seen.size;
  }
}
