// The broker's access rules for mosquitto's dynamic-security plugin: a role per terminal, the clearing, admin and monitor roles.
import { DEFAULT_SHARE_GROUP, isShareGroup, topics } from '#protocol';

export type DynsecAclType = 'publishClientSend' | 'publishClientReceive' | 'subscribeLiteral' | 'subscribePattern' | 'unsubscribeLiteral' | 'unsubscribePattern';

export interface DynsecAcl {
  acltype: DynsecAclType;
  topic: string;
  priority: number;
  allow: boolean;
}

export interface DynsecRole {
  rolename: string;
  textname: string;
  acls: DynsecAcl[];
}

export interface DynsecClient {
  username: string;
  textname: string;
  roles: { rolename: string; priority: number }[];
}

/** The plugin's configuration file (`plugin_opt_config_file`), as mosquitto 2.0 reads it. */
export interface DynsecConfig {
  defaultACLAccess: { publishClientSend: boolean; publishClientReceive: boolean; subscribe: boolean; unsubscribe: boolean };
  clients: DynsecClient[];
  groups: never[];
  roles: DynsecRole[];
}

/** The role every back-office broker identity (each clearing instance, each publishing command) holds. */
export const CLEARING_ROLE = 'tessera-clearing';
/** The role that may change these rules at run time (mosquitto_ctrl over the plugin's $CONTROL topic). */
export const ADMIN_ROLE = 'tessera-broker-admin';
/** The role of fleet dashboards: every terminal's retained status, nothing else. */
export const MONITOR_ROLE = 'tessera-monitor';
const CONTROL_TOPIC = '$CONTROL/dynamic-security/#';
/** Terminal ids and back-office names become usernames, client ids and topic levels. */
const IDENTITY_RE = /^[A-Za-z0-9._-]{1,64}$/;
const ANY = '+';

const allow = (acltype: DynsecAclType, topic: string): DynsecAcl => ({ acltype, topic, priority: 0, allow: true });

export const terminalRoleName = (terminalId: string): string => `tessera-terminal-${terminalId}`;

function checkIdentity(id: string): string {
  if (!IDENTITY_RE.test(id)) throw new Error(`not a valid broker identity: ${JSON.stringify(id)} (A-Z a-z 0-9 . _ -, at most 64)`);
  return id;
}

/**
 * A terminal publishes only its own journal and status, and subscribes (literally: no wildcard
 * filter, no `$share/…`) only to its own topics the back office writes and to the fleet topics.
 * The 2.0 plugin has no %u patterns, so each terminal gets its own role. Extend here when the
 * back office gains another per-terminal topic.
 */
export function terminalRole(terminalId: string): DynsecRole {
  const id = checkIdentity(terminalId);
  const reads = [topics.ack(id), topics.resync(id), topics.config(id), topics.denylist, topics.trust];
  return {
    rolename: terminalRoleName(id),
    textname: `terminal ${id}: own journal and status out, own ack, resync and config and the fleet topics in`,
    acls: [
      allow('publishClientSend', topics.journal(id)),
      allow('publishClientSend', topics.status(id)),
      ...reads.flatMap((topic) => [allow('subscribeLiteral', topic), allow('publishClientReceive', topic)]),
    ],
  };
}

/**
 * Exactly what clearing and the publishing commands need: every journal, only through the shared
 * subscription of the clearing workers' group(s) (`$share/clearing` unless run --share-group says
 * otherwise); every terminal's status (read); acks, resync requests and configs to any terminal;
 * the retained fleet topics.
 */
