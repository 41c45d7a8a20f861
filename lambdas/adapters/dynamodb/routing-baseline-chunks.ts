/**
 * Packing a baseline's entries into chunk items that each stay under a byte budget, well below
 * DynamoDB's item limit ("The maximum item size in DynamoDB is 400 KB, which includes both attribute
 * name binary length (UTF-8 length) and attribute value lengths", developer guide, "Service, account,
 * and table quotas"). Entries are gzipped JSON: routing settings repeat the same keys and values from
 * number to number, so a chunk holds many times more entries than plain JSON would, and every write,
 * replicated write and delete is billed by the item's size.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { ValidationError } from '../../contracts/errors';
import type { BaselineEntry } from '../../ports/routing-baseline';

/** Raw JSON a chunk starts from before compression; halved while its item would be too large. */
const RAW_BYTES_PER_ITEM_BYTE = 8;

/**
 * The size DynamoDB counts for an item: attribute names and values, strings and binaries by their
 * bytes, a number as its largest encoding (21 bytes). Only flat items of those types are measured.
 */
export function itemSizeBytes(item: Record<string, string | number | Uint8Array>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    size += Buffer.byteLength(name, 'utf8');
    if (typeof value === 'string') size += Buffer.byteLength(value, 'utf8');
    else if (typeof value === 'number') size += 21;
    else size += value.byteLength;
  }
  return size;
}

/**
 * Splits `entries` into gzipped chunks whose item, built by `itemOf` around the chunk, measures at
 * most `maxItemBytes`. Entries keep their order; an entry that alone exceeds the budget is refused
 * (it would be refused by DynamoDB too), naming its number.
 */
export function packBaselineChunks(
  entries: readonly BaselineEntry[],
  maxItemBytes: number,
  itemOf: (payload: Uint8Array) => Record<string, string | number | Uint8Array>,
): Uint8Array[] {
  const serialized = entries.map((entry) => JSON.stringify(entry));
  const chunks: Uint8Array[] = [];
  const fits = (payload: Uint8Array) => itemSizeBytes(itemOf(payload)) <= maxItemBytes;
  const pack = (from: number, to: number): void => {
    const payload = gzipSync(`[${serialized.slice(from, to).join(',')}]`);
    if (fits(payload)) {
      chunks.push(payload);
      return;
    }
    if (to - from === 1) {
      throw new ValidationError(
        `The routing baseline entry of ${entries[from].snapshot.number} does not fit one item`,
        [`compressed it needs ${payload.byteLength} bytes; \`maxItemBytes\` is ${maxItemBytes}`],
      );
    }
    const middle = from + Math.ceil((to - from) / 2);
    pack(from, middle);
    pack(middle, to);
  };
  const rawBudget = maxItemBytes * RAW_BYTES_PER_ITEM_BYTE;
  let start = 0;
  let rawBytes = 2;
  for (let index = 0; index < serialized.length; index++) {
    const bytes = Buffer.byteLength(serialized[index], 'utf8') + 1;
    if (index > start && rawBytes + bytes > rawBudget) {
      pack(start, index);
      start = index;
      rawBytes = 2;
    }
    rawBytes += bytes;
  }
  if (start < serialized.length) pack(start, serialized.length);
  return chunks;
}

/** The entries of one chunk written by packBaselineChunks. */
export function unpackBaselineChunk(payload: Uint8Array): BaselineEntry[] {
  return JSON.parse(gunzipSync(payload).toString('utf8')) as BaselineEntry[];
}
