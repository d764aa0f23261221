// The `provision` commands on a commander program: flags, help texts, output (--json) and exit codes around the steps.
import { type Command, Option } from 'commander';
import { errorMessage, isTesseraError } from '#common';
import { type CommonOptions, StepContext, type StepResult } from './context.js';
import { provisionDeps } from './defaults.js';
import { DEFAULT_CONFIG, DEFAULT_STATE_DIR } from './paths.js';
import { type BrokerOptions, runBroker } from './steps/broker.js';
import { runCheck } from './steps/check.js';
import { type DevicesOptions, runDevices } from './steps/devices.js';
import { type InitOptions, runInit } from './steps/init.js';
import { runInstall } from './steps/install.js';
import { type RequestOptions, runRequest } from './steps/request.js';
import type { ProvisionDeps } from './types.js';

function common(cmd: Command): Command {
  return cmd
    .option('--config <file>', `terminal config file (default: $TESSERA_CONFIG or ${DEFAULT_CONFIG})`)
    .option('--state-dir <dir>', `directory for keys, certificates and trust (default: next to the configured key, else ${DEFAULT_STATE_DIR})`)
    .option('--root <dir>', 'resolve every system path under this directory (e.g. a mounted SD card image)')
    .option('--json', 'print one JSON object instead of text');
}

/**
 * The step's options including those its parents parse: mounted in `tessera`, the program's own
 * --config and --json come before the subcommand sees them. A flag given here wins (no defaults here).
 */
function all<T>(cmd: Command): CommonOptions & T {
  return cmd.optsWithGlobals();
}

async function run(step: string, given: Partial<ProvisionDeps>, opts: CommonOptions, fn: (ctx: StepContext) => Promise<StepResult>): Promise<void> {
  const json = opts.json === true;
  let deps: ProvisionDeps;
  try {
    deps = await provisionDeps(opts.root !== undefined ? { ...given, root: opts.root } : given);
  } catch (e) {
    (given.io?.err ?? ((t: string) => void process.stderr.write(`${t}\n`)))(`tessera provision ${step}: ${errorMessage(e)}`);
    (given.setExitCode ?? ((c: number) => void (process.exitCode = c)))(1);
    return;
  }
  try {
    const ctx = new StepContext(deps, opts);
    const r = await fn(ctx);
    if (json) deps.io.out(JSON.stringify({ ok: r.ok !== false, step, ...r.data, changed: r.changed }));
    else for (const l of r.lines) deps.io.out(l);
    // A step that ran but found problems (a ✗ in check) fails like any other: exit 1, one line on stderr.
    if (r.ok === false) deps.io.err(`tessera provision ${step}: ${r.lines.at(-1) ?? 'failed'}`);
    deps.setExitCode(r.ok === false ? 1 : 0);
  } catch (e) {
    const code = isTesseraError(e) ? e.code : 'INTERNAL';
    const message = errorMessage(e).split('\n')[0] ?? '';
    if (json) deps.io.out(JSON.stringify({ ok: false, step, error: { code, message } }));
    deps.io.err(`tessera provision ${step}: ${message}`);
    deps.setExitCode(code === 'USAGE' ? 2 : 1);
  }
}

