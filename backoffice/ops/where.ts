// A WHERE clause built from optional filters, with its parameters in order (list and search queries).
export class Where {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];

  add(sql: string, ...p: unknown[]): void {
    this.parts.push(sql);
    this.params.push(...p);
  }

  toString(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}