export function clearingRole(shareGroups: readonly string[] = [DEFAULT_SHARE_GROUP]): DynsecRole {
  const groups = [...new Set(shareGroups)];
  const bad = groups.find((g) => !isShareGroup(g));
  if (bad !== undefined || groups.length === 0) throw new Error(`not a valid share group: ${JSON.stringify(bad ?? '')} (A-Z a-z 0-9 . _ -, at most 64)`);
  return {
    rolename: CLEARING_ROLE,
    textname: `back office: clearing through ${groups.map((g) => `$share/${g}`).join(', ')}, acks, configs and fleet messages`,
    acls: [
      ...groups.map((g) => allow('subscribeLiteral', topics.clearingShareOf(g))),
      allow('publishClientReceive', topics.journal(ANY)),
      allow('subscribeLiteral', topics.allStatus),
      allow('publishClientReceive', topics.status(ANY)),
      allow('publishClientSend', topics.ack(ANY)),
      allow('publishClientSend', topics.resync(ANY)),
      allow('publishClientSend', topics.config(ANY)),
      allow('publishClientSend', topics.denylist),
      allow('publishClientSend', topics.trust),
    ],
  };
}

/**
 * The whole plugin file: deny by default (an identity missing here can do nothing), a role per
 * terminal, the clearing role for each back-office identity. Clients have no password: they
 * authenticate with their TLS certificate (`use_identity_as_username`).
 */
export function dynsecConfig(o: { terminals: readonly string[]; backoffice: readonly string[]; admin?: readonly string[]; monitor?: readonly string[]; shareGroups?: readonly string[] }): DynsecConfig {
  const ids = (l: readonly string[] | undefined) => [...new Set(l ?? [])].map(checkIdentity);
  const [terminals, backoffice, admin, monitor] = [ids(o.terminals), ids(o.backoffice), ids(o.admin), ids(o.monitor)];
  const all = [...terminals, ...backoffice, ...admin, ...monitor];
  const clash = all.find((id, i) => all.indexOf(id) !== i);
  if (clash) throw new Error(`${clash} is named twice (terminal, back-office, admin and monitor identities are distinct)`);
  const status = topics.status(ANY);
  const client = (username: string, textname: string, rolename: string): DynsecClient => ({ username, textname, roles: [{ rolename, priority: 0 }] });
  return {
    defaultACLAccess: { publishClientSend: false, publishClientReceive: false, subscribe: false, unsubscribe: true },
    clients: [
      ...admin.map((id) => client(id, 'broker administrator', ADMIN_ROLE)),
      ...monitor.map((id) => client(id, 'fleet monitor', MONITOR_ROLE)),
      ...backoffice.map((id) => client(id, 'back office', CLEARING_ROLE)),
      ...terminals.map((id) => client(id, 'terminal', terminalRoleName(id))),
    ],
    groups: [],
    roles: [
      ...(admin.length ? [{ rolename: ADMIN_ROLE, textname: 'changes these rules with mosquitto_ctrl', acls: [allow('publishClientSend', CONTROL_TOPIC), allow('publishClientReceive', CONTROL_TOPIC), allow('subscribePattern', CONTROL_TOPIC)] }] : []),
      ...(monitor.length ? [{ rolename: MONITOR_ROLE, textname: "reads every terminal's status", acls: [allow('subscribeLiteral', status), allow('publishClientReceive', status)] }] : []),
      clearingRole(o.shareGroups),
      ...terminals.map(terminalRole),
    ],
  };
}

/**
 * `mosquitto_ctrl` arguments (after its connection options) that add one terminal to a running
 * broker, as the admin identity: mosquitto 2.0 does not re-read the plugin file on SIGHUP.
 */
export function addTerminalCommands(terminalId: string): string[][] {
  const role = terminalRole(terminalId);
  return [
    ['dynsec', 'createRole', role.rolename],
    ...role.acls.map((a) => ['dynsec', 'addRoleACL', role.rolename, a.acltype, a.topic, a.allow ? 'allow' : 'deny', String(a.priority)]),
    // No password: the client authenticates with its certificate; mosquitto_ctrl would prompt without -p.
    ['dynsec', 'createClient', terminalId, '-p', ''],
    ['dynsec', 'addClientRole', terminalId, role.rolename, '0'],
  ];
}
