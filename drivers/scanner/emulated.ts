// An in-process scanner for the demo and tests: `present(code)` delivers through the same filter as real ones.
import { systemClock, silentLogger, type Clock, type Logger } from '#common';
import type { DeviceBus } from '../events.js';
import { CodeAssembler } from './filter.js';
import { BaseScannerHandle } from './handle.js';
import { DEFAULT_SCAN_FILTER, type ScanFilterOptions, type ScannerDriver, type ScannerHandle } from './types.js';

export interface EmulatedScannerOptions extends Partial<ScanFilterOptions> {
  clock?: Clock;
  logger?: Logger;
  bus?: DeviceBus;
}

export class EmulatedScannerHandle extends BaseScannerHandle {
  private readonly assembler: CodeAssembler;

  constructor(o: EmulatedScannerOptions) {
    super(o.logger ?? silentLogger(), o.bus);
    this.assembler = new CodeAssembler({ ...DEFAULT_SCAN_FILTER, ...o }, o.clock ?? systemClock, this.sink(), this.log, o.bus);
  }

  connect(): void {
    this.setStatus({ state: 'connected' });
  }

  /** A code held in front of the reader (one read; call again for re-reads). */
  present(code: string): void {
    if (this.current.state !== 'connected') return;
    this.assembler.push(code);
    this.assembler.end();
  }

  /** The scanner vanishes; `partial` is what it had sent of a code so far. */
  unplug(partial = ''): void {
    this.assembler.push(partial);
    this.assembler.discard();
    this.setStatus({ state: 'disconnected', code: 'SCANNER_DISCONNECTED' });
  }

  async close(): Promise<void> {
    this.setStatus({ state: 'disconnected', detail: 'closed' });
    this.closed = true;
    this.removeAllListeners();
  }
}

export class EmulatedScanner implements ScannerDriver {
  /** The most recently opened handle, for the demo script to present codes to. */
  handle: EmulatedScannerHandle | undefined;

  constructor(private readonly options: EmulatedScannerOptions = {}) {}

  async open(): Promise<ScannerHandle> {
    this.handle = new EmulatedScannerHandle(this.options);
    this.handle.connect();
    return this.handle;
  }
}
