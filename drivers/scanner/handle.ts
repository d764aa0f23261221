// The common half of every scanner handle: status bookkeeping, bus events, scan delivery.
import { EventEmitter } from 'node:events';
import type { Logger } from '#common';
import type { DeviceBus } from '../events.js';
import type { ScanRefusal, ScanSink, ScannerHandle, ScannerHandleEvents, ScannerStatus } from './types.js';

export abstract class BaseScannerHandle extends EventEmitter<ScannerHandleEvents> implements ScannerHandle {
  protected current: ScannerStatus = { state: 'disconnected' };
  protected closed = false;

  constructor(
    protected readonly log: Logger,
    protected readonly bus?: DeviceBus,
  ) {
    super();
    // A handle without a status listener must not throw on 'error'-like events; we never emit 'error'.
  }

  status(): ScannerStatus {
    return { ...this.current };
  }

  protected setStatus(next: ScannerStatus): void {
    if (this.closed) return;
    if (next.state === this.current.state && next.code === this.current.code) return;
    this.current = next;
    const level = next.state === 'connected' ? 'info' : 'warn';
    this.log[level]({ state: next.state, code: next.code, detail: next.detail }, 'scanner status');
    this.bus?.emit('device:status', { device: 'scanner', ...next });
    this.emit('status', { ...next });
  }

  protected deliver(code: string): void {
    if (this.closed) return;
    this.bus?.emit('scanner:scan', { code });
    this.emit('scan', code);
  }

  protected refuse(refusal: ScanRefusal): void {
    if (this.closed) return;
    this.emit('refused', { ...refusal });
  }

  /** The sink a handle's CodeAssembler feeds. */
  protected sink(): ScanSink {
    return { code: (c) => this.deliver(c), refused: (r) => this.refuse(r) };
  }

  abstract close(): Promise<void>;
}
