// A terminal's sync side in its own process, so a test can SIGKILL it mid-drain. Prints progress as JSON lines.
import { EventBus } from '#common';
import { SyncService, type SyncEvents } from '../../terminal/sync/index.js';
import { fastConfig, openSyncStore } from './helpers.js';
import { SYNC_ROOT } from '../support/sync-trust.js';

const [db, url, terminalId] = process.argv.slice(2);
if (!db || !url || !terminalId) {
  console.error('usage: terminal-child DB URL TERMINAL_ID');
  process.exit(2);
}
const store = await openSyncStore(db, terminalId);
const bus = new EventBus<SyncEvents>();
const out = (o: object) => process.stdout.write(JSON.stringify(o) + '\n');
bus.on('sync.progress', (p) => out({ event: 'progress', ...p }));
bus.on('sync.connection', (c) => out({ event: 'connection', ...c }));
bus.on('sync.ignored', (e) => out({ event: 'ignored', channel: e.channel, reason: e.reason }));
const sync = new SyncService({ store, terminalId, rootPublicKey: SYNC_ROOT.publicKey, config: fastConfig(url), bus });
sync.start();
out({ event: 'started', backlog: store.backlog(), ackedUpTo: store.ackedUpTo() });
process.on('SIGTERM', () => {
  void sync.stop().then(() => {
    store.stop();
    process.exit(0);
  });
});
