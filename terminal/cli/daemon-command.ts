// `tessera daemon`: runs the daemon in the foreground until SIGTERM/SIGINT, without loading the CLI's client commands.
import { createLogger } from '#common';
import { configPath, loadConfig } from '../config.js';
import type { DaemonContext, DeviceFactory, ExtraComponent, NotifierLike } from '../daemon/daemon.js';

/** What the entry point plugs into the daemon: drivers, sync and systemd notification. */
export interface DaemonDeps {
  devices?: DeviceFactory;
  components?: (ctx: DaemonContext) => ExtraComponent[];
  notifier?: () => NotifierLike;
}

/** Loads the config, starts the daemon and keeps it running until SIGTERM or SIGINT; rejects when start fails. */
export async function runDaemon(flagConfig: string | undefined, deps: DaemonDeps, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(configPath(flagConfig, env));
  const { Daemon } = await import('../daemon/daemon.js');
  const log = createLogger({ level: env.TESSERA_LOG_LEVEL ?? config.log.level });
  const daemon = new Daemon({
    config,
    log,
    ...(deps.devices ? { devices: deps.devices } : {}),
    ...(deps.components ? { components: deps.components } : {}),
    ...(deps.notifier ? { notifier: deps.notifier() } : {}),
  });
  // Handlers go in before start: systemd may send SIGTERM as soon as READY=1 is out, while start() still finishes.
  let signal: string | undefined;
  let wake = (): void => {};
  const onTerm = (): void => void ((signal ??= 'SIGTERM'), wake());
  const onInt = (): void => void ((signal ??= 'SIGINT'), wake());
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  try {
    await daemon.start();
    await new Promise<void>((resolve) => {
      wake = resolve;
      if (signal) resolve();
    });
    log.info({ signal }, 'stopping');
    await daemon.stop().catch((e: unknown) => log.error({ err: e }, 'stop failed'));
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
  }
}
