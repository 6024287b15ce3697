import type { RowResult } from './harness.js';
import { fmt, summarize } from './stats.js';

const cell = (values: number[]) => {
  const s = summarize(values);
  return values.length > 1 ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : fmt(s.median);
};

export function ratioOf(row: RowResult): number | undefined {
  if (!row.floor || row.floor.values.length === 0) return undefined;
  return summarize(row.parley).median / summarize(row.floor.values).median;
}

const ratioText = (row: RowResult) => {
  const r = ratioOf(row);
  if (r === undefined) return '—';
  return row.better === 'lower' ? `${fmt(r)}×` : fmt(r);
};

/** The table as Markdown: median (min–max) of the repetitions, and Parley / floor. */
export function renderTable(rows: RowResult[]): string {
  const lines = ['| metric | Parley | floor | Parley / floor | target |', '|---|---|---|---|---|'];
  for (const row of rows) {
    const floor = row.floor ? `${cell(row.floor.values)} — ${row.floor.what}` : '—';
    const note = row.note ? ` (${row.note})` : '';
    lines.push(`| ${row.id} ${row.metric}${note} | ${cell(row.parley)} ${row.unit} | ${floor} | ${ratioText(row)} | ${row.target ?? ''} |`);
  }
  return lines.join('\n');
}
