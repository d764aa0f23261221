// Line assembly and validation shared by scanners: max length, printable check, one scan per presentation.
import type { Clock, Logger } from '#common';
import type { DeviceBus, DeviceEvents } from '../events.js';
import type { ScanFilterOptions } from './types.js';

type DropReason = DeviceEvents['scanner:dropped']['reason'];

/**
 * Turns characters into delivered codes. `push` adds characters; `end` closes the current code
 * (terminator seen or inter-byte timeout); `discard` throws away a partial code (device vanished).
 */
export class CodeAssembler {
  private buf = '';
  private overflow = false;
  private lastCode: string | undefined;
  private lastSeen = 0;

  constructor(
    private readonly options: ScanFilterOptions,
    private readonly clock: Clock,
    private readonly deliver: (code: string) => void,
    private readonly log: Logger,
    private readonly bus?: DeviceBus,
  ) {}

  push(text: string): void {
    if (this.overflow) return;
    this.buf += text;
    if (this.buf.length > this.options.maxLength) {
      // Keep swallowing until the next terminator: the tail of an over-long line is not a code either.
      this.overflow = true;
      this.drop('too-long', this.buf.length);
      this.buf = '';
    }
  }

  get pending(): number {
    return this.buf.length;
  }

  end(): void {
    const code = this.buf;
    const wasOverflow = this.overflow;
    this.buf = '';
    this.overflow = false;
    if (wasOverflow) return;
    if (code.length === 0) return; // CRLF halves, stray terminators: nothing was presented
    if (!/^[\x20-\x7e]+$/.test(code)) {
      this.drop('non-printable', code.length);
      return;
    }
    const now = this.clock.monotonic();
    if (code === this.lastCode && now - this.lastSeen < this.options.rereadWindowMs) {
      this.lastSeen = now; // the code is still in front of the reader: extend the presentation
      return;
    }
    this.lastCode = code;
    this.lastSeen = now;
    this.deliver(code);
  }

  discard(): void {
    if (this.buf.length > 0) this.drop('partial', this.buf.length);
    this.buf = '';
    this.overflow = false;
  }

  private drop(reason: DropReason, length: number): void {
    this.log.warn({ reason, length }, 'scanner input dropped');
    this.bus?.emit('scanner:dropped', { reason, length });
  }
}
