// The broker rules generator and the back office's TLS identity options: what they refuse.
import t from 'tap';
import { addTerminalCommands, dynsecConfig, terminalRole } from './broker-acl.js';
import { brokerTlsOptions } from './service.js';

t.test('identities must be topic-safe and distinct', async (t) => {
  for (const bad of ['', 'T/1', 'T+', '#', '$share', 'x'.repeat(65)]) t.throws(() => terminalRole(bad), /not a valid broker identity/, JSON.stringify(bad));
  t.throws(() => dynsecConfig({ terminals: ['T-1'], backoffice: ['T-1'] }), /T-1 is named twice/);
  t.throws(() => dynsecConfig({ terminals: [], backoffice: ['bo'], admin: ['bo'] }), /bo is named twice/);
  t.throws(() => addTerminalCommands('T 1'), /not a valid broker identity/);
});

t.test('every topic a terminal role names is its own or a fleet topic, and none is a wildcard', async (t) => {
  const topics = terminalRole('T-7').acls.map((a) => a.topic);
  t.ok(topics.length > 0);
  for (const topic of topics) t.match(topic, /^tessera\/v1\/(terminals\/T-7\/[a-z]+|fleet\/[a-z]+)$/, topic);
  const c = dynsecConfig({ terminals: ['T-7', 'T-7'], backoffice: ['bo-1'] });
  t.same(c.defaultACLAccess, { publishClientSend: false, publishClientReceive: false, subscribe: false, unsubscribe: true }, 'deny by default');
  t.same(c.clients.map((x) => [x.username, x.roles.map((r) => r.rolename)]), [['bo-1', ['tessera-clearing']], ['T-7', ['tessera-terminal-T-7']]], 'one client per identity');
});

t.test('TLS identity options: certificate and key together, unreadable files named', async (t) => {
  t.same(brokerTlsOptions(undefined), {});
  t.same(brokerTlsOptions({ ca: undefined, cert: undefined, key: undefined }), {}, 'no files: a plain connection');
  t.throws(() => brokerTlsOptions({ cert: '/c.pem' }), { code: 'USAGE' });
  t.throws(() => brokerTlsOptions({ key: '/k.pem' }), { code: 'USAGE' });
  t.throws(() => brokerTlsOptions({ ca: '/nonexistent/ca.pem' }), { code: 'CONFIG_NOT_FOUND', message: /broker CA \/nonexistent\/ca\.pem/ });
});

t.test('the clearing role subscribes only through the named share groups', async (t) => {
  const subs = (c: ReturnType<typeof dynsecConfig>) => c.roles.find((r) => r.rolename === 'tessera-clearing')?.acls.filter((a) => a.acltype === 'subscribeLiteral').map((a) => a.topic);
  t.same(subs(dynsecConfig({ terminals: [], backoffice: ['bo'] })), ['$share/clearing/tessera/v1/terminals/+/journal', 'tessera/v1/terminals/+/status'], 'default group');
  t.same(subs(dynsecConfig({ terminals: [], backoffice: ['bo'], shareGroups: ['eu', 'eu', 'shadow'] })), ['$share/eu/tessera/v1/terminals/+/journal', '$share/shadow/tessera/v1/terminals/+/journal', 'tessera/v1/terminals/+/status']);
  for (const bad of ['a/b', '+', '#', '']) t.throws(() => dynsecConfig({ terminals: [], backoffice: ['bo'], shareGroups: [bad] }), /not a valid share group/, JSON.stringify(bad));
});
