// Writes the demo's report.md: the day as a table, the back office's ledger, and the rendered screens and receipts.
import { writeFileSync } from 'node:fs';
import { formatAmount } from '#common';

export interface DayRow {
  terminal: string;
  who: string;
  what: string;
  amount: number;
  outcome: string;
  txId: string;
  seq: number;
  /** What clearing made of it, filled in at the end of the day. */
  backOffice?: string;
}

export interface Picture {
  file: string;
  caption: string;
}

export interface ReportInput {
  day: DayRow[];
  pictures: Picture[];
  ledger: string;
  line: string;
  broker: string;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|');

export function reportMarkdown(r: ReportInput): string {
  const out: string[] = [];
  out.push('# Tessera demo: a day of offline payments', '');
  out.push(`Broker: ${r.broker}. Every payment below was decided by a terminal while the broker was down;`);
  out.push('the journals reached the back office when it came back.', '');
  out.push('```', r.line, '```', '');
  out.push('## The day', '');
  out.push('| # | terminal | who | what | purse seq | amount | terminal decision | back office | txId |');
  out.push('| ---: | --- | --- | --- | ---: | ---: | --- | --- | --- |');
  r.day.forEach((d, i) => {
    out.push(`| ${i + 1} | ${d.terminal} | ${cell(d.who)} | ${cell(d.what)} | ${d.seq} | ${formatAmount(d.amount, 'EUR')} | ${cell(d.outcome)} | ${d.backOffice ?? ''} | ${d.txId ? `\`${d.txId.slice(0, 12)}…\`` : ''} |`);
  });
  const phone = r.pictures.filter((p) => p.file.startsWith('phone-'));
  if (phone.length > 0) {
    out.push('', "## Ana's phone", '');
    out.push('The wallet app in headless Chromium at a phone viewport (390×844), served by the back office; its camera is');
    out.push("Chromium's fake capture device fed with the café terminal's framebuffer; its payment code was read off these screens.", '');
    for (const p of phone) out.push(`### ${cell(p.caption)}`, '', `![${cell(p.caption)}](${p.file})`, '');
  }
  out.push('', '## Screens and receipts', '');
  for (const p of r.pictures.filter((x) => !x.file.startsWith('phone-'))) out.push(`### ${cell(p.caption)}`, '', `![${cell(p.caption)}](${p.file})`, '');
  out.push('## Back office ledger at the end of the day', '', '```', r.ledger, '```', '');
  return out.join('\n');
}

export function writeReport(path: string, r: ReportInput): void {
  writeFileSync(path, reportMarkdown(r));
}
