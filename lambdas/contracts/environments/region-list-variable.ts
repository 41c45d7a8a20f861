import * as z from 'zod/mini';
import '../zod-english-messages';
import { AWS_REGION_PATTERN } from '../config/config-constants';

/**
 * A comma-separated list of AWS regions in an environment variable, parsed into the regions in
 * their order (blanks around commas and empty entries dropped); at least one.
 */
export function regionListVariable() {
  return z.pipe(
    z.pipe(
      z.string(),
      z.transform((value: string) =>
        value
          .split(',')
          .map((region) => region.trim())
          .filter((region) => region.length > 0),
      ),
    ),
    z
      .array(
        z.string().check(z.regex(AWS_REGION_PATTERN, { error: 'expected AWS regions such as us-east-1' })),
      )
      .check(z.minLength(1, { error: 'expected at least one region, comma-separated' })),
  );
}
