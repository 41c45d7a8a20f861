/**
 * The CSV of probe traces, one line at a time. A month of probes is close to a million lines, and
 * csv-parse spends seconds on them (its record objects and line bookkeeping), so the trace reader
 * splits lines itself: RFC 4180 fields (quoted fields, `""` inside quotes) within one line. Trace
 * fields never need a line break, so a quote left open at the end of a line is an error, not a
 * field continued on the next line.
 */

/** The fields of one CSV line, or the problem with it. Fields are trimmed, like the plan's. */
export type CsvLine = { fields: string[] } | { problem: string };

/** Splits one CSV line (without its line break) into trimmed fields. */
export function splitCsvLine(line: string): CsvLine {
  if (!line.includes('"')) {
    const fields = line.split(',');
    return {
      fields: line.includes(' ') || line.includes('\t') ? fields.map((field) => field.trim()) : fields,
    };
  }
  const fields: string[] = [];
  let index = 0;
  for (;;) {
    while (line[index] === ' ' || line[index] === '\t') index++;
    if (line[index] === '"') {
      let value = '';
      index++;
      for (;;) {
        const close = line.indexOf('"', index);
        if (close < 0) return { problem: 'a quoted field is not closed on its line' };
        value += line.slice(index, close);
        if (line[close + 1] === '"') {
          value += '"';
          index = close + 2;
          continue;
        }
        index = close + 1;
        break;
      }
      while (line[index] === ' ' || line[index] === '\t') index++;
      if (index < line.length && line[index] !== ',') {
        return { problem: `unexpected text after a quoted field at character ${index + 1}` };
      }
      fields.push(value);
    } else {
      const comma = line.indexOf(',', index);
      const end = comma < 0 ? line.length : comma;
      const value = line.slice(index, end);
      if (value.includes('"')) {
        return { problem: `a quote inside an unquoted field at character ${index + 1}` };
      }
      fields.push(value.trim());
      index = end;
    }
    if (index >= line.length) return { fields };
    index++; // the comma
    if (index === line.length) {
      fields.push('');
      return { fields };
    }
  }
}

/**
 * One field as written: quoted only when it holds a comma, a quote or edge spaces. Line breaks
 * become spaces, so every field stays on its line (see the module comment).
 */
export function csvField(value: string): string {
  const oneLine = value.replace(/\r\n|[\r\n]/g, ' ');
  if (!/[",]|^\s|\s$/.test(oneLine)) return oneLine;
  return `"${oneLine.replace(/"/g, '""')}"`;
}
