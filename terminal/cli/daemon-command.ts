// `tessera daemon`: runs the daemon in the foreground until SIGTERM/SIGINT (SIGHUP reloads), without loading the CLI's client commands.
import { createLogger, errorMessage, type Logger } from '#common';
import { stdoutIsJournal } from '#common/node';
import { configPath, loadConfig, loadConfigMigrated, type TerminalConfig } from '../config.js';
import type { DaemonContext, DeviceFactory, ExtraComponent, NotifierLike } from '../daemon/daemon.js';
import { applyReload } from '../daemon/reload.js';

/** What the entry point plugs into the daemon: drivers, sync and systemd notification. */
export interface DaemonDeps {
  devices?: DeviceFactory;
  components?: (ctx: DaemonContext) => ExtraComponent[];
  notifier?: () => NotifierLike;
}

/** Loads the config, starts the daemon and keeps it running until SIGTERM or SIGINT; rejects when start fails. */
export async function runDaemon(flagConfig: string | undefined, deps: DaemonDeps, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const path = configPath(flagConfig, env);
  const { config, migration } = loadConfigMigrated(path);
  const { Daemon } = await import('../daemon/daemon.js');
  const prefix = config.log.syslogPrefix;
  const log = createLogger({ level: env.TESSERA_LOG_LEVEL ?? config.log.level, syslogPrefix: prefix === 'always' || (prefix === 'auto' && stdoutIsJournal(env)) });
  if (migration.applied.length) log.warn({ from: migration.from, to: migration.to, applied: migration.applied }, `config ${path} is version ${migration.from}: migrated to ${migration.to} in memory (the next \`tessera provision\` step writes it)`);
  const notifier = deps.notifier?.();
  const daemon = new Daemon({
    config,
    log,
    ...(deps.devices ? { devices: deps.devices } : {}),
    ...(deps.components ? { components: deps.components } : {}),
    ...(notifier ? { notifier } : {}),
  });
  // Handlers go in before start: systemd may send SIGTERM as soon as READY=1 is out, while start() still finishes.
  let signal: string | undefined;
  let wake = (): void => {};
  const onTerm = (): void => void ((signal ??= 'SIGTERM'), wake());
  const onInt = (): void => void ((signal ??= 'SIGINT'), wake());
  // SIGHUP's default action kills the process where it stands (no clean stop, the control socket
  // left behind): `systemctl reload` (ExecReload in the unit) and a closed terminal session send it.
  let started = false;
  const onHup = (): void => {
    if (!started || signal) return void log.warn('SIGHUP while starting or stopping: ignored');
    reload(path, config, log, notifier);
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGINT', onInt);
  process.on('SIGHUP', onHup);
  try {
    await daemon.start();
    started = true;
    await new Promise<void>((resolve) => {
      wake = resolve;
      if (signal) resolve();
    });
    log.info({ signal }, 'stopping');
    await daemon.stop().catch((e: unknown) => log.error({ err: e }, 'stop failed'));
  } finally {
    process.off('SIGTERM', onTerm);
    process.off('SIGINT', onInt);
    process.off('SIGHUP', onHup);
  }
}

/**
 * Re-reads the config file; a file that does not load leaves the running config as it was (a typo
 * must not stop a till). Tells systemd RELOADING=1, then READY=1 when done.
 */
function reload(path: string, running: TerminalConfig, log: Logger, notifier: NotifierLike | undefined): void {
  void notifier?.reloading?.();
  try {
    const r = applyReload(running, loadConfig(path));
    log.info({ applied: r.applied }, r.applied.length ? 'configuration reloaded' : 'configuration reloaded: nothing to apply');
    if (r.restartNeeded.length) log.warn({ restartNeeded: r.restartNeeded }, 'configuration changed in sections that take effect only after a restart (systemctl restart tessera)');
  } catch (e) {
    log.error({ err: errorMessage(e) }, 'configuration reload refused: the running configuration stays in force');
  }
  void notifier?.ready('configuration reloaded');
}
