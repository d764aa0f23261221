// Line assembly and validation shared by scanners: max length, printable check, one scan per presentation.
import type { Clock, Logger } from '#common';
import type { DeviceBus, DeviceEvents } from '../events.js';
import type { ScanFilterOptions, ScanRefusal, ScanSink } from './types.js';

type DropReason = DeviceEvents['scanner:dropped']['reason'];

/** The last thing presented and when it was last seen. */
class Presentation {
  private last: string | undefined;
  private seen = 0;

  /** True when `key` equals the last presentation within `windowMs` of its last read (a held code extends it). */
  reread(key: string, now: number, windowMs: number): boolean {
    const again = key === this.last && now - this.seen < windowMs;
    this.last = key;
    this.seen = now;
    return again;
  }
}

/**
 * Turns characters into delivered codes. `push` adds characters; `end` closes the current line
 * (terminator seen or inter-byte timeout); `discard` throws away a partial line (device vanished).
 * A whole line that is not a code (over-long, non-printable) is refused through the sink, so the
 * checkout can say so: a customer holding a code up must never be met with silence.
 */
export class CodeAssembler {
  private buf = '';
  /** Characters of the current line once it passed maxLength (they are counted, not kept). */
  private overflow = 0;
  // Codes and refusals are folded separately: a refused line between two reads of a held code does not split its presentation.
  private readonly codes = new Presentation();
  private readonly refusals = new Presentation();

  constructor(
    private readonly options: ScanFilterOptions,
    private readonly clock: Clock,
    private readonly sink: ScanSink,
    private readonly log: Logger,
    private readonly bus?: DeviceBus,
  ) {}

  push(text: string): void {
    if (this.overflow > 0) {
      this.overflow += text.length;
      return;
    }
    this.buf += text;
    if (this.buf.length > this.options.maxLength) {
      // Keep counting until the end of the line: the tail of an over-long line is not a code either.
      this.overflow = this.buf.length;
      this.buf = '';
    }
  }

  get pending(): number {
    return this.buf.length + this.overflow;
  }

  end(): void {
    const code = this.buf;
    const overflow = this.overflow;
    this.buf = '';
    this.overflow = 0;
    if (overflow > 0) return this.refuse('too-long', overflow);
    if (code.length === 0) return; // CRLF halves, stray terminators: nothing was presented
    if (!/^[\x20-\x7e]+$/.test(code)) return this.refuse('non-printable', code.length);
    if (this.codes.reread(code, this.clock.monotonic(), this.options.rereadWindowMs)) return;
    this.sink.code(code);
  }

  discard(): void {
    if (this.pending > 0) this.drop('partial', this.pending);
    this.buf = '';
    this.overflow = 0;
  }

  private refuse(reason: ScanRefusal['reason'], length: number): void {
    this.drop(reason, length);
    if (this.refusals.reread(`${reason}:${length}`, this.clock.monotonic(), this.options.rereadWindowMs)) return;
    this.sink.refused({ reason, length, maxLength: this.options.maxLength });
  }

  private drop(reason: DropReason, length: number): void {
    this.log.warn({ reason, length, maxLength: this.options.maxLength }, 'scanner input dropped');
    this.bus?.emit('scanner:dropped', { reason, length });
  }
}
