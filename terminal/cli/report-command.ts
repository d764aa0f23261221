// `tessera z-report` (a day's totals from the daemon, printed on the receipt printer with --print) and `tessera api-docs` (the control API's OpenAPI document).
import type { Command } from 'commander';
import type { ReportRow } from '#drivers';
import type { ApiClient } from '../api/client.js';
import type { ZReport } from '../reports/z-report.js';
import { zRows } from '../reports/z-slip.js';

export interface ReportCommandHelpers {
  client(cmd: Command): ApiClient;
  print(cmd: Command, json: unknown, human: string): void;
  /** The merchant's language for labels (locale.language), when the config can be read. */
  language(cmd: Command): string | undefined;
}

const WIDTH = 44;

/** The rows as the slip prints them, on a terminal 44 columns wide. */
export function rowsText(rows: ReportRow[]): string {
  return rows
    .map((r) => {
      if ('rule' in r) return '-'.repeat(WIDTH);
      if (r.value === undefined) return r.label;
      return `${r.label} ${r.value.padStart(Math.max(1, WIDTH - r.label.length - 1))}`;
    })
    .join('\n');
}

export function zText(z: ZReport, language?: string): string {
  return [`Z-report ${z.date} (${z.timeZone}, ${z.from} to ${z.to}), ${z.records} record(s)`, rowsText(zRows(z, language))].join('\n');
}

export function registerReportCommands(program: Command, h: ReportCommandHelpers): void {
  program
    .command('z-report')
    .description("a day's totals (Z-report) in the merchant's time zone: approved and declined per currency, voids, refunds, net")
    .option('--date <YYYY-MM-DD>', "the day, in the merchant's time zone (default: today there)")
    .option('--print', 'also print it on the receipt printer (exit 1 if it did not print)')
    .action(async (o: { date?: string; print?: boolean }, cmd: Command) => {
      const api = h.client(cmd);
      const query = o.date ? `?date=${encodeURIComponent(o.date)}` : '';
      const report = o.print
        ? (await api.call<{ report: ZReport }>('POST', '/v1/reports/z/print', o.date ? { date: o.date } : {})).report
        : await api.call<ZReport>('GET', `/v1/reports/z${query}`);
      h.print(cmd, report, `${zText(report, h.language(cmd))}${o.print ? '\nprinted on the receipt printer' : ''}`);
    });

  program
    .command('api-docs')
    .description("the control API's OpenAPI 3.1 document, from the running daemon (JSON; --json changes nothing)")
    .action(async (_o, cmd: Command) => {
      const doc = await h.client(cmd).call<unknown>('GET', '/v1/openapi.json');
      h.print(cmd, doc, JSON.stringify(doc, null, 2));
    });
}
