// The MQTT topic names of the sync contract (docs/mqtt.md §Topics), for terminals and the back office alike.

export const TOPIC_ROOT = 'tessera/v1';

/** Terminal ids become topic levels and ACL usernames: the certificate's id syntax, so no wildcards, separators or `$`. */
const TOPIC_SAFE_ID = /^[A-Za-z0-9._-]{1,32}$/;

export function isTopicSafeId(id: string): boolean {
  return TOPIC_SAFE_ID.test(id);
}

/** The shared-subscription group clearing workers join unless told otherwise. */
export const DEFAULT_SHARE_GROUP = 'clearing';

/** A share name is one topic level (MQTT 5 §4.8.2: no `/`, `+` or `#`); kept to the id syntax. */
const SHARE_GROUP = /^[A-Za-z0-9._-]{1,64}$/;

export function isShareGroup(group: string): boolean {
  return SHARE_GROUP.test(group);
}

export const topics = {
  journal: (terminalId: string) => `${TOPIC_ROOT}/terminals/${terminalId}/journal`,
  ack: (terminalId: string) => `${TOPIC_ROOT}/terminals/${terminalId}/ack`,
  resync: (terminalId: string) => `${TOPIC_ROOT}/terminals/${terminalId}/resync`,
  status: (terminalId: string) => `${TOPIC_ROOT}/terminals/${terminalId}/status`,
  config: (terminalId: string) => `${TOPIC_ROOT}/terminals/${terminalId}/config`,
  denylist: `${TOPIC_ROOT}/fleet/denylist`,
  trust: `${TOPIC_ROOT}/fleet/trust`,
  /** Every terminal's journal: what a single clearing process subscribes to. */
  allJournals: `${TOPIC_ROOT}/terminals/+/journal`,
  /** The same, shared among back-office instances (each batch goes to one of them). */
  clearingShare: `$share/${DEFAULT_SHARE_GROUP}/${TOPIC_ROOT}/terminals/+/journal`,
  /** The shared subscription of another group of clearing workers (each group receives every batch). */
  clearingShareOf: (group: string) => `$share/${group}/${TOPIC_ROOT}/terminals/+/journal`,
  allStatus: `${TOPIC_ROOT}/terminals/+/status`,
} as const;

export type TerminalTopic = 'journal' | 'ack' | 'resync' | 'status' | 'config';

/** The terminal id and leaf of a per-terminal topic, or undefined for any other topic (or an unsafe id). */
export function parseTerminalTopic(topic: string): { terminalId: string; leaf: TerminalTopic } | undefined {
  const parts = topic.split('/');
  if (parts.length !== 5 || `${parts[0]}/${parts[1]}` !== TOPIC_ROOT || parts[2] !== 'terminals') return undefined;
  const [, , , terminalId, leaf] = parts;
  if (terminalId === undefined || !isTopicSafeId(terminalId)) return undefined;
  if (leaf !== 'journal' && leaf !== 'ack' && leaf !== 'resync' && leaf !== 'status' && leaf !== 'config') return undefined;
  return { terminalId, leaf };
}
