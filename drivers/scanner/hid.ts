// USB HID scanner (keyboard wedge or HID-POS): decodes reports to codes and reopens forever when unplugged.
import { systemClock, silentLogger, errorMessage, type Clock, type Logger } from '#common';
import { DEFAULT_BACKOFF, Reconnector, type BackoffOptions } from '../backoff.js';
import type { DeviceBus } from '../events.js';
import { CodeAssembler } from './filter.js';
import { BaseScannerHandle } from './handle.js';
import { KeyboardReportDecoder, decodePosReport, type HidEvent } from './hid-decode.js';
import { nodeHidTransport, type HidConnection, type HidTarget, type HidTransport } from './hid-transport.js';
import { LAYOUTS } from './keymap.js';
import { DEFAULT_SCAN_FILTER, type ScanFilterOptions, type ScannerDriver, type ScannerHandle } from './types.js';

export interface HidScannerOptions extends Partial<ScanFilterOptions> {
  target: HidTarget;
  /** 'keyboard': boot keyboard reports (keyboard wedge); 'pos': HID-POS scanned-data reports (page 0x8C). */
  mode?: 'keyboard' | 'pos';
  /** Keyboard layout the scanner emulates (keys of LAYOUTS). */
  layout?: string;
  /** Keyboard reports carry a leading report-ID byte (composite devices). */
  reportId?: boolean;
  /** Treat Tab as the end of a code as well as Enter. */
  tabEnds?: boolean;
  transport?: HidTransport;
  backoff?: BackoffOptions;
  clock?: Clock;
  logger?: Logger;
  bus?: DeviceBus;
}

export class HidScanner implements ScannerDriver {
  constructor(private readonly options: HidScannerOptions) {
    const layout = options.layout ?? 'us';
    if (!LAYOUTS[layout]) throw new Error(`unknown keyboard layout ${layout}; known: ${Object.keys(LAYOUTS).join(', ')}`);
  }

  async open(): Promise<ScannerHandle> {
    const handle = new HidScannerHandle(this.options);
    await handle.start();
    return handle;
  }
}

class HidScannerHandle extends BaseScannerHandle {
  private conn: HidConnection | undefined;
  private readonly assembler: CodeAssembler;
  private readonly reconnector: Reconnector;
  private readonly decode: (r: Uint8Array) => HidEvent[];
  private readonly keyboard: KeyboardReportDecoder | undefined;

  constructor(private readonly o: HidScannerOptions) {
    super(o.logger ?? silentLogger(), o.bus);
    this.assembler = new CodeAssembler({ ...DEFAULT_SCAN_FILTER, ...o }, o.clock ?? systemClock, this.sink(), this.log, o.bus);
    this.reconnector = new Reconnector(() => this.connect(), o.backoff ?? DEFAULT_BACKOFF);
    if ((o.mode ?? 'keyboard') === 'keyboard') {
      const layout = LAYOUTS[o.layout ?? 'us'] ?? new Map();
      const kb = new KeyboardReportDecoder(layout, { tabEnds: o.tabEnds, reportId: o.reportId });
      this.keyboard = kb;
      this.decode = (r) => kb.decode(r);
    } else {
      this.decode = decodePosReport;
    }
  }

  async start(): Promise<void> {
    if (!(await this.connect())) this.reconnector.start();
  }

  private async connect(): Promise<boolean> {
    if (this.closed) return true;
    let conn: HidConnection;
    try {
      conn = await (this.o.transport ?? nodeHidTransport).open(this.o.target);
    } catch (e) {
      this.setStatus({ state: 'reconnecting', code: 'SCANNER_OPEN_FAILED', detail: errorMessage(e) });
      return false;
    }
    if (this.closed) {
      await conn.close();
      return true;
    }
    this.conn = conn;
    this.keyboard?.reset();
    conn.onData((r) => this.onReport(r));
    conn.onError((err) => this.onLost(conn, err));
    this.setStatus({ state: 'connected' });
    return true;
  }

  private onReport(report: Uint8Array): void {
    for (const ev of this.decode(report)) {
      if (ev.kind === 'text') this.assembler.push(ev.text);
      else this.assembler.end();
    }
  }

  private onLost(conn: HidConnection, err: Error): void {
    if (this.conn !== conn) return;
    this.conn = undefined;
    void conn.close();
    this.assembler.discard();
    if (this.closed) return;
    this.setStatus({ state: 'disconnected', code: 'SCANNER_DISCONNECTED', detail: errorMessage(err) });
    this.setStatus({ state: 'reconnecting', code: 'SCANNER_DISCONNECTED' });
    this.reconnector.start();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.setStatus({ state: 'disconnected', detail: 'closed' });
    this.closed = true;
    this.reconnector.cancel();
    const conn = this.conn;
    this.conn = undefined;
    await conn?.close();
    this.removeAllListeners();
  }
}
