// The MQTT topic names of docs/mqtt.md, in one place.

export const TOPIC_ROOT = 'tessera/v1';

export const topics = {
  journal: (terminalId: string) => `${TOPIC_ROOT}/terminals/${terminalId}/journal`,
  ack: (terminalId: string) => `${TOPIC_ROOT}/terminals/${terminalId}/ack`,
  status: (terminalId: string) => `${TOPIC_ROOT}/terminals/${terminalId}/status`,
  config: (terminalId: string) => `${TOPIC_ROOT}/terminals/${terminalId}/config`,
  denylist: `${TOPIC_ROOT}/fleet/denylist`,
  trust: `${TOPIC_ROOT}/fleet/trust`,
  /** What clearing subscribes to: every terminal's journal, shared among back-office instances. */
  clearingShare: `$share/clearing/${TOPIC_ROOT}/terminals/+/journal`,
  allJournals: `${TOPIC_ROOT}/terminals/+/journal`,
} as const;

/** Terminal ids become topic levels and ACL usernames: no wildcards, separators or `$`. */
export function isTopicSafeId(id: string): boolean {
  return /^[A-Za-z0-9._-]{1,64}$/.test(id);
}
