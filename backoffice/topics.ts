// MQTT topics and payload shapes shared with terminals (CONTRACTS.md §MQTT topics).

export const JOURNAL_SUBSCRIPTION = 'tessera/v1/terminals/+/journal';
export const SHARED_JOURNAL_SUBSCRIPTION = `$share/clearing/${JOURNAL_SUBSCRIPTION}`;
export const DENYLIST_TOPIC = 'tessera/v1/fleet/denylist';
export const TRUST_TOPIC = 'tessera/v1/fleet/trust';

export const journalTopic = (terminalId: string): string => `tessera/v1/terminals/${terminalId}/journal`;
export const ackTopic = (terminalId: string): string => `tessera/v1/terminals/${terminalId}/ack`;
export const statusTopic = (terminalId: string): string => `tessera/v1/terminals/${terminalId}/status`;
export const configTopic = (terminalId: string): string => `tessera/v1/terminals/${terminalId}/config`;

/** The terminal id in a journal topic, or undefined for any other topic. */
export function terminalOfJournalTopic(topic: string): string | undefined {
  const m = /^tessera\/v1\/terminals\/([A-Za-z0-9._-]{1,32})\/journal$/.exec(topic);
  return m?.[1];
}

export interface AckResult {
  index: number;
  txId: string;
  status: 'settled' | 'duplicate' | 'declined-recorded' | 'fraud' | 'rejected';
  reason?: string;
}

export interface Ack {
  upTo: number;
  results: AckResult[];
}
