/** How commands print their results on stdout: plain text, JSON, a table. */

export const out = (text: string): void => void process.stdout.write(text);

export const printJson = (data: unknown): void => out(JSON.stringify(data, null, 2) + "\n");

/** Rows (the first one the header) in columns as wide as their widest cell, gap spaces apart. */
export function tableText(rows: string[][], gap = 3): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  return rows.map((row) => row.map((c, i) => c.padEnd(widths[i]!)).join(" ".repeat(gap)).trimEnd() + "\n").join("");
}

export const printTable = (rows: string[][], gap = 3): void => out(tableText(rows, gap));
