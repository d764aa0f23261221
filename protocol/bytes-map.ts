// A bounded map keyed by byte content (public keys, kids), looked up without converting the key to a string.

interface Entry<V> {
  key: Uint8Array;
  value: V;
  next: Entry<V> | undefined;
}

/** FNV-1a over every byte, folded to a small integer so the bucket lookup allocates nothing. */
export function hashBytes(b: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < b.length; i++) h = Math.imul(h ^ (b[i] as number), 0x01000193);
  return h & 0x3fffffff;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Lookups run on every payment (key objects, kids), where hex or latin1 strings cost more than the
 * lookup itself. Buckets are chained and compared byte for byte, so colliding hashes stay correct.
 * When full, the whole map is dropped: the entries are cheap to recompute and the bound is what matters.
 */
export class BytesMap<V> {
  private readonly buckets = new Map<number, Entry<V>>();
  private count = 0;

  constructor(private readonly limit = Infinity) {}

  get size(): number {
    return this.count;
  }

  get(key: Uint8Array): V | undefined {
    for (let e = this.buckets.get(hashBytes(key)); e !== undefined; e = e.next) if (sameBytes(e.key, key)) return e.value;
    return undefined;
  }

  /** Stores a copy of `key`, so the caller may reuse its buffer. */
  set(key: Uint8Array, value: V): void {
    const h = hashBytes(key);
    let head = this.buckets.get(h);
    for (let e = head; e !== undefined; e = e.next) {
      if (sameBytes(e.key, key)) {
        e.value = value;
        return;
      }
    }
    if (this.count >= this.limit) {
      this.buckets.clear();
      this.count = 0;
      head = undefined;
    }
    this.buckets.set(h, { key: key.slice(), value, next: head });
    this.count++;
  }
}
