// Device events: the typed map every driver publishes on the shared EventBus.
import type { EventBus, ErrorCode } from '#common';

export type DeviceKind = 'scanner' | 'printer' | 'display';

/** Connection and health states a device reports; printers add their paper/cover states. */
export type DeviceState =
  | 'connected'
  | 'disconnected'
  | 'reconnecting'
  | 'ready'
  | 'paper-out'
  | 'paper-near-end'
  | 'cover-open'
  | 'error'
  | 'unsupported';

export interface DeviceStatusEvent {
  device: DeviceKind;
  state: DeviceState;
  code?: ErrorCode;
  detail?: string;
}

export interface DeviceEvents {
  'device:status': DeviceStatusEvent;
  /** A deduplicated, validated code from a scanner. */
  'scanner:scan': { code: string };
  /** Input a scanner sent that was not delivered, and why (logged too). */
  'scanner:dropped': { reason: 'too-long' | 'non-printable' | 'partial' | 'empty'; length: number };
  /** A receipt the printer could not print; it waits for an explicit reprint. */
  'printer:job': { jobId: string; state: 'printed' | 'failed' | 'reprinted'; code?: ErrorCode };
}

export type DeviceBus = EventBus<DeviceEvents>;