/** Adds the provision subcommands (init, request, install, broker, devices, check) to an existing command. */
export function addProvisionSubcommands(parent: Command, deps: Partial<ProvisionDeps> = {}): Command {
  common(parent.command('init'))
    .description('set the terminal id, merchant/operator and mode; create the terminal key (never replaced); write the base config')
    .option('--terminal-id <id>', 'terminal id, as the back office knows it (1-32 of A-Z a-z 0-9 . _ -)')
    .option('--merchant-id <id>', 'merchant id (merchant mode) or operator id (transit mode)')
    .option('--operator-id <id>', 'alias of --merchant-id for transit terminals')
    .option('--display-name <name>', 'name shown to customers (default: the merchant id)')
    .addOption(new Option('--mode <mode>', 'terminal mode').choices(['merchant', 'transit']))
    .addHelpText('after', '\nAsks for missing values only on a terminal (TTY) and only when no value flag is given.\nRe-running with the same values changes nothing.')
    .action((_o: unknown, cmd: Command) => {
      const o = all<InitOptions & { operatorId?: string }>(cmd);
      return run('init', deps, o, (ctx) => runInit(ctx, { ...o, merchantId: o.merchantId ?? o.operatorId }));
    });

  common(parent.command('request'))
    .description('print the enrolment request (TE1:…, signed by the terminal key) as text and QR for the back office')
    .option('--no-qr', 'text only, no QR code')
    .addHelpText('after', '\nThe back office turns it into a trust bundle: tessera-backoffice issue-terminal. Nothing is written here.')
    .action((_o: unknown, cmd: Command) => {
      const o = all<RequestOptions>(cmd);
      return run('request', deps, o, (ctx) => runRequest(ctx, o));
    });

  common(parent.command('install'))
    .description("install the trust bundle from the back office after checking it chains to the root and matches this terminal's key")
    .argument('<bundle>', 'trust bundle JSON file (format tessera-bundle/1)')
    .addHelpText('after', '\nRefuses, changing nothing, a bundle for another terminal or key, from another root, or with a bad signature.')
    .action((bundle: string, _o: unknown, cmd: Command) => run('install', deps, all(cmd), (ctx) => runInstall(ctx, bundle)));

  common(parent.command('broker'))
    .description('set the MQTT broker: URL, CA, and a client certificate (own key + CSR, or given files) or username/password')
    .option('--url <url>', 'broker URL: mqtts://host:8883, wss://host/mqtt (mqtt:// and ws:// only with a password)')
    .option('--ca <file>', "the broker's CA certificate (PEM)")
    .option('--cert <file>', 'client certificate signed by the broker CA (PEM); without it a key and CSR are generated')
    .option('--key <file>', 'client private key for --cert (default: the generated one)')
    .option('--username <name>', 'authenticate with a username instead of a client certificate')
    .option('--password <password>', 'password for --username (visible in ps: prefer --password-file)')
    .option('--password-file <file>', 'file holding the password')
    .addHelpText('after', '\nFirst run without --cert: writes mqtt.key and mqtt.csr (CN = terminal id) for the broker CA to sign.\nThen: tessera provision broker --cert signed.crt')
    .action((_o: unknown, cmd: Command) => {
      const o = all<BrokerOptions>(cmd);
      return run('broker', deps, o, (ctx) => runBroker(ctx, o));
    });

  common(parent.command('devices'))
    .description('choose the scanner, printer and display (from discovery or flags); serial ports are written as /dev/serial/by-id paths')
    .option('--scanner <dev>', 'serial path, hid:VID:PID, or none')
    .option('--printer <dev>', 'serial path, /dev/usb/lpN, tcp:HOST:PORT, or none')
    .option('--display <dev>', '/dev/fbN or none')
    .addHelpText('after', '\nWithout flags: a single candidate is taken; several are offered on a TTY, or refused in scripts.\nWith flags only the roles named change.')
    .action((_o: unknown, cmd: Command) => {
      const o = all<DevicesOptions>(cmd);
      return run('devices', deps, o, (ctx) => runDevices(ctx, o));
    });

  common(parent.command('check'))
    .description('checklist (✓/⚠/✗ with the fix for each ✗): key, certificate, trust list, clock, devices, broker, disk, service')
    .addHelpText('after', '\nExits 1 when any check fails (⚠ warnings do not fail).')
    .action((_o: unknown, cmd: Command) => run('check', deps, all(cmd), (ctx) => runCheck(ctx)));
  return parent;
}

/** Adds `provision` with its subcommands to a program (e.g. the `tessera` CLI); returns the `provision` command. */
export function registerProvisionCommands(program: Command, deps: Partial<ProvisionDeps> = {}): Command {
  const provision = program
    .command('provision')
    .description('set a terminal up step by step: init → request → install → broker → devices → check (each safe to repeat)');
  return addProvisionSubcommands(provision, deps);
}
