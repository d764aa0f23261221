// Runs the MQTT SyncService inside the daemon: fed by journal commits, feeding fleet updates back to the checkout.
import { EventBus, componentLogger } from '#common';
import { TESSERA_VERSION, type DaemonContext, type ExtraComponent } from './daemon.js';
import { readSecretFile, redactSecrets } from '../secrets.js';
import type { SyncEvents, SyncService, SyncStatus } from '../sync/index.js';

export interface SyncComponent extends ExtraComponent {
  drainNow(timeoutMs?: number): Promise<void>;
  status(): SyncStatus | { state: string };
}

/**
 * mqtt.js is imported only when the config has a `sync` section (cold start: a terminal that
 * never syncs never loads it). Each commit nudges the outbox; an applied trust list is picked up
 * by the checkout without a restart.
 */
export function syncComponents(ctx: DaemonContext): ExtraComponent[] {
  const cfg = ctx.config.sync;
  if (!cfg) return [];
  let service: SyncService | undefined;
  let offDecision: (() => void) | undefined;
  // The control API serves before extra components finish starting: a drain asked for meanwhile waits for it.
  let started: Promise<void> | undefined;
  const bus = new EventBus<SyncEvents>((event, error) => ctx.log.error({ err: error, event }, 'sync listener failed'));
  // The resting screen last shown: out of service (e.g. stale lists) until a fresh list ends it.
  let shownReady = true;
  ctx.checkout.bus.on('ready', (r) => (shownReady = r.ready));
  bus.on('fleet.applied', (e) => {
    if (e.kind === 'trust') ctx.fleet.refreshTrust();
    if (!shownReady) ctx.checkout.showHome();
  });
  const component: SyncComponent = {
    name: 'sync',
    start() {
      started = (async () => {
        const { SyncService: Service } = await import('../sync/index.js');
        service = new Service({
          store: ctx.store,
          terminalId: ctx.identity.terminalId,
          rootPublicKey: ctx.fleet.rootPublicKey,
          // The password comes from the credential file, never from terminal.json when a file is named.
          config: cfg.passwordFile !== undefined ? { ...cfg, password: readSecretFile(cfg.passwordFile, 'sync.passwordFile') } : cfg,
          freshness: () => ctx.checkout.freshness(),
          ...(ctx.config.location ? { location: ctx.config.location } : {}),
          bus,
          log: componentLogger(ctx.log, 'sync'),
          version: TESSERA_VERSION,
          devices: ctx.devices,
          // Wall time from the daemon's clock (trusted-time checks), but network timers (ack
          // timeouts) need a monotonic source that really moves, whatever clock the daemon was given.
          clock: { now: () => ctx.clock.now(), monotonic: () => performance.now() },
        });
        offDecision = ctx.checkout.bus.on('decision', () => service?.notify());
        service.start();
      })();
      return started;
    },
    async stop() {
      offDecision?.();
      await service?.stop();
    },
    status() {
      return service ? redactSecrets(service.status()) : { state: 'starting' };
    },
    async drainNow(timeoutMs?: number) {
      await started?.catch(() => undefined);
      if (!service) throw new Error('sync not started');
      await service.drainNow(timeoutMs);
    },
  };
  return [component];
}
